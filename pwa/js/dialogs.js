// Small dialogs of the hotel app: a passing note, yes/no, a reason, "update available";
// and the scan screen, which opens over the form.

import { $, h, replace } from "./dom.js";
import { _ } from "./i18n.js";

export function toast(message) {
  const el = h("p.toast", { role: "status" }, message);
  document.body.append(el);
  setTimeout(() => el.remove(), 4000);
}

/** A modal with `content` and Yes/No (or OK/Back); resolves with `answer()` or `refusal`. */
export function ask(content, { yes, no, answer, refusal }) {
  return new Promise((resolve) => {
    const dialog = h(
      "dialog.dialog",
      {},
      content,
      h(
        "div.actions",
        {},
        h(
          "button.primary",
          { type: "button", id: "dialog-yes", onclick: () => close(answer()) },
          yes,
        ),
        h(
          "button.secondary",
          { type: "button", id: "dialog-no", onclick: () => close(refusal) },
          no,
        ),
      ),
    );
    function close(value) {
      dialog.close();
      dialog.remove();
      resolve(value);
    }
    dialog.addEventListener("cancel", () => close(refusal));
    document.body.append(dialog);
    dialog.showModal();
  });
}

export const confirmDialog = (message) =>
  ask(h("p", {}, message), { yes: _("Yes"), no: _("No"), answer: () => true, refusal: false });

export function reasonDialog(question) {
  const input = h("input", { id: "reason", type: "text", maxlength: 500 });
  const asked = ask([h("label", { for: "reason" }, question), input], {
    yes: _("OK"),
    no: _("Back"),
    answer: () => input.value.trim(),
    refusal: null,
  });
  input.focus();
  return asked;
}

export function offerUpdate(apply) {
  const banner = h(
    "p.banner.update",
    { id: "update-banner" },
    _("A new version of the app is available."),
    " ",
    h("button.secondary", { type: "button", onclick: apply }, _("Reload")),
  );
  $("#banners").after(banner);
}

/** The scan screen, loaded on first use (it is not part of the app shell). */
export async function openScanner(expect, onType) {
  let scanner;
  try {
    scanner = await import("./scan/scanner.js");
  } catch {
    toast(
      _(
        "The passport reader is not on this phone yet: open it once with the network. Meanwhile, type the lines.",
      ),
    );
    onType();
    return null;
  }
  return scanner.scan({ expect, onType, ui: { h, replace, _ } });
}
