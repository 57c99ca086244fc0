// The declaration checks: the twin of server/declarations/rules.py, tested against the
// same vectors (tests/vectors/declarations.json), so that a receptionist sees exactly the
// server's errors before anything is sent. Keep the two in step.
//
// check(item, ctx, tables) → {values, errors, warnings}; each issue is
// {field, code, params}. Messages are rendered by i18n.js from the server's catalogs.

import TABLE from "../generated/fields.js";
import { MrzFormatError, parse as parseMrz, VISAS } from "./mrz.js";
import { asciiName, isLatinName, normaliseName } from "./names.js";

// Vietnam has kept UTC+7 without daylight saving since 1975.
const VIETNAM_OFFSET_MS = 7 * 3600 * 1000;
const DAY_MS = 86400 * 1000;

// The declaration's fields, from the server's table (server/declarations/fields.py).
export const FIELD_TABLE = TABLE.fields;
export const FIELDS = FIELD_TABLE.map((f) => f.name);

const DOCUMENT_RE = /^[A-Z0-9]+$/;
const ENTRY_NUMBER_RE = /^[A-Z0-9]{1,20}$/;
const EMAIL_RE = /^[^@\s]+@[^@\s]+\.[^@\s]+$/;
const PHONE_RE = /^\+?[0-9 ().-]{6,20}$/;
const PARTIAL_DATE_RE = /^(\d{4})(?:-(\d{2})(?:-(\d{2}))?)?$/;
const UUID_RE = /^([0-9a-f]{8})([0-9a-f]{4})([0-9a-f]{4})([0-9a-f]{4})([0-9a-f]{12})$/i;
const ICAO_ALIASES = { D: "DEU", "D<<": "DEU" };

/** Sets of codes from GET /api/v1/codes, for quick lookups: every list a field uses. */
export function codeTables(exported) {
  const tables = {};
  for (const f of FIELD_TABLE)
    if (f.codes) tables[f.codes] = new Set((exported[f.codes] || []).map((c) => c.code));
  return tables;
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
  const withD =
    cleaned.startsWith("LD") || cleaned.startsWith("DT") ? cleaned.replace(/D/g, "Đ") : cleaned;
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

/** As Python's uuid.UUID reads it: braces, "urn:uuid:" and hyphens anywhere forgiven. */
function cleanUuid(value) {
  const hex = value
    .replace(/^urn:uuid:/, "")
    .replace(/^\{|\}$/g, "")
    .replace(/-/g, "");
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

  for (const unknown of Object.keys(item)
    .filter((k) => !FIELDS.includes(k))
    .sort()) {
    c.error(unknown, "unknown_field", { value: unknown });
  }

  for (const f of FIELD_TABLE) {
    if (f.kind === "mrz") continue; // last: compared with everything else (checkMrz)
    v[f.name] = PARSERS[f.kind](c, f, isRequired(f.required, v, ctx), today, tables);
  }
  if (v.entry_kind === "e_visa" && v.visa_category === null) v.visa_category = "EV";
  if (v.entry_kind !== "visa" && v.entry_kind !== "e_visa") v.visa_category = null;
  const arrived = v.arrived_at;

  checkDates(c, arrived, today);
  checkMrz(c, today, tables);
  return { values: v, errors: c.errors, warnings: c.warnings, ok: c.errors.length === 0 };
}

/** Required: always, never, or when another field holds one of some values, or when the
 * checks' context says so (room_required for hotels). */
function isRequired(rule, values, ctx) {
  if (typeof rule === "boolean") return rule;
  if (rule.context) return Boolean(ctx[rule.context]);
  return rule.in.includes(values[rule.field]);
}

const NORMALISERS = {
  upper: (_tables, value) => value.toUpperCase(),
  nationality: normaliseNationality,
  visa_category: normaliseVisaCategory,
};

/** A parser of a text value: a missing or empty one (or one refused as too long or of the
 * wrong type) is handled once, here; `parse` gets the trimmed text. */
const given =
  (parse) =>
  (c, f, required, ...rest) => {
    const value = c.text(f.name, required, f.max_length);
    return value === null ? null : parse(c, f, value, ...rest);
  };

const matching = (re, code) =>
  given((c, f, value) => {
    if (!re.test(value)) c.error(f.name, code);
    return value;
  });

const compact = (value) => value.replace(/\s+/g, "").toUpperCase();

// One parser per kind of field, as in server/declarations/rules.py.
const PARSERS = {
  uuid: given((c, f, value) => {
    const clean = cleanUuid(value);
    if (clean === null) c.error(f.name, "invalid_uuid");
    return clean;
  }),
  moment: (c, f, required) => c.moment(f.name, required),
  day: (c, f, required) => c.day(f.name, required),
  partial_date: given((c, f, value, today) => {
    const parts = parsePartialDate(value);
    if (parts === null) {
      c.error(f.name, "invalid_date");
      return null;
    }
    const [year, month, day] = parts;
    const earliest = `${pad(year, 4)}-${pad(month || 1)}-${pad(day || 1)}`;
    if (earliest > today) c.error(f.name, "birth_in_future");
    else if (year < Number(today.slice(0, 4)) - 130)
      c.error(f.name, "birth_too_old", { years: 130 });
    return value;
  }),
  name: given((c, f, value) => {
    const name = normaliseName(value);
    if (!isLatinName(name)) c.error(f.name, "name_characters");
    return name;
  }),
  code: given((c, f, value, _today, tables) => {
    const table = tables[f.codes];
    if (f.normalise) {
      const found = NORMALISERS[f.normalise](tables, value);
      if (found === null || !table.has(found)) c.error(f.name, "unknown_code", { value });
      return found || value.toUpperCase(); // kept as typed, for the checks across fields
    }
    if (!table.has(value)) {
      c.error(f.name, "unknown_code", { value });
      return null;
    }
    return value;
  }),
  document_number: given((c, f, typed) => {
    const value = compact(typed);
    const most = c.ctx.document_number_max;
    if (!(DOCUMENT_RE.test(value) && value.length <= most)) {
      c.error(f.name, "document_number_format", { max: most });
    }
    return value;
  }),
  entry_number: given((c, f, typed) => {
    const value = compact(typed);
    if (!ENTRY_NUMBER_RE.test(value)) c.error(f.name, "entry_number_format");
    return value;
  }),
  text: (c, f, required) => c.text(f.name, required, f.max_length),
  phone: matching(PHONE_RE, "invalid_phone"),
  email: matching(EMAIL_RE, "invalid_email"),
  bool(c, f) {
    const value = c.item[f.name] === undefined ? false : c.item[f.name];
    if (typeof value !== "boolean") {
      c.error(f.name, "invalid_type");
      return false;
    }
    return value;
  },
};

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
  if (departure && departure < arrivalDay)
    c.error("expected_departure", "departure_before_arrival");
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
    mrz = parseMrz(raw, { year: Number(today.slice(0, 4)) }, (code) =>
      normaliseNationality(tables, code),
    );
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
  // A code outside our lists (UTO, a new state) reads as null: the user picks.
  for (const f of FIELD_TABLE) {
    if (f.mrz !== "compare") continue;
    const [typed, read] = [v[f.name], mrz[f.name]];
    if (typed === null || typed === undefined || read === null || read === undefined) continue;
    if (typed !== read) c.error(f.name, "mrz_mismatch", { value: read });
  }
}
