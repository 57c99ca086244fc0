// The guest list, as a receptionist works through a day: who is in house (by room), who
// leaves today, what was declared today (with receipt numbers), everything; returned
// declarations first; a search by name, room or
// document that ignores case and diacritics and works offline; check-out in two taps, a
// whole room at once.

import { h, replace } from "./dom.js";
import { _, N_ } from "./i18n.js";
import { vietnamDay } from "./rules.js";
import { deadlineOf, dueText, guestMeta, OPS, row } from "./views.js";

export const VIEWS = {
  in_house: N_("In house"),
  leaving: N_("Leaving today"),
  today: N_("Declared today"),
  all: N_("All"),
};

/** Lower case, no diacritics (đ → d), single spaces: what a search compares. */
export const folded = (text) =>
  String(text || "")
    .normalize("NFD")
    .replace(/[\u0300-\u036f]/g, "")
    .replace(/[đĐ]/g, "d")
    .toLowerCase()
    .replace(/\s+/g, " ")
    .trim();

/** A guest is in house unless their stay ended, or its end waits on this phone. */
function inHouse(record, ending) {
  return record.stay_status === "in_house" && !ending.has(record.id);
}

/** The records a view and a search show: returned ones first, then the newest arrival. */
export function shownRecords(records, { view, query, today, ending }) {
  const q = folded(query);
  const matches = (r) =>
    !q ||
    folded(r.full_name).includes(q) ||
    folded(r.room).includes(q) ||
    folded(r.document_number).includes(q);
  const inView = (r) => {
    if (view === "all") return true;
    // The day's declarations with their receipt numbers, as the day receipt lists them.
    if (view === "today") return vietnamDay(Date.parse(r.received_at)) === today;
    if (!inHouse(r, ending)) return false;
    return view === "in_house" || (r.expected_departure || "") <= today;
  };
  return records
    .filter((r) => inView(r) && matches(r))
    .sort(
      (a, b) =>
        (b.state === "returned") - (a.state === "returned") ||
        Date.parse(b.arrived_at) - Date.parse(a.arrived_at),
    );
}

/** Rows grouped by room, rooms in order (numbers as numbers); no room last. */
export function byRoom(records) {
  const groups = new Map();
  for (const r of records) {
    const key = r.room || "";
    if (!groups.has(key)) groups.set(key, []);
    groups.get(key).push(r);
  }
  return [...groups.entries()].sort(([a], [b]) =>
    a === "" ? 1 : b === "" ? -1 : a.localeCompare(b, undefined, { numeric: true }),
  );
}

// Rows drawn at once; "show more" draws the next ones (a cheap phone stays quick).
const PAGE = 100;

export function renderList(root, options) {
  const { entries, records, rules, now, view, query, onView, onQuery, onNew } = options;
  const { onCheckout, onCheckoutRoom, onDayPdf, onMore } = options;
  const limit = options.limit || PAGE;
  const ending = new Set(
    entries.filter((e) => e.op === "checkout" || e.op === "cancel").map((e) => e.id),
  );
  const today = vietnamDay(now);
  const unsent = entries.map((e) =>
    row({
      title: e.item.full_name || records.find((r) => r.id === e.id)?.full_name || "—",
      meta: e.op === "create" ? guestMeta(e.item) : _(OPS[e.op]),
      state: e.state,
      href: `#/entry/${encodeURIComponent(e.key)}`,
      warn: e.op === "create" ? dueText(deadlineOf(e, rules), now) : null,
    }),
  );
  const shown = shownRecords(records, { view, query, today, ending });
  const guest = (r) => {
    const item = row({
      title: r.full_name,
      meta: guestMeta(r),
      state: r.state,
      extra: r.receipt_number,
      href: `#/guest/${r.id}`,
    });
    if (inHouse(r, ending))
      item.append(
        h(
          "button.secondary.checkout",
          { type: "button", dataset: { checkout: r.id }, onclick: () => onCheckout(r) },
          _("Check out"),
        ),
      );
    return item;
  };
  const returned = shown.filter((r) => r.state === "returned");
  // Returned declarations stay on top, whatever the grouping below.
  const others = shown.filter((r) => r.state !== "returned");
  const rest = others.slice(0, limit);
  const more = others.length - rest.length;
  const grouped = (view === "in_house" || view === "leaving") && !query;
  const search = h("input", {
    id: "guest-search",
    type: "search",
    value: query,
    placeholder: _("Name, room or document number"),
    "aria-label": _("Search guests"),
    autocomplete: "off",
    oninput: (event) => onQuery(event.target.value),
  });
  replace(
    root,
    h(
      "div.toolbar",
      {},
      h(
        "button.primary.big",
        { type: "button", id: "new-guest", onclick: onNew },
        "+ ",
        _("New guest"),
      ),
    ),
    entries.length
      ? h(
          "section",
          {},
          h("h2", {}, _("Not sent yet")),
          h("ul.guests", { id: "unsent-list" }, unsent),
        )
      : null,
    h(
      "section",
      { id: "guests" },
      h(
        "nav.tabs",
        { "aria-label": _("Guests") },
        Object.entries(VIEWS).map(([key, label]) =>
          h(
            "button.tab",
            {
              type: "button",
              id: `view-${key}`,
              "aria-pressed": String(view === key),
              onclick: () => onView(key),
            },
            _(label),
          ),
        ),
      ),
      search,
      view === "today"
        ? h(
            "button.secondary",
            { type: "button", id: "day-pdf", onclick: () => onDayPdf(today) },
            _("Today's receipt as PDF"),
          )
        : null,
      returned.length
        ? h(
            "section.returned",
            {},
            h("h2", {}, _("Returned for correction")),
            h("ul.guests", { id: "returned-list" }, returned.map(guest)),
          )
        : null,
      rest.length
        ? grouped
          ? h(
              "div",
              { id: "record-list" },
              byRoom(rest).map(([room, guests]) =>
                h(
                  "section.room",
                  { dataset: { room } },
                  h(
                    "h2",
                    {},
                    room ? _("Room %(room)s", { room }) : _("No room given"),
                    room && guests.some((r) => inHouse(r, ending))
                      ? h(
                          "button.link",
                          {
                            type: "button",
                            dataset: { checkoutRoom: room },
                            onclick: () => onCheckoutRoom(room, guests),
                          },
                          _("Check out this room"),
                        )
                      : null,
                  ),
                  h("ul.guests", {}, guests.map(guest)),
                ),
              ),
            )
          : h("ul.guests", { id: "record-list" }, rest.map(guest))
        : returned.length
          ? null
          : h(
              "p.empty",
              { id: "no-guests" },
              query ? _("No guest matches.") : _("No guests here."),
            ),
      more > 0
        ? h(
            "button.link",
            { type: "button", id: "show-more", onclick: () => onMore(limit + PAGE) },
            _("Show %(count)s more", { count: Math.min(more, PAGE) }),
          )
        : null,
    ),
  );
  // Typing goes on in the redrawn field.
  if (query) {
    search.focus();
    search.setSelectionRange(query.length, query.length);
  }
}
