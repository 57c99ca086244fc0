// The declaration checks: the twin of server/declarations/rules.py, tested against the
// same vectors (tests/vectors/declarations.json), so that a receptionist sees exactly the
// server's errors before anything is sent. Keep the two in step.
//
// check(item, ctx, tables) → {values, errors, warnings}; each issue is
// {field, code, params}. Messages are rendered by i18n.js from the server's catalogs.

import { MrzFormatError, parse as parseMrz, VISAS } from "./mrz.js";

// Vietnam has kept UTC+7 without daylight saving since 1975.
const VIETNAM_OFFSET_MS = 7 * 3600 * 1000;
const DAY_MS = 86400 * 1000;

export const FIELDS = [
  "id", "declared_at", "full_name", "sex", "date_of_birth", "nationality",
  "document_type", "document_number", "document_expiry", "entry_kind", "visa_category",
  "entry_document_number", "entry_document_issued_on", "stay_permitted_until",
  "entry_date", "entry_port", "purpose", "arrived_at", "expected_departure", "room",
  "phone", "email", "party_id", "party_leader", "guardian_id", "relationship", "mrz",
];

const NAME_PUNCTUATION = new Set([" ", "-", "'", "."]);
const DOCUMENT_RE = /^[A-Z0-9]+$/;
const ENTRY_NUMBER_RE = /^[A-Z0-9]{1,20}$/;
const EMAIL_RE = /^[^@\s]+@[^@\s]+\.[^@\s]+$/;
const PHONE_RE = /^\+?[0-9 ().-]{6,20}$/;
const PARTIAL_DATE_RE = /^(\d{4})(?:-(\d{2})(?:-(\d{2}))?)?$/;
const UUID_RE = /^([0-9a-f]{8})([0-9a-f]{4})([0-9a-f]{4})([0-9a-f]{4})([0-9a-f]{12})$/i;
const ICAO_ALIASES = { D: "DEU", "D<<": "DEU" };
const ICAO_TRANSLIT = { Ä: "AE", Ö: "OE", Ü: "UE", ß: "SS", Å: "AA", Æ: "AE", Ø: "OE", Þ: "TH", Ð: "D", Đ: "D" };

/** Sets of codes from GET /api/v1/codes, for quick lookups. */
export function codeTables(exported) {
  const set = (name) => new Set((exported[name] || []).map((c) => c.code));
  return {
    countries: set("countries"),
    ports: set("ports"),
    purposes: set("purposes"),
    visa_categories: set("visa_categories"),
    document_types: set("document_types"),
    entry_kinds: set("entry_kinds"),
    sexes: set("sexes"),
    relationships: set("relationships"),
  };
}

export function normaliseNationality(tables, value) {
  let cleaned = value.trim().toUpperCase().replace(/ /g, "");
  cleaned = ICAO_ALIASES[cleaned] || cleaned.replace(/<+$/, "");
  cleaned = ICAO_ALIASES[cleaned] || cleaned;
  return tables.countries.has(cleaned) ? cleaned : null;
}

export function normaliseVisaCategory(tables, value) {
  const cleaned = value.trim().toUpperCase().replace(/ /g, "");
  if (tables.visa_categories.has(cleaned)) return cleaned;
  const withD = cleaned.startsWith("LD") || cleaned.startsWith("DT") ? cleaned.replace(/D/g, "Đ") : cleaned;
  return tables.visa_categories.has(withD) ? withD : null;
}

// --- dates: a "day" is an ISO string YYYY-MM-DD, compared as strings ---------------

function validDay(y, m, d) {
  if (m < 1 || m > 12 || d < 1 || y < 1) return false;
  return d <= new Date(Date.UTC(y, m, 0)).getUTCDate();
}

function pad(n, width = 2) {
  return String(n).padStart(width, "0");
}

/** The calendar day in Vietnam of an instant (ms since the epoch). */
export function vietnamDay(ms) {
  const t = new Date(ms + VIETNAM_OFFSET_MS);
  return `${pad(t.getUTCFullYear(), 4)}-${pad(t.getUTCMonth() + 1)}-${pad(t.getUTCDate())}`;
}

export function addDays(day, days) {
  const [y, m, d] = day.split("-").map(Number);
  const t = new Date(Date.UTC(y, m - 1, d) + days * DAY_MS);
  return `${pad(t.getUTCFullYear(), 4)}-${pad(t.getUTCMonth() + 1)}-${pad(t.getUTCDate())}`;
}

export function parseDay(value) {
  const m = /^(\d{4})-(\d{2})-(\d{2})$/.exec(value);
  return m && validDay(+m[1], +m[2], +m[3]) ? value : null;
}

export function parsePartialDate(value) {
  const m = PARTIAL_DATE_RE.exec(value.trim());
  if (!m) return null;
  const [year, month, day] = [m[1], m[2], m[3]].map((g) => (g ? Number(g) : null));
  if (!validDay(year, month || 1, day || 1)) return null;
  return [year, month, day];
}

const MOMENT_RE =
  /^(\d{4})-(\d{2})-(\d{2})(?:[T ](\d{2})(?::?(\d{2})(?::?(\d{2})(?:[.,](\d{1,6}))?)?)?)?(Z|[+-]\d{2}(?::?\d{2})?)?$/;

/** An ISO date-time as ms since the epoch; without an offset it is Vietnam wall time. */
export function parseMoment(value) {
  if (typeof value !== "string") return null;
  const m = MOMENT_RE.exec(value.trim());
  if (!m) return null;
  const [y, mo, d] = [+m[1], +m[2], +m[3]];
  const [h, mi, s] = [+(m[4] || 0), +(m[5] || 0), +(m[6] || 0)];
  if (!validDay(y, mo, d) || h > 23 || mi > 59 || s > 59) return null;
  if (m[8] && !m[4]) return null; // an offset needs a time
  const fraction = m[7] ? Number(`0.${m[7]}`) * 1000 : 0;
  let offset = VIETNAM_OFFSET_MS;
  if (m[8] === "Z") offset = 0;
  else if (m[8]) {
    const sign = m[8][0] === "-" ? -1 : 1;
    const digits = m[8].slice(1).replace(":", "");
    offset = sign * (Number(digits.slice(0, 2)) * 3600 + Number(digits.slice(2) || 0) * 60) * 1000;
  }
  return Date.UTC(y, mo - 1, d, h, mi, s) + fraction - offset;
}

export function normaliseName(value) {
  return value.replace(/\s+/g, " ").trim().toUpperCase();
}

export function isLatinName(value) {
  let hasLetter = false;
  for (const ch of value) {
    if (/\p{L}/u.test(ch)) {
      if (!/\p{Script=Latin}/u.test(ch)) return false;
      hasLetter = true;
    } else if (!NAME_PUNCTUATION.has(ch)) return false;
  }
  return hasLetter;
}

export function asciiName(value, icao = false) {
  let upper = value.toUpperCase();
  if (icao) upper = [...upper].map((ch) => ICAO_TRANSLIT[ch] || ch).join("");
  const stripped = upper.normalize("NFKD").replace(/[^\x00-\x7f]/g, "");
  return stripped.replace(/[^A-Z]+/g, " ").trim();
}

/** As Python's uuid.UUID reads it: braces, "urn:uuid:" and hyphens anywhere forgiven. */
function cleanUuid(value) {
  const hex = value.replace(/^urn:uuid:/, "").replace(/^\{|\}$/g, "").replace(/-/g, "");
  const m = UUID_RE.exec(hex);
  return m ? m.slice(1).join("-").toLowerCase() : null;
}

const length = (s) => [...s].length;

class Checker {
  constructor(item, ctx) {
    this.item = item;
    this.ctx = ctx;
    this.values = {};
    this.errors = [];
    this.warnings = [];
  }

  error(field, code, params = {}) {
    this.errors.push({ field, code, params });
  }

  warn(field, code, params = {}) {
    this.warnings.push({ field, code, params });
  }

  text(name, required, maxLength) {
    let raw = this.item[name];
    if (raw === undefined || raw === null || (typeof raw === "string" && !raw.trim())) {
      if (required) this.error(name, "required");
      return null;
    }
    if (typeof raw === "number") raw = String(raw);
    if (typeof raw !== "string") {
      this.error(name, "invalid_type");
      return null;
    }
    const value = raw.trim();
    if (length(value) > maxLength) {
      this.error(name, "too_long", { max: maxLength });
      return null;
    }
    return value;
  }

  code(name, table, required) {
    const value = this.text(name, required, 40);
    if (value === null) return null;
    if (!table.has(value)) {
      this.error(name, "unknown_code", { value });
      return null;
    }
    return value;
  }

  day(name, required) {
    const value = this.text(name, required, 10);
    if (value === null) return null;
    const parsed = parseDay(value);
    if (parsed === null) this.error(name, "invalid_date");
    return parsed;
  }

  moment(name, required) {
    const value = this.text(name, required, 40);
    if (value === null) return null;
    const parsed = parseMoment(value);
    if (parsed === null) this.error(name, "invalid_datetime");
    return parsed;
  }
}

/**
 * Clean and check one declaration. ctx: {now (ms), arrival_window_days,
 * document_number_max, grace_hours, remote_grace_hours, remote_area, room_required}.
 */
export function check(item, ctx, tables) {
  const c = new Checker(item, ctx);
  const v = c.values;
  const today = vietnamDay(ctx.now);

  for (const unknown of Object.keys(item).filter((k) => !FIELDS.includes(k)).sort()) {
    c.error(unknown, "unknown_field", { value: unknown });
  }

  const recordId = c.text("id", true, 36);
  if (recordId !== null) {
    const clean = cleanUuid(recordId);
    if (clean === null) c.error("id", "invalid_uuid");
    else v.id = clean;
  }
  v.declared_at = c.moment("declared_at", true);

  let fullName = c.text("full_name", true, 100);
  if (fullName !== null) {
    fullName = normaliseName(fullName);
    if (!isLatinName(fullName)) c.error("full_name", "name_characters");
    v.full_name = fullName;
  }

  let sex = c.text("sex", true, 1);
  if (sex !== null) {
    sex = sex.toUpperCase();
    if (!tables.sexes.has(sex)) c.error("sex", "unknown_code", { value: sex });
    v.sex = sex;
  }

  const birth = c.text("date_of_birth", true, 10);
  if (birth !== null) {
    const parts = parsePartialDate(birth);
    if (parts === null) c.error("date_of_birth", "invalid_date");
    else {
      const [year, month, day] = parts;
      const earliest = `${pad(year, 4)}-${pad(month || 1)}-${pad(day || 1)}`;
      if (earliest > today) c.error("date_of_birth", "birth_in_future");
      else if (year < Number(today.slice(0, 4)) - 130) {
        c.error("date_of_birth", "birth_too_old", { years: 130 });
      }
      v.date_of_birth = birth.trim();
    }
  }

  const nationality = c.text("nationality", true, 3);
  if (nationality !== null) {
    const normalised = normaliseNationality(tables, nationality);
    if (normalised === null) c.error("nationality", "unknown_code", { value: nationality });
    v.nationality = normalised || nationality.toUpperCase();
  }

  v.document_type = c.code("document_type", tables.document_types, true);
  let number = c.text("document_number", true, 40);
  if (number !== null) {
    number = number.replace(/\s+/g, "").toUpperCase();
    if (!(DOCUMENT_RE.test(number) && number.length <= ctx.document_number_max)) {
      c.error("document_number", "document_number_format", { max: ctx.document_number_max });
    }
    v.document_number = number;
  }
  v.document_expiry = c.day("document_expiry", true);

  const kind = c.code("entry_kind", tables.entry_kinds, true);
  v.entry_kind = kind;
  let category = c.text("visa_category", kind === "visa", 4);
  if (kind === "e_visa" && category === null) category = "EV";
  if (category !== null) {
    const normalised = normaliseVisaCategory(tables, category);
    if (normalised === null) c.error("visa_category", "unknown_code", { value: category });
    category = normalised || category;
  }
  v.visa_category = kind === "visa" || kind === "e_visa" ? category : null;
  let entryNumber = c.text("entry_document_number", kind !== null && kind !== "visa_exempt", 20);
  if (entryNumber !== null) {
    entryNumber = entryNumber.replace(/\s+/g, "").toUpperCase();
    if (!ENTRY_NUMBER_RE.test(entryNumber)) c.error("entry_document_number", "entry_number_format");
  }
  v.entry_document_number = entryNumber;
  v.entry_document_issued_on = c.day("entry_document_issued_on", false);
  v.stay_permitted_until = c.day(
    "stay_permitted_until",
    ["visa", "e_visa", "temporary_residence_card"].includes(kind),
  );
  v.entry_date = c.day("entry_date", true);
  v.entry_port = c.code("entry_port", tables.ports, true);
  v.purpose = c.code("purpose", tables.purposes, true);

  const arrived = c.moment("arrived_at", true);
  v.arrived_at = arrived;
  v.expected_departure = c.day("expected_departure", true);
  v.room = c.text("room", ctx.room_required, 20);
  const phone = c.text("phone", false, 20);
  if (phone !== null && !PHONE_RE.test(phone)) c.error("phone", "invalid_phone");
  v.phone = phone;
  const email = c.text("email", false, 254);
  if (email !== null && !EMAIL_RE.test(email)) c.error("email", "invalid_email");
  v.email = email;
  v.party_id = c.text("party_id", false, 64);
  let leader = item.party_leader === undefined || item.party_leader === null ? false : item.party_leader;
  if (typeof leader !== "boolean") {
    c.error("party_leader", "invalid_type");
    leader = false;
  }
  v.party_leader = leader;
  let guardian = c.text("guardian_id", false, 36);
  if (guardian !== null) {
    const clean = cleanUuid(guardian);
    if (clean === null) c.error("guardian_id", "invalid_uuid");
    else guardian = clean;
  }
  v.guardian_id = guardian;
  v.relationship = c.code("relationship", tables.relationships, false);

  checkDates(c, arrived, today);
  checkMrz(c, today, tables);
  return { values: v, errors: c.errors, warnings: c.warnings, ok: c.errors.length === 0 };
}

/** Hours allowed after arrival for an electronic declaration. */
export function deadlineHours(ctx) {
  return ctx.remote_area ? ctx.remote_grace_hours : ctx.grace_hours;
}

function checkDates(c, arrived, today) {
  const { values: v, ctx } = c;
  const entry = v.entry_date;
  const expiry = v.document_expiry;
  const departure = v.expected_departure;
  const permit = v.stay_permitted_until;
  if (entry && entry > today) c.error("entry_date", "entry_in_future");
  if (arrived === null) return;
  const arrivalDay = vietnamDay(arrived);
  if (arrived > ctx.now + DAY_MS) c.error("arrived_at", "arrival_in_future");
  else if (arrivalDay < addDays(today, -ctx.arrival_window_days)) {
    c.error("arrived_at", "arrival_too_old", { days: ctx.arrival_window_days });
  }
  if (entry && entry > arrivalDay) c.error("entry_date", "entry_after_arrival");
  if (departure && departure < arrivalDay) c.error("expected_departure", "departure_before_arrival");
  if (expiry && expiry < arrivalDay) c.error("document_expiry", "document_expired");
  else if (expiry && departure && expiry < departure) {
    c.warn("document_expiry", "document_expires_during_stay");
  }
  if (permit) {
    if (permit < today) c.warn("stay_permitted_until", "permit_expired", { until: permit });
    else if (departure && permit < departure) {
      c.warn("stay_permitted_until", "stay_beyond_permit", { until: permit });
    }
  }
  const deadline = deadlineHours(ctx);
  const delay = ctx.now - arrived;
  if (delay > deadline * 3600 * 1000) {
    c.warn("arrived_at", "late", { hours: Math.floor(delay / 3600000), deadline });
  }
}

function checkMrz(c, today, tables) {
  const raw = c.text("mrz", false, 200);
  if (raw === null) {
    c.values.mrz = null;
    return;
  }
  let mrz;
  try {
    mrz = parseMrz(raw, { year: Number(today.slice(0, 4)) }, (code) => normaliseNationality(tables, code));
  } catch (error) {
    if (!(error instanceof MrzFormatError)) throw error;
    c.error("mrz", "mrz_format");
    c.values.mrz = null;
    return;
  }
  c.values.mrz = raw.trim().toUpperCase();
  if (VISAS.includes(mrz.format)) {
    c.error("mrz", "mrz_is_visa");
    return;
  }
  for (const part of mrz.failed_checks) c.error("mrz", "mrz_check_failed", { part });
  if (mrz.failed_checks.length) return;
  const v = c.values;
  const typedName = v.full_name || "";
  const readName = mrz.full_name.replace(/ /g, "");
  // Names in an MRZ drop apostrophes, may transliterate (Ü → UE or U) and are cut at the
  // line's end: the typed name must begin with what the MRZ holds, either way.
  if (
    typedName &&
    readName &&
    ![false, true].some((icao) => asciiName(typedName, icao).replace(/ /g, "").startsWith(readName))
  ) {
    c.error("full_name", "mrz_mismatch", { value: mrz.full_name });
  }
  const pairs = {
    document_number: [v.document_number, mrz.document_number],
    // A code outside our list (UTO, a new state) cannot be compared: the user picks.
    nationality: [v.nationality, mrz.nationality],
    date_of_birth: [v.date_of_birth, mrz.date_of_birth],
    sex: [v.sex, mrz.sex],
    document_expiry: [v.document_expiry, mrz.document_expiry],
  };
  for (const [name, [typed, read]] of Object.entries(pairs)) {
    if (typed === null || typed === undefined || read === null || read === undefined) continue;
    if (typed !== read) c.error(name, "mrz_mismatch", { value: read });
  }
}
