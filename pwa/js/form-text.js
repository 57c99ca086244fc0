// Dates typed day-first as people here write them (digits alone from a number pad too),
// the visa exemption in force, and the country search: plain functions, no DOM.

import { current, LANGUAGES } from "./i18n.js";

const pad = (n) => String(n).padStart(2, "0");

/** Now as a Vietnam wall-clock "YYYY-MM-DDTHH:MM" (for datetime-local inputs). */
export function vietnamWallClock(ms) {
  const t = new Date(ms + 7 * 3600 * 1000);
  return `${t.getUTCFullYear()}-${pad(t.getUTCMonth() + 1)}-${pad(t.getUTCDate())}T${pad(t.getUTCHours())}:${pad(t.getUTCMinutes())}`;
}

export function toWallClock(value) {
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

export const momentFromIso = (wall) => {
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
