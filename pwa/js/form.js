// The declaration form, built for phones: big targets, the right keyboards, day-first
// dates everywhere, nationality searchable in either language or by code, the passport
// scanned with the camera (or its MRZ typed or pasted) to fill the form, defaults for
// everything a scan cannot know, and the server's checks run here before anything is saved.

import { h, replace } from "./dom.js";
import { buildControls } from "./form-controls.js";
import { reading } from "./form-read.js";
import {
  BY_NAME,
  DAY_FIELDS,
  DEFAULTED,
  LABELS,
  OPTIONAL,
  READ_FIELDS,
  SECTIONS,
} from "./form-table.js";
import {
  birthFromIso,
  birthToIso,
  dayToIso,
  exemptionFor,
  momentFromIso,
  momentToIso,
  toWallClock,
} from "./form-text.js";
import { _, codeName, current, formatDay, issueMessage } from "./i18n.js";
import { addDays, check } from "./rules.js";

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

  const {
    control,
    sexGroup,
    nationalityList,
    mrzStatus,
    readCard,
    visaStatus,
    entryHint,
    nightsRow,
  } = buildControls(item, codes, inputs, messages, {
    nationality: (code) => setNationality(code),
    scan: (expect) => reader.scanWith(expect),
    readLines: () => reader.readMrz(),
    nights: (n) => setNights(n),
  });
  const setNationality = (code) => {
    inputs.nationality.dataset.code = code || "";
    inputs.nationality.value = code ? `${codeName(codes.countries, code)} (${code})` : "";
    replace(nationalityList);
    inputs.nationality.setAttribute("aria-expanded", "false");
    applyEntryDefaults();
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

  const reader = reading({
    inputs,
    codes,
    tables,
    ctx,
    sexGroup,
    readCard,
    mrzStatus,
    visaStatus,
    touched,
    fold,
    unfold,
    setNationality,
    showEntryFields,
    refreshSummaries,
    onScan,
    markDirty: () => {
      dirty = true;
    },
  });

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
