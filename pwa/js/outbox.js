// The outbox: what this phone has to deliver. No DOM code: used by the page and by the
// service worker. An entry leaves the outbox only when the server has answered for it.
//
// Entry: {key, id, op, establishment_id, item, state, errors, warnings, saved_at,
//         attempts, last_error}
//   op:    "create" (POST /declarations/batch), "correct" (PUT), "checkout", "cancel"
//   state: "saved" (waiting), "sending" (locked: in a request now), "invalid" (the
//          server or the checks refused it: a person must fix it)

import * as db from "./db.js";

export class Locked extends Error {
  constructor() {
    super("entry_locked");
  }
}

export const keyFor = (id, op) => (op === "create" ? id : `${id}#${op}`);

/** Save (or replace) an entry; refused while it is being sent. Resolves once on disk. */
export function save({ id, op = "create", establishmentId, item }) {
  const key = keyFor(id, op);
  return db.update("outbox", key, (current) => {
    if (current && current.state === "sending") throw new Locked();
    return {
      key,
      id,
      op,
      establishment_id: establishmentId,
      item,
      state: "saved",
      errors: [],
      warnings: current ? current.warnings : [],
      saved_at: current ? current.saved_at : Date.now(),
      edited_at: Date.now(),
      attempts: 0,
      last_error: null,
    };
  });
}

/** Delete an unsent entry (the receptionist's choice); refused while it is being sent. */
export function discard(key) {
  return db.update("outbox", key, (current) => {
    if (current && current.state === "sending") throw new Locked();
    return null;
  });
}

export const entries = (establishmentId) =>
  db.getAllBy("outbox", "by_establishment", establishmentId);
export const entry = (key) => db.get("outbox", key);

/** Mark up to `limit` waiting entries of one kind as sending, in one transaction. */
export function claim(establishmentId, ops, limit) {
  return db.transaction(["outbox"], "readwrite", (stores) => {
    const store = stores.outbox;
    return new Promise((resolve, reject) => {
      const claimed = [];
      const cursor = store.index("by_establishment").openCursor(IDBKeyRange.only(establishmentId));
      cursor.onerror = () => reject(cursor.error);
      cursor.onsuccess = () => {
        const at = cursor.result;
        if (!at || claimed.length >= limit) {
          resolve(claimed);
          return;
        }
        const row = at.value;
        if (row.state === "saved" && ops.includes(row.op)) {
          const next = { ...row, state: "sending", attempts: (row.attempts || 0) + 1 };
          at.update(next);
          claimed.push(next);
        }
        at.continue();
      };
    });
  });
}

/** Entries left "sending" by a page or worker that died mid-request go back to waiting. */
export function releaseStale(establishmentId) {
  return db.transaction(["outbox"], "readwrite", async (stores) => {
    const rows = await new Promise((resolve, reject) => {
      const r = stores.outbox.index("by_establishment").getAll(establishmentId);
      r.onsuccess = () => resolve(r.result);
      r.onerror = () => reject(r.error);
    });
    for (const row of rows) {
      if (row.state === "sending") stores.outbox.put({ ...row, state: "saved" });
    }
  });
}

/** Settle an entry that was sent: null deletes it, else merge `patch`. */
export function settle(key, patch) {
  return db.update("outbox", key, (current) => {
    if (!current) return undefined;
    if (patch === null) return null;
    return { ...current, ...patch };
  });
}
