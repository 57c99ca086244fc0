// The receipt checker's service worker: keeps the page and its files for use offline.
// Network first (a new version when online), the cache when there is no network.

const CACHE = "luutru-verify-1";
const FILES = [
  "./",
  "/static/app.css",
  "/static/verify/verify.js",
  "/static/verify/jsqr.js",
  "/static/verify/ed25519.js",
  "/static/verify/manifest.webmanifest",
  "/static/icon.png",
];

self.addEventListener("install", (event) => {
  event.waitUntil(caches.open(CACHE).then((cache) => cache.addAll(FILES)));
  self.skipWaiting();
});

self.addEventListener("activate", (event) => event.waitUntil(self.clients.claim()));

self.addEventListener("fetch", (event) => {
  const request = event.request;
  if (request.method !== "GET") return;
  const url = new URL(request.url);
  if (url.origin !== location.origin || url.pathname.startsWith("/receipts/")) return;
  event.respondWith(
    fetch(request)
      .then((response) => {
        if (response.ok) {
          const copy = response.clone();
          caches.open(CACHE).then((cache) => cache.put(request, copy));
        }
        return response;
      })
      .catch(async () => (await caches.match(request, { ignoreSearch: true })) || Response.error()),
  );
});
