// Guests' names as passports print them: the twin of server/declarations/names.py.

const NAME_PUNCTUATION = new Set([" ", "-", "'", "."]);
// ICAO 9303 part 3 transliterations that differ from simply dropping the diacritic.
const ICAO_TRANSLIT = {
  Ä: "AE",
  Ö: "OE",
  Ü: "UE",
  ß: "SS",
  Å: "AA",
  Æ: "AE",
  Ø: "OE",
  Þ: "TH",
  Ð: "D",
  Đ: "D",
};

/** Upper case, single spaces, as printed in the passport. */
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
  // What NFKD leaves outside ASCII (the accents) goes.
  const stripped = upper.normalize("NFKD").replace(/[^\p{ASCII}]/gu, "");
  return stripped.replace(/[^A-Z]+/g, " ").trim();
}
