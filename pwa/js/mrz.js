// Machine-readable zones (ICAO Doc 9303): TD3 passports (2 × 44), TD2 (2 × 36) and
// TD1 (3 × 30) cards, MRV-A (2 × 44) and MRV-B (2 × 36) visas, and the old French identity
// card (2 × 36, IDFRA). The twin of server/mrz.py, tested against tests/vectors/mrz.json
// and differentially on generated inputs: keep the two in step.

const WEIGHTS = [7, 3, 1];
const ALLOWED = /^[A-Z0-9<]+$/;
export const LENGTHS = { TD3: [2, 44], TD2: [2, 36], TD1: [3, 30] };
export const VISAS = ["MRVA", "MRVB"];

export class MrzFormatError extends Error {
  constructor(code) {
    super(code);
    this.code = code;
  }
}

export function charValue(ch) {
  if (ch >= "0" && ch <= "9") return ch.charCodeAt(0) - 48;
  if (ch >= "A" && ch <= "Z") return ch.charCodeAt(0) - 55;
  if (ch === "<") return 0;
  throw new Error(`not an MRZ character: ${ch}`);
}

export function checkDigit(data) {
  let sum = 0;
  for (let i = 0; i < data.length; i++) sum += charValue(data[i]) * WEIGHTS[i % 3];
  return String(sum % 10);
}

const isDigits = (s) => s.length > 0 && /^[0-9]+$/.test(s);

function digitOk(data, digit, optional = false) {
  // An all-filler optional field may carry '<' instead of '0' as its check digit.
  if (optional && digit === "<" && /^<*$/.test(data)) return true;
  return isDigits(digit) && checkDigit(data) === digit;
}

/** Lines of an MRZ typed, pasted or OCR'd: case, spaces and blank lines forgiven. */
export function splitLines(text) {
  // ASCII blanks only, and ASCII case: the server's twin does exactly the same.
  let lines = text
    .split(/\r\n|\r|\n/)
    .map((l) => l.replace(/[ \t\v\f]+/g, "").replace(/[a-z]+/g, (m) => m.toUpperCase()));
  lines = lines.filter((l) => l);
  if (lines.length === 1) {
    const run = lines[0];
    for (const [count, width] of Object.values(LENGTHS)) {
      if (run.length === count * width) {
        const out = [];
        for (let i = 0; i < run.length; i += width) out.push(run.slice(i, i + width));
        return out;
      }
    }
  }
  return lines;
}

function splitName(text) {
  // A field starting with "<<" has no primary identifier: it is all given names.
  const trimmed = text.replace(/<+$/, "");
  const at = trimmed.indexOf("<<");
  const surname = at < 0 ? trimmed : trimmed.slice(0, at);
  const given = at < 0 ? "" : trimmed.slice(at + 2);
  const clean = (s) =>
    s
      .split("<")
      .filter((w) => w)
      .join(" ");
  return [clean(surname), clean(given)];
}

function iso(year, mm, dd) {
  const m = Number(mm);
  const d = Number(dd);
  if (!isDigits(mm) || !isDigits(dd) || m < 1 || m > 12 || d < 1) return null;
  const days = new Date(Date.UTC(year, m, 0)).getUTCDate();
  if (d > days) return null;
  return `${String(year).padStart(4, "0")}-${mm}-${dd}`;
}

function birth(raw, today) {
  const [yy, mm, dd] = [raw.slice(0, 2), raw.slice(2, 4), raw.slice(4, 6)];
  if (!isDigits(yy)) return null;
  let year = 2000 + Number(yy);
  if (year > today.year) year -= 100;
  if (!isDigits(mm)) return String(year).padStart(4, "0");
  if (!isDigits(dd)) return `${String(year).padStart(4, "0")}-${mm}`;
  return iso(year, mm, dd);
}

function expiry(raw) {
  if (!isDigits(raw)) return null;
  return iso(2000 + Number(raw.slice(0, 2)), raw.slice(2, 4), raw.slice(4, 6));
}

/**
 * Parse an MRZ. Throws MrzFormatError for a wrong shape; bad check digits are named in
 * failedChecks. `today` is {year}; `normaliseNationality` maps a code to the stored one.
 */
export function parse(text, today, normaliseNationality = () => null) {
  const lines = splitLines(text);
  const format = Object.keys(LENGTHS).find((name) => {
    const [count, width] = LENGTHS[name];
    return lines.length === count && lines.every((l) => l.length === width);
  });
  if (!format) throw new MrzFormatError("mrz_shape");
  if (!lines.every((l) => ALLOWED.test(l))) throw new MrzFormatError("mrz_characters");
  if (format === "TD1") return assemble(format, td1(lines), today, normaliseNationality);
  if (lines[0].startsWith("V")) {
    const visa = format === "TD3" ? "MRVA" : "MRVB";
    return assemble(visa, mrv(lines), today, normaliseNationality);
  }
  if (format === "TD2" && lines[0].startsWith("IDFRA"))
    return assemble(format, frenchId(lines), today, normaliseNationality);
  return assemble(format, td2td3(format, lines), today, normaliseNationality);
}

/** MRV-A and MRV-B (ICAO 9303 part 7): no composite digit; the optional data runs on. */
function mrv([top, bottom]) {
  return {
    codeAndState: top.slice(0, 5),
    name: top.slice(5),
    number: bottom.slice(0, 9),
    numberCd: bottom[9],
    overflow: "",
    nationality: bottom.slice(10, 13),
    birth: bottom.slice(13, 19),
    birthCd: bottom[19],
    sex: bottom[20],
    expiry: bottom.slice(21, 27),
    expiryCd: bottom[27],
    optional: bottom.slice(28),
    optionalCd: null,
    composite: null,
    compositeCd: "",
  };
}

/** The French identity card of 1988–2021: surname on line 1, given names on line 2. */
function frenchId([top, bottom]) {
  return {
    codeAndState: top.slice(0, 5),
    name: `${top.slice(5, 30).replace(/<+$/, "")}<<${bottom.slice(13, 27)}`,
    number: bottom.slice(0, 12),
    numberCd: bottom[12],
    overflow: "",
    nationality: "FRA",
    birth: bottom.slice(27, 33),
    birthCd: bottom[33],
    sex: bottom[34],
    expiry: "",
    expiryCd: "",
    optional: top.slice(30, 36),
    optionalCd: null,
    composite: top + bottom.slice(0, 35),
    compositeCd: bottom[35],
  };
}

function td2td3(format, [top, bottom]) {
  const end = format === "TD3" ? 42 : 35;
  return {
    codeAndState: top.slice(0, 5),
    name: top.slice(5),
    number: bottom.slice(0, 9),
    numberCd: bottom[9],
    overflow: bottom.slice(28, end),
    nationality: bottom.slice(10, 13),
    birth: bottom.slice(13, 19),
    birthCd: bottom[19],
    sex: bottom[20],
    expiry: bottom.slice(21, 27),
    expiryCd: bottom[27],
    optional: bottom.slice(28, end),
    optionalCd: format === "TD3" ? bottom[42] : null,
    composite:
      bottom.slice(0, 10) +
      bottom.slice(13, 20) +
      bottom.slice(21, end + (format === "TD3" ? 1 : 0)),
    compositeCd: bottom[bottom.length - 1],
  };
}

function td1([first, second, third]) {
  return {
    codeAndState: first.slice(0, 5),
    name: third,
    number: first.slice(5, 14),
    numberCd: first[14],
    overflow: first.slice(15, 30),
    nationality: second.slice(15, 18),
    birth: second.slice(0, 6),
    birthCd: second[6],
    sex: second[7],
    expiry: second.slice(8, 14),
    expiryCd: second[14],
    optional: first.slice(15, 30) + second.slice(18, 29),
    optionalCd: null,
    composite: first.slice(5, 30) + second.slice(0, 7) + second.slice(8, 15) + second.slice(18, 29),
    compositeCd: second[29],
  };
}

function assemble(format, z, today, normaliseNationality) {
  let number = z.number;
  let numberOk;
  if (z.numberCd === "<" && z.overflow) {
    // A long number continues in the optional data after a filler (ICAO 9303-5 note j);
    // issuers compute its digit with or without that filler, and either is accepted.
    const rest = z.overflow.split("<")[0];
    const digit = rest.slice(-1) || "<";
    number = z.number + rest.slice(0, -1);
    numberOk = digitOk(number, digit) || digitOk(`${z.number}<${rest.slice(0, -1)}`, digit);
  } else {
    numberOk = digitOk(number, z.numberCd);
  }
  const checks = [
    ["document_number", numberOk],
    ["date_of_birth", digitOk(z.birth, z.birthCd)],
  ];
  if (z.expiry) checks.push(["document_expiry", digitOk(z.expiry, z.expiryCd)]);
  if (z.optionalCd !== null) {
    checks.push(["optional_data", digitOk(z.optional, z.optionalCd, true)]);
  }
  if (z.composite !== null) checks.push(["composite", digitOk(z.composite, z.compositeCd)]);
  const [surname, givenNames] = splitName(z.name);
  return {
    format,
    document_code: z.codeAndState.slice(0, 2).replace(/</g, ""),
    issuing_state: z.codeAndState.slice(2, 5).replace(/</g, ""),
    surname,
    given_names: givenNames,
    full_name: [surname, givenNames].filter((p) => p).join(" "),
    document_number: number.replace(/</g, ""),
    nationality_raw: z.nationality,
    nationality: normaliseNationality(z.nationality),
    birth_raw: z.birth,
    date_of_birth: birth(z.birth, today),
    sex: { M: "M", F: "F" }[z.sex] || "X",
    expiry_raw: z.expiry,
    document_expiry: expiry(z.expiry),
    optional_data: z.optional.replace(/</g, ""),
    failed_checks: checks.filter(([, ok]) => !ok).map(([name]) => name),
  };
}
