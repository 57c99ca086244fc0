// The service worker: a thin dispatcher. The server stamps VERSION (a hash of the app
// shell and of the files loaded on first use), PRECACHE (server/pwa.py SHELL), LAZY
// (server/pwa.py LAZY: the passport reader) and AFTER (fetched once active: the QR
// encoder) into this file, and serves it uncached. The lists hold the URLs the page
// uses: most under the version (v/<version>/js/app.js), a few plain (server/pwa.py url).

import { NetworkError } from "./js/api.js";
import * as sync from "./js/sync.js";

const VERSION = "__VERSION__";
const PRECACHE = "__PRECACHE__";
const LAZY = "__LAZY__";
const AFTER = "__AFTER__";
const PREFIX = "luutru-shell-";
const CACHE = PREFIX + VERSION;

self.addEventListener("install", (event) => {
  event.waitUntil(
    (async () => {
      // Files loaded on first use are cached then; a phone that has used them keeps them
      // across an update, so the scan still works offline after it.
      const used = await usedLazyFiles();
      const cache = await caches.open(CACHE);
      await cache.addAll(
        [...PRECACHE, ...used].map((url) => new Request(url, { cache: "reload" })),
      );
    })(),
  );
  // No skipWaiting here: a new version waits until the page asks (see sw-bridge.js).
});

self.addEventListener("activate", (event) => {
  event.waitUntil(
    (async () => {
      for (const name of await caches.keys()) {
        if (name.startsWith(PREFIX) && name !== CACHE) await caches.delete(name);
      }
      await self.clients.claim();
      // What is not needed for the first screen, fetched now that the app is running.
      const cache = await caches.open(CACHE);
      for (const entry of AFTER) {
        const url = new URL(entry, self.registration.scope).href;
        if (!(await cache.match(url))) await cache.add(new Request(url, { cache: "reload" }));
      }
    })().catch(() => {}), // offline at activation: fetched on first use instead
  );
});

self.addEventListener("message", (event) => {
  if (event.data && event.data.type === "skip-waiting") self.skipWaiting();
  if (event.data && event.data.type === "version" && event.ports[0])
    event.ports[0].postMessage(VERSION);
});

self.addEventListener("fetch", (event) => {
  const request = event.request;
  if (request.method !== "GET") return;
  const url = new URL(request.url);
  const scope = new URL(self.registration.scope);
  if (url.origin !== scope.origin || url.pathname.startsWith("/api/")) return;
  if (!url.pathname.startsWith(scope.pathname)) return;
  const entry = url.pathname.slice(scope.pathname.length);
  if (LAZY.includes(entry) || AFTER.includes(entry)) event.respondWith(cachedOnFirstUse(request));
  else event.respondWith(request.mode === "navigate" ? appShell(request) : cacheFirst(request));
});

/** The reader's files, if an earlier version of the app had fetched them; else none.
 *  (Files other than the page's own are under their version: v/<version>/….) */
async function usedLazyFiles() {
  for (const name of await caches.keys()) {
    if (!name.startsWith(PREFIX) || name === CACHE) continue;
    const old = await caches.open(name);
    const then = LAZY[0].replace(`v/${VERSION}/`, `v/${name.slice(PREFIX.length)}/`);
    if (await old.match(new URL(then, self.registration.scope).href)) return LAZY;
  }
  return [];
}

/** The reader's files: from this version's cache, else fetched once and kept there. */
async function cachedOnFirstUse(request) {
  const cache = await caches.open(CACHE);
  const cached = await cache.match(request, { ignoreSearch: true });
  if (cached) return cached;
  const response = await fetch(request);
  if (response.ok) await cache.put(request, response.clone());
  return response;
}

/** Every page of the app is the one shell page; the hash picks the screen. */
async function appShell(request) {
  const cached = await caches.match(new URL("./", self.registration.scope).href, {
    cacheName: CACHE,
  });
  return cached || fetch(request);
}

async function cacheFirst(request) {
  const cached = await caches.match(request, { cacheName: CACHE, ignoreSearch: true });
  return cached || fetch(request);
}

self.addEventListener("sync", (event) => {
  if (event.tag !== "outbox") return;
  event.waitUntil(
    sync.run().then(
      () => tellPages({ type: "synced" }),
      (error) => {
        tellPages({ type: "synced" });
        // Rejecting makes the browser try again later; a 401 needs a person instead.
        if (error instanceof NetworkError) throw error;
      },
    ),
  );
});

async function tellPages(message) {
  for (const client of await self.clients.matchAll({ type: "window" })) client.postMessage(message);
}
