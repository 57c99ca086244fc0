// The scan screen: the rear camera with a guide where the MRZ should sit, frames read in a
// Web Worker, a reading accepted only when every check digit passes and two consecutive
// frames agree. Fallbacks: a still photo (the camera refused or missing), or typing.
// Loaded on first use (not part of the app shell); the service worker caches it then.

// The page's own dom and i18n functions come from the caller (dialogs.js), not from
// imports: the app's scripts are bundled into one file, and importing them here would
// load second copies, with no language set.
let h;
let replace;
let _;

const MAX_WIDTH = 1280; // frames are reduced to this width before reading
const HINT_AFTER_MS = 8000;
const PHOTO_WIDTHS = [1280, 1600, 960]; // a still photo is read at these widths

let worker = null;
let nextId = 1;
const waiting = new Map();

function reader() {
  if (!worker) {
    worker = new Worker(new URL("./worker.js", import.meta.url), { type: "module" });
    worker.addEventListener("message", (event) => {
      const done = waiting.get(event.data.id);
      waiting.delete(event.data.id);
      if (done) done(event.data);
    });
  }
  return worker;
}

let canvas = null; // one canvas for every frame: a new one per frame is garbage at 10 fps

/** Read one image (a video frame, a bitmap) in the worker. */
function read(source, sourceWidth, sourceHeight, maxWidth = MAX_WIDTH) {
  const scale = Math.min(1, maxWidth / sourceWidth);
  const width = Math.round(sourceWidth * scale);
  const height = Math.round(sourceHeight * scale);
  if (!canvas) canvas = h("canvas");
  if (canvas.width !== width || canvas.height !== height) Object.assign(canvas, { width, height });
  const context = canvas.getContext("2d", { willReadFrequently: true });
  context.drawImage(source, 0, 0, width, height);
  const pixels = context.getImageData(0, 0, width, height).data.buffer;
  const id = nextId++;
  return new Promise((resolve) => {
    waiting.set(id, resolve);
    reader().postMessage({ id, width, height, pixels }, [pixels]);
  });
}

/** What a reading is: a visa sticker, or a passport or identity card. */
export const kindOf = (reading) => (reading.layout.startsWith("MRV") ? "visa" : "document");

/**
 * Two consecutive frames must agree before a reading is taken: a name has no check digit,
 * and a misread that passes the check digits is unlikely to repeat exactly.
 */
export class Agreement {
  constructor() {
    this.last = null;
  }

  offer(reading) {
    if (!reading.found) {
      this.last = null;
      return null;
    }
    const text = reading.lines.join("\n");
    const agreed = this.last === text;
    this.last = text;
    return agreed ? reading : null;
  }
}

const WRONG_KIND = {
  document: () => _("This is a visa. Scan the passport's photo page: the two lines at its bottom."),
  visa: () => _("This is a passport or an identity card. Scan the visa sticker."),
};

/**
 * Open the scan screen. `expect` is "document" or "visa". Resolves with the accepted
 * reading ({layout, lines}) or null if the user went back or chose to type.
 */
export function scan({ expect, onType, ui }) {
  ({ h, replace, _ } = ui);
  // Start the worker now: its files load (and are cached for offline use) while the
  // camera starts, whether or not a camera ever gives a frame.
  reader();
  return new Promise((resolve) => {
    let stream = null;
    let stopped = false;
    let hintTimer = null;
    const agreement = new Agreement();
    const video = h("video", { id: "scan-video", playsinline: true, muted: true, autoplay: true });
    const status = h(
      "p.scan-status",
      { id: "scan-status", role: "status", "aria-live": "polite" },
      _("Starting the camera…"),
    );
    const photoInput = h("input", {
      id: "scan-photo",
      type: "file",
      accept: "image/*",
      capture: "environment",
      hidden: true,
      "aria-label": _("Take a photo instead"),
    });
    const photoButton = h(
      "button.secondary",
      { type: "button", id: "scan-photo-button", onclick: () => photoInput.click() },
      _("Take a photo instead"),
    );
    const title = expect === "visa" ? _("Scan the visa") : _("Scan the passport");
    const screen = h(
      "div.scan",
      { id: "scan", role: "dialog", "aria-modal": "true", "aria-label": title },
      h(
        "div.scan-view",
        {},
        video,
        h(
          "div.scan-guide",
          { "aria-hidden": "true" },
          h("span", {}, _("Put the two lines at the bottom of the page here")),
        ),
      ),
      h(
        "div.scan-panel",
        {},
        h("h2", {}, title),
        status,
        h(
          "div.actions",
          {},
          photoButton,
          photoInput,
          h(
            "button.secondary",
            { type: "button", id: "scan-type", onclick: () => finish(null, true) },
            _("Type the lines"),
          ),
          h(
            "button.link",
            { type: "button", id: "scan-cancel", onclick: () => finish(null) },
            _("Back"),
          ),
        ),
      ),
    );
    document.body.append(screen);

    const say = (text, kind = "") => {
      status.textContent = text;
      status.className = `scan-status ${kind}`;
    };

    function stopCamera() {
      stopped = true;
      clearTimeout(hintTimer);
      if (stream) for (const track of stream.getTracks()) track.stop();
      stream = null;
    }

    function finish(reading, typing = false) {
      stopCamera();
      screen.remove();
      if (typing && onType) onType();
      resolve(reading);
    }

    function consider(result) {
      if (result.found && kindOf(result) !== expect) {
        agreement.offer({ found: false });
        say(WRONG_KIND[expect](), "bad");
        return null;
      }
      return agreement.offer(result);
    }

    async function loop() {
      while (!stopped) {
        if (video.readyState < 2 || !video.videoWidth) {
          await new Promise((r) => setTimeout(r, 50));
          continue;
        }
        const result = await read(video, video.videoWidth, video.videoHeight);
        if (stopped) return;
        const accepted = consider(result);
        if (accepted) {
          confirm(accepted);
          return;
        }
        await new Promise((r) => setTimeout(r, 10));
      }
    }

    function confirm(reading) {
      // The frame that was read stays on screen, still, while the user checks the lines.
      if (video.videoWidth) {
        const still = h("canvas.scan-still", {
          width: video.videoWidth,
          height: video.videoHeight,
        });
        still.getContext("2d").drawImage(video, 0, 0);
        video.replaceWith(still);
      }
      stopCamera();
      replace(
        screen.querySelector(".scan-panel"),
        h("h2", {}, _("Check what was read")),
        h("pre.mrz-read", { id: "scan-read" }, reading.lines.join("\n")),
        h(
          "div.actions",
          {},
          h(
            "button.primary",
            { type: "button", id: "scan-accept", onclick: () => finish(reading) },
            _("Use it"),
          ),
          h(
            "button.secondary",
            { type: "button", id: "scan-again", onclick: () => restart() },
            _("Scan again"),
          ),
        ),
      );
    }

    function restart() {
      screen.remove();
      scan({ expect, onType }).then(resolve);
    }

    async function fromPhoto() {
      const file = photoInput.files?.[0];
      if (!file) return;
      stopCamera();
      say(_("Reading the photo…"));
      let bitmap;
      try {
        // Decoded at a reading size: a 48-megapixel photo must not fill a cheap phone's memory.
        bitmap = await createImageBitmap(file, {
          resizeWidth: PHOTO_WIDTHS[1],
          resizeQuality: "high",
        });
      } catch {
        say(_("This file is not a picture this phone can open."), "bad");
        return;
      }
      // A still photo has no next frame: it is read at several sizes instead, and two
      // readings must agree, as two frames must.
      const photoAgreement = new Agreement();
      let wrongKind = false;
      for (const width of PHOTO_WIDTHS) {
        const result = await read(bitmap, bitmap.width, bitmap.height, width);
        if (result.found && kindOf(result) !== expect) {
          wrongKind = true;
          continue;
        }
        const accepted = photoAgreement.offer(result);
        if (accepted) {
          confirm(accepted);
          return;
        }
      }
      photoInput.value = "";
      say(
        wrongKind
          ? WRONG_KIND[expect]()
          : _(
              "No machine-readable zone could be read in this photo. Hold the page flat, fill the frame with the two lines, avoid glare, and try again.",
            ),
        "bad",
      );
    }
    photoInput.addEventListener("change", fromPhoto);

    (async () => {
      if (!navigator.mediaDevices?.getUserMedia) {
        say(
          _(
            "This browser cannot use the camera here. Take a photo of the page instead, or type the lines.",
          ),
          "bad",
        );
        return;
      }
      try {
        stream = await navigator.mediaDevices.getUserMedia({
          video: {
            facingMode: { ideal: "environment" },
            width: { ideal: 1280 },
            height: { ideal: 720 },
          },
          audio: false,
        });
      } catch (error) {
        if (error && (error.name === "NotAllowedError" || error.name === "SecurityError")) {
          say(
            _(
              "The camera is blocked for this app. To allow it, tap the lock or the settings icon next to the address, set Camera to Allow, and scan again. Meanwhile you can take a photo of the page instead.",
            ),
            "bad",
          );
        } else {
          say(
            _(
              "No camera could be opened on this phone. Take a photo of the page instead, or type the lines.",
            ),
            "bad",
          );
        }
        return;
      }
      if (stopped) {
        stopCamera();
        return;
      }
      video.srcObject = stream;
      say(_("Hold the page still with the two lines inside the frame."));
      hintTimer = setTimeout(
        () =>
          say(
            _(
              "Still looking for the lines. Hold the page flat, bring the phone closer, and tilt it out of any glare.",
            ),
          ),
        HINT_AFTER_MS,
      );
      loop();
    })();
  });
}
