// Every language of the catalogs in locales/ (built into pwa/locales/*.json, and their
// list into generated/languages.js, by `python -m server.babel_runner compile`): the code
// names none. Strings are marked with _() so that Babel extracts them; placeholders are
// Python's %(name)s, as in the server's catalogs. Dates and times are shown in Vietnam's
// time zone, 24-hour, with four-digit years.

import AVAILABLE from "../generated/languages.js";

export const LANGUAGES = AVAILABLE.map((l) => l.code);
const ZONE = "Asia/Ho_Chi_Minh";
const info = (code) => AVAILABLE.find((l) => l.code === code) || AVAILABLE[0];

let language = LANGUAGES[0];
let catalog = { messages: {}, issues: {}, mrz_parts: {} };

export async function load(lang) {
  language = LANGUAGES.includes(lang) ? lang : LANGUAGES[0];
  // Beside this module, so under the same version as the page's scripts.
  const response = await fetch(new URL(`../locales/${language}.json`, import.meta.url));
  catalog = await response.json();
  document.documentElement.lang = language;
  return language;
}

export const current = () => language;

/** Marks a string for the catalogs where it is defined; _() translates it where shown. */
export const N_ = (msgid) => msgid;

export function interpolate(template, params = {}) {
  return template.replace(/%\((\w+)\)s/g, (whole, name) =>
    name in params ? String(params[name]) : whole,
  );
}

/** Translate a message; the English catalog leaves most strings to their msgid. */
export function _(msgid, params) {
  return interpolate(catalog.messages[msgid] || msgid, params);
}

/** The message of a check's issue ({field, code, params, message}) in this language. */
export function issueMessage(issue) {
  const template = catalog.issues[issue.code];
  if (!template) return issue.message || issue.code;
  const params = { ...(issue.params || {}) };
  if (params.part) params.part = catalog.mrz_parts[params.part] || params.part;
  if (params.until) params.until = formatDay(params.until);
  return interpolate(template, params);
}

const locale = () => info(language).intl;

/** A language's own name, and its web app manifest. */
export const languageName = (code) => info(code).name;
export const manifestOf = (code) => info(code).manifest;

/** The supported language a browser's preferences ask for first, else the default. */
export function preferred(tags) {
  for (const tag of tags) {
    const base = String(tag).toLowerCase().split("-")[0];
    if (LANGUAGES.includes(base)) return base;
  }
  return LANGUAGES[0];
}

/** The language after ``code``, round the list (the header's language button). */
export const nextLanguage = (code) => LANGUAGES[(LANGUAGES.indexOf(code) + 1) % LANGUAGES.length];

// Building an Intl formatter costs far more than using one: one per language and shape
// (a list of 500 guests formats 500 times).
const formatters = new Map();
function formatter(shape, options) {
  const key = `${language}:${shape}`;
  if (!formatters.has(key)) {
    formatters.set(key, new Intl.DateTimeFormat(locale(), { timeZone: ZONE, ...options }));
  }
  return formatters.get(key);
}

export function formatMoment(ms) {
  if (ms === null || ms === undefined || Number.isNaN(ms)) return "";
  return formatter("moment", {
    day: "2-digit",
    month: "2-digit",
    year: "numeric",
    hour: "2-digit",
    minute: "2-digit",
    hourCycle: "h23",
  }).format(new Date(ms));
}

export function formatTime(ms) {
  return formatter("time", { hour: "2-digit", minute: "2-digit", hourCycle: "h23" }).format(
    new Date(ms),
  );
}

/** A YYYY-MM-DD day as dd/mm/yyyy (both languages write day first). */
export function formatDay(day) {
  const m = /^(\d{4})-(\d{2})-(\d{2})$/.exec(day || "");
  return m ? `${m[3]}/${m[2]}/${m[1]}` : day || "";
}

/** A code's name from GET /api/v1/codes rows ({code, vi, en}). */
export function codeName(rows, code) {
  const row = (rows || []).find((r) => r.code === code);
  return row ? row[language] || row.en : code || "";
}
