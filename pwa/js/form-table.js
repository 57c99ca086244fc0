// What the declaration form derives from the server's field table
// (server/declarations/fields.py, built into generated/fields.js): no field is named here.

import TABLE from "../generated/fields.js";
import { FIELD_TABLE } from "./rules.js";

export const ON_FORM = FIELD_TABLE.filter((f) => f.section);
export const BY_NAME = Object.fromEntries(FIELD_TABLE.map((f) => [f.name, f]));
export const LABELS = Object.fromEntries(FIELD_TABLE.map((f) => [f.name, f.label]));
export const SECTIONS = TABLE.sections.map((s) => [
  s.label,
  ON_FORM.filter((f) => f.section === s.key).map((f) => f.name),
]);
const names = (fields) => fields.map((f) => f.name);
// Fields a new declaration gets a default for: folded into a one-line summary with "Edit".
export const DEFAULTED = names(ON_FORM.filter((f) => f.defaulted));
// Fields a passport scan fills: shown on the read card instead.
export const READ_FIELDS = names(ON_FORM.filter((f) => f.mrz));
// Never required: folded under "Optional" on a new declaration.
export const OPTIONAL = names(ON_FORM.filter((f) => f.required === false && f.kind !== "mrz"));
// Whole days, typed day-first as text (never the browser's locale-dependent date input).
export const DAY_FIELDS = names(ON_FORM.filter((f) => f.kind === "day"));
// What "add another guest of this party" copies from the guest just saved.
export const PARTY_FIELDS = names(FIELD_TABLE.filter((f) => f.party));
