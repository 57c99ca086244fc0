// A received guest's receipt on the phone: its number and its signed QR code, drawn here
// from the code the server sent (the same the printed receipt carries), with no network.
// The encoder (npm's uqr, copied into generated/ by make) is fetched by the service
// worker once the app runs, and loaded on first use.

import { h } from "./dom.js";
import { _ } from "./i18n.js";

const MODULE_PX = 4; // a module of the code, in pixels (crisp, scannable on screen)

/** Draw `code`'s QR code into a canvas; `ecc` M, as the printed receipts use. */
export async function qrCanvas(code) {
  const { encode } = await import("../generated/uqr.js");
  const qr = encode(code, { ecc: "M", border: 4 });
  const canvas = document.createElement("canvas");
  canvas.width = canvas.height = qr.size * MODULE_PX;
  const context = canvas.getContext("2d");
  context.fillStyle = "#fff";
  context.fillRect(0, 0, canvas.width, canvas.height);
  context.fillStyle = "#000";
  qr.data.forEach((row, y) => {
    row.forEach((dark, x) => {
      if (dark) context.fillRect(x * MODULE_PX, y * MODULE_PX, MODULE_PX, MODULE_PX);
    });
  });
  return canvas;
}

/**
 * The server's PDF of a receipt (one guest's, or the day's): shared where the phone can
 * share files, else saved. Online only; `token` is the app's bearer token.
 */
export async function fetchPdf(path, token, filename) {
  const response = await fetch(path, {
    headers: { Authorization: `Bearer ${token}` },
    credentials: "omit",
    cache: "no-store",
  });
  if (!response.ok) throw new Error(`HTTP ${response.status}`);
  const file = new File([await response.blob()], filename, { type: "application/pdf" });
  if (navigator.canShare?.({ files: [file] })) {
    await navigator.share({ files: [file], title: filename });
    return;
  }
  const url = URL.createObjectURL(file);
  const link = h("a", { href: url, download: filename, hidden: true });
  document.body.append(link);
  link.click();
  link.remove();
  setTimeout(() => URL.revokeObjectURL(url), 60_000);
}

/** The receipt box of a guest's page; the QR code fills in when drawn. */
export function receiptBox(record, onPdf) {
  if (!record.receipt_code) return null;
  const holder = h("div.qr", { id: "receipt-qr", role: "img", "aria-label": _("Receipt QR code") });
  qrCanvas(record.receipt_code).then(
    (canvas) => holder.append(canvas),
    () =>
      holder.append(
        h("p.hint", {}, _("The QR code cannot be drawn yet: open the app once with the network.")),
      ),
  );
  return h(
    "section.receipt-box",
    { id: "receipt-box" },
    h("h3", {}, _("Receipt"), " ", h("span.receipt", {}, record.receipt_number)),
    holder,
    h("p.hint", {}, _("The police can check this code with their phone, even offline.")),
    onPdf
      ? h(
          "button.secondary",
          { type: "button", id: "receipt-pdf", onclick: () => onPdf(record) },
          _("Receipt as PDF (to print or share)"),
        )
      : null,
  );
}
