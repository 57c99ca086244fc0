// The declaration form, built for phones: big targets, the right keyboards, day-first
// dates, nationality searchable in either language or by code, the MRZ typed or pasted
// to fill the form, and the server's checks run here before anything is saved.

import { h, replace } from "./dom.js";
import { _, codeName, current, issueMessage, N_ } from "./i18n.js";
import { MrzFormatError, parse as parseMrz } from "./mrz.js";
import { check, normaliseNationality, vietnamDay } from "./rules.js";


const LABELS = {
  mrz: N_("Machine-readable zone (the two or three lines at the bottom of the passport)"),
  full_name: N_("Full name as in the passport"),
  sex: N_("Sex"),
  date_of_birth: N_("Date of birth"),
  nationality: N_("Nationality"),
  document_type: N_("Document type"),
  document_number: N_("Document number"),
  document_expiry: N_("Document expiry date"),
  entry_kind: N_("Entry paper"),
  visa_category: N_("Visa category"),
  entry_document_number: N_("Visa or card number"),
  stay_permitted_until: N_("Permitted to stay until"),
  entry_date: N_("Date of entry into Vietnam"),
  entry_port: N_("Port of entry"),
  purpose: N_("Purpose of entry"),
  arrived_at: N_("Arrival here (date and time)"),
  expected_departure: N_("Expected departure"),
  room: N_("Room"),
  relationship: N_("Relationship (for a minor travelling with this party)"),
  phone: N_("Phone"),
  email: N_("E-mail"),
};

const SECTIONS = [
  [N_("Read the passport"), ["mrz"]],
  [N_("Guest"), ["full_name", "sex", "date_of_birth", "nationality"]],
  [N_("Travel document"), ["document_type", "document_number", "document_expiry"]],
  [
    N_("Entry into Vietnam"),
    ["entry_kind", "visa_category", "entry_document_number", "stay_permitted_until", "entry_date", "entry_port", "purpose"],
  ],
  [N_("Stay"), ["arrived_at", "expected_departure", "room"]],
  [N_("Party and contact"), ["relationship", "phone", "email"]],
];

// What "add another guest of this party" copies from the guest just saved.
export const PARTY_FIELDS = ["arrived_at", "expected_departure", "room", "party_id", "entry_date", "entry_port", "purpose"];

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
  let m = /^(\d{1,2})[/.-](\d{1,2})[/.-](\d{4})$/.exec(t);
  if (m) return `${m[3]}-${pad(m[2])}-${pad(m[1])}`;
  m = /^(\d{1,2})[/.-](\d{4})$/.exec(t);
  if (m) return `${m[2]}-${pad(m[1])}`;
  return t; // YYYY, or ISO already, or something the checks will refuse
}

export function birthFromIso(value) {
  const m = /^(\d{4})(?:-(\d{2})(?:-(\d{2}))?)?$/.exec(value || "");
  if (!m) return value || "";
  return [m[3], m[2], m[1]].filter(Boolean).join("/");
}

const fold = (s) =>
  s.normalize("NFD").replace(/[\u0300-\u036f]/g, "").replace(/đ/gi, "d").toLowerCase();

/** Countries matching what was typed: code first, then names starting with it, then containing it. */
export function searchCountries(rows, query, limit = 8) {
  const q = fold(query.trim());
  if (!q) return [];
  const scored = [];
  for (const row of rows) {
    const code = row.code.toLowerCase();
    const names = [fold(row.vi), fold(row.en)];
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
 * fields). `onSave(item, {another})` is called with a checked item.
 */
export function renderForm(root, { item, codes, tables, ctx, title, onSave, onCancel }) {
  const inputs = {};
  const messages = {};
  const field = (name, control, hint) => {
    messages[name] = h("p.field-message", { id: `m-${name}`, "aria-live": "polite" });
    return h(
      "div.field",
      { dataset: { field: name } },
      h("label", { for: `f-${name}` }, _(LABELS[name])),
      control,
      hint ? h("p.hint", {}, hint) : null,
      messages[name],
    );
  };
  const text = (name, attrs = {}) => {
    inputs[name] = h("input", { id: `f-${name}`, name, type: "text", autocomplete: "off", ...attrs });
    return field(name, inputs[name], attrs.hint);
  };
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
  };
  inputs.nationality.addEventListener("input", () => {
    inputs.nationality.dataset.code = "";
    const found = searchCountries(codes.countries, inputs.nationality.value);
    replace(
      nationalityList,
      found.map((row) =>
        h("li", { role: "option" }, h("button.choice", { type: "button", onclick: () => setNationality(row.code) }, `${row[current()]} (${row.code})`)),
      ),
    );
    inputs.nationality.setAttribute("aria-expanded", found.length ? "true" : "false");
  });

  const sexGroup = h(
    "div.segmented",
    { role: "radiogroup", id: "f-sex" },
    codes.sexes.map((row) =>
      h("label.segment", {}, h("input", { type: "radio", name: "sex", value: row.code, checked: item.sex === row.code }), h("span", {}, row[current()])),
    ),
  );
  inputs.sex = sexGroup;

  inputs.mrz = h("textarea", {
    id: "f-mrz",
    rows: 3,
    autocomplete: "off",
    autocapitalize: "characters",
    spellcheck: false,
    placeholder: "P<UTOERIKSSON<<ANNA<MARIA<<<…",
  });
  const mrzStatus = h("p.hint", { id: "mrz-status", "aria-live": "polite" });

  const controls = {
    mrz: () => field("mrz", h("div", {}, inputs.mrz, h("button.secondary", { type: "button", onclick: () => readMrz() }, _("Fill the form from these lines")), mrzStatus)),
    full_name: () => text("full_name", { autocapitalize: "characters", spellcheck: false, autocomplete: "off" }),
    sex: () => field("sex", sexGroup),
    date_of_birth: () => text("date_of_birth", { inputmode: "numeric", placeholder: _("dd/mm/yyyy"), hint: _("Day/month/year, or only the year if the passport shows no day.") }),
    nationality: () => field("nationality", h("div.combo", {}, inputs.nationality, nationalityList)),
    document_type: () => select("document_type", codes.document_types, { blank: false }),
    document_number: () => text("document_number", { autocapitalize: "characters", spellcheck: false }),
    document_expiry: () => text("document_expiry", { type: "date" }),
    entry_kind: () => select("entry_kind", codes.entry_kinds, { blank: false }),
    visa_category: () => select("visa_category", codes.visa_categories, { label: (r) => `${r.code} — ${r[current()]}` }),
    entry_document_number: () => text("entry_document_number", { autocapitalize: "characters", spellcheck: false }),
    stay_permitted_until: () => text("stay_permitted_until", { type: "date" }),
    entry_date: () => text("entry_date", { type: "date" }),
    entry_port: () =>
      select("entry_port", [...codes.ports].sort((a, b) => a[current()].localeCompare(b[current()])), { label: (r) => `${r[current()]} (${r.code})` }),
    purpose: () => select("purpose", codes.purposes),
    arrived_at: () => text("arrived_at", { type: "datetime-local" }),
    expected_departure: () => text("expected_departure", { type: "date" }),
    room: () => text("room", { inputmode: "text", autocapitalize: "characters" }),
    relationship: () => select("relationship", codes.relationships),
    phone: () => text("phone", { type: "tel", inputmode: "tel", autocomplete: "tel" }),
    email: () => text("email", { type: "email", inputmode: "email", autocapitalize: "none" }),
  };

  const general = h("div.form-errors", { role: "alert" });
  const form = h(
    "form.declaration",
    { novalidate: true, onsubmit: (event) => event.preventDefault() },
    h("h2", {}, title),
    general,
    SECTIONS.map(([legend, names]) => h("fieldset", {}, h("legend", {}, _(legend)), names.map((n) => controls[n]()))),
    h(
      "div.actions",
      {},
      h("button.primary", { type: "submit", id: "save", onclick: () => submit(false) }, _("Save")),
      item.op === "correct" ? null : h("button.secondary", { type: "button", id: "save-another", onclick: () => submit(true) }, _("Save and add another guest of this party")),
      h("button.link", { type: "button", onclick: onCancel }, _("Back")),
    ),
  );
  replace(root, form);

  // Fill in the values.
  for (const [name, input] of Object.entries(inputs)) {
    if (["sex", "nationality"].includes(name) || input.tagName === "SELECT") continue;
    if (name === "date_of_birth") input.value = birthFromIso(item.date_of_birth);
    else if (name === "arrived_at") input.value = toWallClock(item.arrived_at);
    else input.value = item[name] || "";
  }
  if (item.nationality) setNationality(item.nationality);
  const showEntryFields = () => {
    const kind = inputs.entry_kind.value;
    form.querySelector('[data-field="visa_category"]').hidden = !["visa", "e_visa"].includes(kind);
    form.querySelector('[data-field="entry_document_number"]').hidden = kind === "visa_exempt";
    form.querySelector('[data-field="stay_permitted_until"]').hidden = kind === "permanent_residence_card";
  };
  inputs.entry_kind.addEventListener("change", showEntryFields);
  showEntryFields();

  function readMrz() {
    const raw = inputs.mrz.value;
    let parsed;
    try {
      parsed = parseMrz(raw, { year: Number(vietnamDay(ctx().now).slice(0, 4)) }, (c) => normaliseNationality(tables, c));
    } catch (error) {
      if (!(error instanceof MrzFormatError)) throw error;
      mrzStatus.textContent = issueMessage({ code: "mrz_format" });
      mrzStatus.className = "hint bad";
      return;
    }
    if (parsed.failed_checks.length) {
      mrzStatus.textContent = parsed.failed_checks.map((part) => issueMessage({ code: "mrz_check_failed", params: { part } })).join(" ");
      mrzStatus.className = "hint bad";
      return;
    }
    inputs.full_name.value = parsed.full_name;
    inputs.document_number.value = parsed.document_number;
    inputs.date_of_birth.value = birthFromIso(parsed.date_of_birth || "");
    if (parsed.document_expiry) inputs.document_expiry.value = parsed.document_expiry;
    if (parsed.nationality) setNationality(parsed.nationality);
    for (const radio of sexGroup.querySelectorAll("input")) radio.checked = radio.value === parsed.sex;
    const kind = { PD: "diplomatic_passport", PO: "official_passport", PS: "official_passport" }[parsed.document_code];
    inputs.document_type.value = kind || (parsed.document_code.startsWith("P") ? "passport" : "other");
    mrzStatus.textContent = _("Read: the name, document, nationality, birth date, sex and expiry are filled in. Check them against the passport.");
    mrzStatus.className = "hint good";
  }

  function read() {
    const out = { ...item, declared_at: new Date().toISOString() }; // the device's clock
    delete out.op;
    for (const [name, input] of Object.entries(inputs)) {
      let value;
      if (name === "sex") value = (sexGroup.querySelector("input:checked") || {}).value;
      else if (name === "nationality") value = input.dataset.code || input.value.trim();
      else if (name === "date_of_birth") value = birthToIso(input.value);
      else if (name === "arrived_at") value = input.value ? `${input.value.length === 16 ? `${input.value}:00` : input.value}+07:00` : "";
      else if (input.closest("[hidden]")) value = "";
      else value = input.value;
      if (value === undefined || value === null || (typeof value === "string" && !value.trim())) delete out[name];
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
        target.textContent = target.textContent ? `${target.textContent} ${text}` : text;
        target.className = `field-message ${kind}`;
        if (kind === "bad") target.closest(".field").classList.add("invalid");
      } else {
        const label = LABELS[issue.field] ? `${_(LABELS[issue.field])}: ` : "";
        general.append(h("p", { className: kind }, label, text));
      }
    };
    result.errors.forEach((issue) => place(issue, "bad"));
    result.warnings.forEach((issue) => place(issue, "warn"));
  }

  async function submit(another) {
    const candidate = read();
    const result = check(candidate, ctx(), tables);
    show(result);
    if (!result.ok) {
      const first = form.querySelector(".invalid input, .invalid select, .invalid textarea, .form-errors p");
      if (first) (first.focus ? first : form).scrollIntoView({ block: "center" });
      if (first && first.focus) first.focus();
      return;
    }
    await onSave(candidate, { another, warnings: result.warnings });
  }

  return { show };
}
