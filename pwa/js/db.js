// The one module that owns IndexedDB: the database name, version, stores and the single
// upgrade(). Used by the page and by the service worker.
//
// Stores:
//   outbox   — what this phone has not yet delivered, keyed by `key` (the record's client
//              UUID for a new declaration; "<uuid>#<op>" for a correction, check-out or
//              cancellation of a delivered one). Index: by_establishment.
//   records  — the server's view of this establishment's declarations (from the feed).
//   meta     — small values: session, code lists, feed cursor, language, last sync.

const NAME = "luutru";
const VERSION = 1;

/**
 * Bring the database from `oldVersion` to VERSION, one step per version, falling
 * through (Workbox's shape): a phone that skipped versions takes every step in order.
 * A new version adds a `case` below the last one and never edits an old one.
 */
function upgrade(db, oldVersion) {
  switch (oldVersion) {
    case 0: {
      const outbox = db.createObjectStore("outbox", { keyPath: "key" });
      outbox.createIndex("by_establishment", "establishment_id");
      db.createObjectStore("records", { keyPath: "id" });
      db.createObjectStore("meta", { keyPath: "key" });
    }
  }
}

let opening = null;

function open() {
  if (!opening) {
    opening = new Promise((resolve, reject) => {
      const request = indexedDB.open(NAME, VERSION);
      request.onupgradeneeded = (event) => upgrade(request.result, event.oldVersion);
      request.onsuccess = () => {
        const db = request.result;
        // iOS may close the connection under memory pressure; another tab may upgrade.
        db.onclose = () => {
          opening = null;
        };
        db.onversionchange = () => {
          db.close();
          opening = null;
        };
        resolve(db);
      };
      request.onerror = () => {
        opening = null;
        reject(request.error);
      };
      request.onblocked = () => reject(new Error("indexeddb_blocked"));
    });
  }
  return opening;
}

function done(request) {
  return new Promise((resolve, reject) => {
    request.onsuccess = () => resolve(request.result);
    request.onerror = () => reject(request.error);
  });
}

/**
 * Run `work(stores)` in one transaction and resolve once it has committed (so "saved"
 * is only said after the data is on disk). Reopens the database once if the browser
 * closed it under us.
 */
export async function transaction(names, mode, work, retry = true) {
  let db;
  try {
    db = await open();
    const tx = db.transaction(names, mode, { durability: "strict" });
    const stores = Object.fromEntries(names.map((n) => [n, tx.objectStore(n)]));
    const committed = new Promise((resolve, reject) => {
      tx.oncomplete = resolve;
      tx.onerror = () => reject(tx.error);
      tx.onabort = () => reject(tx.error || new Error("transaction_aborted"));
    });
    const result = await work(stores);
    await committed;
    return result;
  } catch (error) {
    if (retry && error && error.name === "InvalidStateError") {
      opening = null; // the connection was closing or closed: open a new one
      return transaction(names, mode, work, false);
    }
    throw error;
  }
}

export const get = (store, key) => transaction([store], "readonly", (s) => done(s[store].get(key)));
export const getAll = (store) => transaction([store], "readonly", (s) => done(s[store].getAll()));
export const put = (store, value) =>
  transaction([store], "readwrite", (s) => done(s[store].put(value)));
export const remove = (store, key) =>
  transaction([store], "readwrite", (s) => done(s[store].delete(key)));

export async function getMeta(key, fallback = null) {
  const row = await get("meta", key);
  return row ? row.value : fallback;
}

export const setMeta = (key, value) => put("meta", { key, value });

/** Every row of `store` whose `index` equals `value`. */
export const getAllBy = (store, index, value) =>
  transaction([store], "readonly", (s) => done(s[store].index(index).getAll(value)));

/** Read-modify-write of one row in one transaction; `change` returns the new row or null to delete. */
export function update(store, key, change) {
  return transaction([store], "readwrite", async (s) => {
    const current = await done(s[store].get(key));
    const next = change(current);
    if (next === undefined) return current;
    if (next === null) await done(s[store].delete(key));
    else await done(s[store].put(next));
    return next;
  });
}

/** Replace many rows at once (the feed's pages). */
export function putMany(store, rows) {
  return transaction([store], "readwrite", async (s) => {
    for (const row of rows) s[store].put(row);
  });
}

export function clear(store) {
  return transaction([store], "readwrite", (s) => done(s[store].clear()));
}
