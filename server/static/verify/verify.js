// The receipt checker: scan a receipt's QR code (BarcodeDetector where the browser has
// it, else jsQR), check its Ed25519 signature on the phone against the receipt keys kept
// from /receipts/keys.json (WebCrypto), say genuine or not and what it claims; online,
// also the record's state now. Messages come translated in the page's data attributes.

const page = document.querySelector("#verify");
const say = (name) => page.dataset[name] || name;
const KEYS = "luutru-receipt-keys";
const B64URL = /^[A-Za-z0-9_-]*$/;

function fromB64url(text) {
  if (!B64URL.test(text) || text.length % 4 === 1) throw new Error("not base64url");
  const b64 = text.replace(/-/g, "+").replace(/_/g, "/") + "=".repeat((4 - (text.length % 4)) % 4);
  return Uint8Array.from(atob(b64), (c) => c.charCodeAt(0));
}

/** The receipt keys: fetched when online, kept on the phone for when it is not. */
async function receiptKeys() {
  try {
    const response = await fetch("/receipts/keys.json", { cache: "no-store" });
    if (response.ok) {
      const keys = (await response.json()).keys;
      localStorage.setItem(KEYS, JSON.stringify(keys));
      return keys;
    }
  } catch {
    // offline: the copy below
  }
  return JSON.parse(localStorage.getItem(KEYS) || "[]");
}

const FIELDS = [
  "kind",
  "receipt_number",
  "record",
  "establishment_id",
  "unit_code",
  "at",
  "count",
  "document_tail",
];

/** The claim of `code` if a known key signed it, else null (server/receipts/signing.py). */
export async function verifyCode(code, keys) {
  const dot = code.lastIndexOf(".");
  if (dot < 0) return null;
  const text = code.slice(0, dot);
  const parts = text.split("|");
  let keyId = "";
  if (parts[0] === "LT2" && parts.length === 10) keyId = parts.splice(1, 1)[0];
  else if (!(parts[0] === "LT1" && parts.length === 9)) return null;
  if (!["R", "D"].includes(parts[1])) return null;
  let signature;
  try {
    signature = fromB64url(code.slice(dot + 1));
  } catch {
    return null;
  }
  const candidates = keyId ? keys.filter((k) => k.id === keyId) : keys;
  const data = new TextEncoder().encode(text);
  for (const key of candidates) {
    if (await signedBy(fromB64url(key.public_key), signature, data)) {
      return Object.fromEntries(FIELDS.map((name, i) => [name, parts[i + 1]]));
    }
  }
  return null;
}

// "?ed25519=noble" forces the library (to test the path older browsers take).
const forceLibrary = new URLSearchParams(location.search).get("ed25519") === "noble";

/** WebCrypto's Ed25519 where the browser has it; else @noble/ed25519 (audited, npm). */
async function signedBy(publicKey, signature, data) {
  if (!forceLibrary) {
    try {
      const key = await crypto.subtle.importKey("raw", publicKey, { name: "Ed25519" }, false, [
        "verify",
      ]);
      return await crypto.subtle.verify({ name: "Ed25519" }, key, signature, data);
    } catch (error) {
      if (error.name !== "NotSupportedError") return false;
    }
  }
  page.dataset.engine = "noble";
  const noble = await import("./ed25519.js");
  try {
    return await noble.verifyAsync(signature, data, publicKey);
  } catch {
    return false;
  }
}

async function show(code) {
  const verdict = document.querySelector("#verdict");
  const facts = document.querySelector("#claim");
  const state = document.querySelector("#state");
  facts.replaceChildren();
  state.textContent = "";
  const claim = await verifyCode(code.trim(), await receiptKeys());
  verdict.textContent = claim ? say("genuine") : say("notGenuine");
  verdict.className = claim ? "verdict good" : "verdict bad";
  verdict.dataset.genuine = claim ? "yes" : "no";
  if (!claim) return;
  for (const [label, value] of [
    [say("receipt"), claim.receipt_number],
    [say("establishment"), claim.establishment_id],
    [say("unit"), claim.unit_code],
    [say("time"), claim.at],
    [say("document"), claim.document_tail ? `…${claim.document_tail}` : "—"],
  ]) {
    const dt = document.createElement("dt");
    dt.textContent = label;
    const dd = document.createElement("dd");
    dd.textContent = value;
    facts.append(dt, dd);
  }
  try {
    const answer = await (await fetch(`/receipts/check.json?c=${encodeURIComponent(code)}`)).json();
    state.textContent = answer.state_label || "";
  } catch {
    state.textContent = say("offline");
  }
}

/** Read QR codes from the camera until one is found. */
async function scan() {
  const video = document.querySelector("#camera");
  const status = document.querySelector("#scan-status");
  let stream;
  try {
    stream = await navigator.mediaDevices.getUserMedia({
      video: { facingMode: "environment" },
      audio: false,
    });
  } catch {
    status.textContent = say("noCamera");
    return;
  }
  video.srcObject = stream;
  video.hidden = false;
  await video.play();
  status.textContent = say("scanning");
  const detector =
    "BarcodeDetector" in window ? new window.BarcodeDetector({ formats: ["qr_code"] }) : null;
  const canvas = document.createElement("canvas");
  const context = canvas.getContext("2d", { willReadFrequently: true });
  const stop = () => {
    for (const track of stream.getTracks()) track.stop();
    video.hidden = true;
  };
  for (;;) {
    await new Promise((resolve) => setTimeout(resolve, 150));
    if (!video.videoWidth) continue;
    let text = null;
    if (detector) {
      const found = await detector.detect(video).catch(() => []);
      text = found.length ? found[0].rawValue : null;
    } else {
      canvas.width = video.videoWidth;
      canvas.height = video.videoHeight;
      context.drawImage(video, 0, 0);
      const image = context.getImageData(0, 0, canvas.width, canvas.height);
      const found = window.jsQR(image.data, image.width, image.height);
      text = found ? found.data : null;
    }
    if (text) {
      stop();
      status.textContent = "";
      document.querySelector("#code").value = text;
      await show(text);
      return;
    }
  }
}

if ("serviceWorker" in navigator) navigator.serviceWorker.register("sw.js").catch(() => {});
receiptKeys(); // keep the keys on the phone from the first visit
document.querySelector("#scan").addEventListener("click", () => scan());
document.querySelector("#check-form").addEventListener("submit", (event) => {
  event.preventDefault();
  show(document.querySelector("#code").value);
});
