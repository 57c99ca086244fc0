// The screens other than the form and the guest list: sign-in, one guest, the status bar.

import { h, replace } from "./dom.js";
import { _, formatDay, formatMoment, formatTime, issueMessage, N_ } from "./i18n.js";
import { ratingBox } from "./rating.js";
import { receiptBox } from "./receipt.js";
import { deadlineHours } from "./rules.js";

export const STATES = {
  saved: N_("Saved on this phone"),
  sending: N_("Sending…"),
  invalid: N_("Needs correcting"),
  received: N_("Received"),
  confirmed: N_("Confirmed by police"),
  returned: N_("Returned for correction"),
  checked_out: N_("Checked out"),
  cancelled: N_("Cancelled"),
};

export const OPS = {
  correct: N_("Correction saved on this phone"),
  checkout: N_("Check-out saved on this phone"),
  cancel: N_("Cancellation saved on this phone"),
  rate: N_("Rating saved on this phone"),
};

// Warn this long before an unsent declaration's legal deadline.
export const WARN_BEFORE_MS = 2 * 3600 * 1000;

/** The deadline (ms) of an unsent entry: arrival plus the electronic grace. */
export function deadlineOf(entry, rules) {
  const arrived = Date.parse(entry.item.arrived_at || "");
  return Number.isNaN(arrived) ? null : arrived + deadlineHours(rules) * 3600 * 1000;
}

export function renderSignIn(root, { username, onSubmit, onLanguage }) {
  const user = h("input", {
    id: "username",
    name: "username",
    autocomplete: "username",
    autocapitalize: "none",
    value: username || "",
    required: true,
  });
  const password = h("input", {
    id: "password",
    name: "password",
    type: "password",
    autocomplete: "current-password",
    required: true,
  });
  const message = h("p.form-errors", { role: "alert" });
  // The second factor, shown only when the server asks for it (two-factor sign-in on).
  const code = h("input", {
    id: "otp",
    name: "otp",
    inputmode: "numeric",
    autocomplete: "one-time-code",
    maxlength: "20",
  });
  const codeField = h(
    "div.field",
    { hidden: true },
    h("label", { for: "otp" }, _("Code from your authenticator app")),
    code,
  );
  const askCode = () => {
    codeField.hidden = false;
    code.required = true;
    code.focus();
  };
  const form = h(
    "form.card",
    {
      onsubmit: (event) => {
        event.preventDefault();
        onSubmit(user.value.trim(), password.value, message, { code: code.value.trim(), askCode });
      },
    },
    h("h2", {}, _("Sign in")),
    h("p.hint", {}, _("Sign in once with the network; after that the app works without it.")),
    message,
    h("div.field", {}, h("label", { for: "username" }, _("Username")), user),
    h("div.field", {}, h("label", { for: "password" }, _("Password")), password),
    codeField,
    h("div.actions", {}, h("button.primary", { type: "submit" }, _("Sign in"))),
    h(
      "p",
      {},
      h("button.link", { type: "button", onclick: onLanguage }, _("Tiếng Việt · English")),
    ),
  );
  replace(root, form);
  (username ? password : user).focus();
}

export function chip(state) {
  return h(`span.chip.state-${state}`, {}, _(STATES[state] || state));
}

/** One row for the list: an unsent entry or a record from the server. */
export function row({ title, meta, state, extra, href, warn }) {
  return h(
    "li",
    {},
    h(
      "a.guest",
      { href, className: warn ? "due" : null },
      h("span.name", {}, title),
      h("span.meta", {}, meta),
      h("span.state-line", {}, chip(state), extra ? h("span.receipt", {}, extra) : null),
      warn ? h("span.deadline", {}, warn) : null,
    ),
  );
}

export function guestMeta(item) {
  const room = item.room ? _("Room %(room)s", { room: item.room }) : null;
  return [item.nationality, room, formatMoment(Date.parse(item.arrived_at))]
    .filter(Boolean)
    .join(" · ");
}

export function dueText(deadline, now) {
  if (deadline === null || deadline - now > WARN_BEFORE_MS) return null;
  return deadline <= now
    ? _("Deadline passed at %(time)s — send it now", { time: formatTime(deadline) })
    : _("Send before %(time)s (legal deadline)", { time: formatTime(deadline) });
}

function facts(pairs) {
  return h(
    "dl.facts",
    {},
    pairs
      .filter(([, value]) => value !== null && value !== undefined && value !== "")
      .map(([label, value]) => [h("dt", {}, label), h("dd", {}, value)]),
  );
}

function issues(list, kind) {
  return list.length
    ? h(
        `ul.issues.${kind}`,
        {},
        list.map((issue) => h("li", {}, issueMessage(issue))),
      )
    : null;
}

export function renderEntry(root, { entry, onEdit, onDiscard, onBack }) {
  const item = entry.item;
  replace(
    root,
    h(
      "article.card",
      {},
      h("h2", {}, item.full_name || (OPS[entry.op] ? _(OPS[entry.op]) : "")),
      h("p", {}, chip(entry.state)),
      entry.state === "invalid"
        ? h("p.notice", {}, _("The server refused this entry. Correct it and save again."))
        : null,
      issues(entry.errors || [], "bad"),
      issues(entry.warnings || [], "warn"),
      entry.last_error?.message ? h("p.notice", {}, entry.last_error.message) : null,
      entry.op === "create"
        ? facts([
            [_("Document number"), item.document_number],
            [_("Room"), item.room],
            [_("Arrival here (date and time)"), formatMoment(Date.parse(item.arrived_at))],
          ])
        : null,
      facts([[_("Saved on this phone"), formatMoment(entry.saved_at)]]),
      h(
        "div.actions",
        {},
        entry.op === "create" || entry.op === "correct"
          ? h(
              "button.primary",
              { type: "button", id: "edit", disabled: entry.state === "sending", onclick: onEdit },
              _("Edit"),
            )
          : null,
        h(
          "button.danger",
          {
            type: "button",
            id: "discard",
            disabled: entry.state === "sending",
            onclick: onDiscard,
          },
          _("Delete from this phone"),
        ),
        h("button.link", { type: "button", onclick: onBack }, _("Back")),
      ),
      entry.state === "sending"
        ? h("p.hint", {}, _("Being sent now: it cannot be changed until the server answers."))
        : null,
    ),
  );
}

export function renderRecord(
  root,
  { record, pending, rating, codeName, onCorrect, onCheckout, onCancel, onRate, onPdf, onBack },
) {
  const inHouse = record.stay_status === "in_house";
  replace(
    root,
    h(
      "article.card",
      {},
      h("h2", {}, record.full_name),
      h(
        "p",
        {},
        chip(record.state),
        record.receipt_number
          ? h("span.receipt", { id: "receipt" }, _("Receipt"), " ", record.receipt_number)
          : null,
      ),
      record.state === "returned" && record.review_reason
        ? h(
            "div.notice",
            { id: "police-reason" },
            h("strong", {}, _("Police reason:")),
            " ",
            record.review_reason,
          )
        : null,
      pending ? h("p.notice", {}, _(OPS[pending.op])) : null,
      issues(record.warnings || [], "warn"),
      ratingBox(record, rating, onRate),
      receiptBox(record, onPdf),
      facts([
        [_("Nationality"), codeName("countries", record.nationality)],
        [_("Document number"), record.document_number],
        [_("Date of birth"), formatDay(record.date_of_birth)],
        [_("Room"), record.room],
        [_("Arrival here (date and time)"), formatMoment(Date.parse(record.arrived_at))],
        [_("Expected departure"), formatDay(record.expected_departure)],
        [
          _("Checked out"),
          record.departed_at ? formatMoment(Date.parse(record.departed_at)) : null,
        ],
        [_("Cancelled"), record.cancel_reason],
      ]),
      h(
        "div.actions",
        {},
        inHouse && !pending && record.review_state !== "confirmed"
          ? h(
              "button.primary",
              { type: "button", id: "correct", onclick: onCorrect },
              record.state === "returned" ? _("Correct and send again") : _("Correct"),
            )
          : null,
        inHouse && !pending
          ? h(
              "button.secondary",
              { type: "button", id: "checkout", onclick: onCheckout },
              _("Check out"),
            )
          : null,
        inHouse && !pending
          ? h(
              "button.danger",
              { type: "button", id: "cancel", onclick: onCancel },
              _("Cancel declaration"),
            )
          : null,
        h("button.link", { type: "button", onclick: onBack }, _("Back")),
      ),
    ),
  );
}

/** The line under the header: unsent count, last sync, "Sync now". */
export function renderStatus(
  root,
  { unsent, syncing, lastSync, nextRetry, authNeeded, onSync, onSignIn },
) {
  let line;
  if (authNeeded) line = _("Signed out by the server: sign in again to send.");
  else if (syncing) line = _("Sending…");
  else if (lastSync && !lastSync.ok) {
    line = nextRetry
      ? _("Server not reachable. Trying again at %(time)s.", { time: formatTime(nextRetry) })
      : _("Server not reachable.");
  } else if (lastSync) line = _("Up to date at %(time)s", { time: formatTime(lastSync.at) });
  else line = "";
  replace(
    root,
    h(
      "span.count",
      { id: "unsent-count", className: unsent ? "has-unsent" : null },
      _("Unsent: %(count)s", { count: unsent }),
    ),
    h("span.sync-line", { id: "sync-line" }, line),
    authNeeded
      ? h("button.secondary", { type: "button", onclick: onSignIn }, _("Sign in"))
      : h(
          "button.secondary",
          { type: "button", id: "sync-now", disabled: syncing, onclick: onSync },
          _("Sync now"),
        ),
  );
}
