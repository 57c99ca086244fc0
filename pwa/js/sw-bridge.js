// The page's side of the service worker: registration, "update available — reload"
// (never swapping code under a half-filled form: the receptionist chooses when), and
// Background Sync where the browser has it.

let registration = null;
let reloadAsked = false;

export async function register({ onUpdate, onMessage }) {
  if (!("serviceWorker" in navigator)) return;
  navigator.serviceWorker.addEventListener("controllerchange", () => {
    if (reloadAsked) window.location.reload();
  });
  navigator.serviceWorker.addEventListener("message", (event) => onMessage(event.data || {}));
  // After the page has loaded: the shell's download would otherwise compete with the
  // first screen's own files on a slow network.
  if (document.readyState !== "complete") {
    await new Promise((loaded) => window.addEventListener("load", loaded, { once: true }));
  }
  try {
    registration = await navigator.serviceWorker.register("sw.js", {
      scope: "./",
      type: "module",
      updateViaCache: "none",
    });
  } catch {
    return; // no offline shell in this browser; the app still works online
  }
  const offer = (worker) =>
    onUpdate(() => {
      reloadAsked = true;
      worker.postMessage({ type: "skip-waiting" });
    });
  if (registration.waiting && navigator.serviceWorker.controller) offer(registration.waiting);
  registration.addEventListener("updatefound", () => {
    const worker = registration.installing;
    if (!worker) return;
    worker.addEventListener("statechange", () => {
      // Installed while another version controls the page: a new build is waiting.
      if (worker.state === "installed" && navigator.serviceWorker.controller) offer(worker);
    });
  });
  document.addEventListener("visibilitychange", () => {
    if (document.visibilityState === "visible") checkForUpdate();
  });
}

export function checkForUpdate() {
  if (registration) registration.update().catch(() => {});
}

/** Ask the browser to run a sync later even if the app is closed (Chromium only). */
export async function requestBackgroundSync() {
  try {
    if (registration?.sync) await registration.sync.register("outbox");
  } catch {
    // Not allowed or not supported: the page's own triggers still run.
  }
}
