// The form's controls, one per kind of field (generated/fields.js says each field's
// kind): the right keyboard, day-first dates, a searchable nationality, a visa scan.
// What the controls do beyond themselves is the form's (`on`).

import { h, replace } from "./dom.js";
import { BY_NAME, LABELS } from "./form-table.js";
import { searchCountries } from "./form-text.js";
import { _, current } from "./i18n.js";

const NIGHTS = [1, 2, 3, 4, 5, 6, 7];

function options(rows, selected, { blank = true, label = (r) => r[current()] } = {}) {
  return [
    blank ? h("option", { value: "" }, "—") : null,
    ...rows.map((r) => h("option", { value: r.code, selected: r.code === selected }, label(r))),
  ];
}

/**
 * Build the controls of `item`'s form into `inputs` (and their message lines into
 * `messages`). `on`: {nationality(code), scan(expect), readLines(), nights(n)}.
 */
export function buildControls(item, codes, inputs, messages, on) {
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
            { type: "button", onclick: () => on.nationality(row.code) },
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
        { type: "button", dataset: { nights: n }, onclick: () => on.nights(n) },
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
          { type: "button", id: "scan-passport", onclick: () => on.scan("document") },
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
              { type: "button", onclick: () => on.readLines() },
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
        { type: "button", id: "scan-visa", onclick: () => on.scan("visa") },
        _("Scan the visa"),
      ),
      visaStatus,
    ),
  );
  const control = (name) => {
    const f = BY_NAME[name];
    const built = CONTROLS[f.kind](f);
    if (extras.has(name)) built.querySelector(".field-message").before(extras.get(name));
    return built;
  };

  return {
    control,
    sexGroup,
    nationalityList,
    mrzStatus,
    readCard,
    visaStatus,
    entryHint,
    nightsRow,
  };
}
