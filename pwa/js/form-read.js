// Reading a passport or a visa into the form: from the camera, or lines typed or pasted.
// `form` is what the form lends: its inputs, status lines and folding (see form.js).

import { h, replace } from "./dom.js";
import { _, codeName, formatDay, issueMessage } from "./i18n.js";
import { MrzFormatError, parse as parseMrz, VISAS } from "./mrz.js";
import { LABELS, READ_FIELDS } from "./form-table.js";
import { birthFromIso, birthToIso, dayToIso } from "./form-text.js";
import { normaliseNationality, normaliseVisaCategory, vietnamDay } from "./rules.js";

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

/** The reading actions of one form: scan with the camera, read typed lines. */
export function reading(form) {
  const { inputs, codes, tables, ctx, sexGroup, readCard, mrzStatus, visaStatus, touched } = form;
  const { fold, unfold, setNationality, showEntryFields, refreshSummaries } = form;

  async function scanWith(expect) {
    const reading = await form.onScan(expect, () => inputs.mrz.focus());
    if (!reading) return;
    form.markDirty();
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

  return { scanWith, readMrz };
}
