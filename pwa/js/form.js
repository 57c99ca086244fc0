// The declaration form, built for phones: big targets, the right keyboards, day-first
// dates everywhere, nationality searchable in either language or by code, the passport
// scanned with the camera (or its MRZ typed or pasted) to fill the form, defaults for
// everything a scan cannot know, and the server's checks run here before anything is saved.

import { h, replace } from "./dom.js";
import { _, codeName, current, formatDay, issueMessage, LANGUAGES } from "./i18n.js";
import { MrzFormatError, parse as parseMrz, VISAS } from "./mrz.js";
import TABLE from "../generated/fields.js";
import {
  addDays,
  check,
  FIELD_TABLE,
  normaliseNationality,
  normaliseVisaCategory,
  vietnamDay,
} from "./rules.js";

// Everything about the fields comes from the server's table (server/declarations/fields.py).
const ON_FORM = FIELD_TABLE.filter((f) => f.section);
const BY_NAME = Object.fromEntries(FIELD_TABLE.map((f) => [f.name, f]));
const LABELS = Object.fromEntries(FIELD_TABLE.map((f) => [f.name, f.label]));
const SECTIONS = TABLE.sections.map((s) => [
  s.label,
  ON_FORM.filter((f) => f.section === s.key).map((f) => f.name),
]);
const names = (fields) => fields.map((f) => f.name);
// Fields a new declaration gets a default for: folded into a one-line summary with "Edit".
const DEFAULTED = names(ON_FORM.filter((f) => f.defaulted));
// Fields a passport scan fills: shown on the read card instead.
const READ_FIELDS = names(ON_FORM.filter((f) => f.mrz));
// Never required: folded under "Optional" on a new declaration.
const OPTIONAL = names(ON_FORM.filter((f) => f.required === false && f.kind !== "mrz"));
// Whole days, typed day-first as text (never the browser's locale-dependent date input).
const DAY_FIELDS = names(ON_FORM.filter((f) => f.kind === "day"));
// What "add another guest of this party" copies from the guest just saved.
export const PARTY_FIELDS = names(FIELD_TABLE.filter((f) => f.party));

const NIGHTS = [1, 2, 3, 4, 5, 6, 7];
// A visa's category says the purpose of entry (Law 47/2014, Art. 8), where it says one.
const PURPOSE_OF_VISA = [
  ["DL", "tourism"],
  ["DN", "business"],
  ["SQ", "business"],
  ["LĐ", "work"],
  ["ĐT", "investment"],
  ["DH", "study"],
  ["TT", "visiting_relatives"],
  ["VR", "visiting_relatives"],
  ["HN", "conference"],
  ["PV", "journalism"],
  ["NG", "official"],
  ["LV", "official"],
];
const pad = (n) => String(n).padStart(2, "0");

/** Now as a Vietnam wall-clock "YYYY-MM-DDTHH:MM" (for datetime-local inputs). */
export function vietnamWallClock(ms) {
  const t = new Date(ms + 7 * 3600 * 1000);
  return `${t.getUTCFullYear()}-${pad(t.getUTCMonth() + 1)}-${pad(t.getUTCDate())}T${pad(t.getUTCHours())}:${pad(t.getUTCMinutes())}`;
}

function toWallClock(value) {
  // "2026-11-22T09:30:00+07:00" (as stored) → "2026-11-22T09:30" in Vietnam.
  const ms = Date.parse(value || "");
  return Number.isNaN(ms) ? value || "" : vietnamWallClock(ms);
}

/** Day-first birth dates, as written on forms here: 12/08/1974, 08/1974 or 1974. */
export function birthToIso(text) {
  const t = text.trim();
  // A phone's number pad may have no "/": 12081974 is 12/08/1974.
  let m = /^(\d{2})(\d{2})(\d{4})$/.exec(t) || /^(\d{1,2})[/.-](\d{1,2})[/.-](\d{4})$/.exec(t);
  if (m) return `${m[3]}-${pad(m[2])}-${pad(m[1])}`;
  m = /^(\d{1,2})[/.-](\d{4})$/.exec(t);
  if (m) return `${m[2]}-${pad(m[1])}`;
  return t; // YYYY, or ISO already, or something the checks will refuse
}

/** A day typed day-first (30/11/2026, 30.11.2026) or as ISO → YYYY-MM-DD. */
export function dayToIso(text) {
  const t = (text || "").trim();
  // A phone's number pad may have no "/": 30112026 is 30/11/2026.
  const m = /^(\d{2})(\d{2})(\d{4})$/.exec(t) || /^(\d{1,2})[/.-](\d{1,2})[/.-](\d{4})$/.exec(t);
  return m ? `${m[3]}-${pad(m[2])}-${pad(m[1])}` : t;
}

/** "30/11/2026 14:05" (or ISO "2026-11-30T14:05") → "2026-11-30T14:05". */
export function momentToIso(text) {
  const t = (text || "").trim().replace(/\s+/g, " ");
  const m =
    /^(\d{2})(\d{2})(\d{4}) ?(\d{2})(\d{2})$/.exec(t) ||
    /^(\d{1,2})[/.-](\d{1,2})[/.-](\d{4})[ T](\d{1,2})[:.h](\d{2})$/.exec(t);
  return m ? `${m[3]}-${pad(m[2])}-${pad(m[1])}T${pad(m[4])}:${m[5]}` : t;
}

const momentFromIso = (wall) => {
  const m = /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2})/.exec(wall || "");
  return m ? `${m[3]}/${m[2]}/${m[1]} ${m[4]}:${m[5]}` : wall || "";
};

/** The exemption in force for a nationality on the day of entry (GET /codes rows). */
export function exemptionFor(codes, nationality, entryDay) {
  const rows = codes?.visa_exemptions?.rows || [];
  const found = rows.filter(
    (r) => r.nationality === nationality && r.starts <= entryDay && (!r.ends || entryDay <= r.ends),
  );
  return found.sort((a, b) => b.days - a.days)[0] || null;
}

export function birthFromIso(value) {
  const m = /^(\d{4})(?:-(\d{2})(?:-(\d{2}))?)?$/.exec(value || "");
  if (!m) return value || "";
  return [m[3], m[2], m[1]].filter(Boolean).join("/");
}

const fold = (s) =>
  s
    .normalize("NFD")
    .replace(/[\u0300-\u036f]/g, "")
    .replace(/đ/gi, "d")
    .toLowerCase();

/** Countries matching what was typed: code first, then names starting with it, then containing it. */
export function searchCountries(rows, query, limit = 8) {
  const q = fold(query.trim());
  if (!q) return [];
  const scored = [];
  for (const row of rows) {
    const code = row.code.toLowerCase();
    const names = LANGUAGES.map((lang) => fold(row[lang] || ""));
    let score = null;
    if (code === q) score = 0;
    else if (names.some((n) => n.startsWith(q))) score = 1;
    else if (names.some((n) => n.split(/[\s(,-]+/).some((w) => w.startsWith(q)))) score = 2;
    else if (code.startsWith(q)) score = 3;
    else if (names.some((n) => n.includes(q))) score = 4;
    if (score !== null) scored.push([score, row]);
  }
  scored.sort((a, b) => a[0] - b[0] || a[1][current()].localeCompare(b[1][current()]));
  return scored.slice(0, limit).map(([, row]) => row);
}

function options(rows, selected, { blank = true, label = (r) => r[current()] } = {}) {
  return [
    blank ? h("option", { value: "" }, "—") : null,
    ...rows.map((r) => h("option", { value: r.code, selected: r.code === selected }, label(r))),
  ];
}

/**
 * Render the form into `root`. `item` is the declaration to edit (or the copied party
 * fields). `onSave(item, {another})` is called with a checked item. A new declaration
 * (no name yet) gets defaults, folded into one-line summaries the user can open.
 */
export function renderForm(root, { item, codes, tables, ctx, title, onSave, onCancel, onScan }) {
  const inputs = {};
  const messages = {};
  const fresh = !item.full_name && item.op !== "correct";
  const touched = new Set(); // fields the user changed by hand: defaults leave them alone
  let dirty = false;
  let autoPermit = null; // the permitted stay the exemption computed, while untouched

  const field = (name, control, hint, extra = null) => {
    messages[name] = h("p.field-message", { id: `m-${name}`, "aria-live": "polite" });
    return h(
      "div.field",
      { dataset: { field: name } },
      h("label", { for: `f-${name}` }, _(LABELS[name])),
      control,
      extra,
      hint ? h("p.hint", {}, hint) : null,
      messages[name],
    );
  };
  const text = (name, attrs = {}, extra = null) => {
    const { hint, ...rest } = attrs;
    inputs[name] = h("input", {
      id: `f-${name}`,
      name,
      type: "text",
      autocomplete: "off",
      ...rest,
    });
    return field(name, inputs[name], hint, extra);
  };
  const day = (name, extra = null) =>
    text(name, { inputmode: "numeric", placeholder: _("dd/mm/yyyy"), maxlength: 10 }, extra);
  const select = (name, rows, opts) => {
    inputs[name] = h("select", { id: `f-${name}`, name }, options(rows, item[name], opts));
    return field(name, inputs[name]);
  };

  // Nationality: type a name in Vietnamese or English, or a code; pick from the list.
  const nationalityList = h("ul.choices", { id: "nationality-choices", role: "listbox" });
  inputs.nationality = h("input", {
    id: "f-nationality",
    type: "text",
    role: "combobox",
    autocomplete: "off",
    autocapitalize: "none",
    spellcheck: false,
    "aria-controls": "nationality-choices",
    "aria-expanded": "false",
  });
  const setNationality = (code) => {
    inputs.nationality.dataset.code = code || "";
    inputs.nationality.value = code ? `${codeName(codes.countries, code)} (${code})` : "";
    replace(nationalityList);
    inputs.nationality.setAttribute("aria-expanded", "false");
    applyEntryDefaults();
  };
  inputs.nationality.addEventListener("input", () => {
    inputs.nationality.dataset.code = "";
    const found = searchCountries(codes.countries, inputs.nationality.value);
    replace(
      nationalityList,
      found.map((row) =>
        h(
          "li",
          { role: "option" },
          h(
            "button.choice",
            { type: "button", onclick: () => setNationality(row.code) },
            `${row[current()]} (${row.code})`,
          ),
        ),
      ),
    );
    inputs.nationality.setAttribute("aria-expanded", found.length ? "true" : "false");
  });

  const sexGroup = h(
    "div.segmented",
    { role: "radiogroup", id: "f-sex" },
    codes.sexes.map((row) =>
      h(
        "label.segment",
        {},
        h("input", { type: "radio", name: "sex", value: row.code, checked: item.sex === row.code }),
        h("span", {}, row[current()]),
      ),
    ),
  );
  inputs.sex = sexGroup;

  inputs.mrz = h("textarea", {
    id: "f-mrz",
    rows: 3,
    wrap: "off",
    autocomplete: "off",
    autocapitalize: "characters",
    spellcheck: false,
    placeholder: "P<UTOERIKSSON<<ANNA<MARIA<<<…",
  });
  const mrzStatus = h("p.hint", { id: "mrz-status", "aria-live": "polite" });
  const readCard = h("div.read-card", { id: "read-card", hidden: true });
  const visaStatus = h("p.hint", { id: "visa-status", "aria-live": "polite" });
  const entryHint = h("p.hint", { id: "entry-hint", "aria-live": "polite" });
  const nightsRow = h(
    "div.nights",
    { role: "group", "aria-label": _("Nights") },
    h("span.hint", {}, _("Nights:")),
    NIGHTS.map((n) =>
      h(
        "button.chip-button",
        { type: "button", dataset: { nights: n }, onclick: () => setNights(n) },
        String(n),
      ),
    ),
  );

  const codeControl = (f) => {
    if (f.widget === "combo")
      return field(f.name, h("div.combo", {}, inputs.nationality, nationalityList));
    if (f.widget === "choice") return field(f.name, sexGroup);
    const rows = codes[f.codes] || [];
    // A long list reads best sorted by name, with the code beside it.
    if (rows.length > 40) {
      const sorted = [...rows].sort((a, b) => a[current()].localeCompare(b[current()]));
      return select(f.name, sorted, { label: (r) => `${r[current()]} (${r.code})` });
    }
    // Short codes that mean something (visa symbols) are shown before the name.
    const label = rows.some((r) => r.code.length <= 4 && r.code === r.code.toUpperCase())
      ? (r) => `${r.code} — ${r[current()]}`
      : undefined;
    // A required choice among a few starts on the first (a passport, a visa).
    return select(f.name, rows, { label, blank: !(f.required === true && rows.length <= 5) });
  };
  const printed = { autocapitalize: "characters", spellcheck: false };
  // One control per kind of field.
  const CONTROLS = {
    mrz: () =>
      h(
        "div",
        {},
        h(
          "button.primary.big",
          { type: "button", id: "scan-passport", onclick: () => scanWith("document") },
          _("Scan passport"),
        ),
        readCard,
        field(
          "mrz",
          h(
            "div",
            {},
            inputs.mrz,
            h(
              "button.secondary",
              { type: "button", onclick: () => readMrz() },
              _("Fill the form from these lines"),
            ),
            mrzStatus,
          ),
        ),
      ),
    name: (f) => text(f.name, { ...printed, autocomplete: "off" }),
    partial_date: (f) =>
      text(f.name, {
        inputmode: "numeric",
        placeholder: _("dd/mm/yyyy"),
        hint: f.hint ? _(f.hint) : "",
      }),
    code: codeControl,
    document_number: (f) => text(f.name, printed),
    entry_number: (f) => text(f.name, printed),
    day: (f) => day(f.name),
    moment: (f) =>
      text(f.name, { inputmode: "numeric", placeholder: _("dd/mm/yyyy hh:mm"), maxlength: 16 }),
    text: (f) => text(f.name, { inputmode: "text", autocapitalize: "characters" }),
    phone: (f) => text(f.name, { type: "tel", inputmode: "tel", autocomplete: "tel" }),
    email: (f) => text(f.name, { type: "email", inputmode: "email", autocapitalize: "none" }),
  };
  // What some fields add below their control.
  const extras = new Map();
  extras.set("entry_kind", entryHint);
  extras.set("expected_departure", nightsRow);
  extras.set(
    "entry_document_number",
    h(
      "div",
      { id: "visa-scan" },
      h(
        "button.secondary",
        { type: "button", id: "scan-visa", onclick: () => scanWith("visa") },
        _("Scan the visa"),
      ),
      visaStatus,
    ),
  );
  const control = (name) => {
    const f = FIELD_TABLE.find((x) => x.name === name);
    const built = CONTROLS[f.kind](f);
    if (extras.has(name)) built.querySelector(".field-message").before(extras.get(name));
    return built;
  };

  const general = h("div.form-errors", { role: "alert" });
  const summaries = {};
  const fieldsets = SECTIONS.map(([legend, names], index) => {
    summaries[index] = h(
      "div.summary",
      { hidden: true },
      h("p.summary-text"),
      h(
        "button.link",
        { type: "button", dataset: { edit: index }, onclick: () => unfold(names, true) },
        _("Edit"),
      ),
    );
    return h(
      "fieldset",
      { dataset: { section: index } },
      h("legend", {}, _(legend)),
      summaries[index],
      names.map((n) => control(n)),
    );
  });
  const form = h(
    "form.declaration",
    { novalidate: true, onsubmit: (event) => event.preventDefault() },
    h("h2", {}, title),
    general,
    fieldsets,
    h(
      "div.actions",
      {},
      h("button.primary", { type: "submit", id: "save", onclick: () => submit(false) }, _("Save")),
      item.op === "correct"
        ? null
        : h(
            "button.secondary",
            { type: "button", id: "save-another", onclick: () => submit(true) },
            _("Save and add another guest of this party"),
          ),
      h("button.link", { type: "button", id: "form-back", onclick: () => onCancel() }, _("Back")),
    ),
  );
  replace(root, form);
  form.addEventListener("input", (event) => {
    dirty = true;
    const name = event.target.name || (event.target.id || "").replace(/^f-/, "");
    if (name) touched.add(name);
  });
  form.addEventListener("change", (event) => {
    dirty = true;
    const name = event.target.name || (event.target.id || "").replace(/^f-/, "");
    if (name) touched.add(name);
    if (name === "entry_kind") {
      showEntryFields();
      refreshSummaries();
    }
    if (name === "arrived_at" && !touched.has("entry_date") && fresh) {
      inputs.entry_date.value = formatDay(momentToIso(inputs.arrived_at.value).slice(0, 10));
      applyEntryDefaults();
    }
    if (name === "entry_date") applyEntryDefaults();
    // Typed as digits only (a number pad without "/"): shown back day-first with slashes.
    if (DAY_FIELDS.includes(name)) {
      const iso = dayToIso(inputs[name].value);
      if (/^\d{4}-\d{2}-\d{2}$/.test(iso)) inputs[name].value = formatDay(iso);
    }
    if (name === "arrived_at") {
      const wall = momentToIso(inputs.arrived_at.value);
      if (/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}$/.test(wall))
        inputs.arrived_at.value = momentFromIso(wall);
    }
  });

  // Fill in the values.
  for (const [name, input] of Object.entries(inputs)) {
    const f = BY_NAME[name];
    if (f.widget || input.tagName === "SELECT") continue;
    if (f.kind === "partial_date") input.value = birthFromIso(item[name]);
    else if (f.kind === "moment") input.value = momentFromIso(toWallClock(item[name]));
    else if (f.kind === "day") input.value = formatDay(item[name] || "");
    else input.value = item[name] || "";
  }
  const showEntryFields = () => {
    const kind = inputs.entry_kind.value;
    form.querySelector('[data-field="visa_category"]').hidden = kind !== "visa";
    form.querySelector('[data-field="entry_document_number"]').hidden = kind === "visa_exempt";
    form.querySelector('[data-field="stay_permitted_until"]').hidden =
      kind === "permanent_residence_card";
    // An embassy visa or a visa on arrival has a sticker to scan; an e-visa is a printed
    // page without one, but the guest may hold a sticker after all.
    form.querySelector("#visa-scan").hidden = !["visa", "e_visa"].includes(kind);
  };
  showEntryFields();
  if (item.nationality) setNationality(item.nationality);
  if (fresh) {
    fold(DEFAULTED);
    fold(OPTIONAL);
  }

  // --- folding: defaulted fields collapse into a summary line with "Edit" ------------------

  function fieldEl(name) {
    return form.querySelector(`[data-field="${name}"]`);
  }

  function fold(names) {
    for (const name of names) fieldEl(name).classList.add("folded");
    refreshSummaries();
  }

  function unfold(names, focus = false) {
    for (const name of names) fieldEl(name).classList.remove("folded");
    refreshSummaries();
    if (!focus) return;
    const first = names.map((n) => fieldEl(n)).find((el) => !el.hidden);
    const control = first?.querySelector("input, select, textarea");
    if (control) control.focus();
  }

  function shown(name) {
    const input = inputs[name];
    const f = BY_NAME[name];
    if (f.widget === "choice")
      return codeName(codes[f.codes], input.querySelector("input:checked")?.value);
    if (f.widget === "combo") return input.value;
    if (input.tagName === "SELECT") return input.value ? input.selectedOptions[0].textContent : "";
    return input.value;
  }

  function refreshSummaries() {
    const onCard = [...READ_FIELDS, "mrz"]; // shown on the read card instead
    SECTIONS.forEach(([, names], index) => {
      const visible = names.filter((n) => !fieldEl(n).hidden);
      const folded = visible.filter((n) => fieldEl(n).classList.contains("folded"));
      const box = summaries[index];
      box.hidden = !folded.length || folded.every((n) => onCard.includes(n));
      const parts = folded.filter((n) => !onCard.includes(n)).map((n) => [n, shown(n)]);
      const textEl = box.querySelector(".summary-text");
      replace(
        textEl,
        parts
          .filter(([, v]) => v)
          .map(([n, v]) => `${_(LABELS[n])}: ${v}`)
          .join(" · ") || _("Optional"),
      );
      // A section whose every field is on the read card takes no room.
      fieldsets[index].classList.toggle(
        "gone",
        box.hidden && folded.length === visible.length && index > 0,
      );
    });
  }

  // --- defaults for what a scan cannot know --------------------------------------------------

  function setNights(n) {
    const arrival = momentToIso(inputs.arrived_at.value).slice(0, 10);
    if (!/^\d{4}-\d{2}-\d{2}$/.test(arrival)) return;
    inputs.expected_departure.value = formatDay(addDays(arrival, n));
    touched.add("expected_departure");
    dirty = true;
    for (const chip of nightsRow.querySelectorAll("button"))
      chip.classList.toggle("selected", Number(chip.dataset.nights) === n);
  }

  /** Entry paper from the nationality: exempt on the day of entry → visa-exempt, else e-visa. */
  function applyEntryDefaults() {
    if (!fresh) return;
    const nationality = inputs.nationality.dataset.code;
    const entry = dayToIso(inputs.entry_date.value);
    if (!nationality || !/^\d{4}-\d{2}-\d{2}$/.test(entry)) return;
    const exemption = exemptionFor(codes, nationality, entry);
    if (!touched.has("entry_kind") && inputs.entry_kind.value !== "visa") {
      inputs.entry_kind.value = exemption ? "visa_exempt" : "e_visa";
      showEntryFields();
    }
    const kind = inputs.entry_kind.value;
    if (kind === "visa_exempt" && exemption) {
      const until = formatDay(addDays(entry, exemption.days - 1));
      if (
        !touched.has("stay_permitted_until") ||
        inputs.stay_permitted_until.value === autoPermit
      ) {
        inputs.stay_permitted_until.value = until;
        autoPermit = until;
        touched.delete("stay_permitted_until");
      }
      const basis = exemption[`basis_${current()}`] || exemption.basis;
      entryHint.textContent = _(
        "Visa-exempt for %(days)s days (%(basis)s): may stay until %(until)s.",
        { days: exemption.days, basis, until },
      );
    } else if (kind === "visa_exempt") {
      entryHint.textContent = _(
        "This nationality is not on the exemption list for the day of entry: check the entry paper.",
      );
    } else if (kind === "e_visa" && !touched.has("entry_kind")) {
      if (inputs.stay_permitted_until.value === autoPermit) inputs.stay_permitted_until.value = "";
      autoPermit = null;
      entryHint.textContent = _(
        "Not on the exemption list: an e-visa is assumed. Type its number and the date it is valid until.",
      );
      unfold(["stay_permitted_until"]);
    } else {
      entryHint.textContent = "";
    }
    refreshSummaries();
  }

  // --- reading an MRZ: typed, pasted or scanned ----------------------------------------------

  async function scanWith(expect) {
    const reading = await onScan(expect, () => inputs.mrz.focus());
    if (!reading) return;
    dirty = true;
    if (expect === "visa") fillVisa(reading.lines.join("\n"));
    else {
      inputs.mrz.value = reading.lines.join("\n");
      readMrz();
    }
  }

  function parseLines(raw) {
    return parseMrz(raw, { year: Number(vietnamDay(ctx().now).slice(0, 4)) }, (c) =>
      normaliseNationality(tables, c),
    );
  }

  function readMrz() {
    let parsed;
    try {
      parsed = parseLines(inputs.mrz.value);
    } catch (error) {
      if (!(error instanceof MrzFormatError)) throw error;
      mrzStatus.textContent = issueMessage({ code: "mrz_format" });
      mrzStatus.className = "hint bad";
      return;
    }
    if (VISAS.includes(parsed.format)) {
      mrzStatus.textContent = issueMessage({ code: "mrz_is_visa" });
      mrzStatus.className = "hint bad";
      return;
    }
    if (parsed.failed_checks.length) {
      mrzStatus.textContent = parsed.failed_checks
        .map((part) => issueMessage({ code: "mrz_check_failed", params: { part } }))
        .join(" ");
      mrzStatus.className = "hint bad";
      return;
    }
    const filled = [];
    const missing = [];
    inputs.full_name.value = parsed.full_name;
    filled.push(_("name"));
    inputs.document_number.value = parsed.document_number;
    filled.push(_("document number"));
    if (parsed.date_of_birth) {
      inputs.date_of_birth.value = birthFromIso(parsed.date_of_birth);
      filled.push(_("birth date"));
    } else missing.push(_("birth date"));
    if (parsed.document_expiry) {
      inputs.document_expiry.value = formatDay(parsed.document_expiry);
      filled.push(_("expiry"));
    } else missing.push(_("expiry"));
    for (const radio of sexGroup.querySelectorAll("input"))
      radio.checked = radio.value === parsed.sex;
    filled.push(_("sex"));
    const kind = { PD: "diplomatic_passport", PO: "official_passport", PS: "official_passport" }[
      parsed.document_code
    ];
    inputs.document_type.value =
      kind || (parsed.document_code.startsWith("P") ? "passport" : "other");
    let message;
    if (parsed.nationality) {
      setNationality(parsed.nationality);
      filled.push(_("nationality"));
      message = _("Read: %(filled)s. Check them against the passport.", {
        filled: filled.join(", "),
      });
    } else {
      setNationality("");
      message = _(
        "Read: %(filled)s. The nationality code %(code)s is not in the list: choose the nationality below.",
        { filled: filled.join(", "), code: parsed.nationality_raw.replace(/</g, "") },
      );
    }
    if (missing.length)
      // Not in a template literal: Babel's extractor would not see the message.
      message = [
        message,
        _("Not in the lines: %(missing)s.", { missing: missing.join(", ") }),
      ].join(" ");
    mrzStatus.textContent = message;
    mrzStatus.className = parsed.nationality ? "hint good" : "hint warn";
    showReadCard(parsed);
    fold(READ_FIELDS.filter((n) => n !== "nationality" || parsed.nationality));
    fold(["mrz"]);
  }

  function showReadCard(parsed) {
    const row = (label, value) => [h("dt", {}, label), h("dd", {}, value || "—")];
    replace(
      readCard,
      h(
        "dl.facts",
        {},
        row(_(LABELS.full_name), parsed.full_name),
        row(_(LABELS.sex), codeName(codes.sexes, parsed.sex)),
        row(_(LABELS.date_of_birth), birthFromIso(parsed.date_of_birth || "")),
        row(
          _(LABELS.nationality),
          parsed.nationality
            ? `${codeName(codes.countries, parsed.nationality)} (${parsed.nationality})`
            : parsed.nationality_raw,
        ),
        row(_(LABELS.document_number), parsed.document_number),
        row(_(LABELS.document_expiry), formatDay(parsed.document_expiry || "")),
      ),
      h("p", { id: "read-note", className: mrzStatus.className }, mrzStatus.textContent),
      h(
        "button.link",
        {
          type: "button",
          id: "edit-read",
          onclick: () => {
            unfold([...READ_FIELDS, "mrz"], true);
            readCard.hidden = true;
          },
        },
        _("Edit"),
      ),
    );
    readCard.hidden = false;
  }

  /** A visa sticker's MRZ: its number, its validity and, where shown, its category. */
  function fillVisa(raw) {
    let parsed;
    try {
      parsed = parseLines(raw);
    } catch {
      parsed = null;
    }
    if (!parsed || parsed.failed_checks.length || !VISAS.includes(parsed.format)) {
      visaStatus.textContent = _("These lines are not a visa's: scan the visa sticker.");
      visaStatus.className = "hint bad";
      return;
    }
    inputs.entry_kind.value = "visa";
    touched.add("entry_kind");
    showEntryFields();
    inputs.entry_document_number.value = parsed.document_number;
    const filled = [_("visa number")];
    if (parsed.document_expiry) {
      inputs.stay_permitted_until.value = formatDay(parsed.document_expiry);
      touched.add("stay_permitted_until");
      filled.push(_("valid until"));
    }
    const category = visaCategory(parsed);
    if (category) {
      inputs.visa_category.value = category;
      filled.push(_("category"));
      const purpose = PURPOSE_OF_VISA.find(([prefix]) => category.startsWith(prefix));
      if (purpose && !touched.has("purpose")) {
        inputs.purpose.value = purpose[1];
        refreshSummaries();
      }
    }
    let message = _("Read from the visa: %(filled)s.", { filled: filled.join(", ") });
    if (!category) message = [message, _("Choose the visa category.")].join(" ");
    const birth = dayToIso(birthToIso(inputs.date_of_birth.value));
    if (
      (birth && parsed.date_of_birth && birth !== parsed.date_of_birth) ||
      (inputs.nationality.dataset.code &&
        parsed.nationality &&
        parsed.nationality !== inputs.nationality.dataset.code)
    ) {
      message = [
        message,
        _("This visa is for someone else: %(name)s.", { name: parsed.full_name }),
      ].join(" ");
    }
    visaStatus.textContent = message;
    visaStatus.className = category ? "hint good" : "hint warn";
    unfold(["visa_category", "stay_permitted_until"]);
    refreshSummaries();
  }

  function visaCategory(parsed) {
    const candidates = [parsed.optional_data, parsed.document_number];
    for (const text of candidates) {
      for (const length of [3, 2]) {
        const found = text && normaliseVisaCategory(tables, text.slice(0, length));
        if (found) return found;
      }
    }
    return null;
  }

  function read() {
    const out = { ...item, declared_at: new Date().toISOString() }; // the device's clock
    delete out.op;
    for (const [name, input] of Object.entries(inputs)) {
      let value;
      const f = BY_NAME[name];
      if (f.widget === "choice") value = input.querySelector("input:checked")?.value;
      else if (f.widget === "combo") value = input.dataset.code || input.value.trim();
      else if (f.kind === "partial_date") value = birthToIso(input.value);
      else if (f.kind === "moment") {
        const wall = momentToIso(input.value);
        value = wall ? `${wall.length === 16 ? `${wall}:00` : wall}+07:00` : "";
      } else if (input.closest("[hidden]")) value = "";
      else if (f.kind === "day") value = dayToIso(input.value);
      else value = input.value;
      if (value === undefined || value === null || (typeof value === "string" && !value.trim()))
        delete out[name];
      else out[name] = value;
    }
    if (!out.relationship) delete out.guardian_id;
    return out;
  }

  function show(result) {
    for (const el of Object.values(messages)) {
      el.textContent = "";
      el.className = "field-message";
    }
    for (const el of form.querySelectorAll(".invalid")) el.classList.remove("invalid");
    replace(general);
    const place = (issue, kind) => {
      const target = messages[issue.field];
      const text = issueMessage(issue);
      if (target && !target.closest("[hidden]")) {
        // A problem in a folded field opens it: nothing wrong stays out of sight.
        const holder = target.closest(".field");
        if (holder.classList.contains("folded")) {
          holder.classList.remove("folded");
          if (READ_FIELDS.includes(issue.field)) readCard.hidden = true;
        }
        target.textContent = target.textContent ? `${target.textContent} ${text}` : text;
        target.className = `field-message ${kind}`;
        if (kind === "bad") holder.classList.add("invalid");
      } else {
        const label = LABELS[issue.field] ? `${_(LABELS[issue.field])}: ` : "";
        general.append(h("p", { className: kind }, label, text));
      }
    };
    for (const issue of result.errors) place(issue, "bad");
    for (const issue of result.warnings) place(issue, "warn");
    refreshSummaries();
  }

  async function submit(another) {
    const candidate = read();
    const result = check(candidate, ctx(), tables);
    show(result);
    if (!result.ok) {
      const first = form.querySelector(
        ".invalid input, .invalid select, .invalid textarea, .form-errors p",
      );
      if (first) (first.focus ? first : form).scrollIntoView({ block: "center" });
      if (first?.focus) first.focus();
      return;
    }
    dirty = false;
    await onSave(candidate, { another, warnings: result.warnings });
  }

  return { show, isDirty: () => dirty };
}
