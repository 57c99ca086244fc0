// Delivering the outbox and reading the server's changes. No DOM code: the page runs
// it (on start, on "online", on a timer with backoff, after each save, on "Sync now")
// and so does the service worker (Background Sync, where the browser has it).
//
// One sync at a time per browser (a Web Lock), one request at a time per entry (the
// entry is "sending" while in flight). Exactly-once is the server's part: the client
// UUID makes a repeated batch harmless.

import * as api from "./api.js";
import * as db from "./db.js";
import * as outbox from "./outbox.js";

const BATCH = 50;
const FEED_PAGES = 20;

export const cursorKey = (establishmentId) => `cursor:${establishmentId}`;

async function withLock(work) {
  if (typeof navigator !== "undefined" && navigator.locks) {
    return navigator.locks.request("luutru-sync", work);
  }
  return work();
}

/**
 * Push the outbox, then pull the feed. Resolves with {sent, invalid, pulled}; rejects
 * with api.NetworkError (retry later) or api.AuthError (sign in again). Nothing is
 * ever removed from the outbox except on the server's positive answer.
 */
export async function run() {
  const session = await db.getMeta("session");
  if (!session) return { sent: 0, invalid: 0, pulled: 0, signedOut: true };
  return withLock(async () => {
    const summary = { sent: 0, invalid: 0, pulled: 0 };
    const establishmentId = session.establishment.id;
    await outbox.releaseStale(establishmentId);
    try {
      await pushCreates(session, summary);
      await pushChanges(session, summary);
      summary.pulled = await pull(session);
      await db.setMeta("last_sync", { at: Date.now(), ok: true });
    } catch (error) {
      await db.setMeta("last_sync", {
        at: Date.now(),
        ok: false,
        error: error instanceof api.AuthError ? "auth" : error.message,
      });
      throw error;
    }
    return summary;
  });
}

async function pushCreates(session, summary) {
  const size = Math.min(BATCH, session.rules.batch_max || BATCH);
  for (;;) {
    const claimed = await outbox.claim(session.establishment.id, ["create"], size);
    if (!claimed.length) return;
    let answer;
    try {
      answer = await api.request("/declarations/batch", {
        method: "POST",
        token: session.token,
        body: { declarations: claimed.map((e) => e.item) },
      });
    } catch (error) {
      await releaseAll(claimed, error);
      throw error;
    }
    await noteSkew(answer.server_time);
    const results = answer.results || [];
    for (let i = 0; i < claimed.length; i++) {
      await settleCreate(claimed[i], results[i], session, summary);
    }
  }
}

async function settleCreate(entry, result, session, summary) {
  if (result && (result.result === "created" || result.result === "duplicate")) {
    // The record first (from what we sent), then the entry leaves the outbox: if the page
    // dies in between, the next run sends it again and the server says "duplicate".
    await db.put("records", {
      ...entry.item,
      id: entry.id,
      establishment_id: session.establishment.id,
      receipt_number: result.receipt_number,
      state: result.state,
      review_state: "new",
      stay_status: "in_house",
      warnings: result.warnings || [],
      change_seq: 0,
    });
    await outbox.settle(entry.key, null);
    summary.sent += 1;
    return;
  }
  const errors = result ? result.errors || [] : [{ field: "", code: "invalid_type", params: {} }];
  await outbox.settle(entry.key, {
    state: "invalid",
    errors,
    warnings: result?.warnings || [],
  });
  summary.invalid += 1;
}

const PATHS = {
  correct: (id) => [`/declarations/${id}`, "PUT"],
  checkout: (id) => [`/declarations/${id}/checkout`, "POST"],
  cancel: (id) => [`/declarations/${id}/cancel`, "POST"],
  rate: (id) => [`/declarations/${id}/rating`, "POST"],
};

async function pushChanges(session, summary) {
  for (;;) {
    const [entry] = await outbox.claim(session.establishment.id, Object.keys(PATHS), 1);
    if (!entry) return;
    const [path, method] = PATHS[entry.op](entry.id);
    let answer;
    try {
      answer = await api.request(path, { method, token: session.token, body: entry.item });
    } catch (error) {
      if (error instanceof api.ApiError) {
        const errors = error.fields.length
          ? error.fields
          : [{ field: "", code: error.code, message: error.message, params: {} }];
        await outbox.settle(entry.key, { state: "invalid", errors });
        summary.invalid += 1;
        continue;
      }
      await releaseAll([entry], error);
      throw error;
    }
    await db.put("records", answer.declaration);
    await outbox.settle(entry.key, null);
    summary.sent += 1;
  }
}

async function releaseAll(entries, error) {
  const blocking = error instanceof api.ApiError;
  for (const entry of entries) {
    await outbox.settle(entry.key, {
      state: "saved",
      // A refusal of the whole batch (not of one item) is shown, and retried later.
      last_error: blocking ? { code: error.code, message: error.message } : { code: error.message },
    });
  }
}

async function noteSkew(serverTime) {
  const server = Date.parse(serverTime || "");
  if (!Number.isNaN(server)) await db.setMeta("skew_ms", server - Date.now());
}

/** Read the change feed from the stored cursor; returns how many records changed. */
export async function pull(session) {
  const key = cursorKey(session.establishment.id);
  let cursor = await db.getMeta(key, "0");
  let count = 0;
  for (let page = 0; page < FEED_PAGES; page++) {
    const answer = await api.request(
      `/declarations?cursor=${encodeURIComponent(cursor)}&limit=200`,
      {
        token: session.token,
      },
    );
    const rows = answer.declarations || [];
    if (rows.length) await db.putMany("records", rows);
    count += rows.length;
    cursor = answer.next_cursor;
    await db.setMeta(key, cursor);
    if (!answer.has_more) break;
  }
  return count;
}
