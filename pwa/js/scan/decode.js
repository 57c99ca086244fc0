// Decoding an MRZ's cells with its layout (stage 5 of reader.js): each position admits
// letters, digits or both, and the check digits choose between look-alikes. No DOM.

import { checkDigit } from "../mrz.js";
import { CHARS } from "./glyphs.js";

const DIGITS = "0123456789";
const LETTERS = "ABCDEFGHIJKLMNOPQRSTUVWXYZ";

// --- 5. decoding with the layout ----------------------------------------------------------

const ALPHA = `${LETTERS}<`;
const NUM = DIGITS;
const DATE = `${DIGITS}<`;
const ALNUM = `${DIGITS + LETTERS}<`;
const SEX = "MFX<";

/** What each position may hold, and the checked fields, per layout. */
export function layoutOf(rows, width, firstChar) {
  const line = (spec) => {
    const out = [];
    for (const [count, set] of spec) for (let k = 0; k < count; k++) out.push(set);
    return out;
  };
  if (rows === 3) {
    return {
      name: "TD1",
      sets: [
        line([
          [2, ALPHA],
          [3, ALPHA],
          [9, ALNUM],
          [1, `${NUM}<`],
          [15, ALNUM],
        ]),
        line([
          [6, DATE],
          [1, NUM],
          [1, SEX],
          [6, NUM],
          [1, NUM],
          [3, ALPHA],
          [11, ALNUM],
          [1, NUM],
        ]),
        line([[30, ALPHA]]),
      ],
    };
  }
  const visa = firstChar === "V";
  const second =
    width === 44
      ? [
          [9, ALNUM],
          [1, `${NUM}<`],
          [3, ALPHA],
          [6, DATE],
          [1, NUM],
          [1, SEX],
          [6, NUM],
          [1, NUM],
        ]
      : [
          [9, ALNUM],
          [1, `${NUM}<`],
          [3, ALPHA],
          [6, DATE],
          [1, NUM],
          [1, SEX],
          [6, NUM],
          [1, NUM],
        ];
  if (visa) second.push([width - 28, ALNUM]);
  else if (width === 44) second.push([14, ALNUM], [1, `${NUM}<`], [1, NUM]);
  else second.push([7, ALNUM], [1, NUM]);
  const name = visa ? (width === 44 ? "MRVA" : "MRVB") : width === 44 ? "TD3" : "TD2";
  return {
    name,
    sets: [
      line([
        [2, ALPHA],
        [3, ALPHA],
        [width - 5, ALPHA],
      ]),
      line(second),
    ],
  };
}

/** Characters of `allowed` for one cell, best first, with their scores. */
export function ranked(scores, allowed) {
  const out = [];
  for (const ch of allowed) out.push([ch, scores[CHARS.indexOf(ch)]]);
  return out.sort((a, b) => b[1] - a[1]);
}

/**
 * The one string for a run of cells whose last cell is its check digit. Look-alikes within
 * `slack` of a cell's best are tried; the best string that passes wins, but only if no
 * other passing string comes close: a guess between two readings is no reading.
 */
function checked(cells, slack = 0.12, tie = 0.05) {
  const options = cells.map((c) => c.filter(([, s]) => s >= c[0][1] - slack).slice(0, 3));
  let beams = [["", 0]];
  for (const opts of options) {
    const next = [];
    for (const [text, score] of beams)
      for (const [ch, s] of opts) next.push([text + ch, score + s]);
    next.sort((a, b) => b[1] - a[1]);
    beams = next.slice(0, 2000);
  }
  const passing = beams.filter(([text]) => {
    const data = text.slice(0, -1);
    const digit = text.slice(-1);
    return checkDigit(data) === digit || (digit === "<" && /^<*$/.test(data));
  });
  if (!passing.length) return "none";
  // Two look-alike swaps can cancel out in the check digit (O and 0 differ by 24, and
  // 24 × (7 + 3) ≡ 0 mod 10): the more two passing strings differ, the clearer the
  // winner must be.
  const [best, bestScore] = passing[0];
  for (const [other, score] of passing.slice(1)) {
    let differ = 0;
    for (let i = 0; i < best.length; i++) differ += best[i] !== other[i];
    if (score > bestScore - tie * differ) return "tie";
  }
  return best;
}

// In OCR-B, O and 0 (and I and 1, B and 8, S and 5, Z and 2) differ by a sliver at a
// phone camera's resolution, and two such swaps can cancel in a check digit (O − 0 = 24,
// and 24 × (7 + 3) ≡ 0 mod 10). Issuers rarely put these letters in document numbers,
// least of all between digits: there a digit is preferred unless the letter is clearly
// better; a single swap is then still settled by the check digit.
const LOOK_ALIKES = { O: "0", Q: "0", D: "0", I: "1", B: "8", S: "5", Z: "2", G: "6" };
const NUMBER_PRIOR = 0.03;
const BETWEEN_DIGITS_PRIOR = 0.12;

function preferDigits(rank, before, after) {
  // A neighbour counts as a digit if a digit is one of its two best readings.
  const digit = (c) => c?.slice(0, 2).some(([ch]) => DIGITS.includes(ch));
  const between = (digit(before) || !before) && (digit(after) || !after);
  const penalty = between ? BETWEEN_DIGITS_PRIOR : NUMBER_PRIOR;
  return rank.map(([ch, s]) => [ch, LOOK_ALIKES[ch] ? s - penalty : s]).sort((a, b) => b[1] - a[1]);
}

export function decode(layout, scoreRows) {
  const [numberRow, numberStart, numberEnd] = layout.name === "TD1" ? [0, 5, 14] : [1, 0, 9];
  const ranks = scoreRows.map((row, r) =>
    row.map((scores, i) => ranked(scores, layout.sets[r][i])),
  );
  const raw = ranks[numberRow].slice(numberStart, numberEnd);
  for (let i = numberStart; i < numberEnd; i++) {
    const k = i - numberStart;
    ranks[numberRow][i] = preferDigits(raw[k], raw[k - 1], raw[k + 1]);
  }
  const rows = ranks.map((row) => row.map((c) => c[0][0]));
  // Checked fields: [row, start, end (exclusive, the digit included)].
  let fields;
  let composite = null;
  if (layout.name === "TD1") {
    fields = [
      [0, 5, 15],
      [1, 0, 7],
      [1, 8, 15],
    ];
    composite = (r) => [
      r[0].slice(5, 30) + r[1].slice(0, 7) + r[1].slice(8, 15) + r[1].slice(18, 29),
      r[1][29],
    ];
  } else {
    fields = [
      [1, 0, 10],
      [1, 13, 20],
      [1, 21, 28],
    ];
    if (layout.name === "TD3") {
      fields.push([1, 28, 43]);
      composite = (r) => [r[1].slice(0, 10) + r[1].slice(13, 20) + r[1].slice(21, 43), r[1][43]];
    } else if (layout.name === "TD2") {
      composite = (r) => [r[1].slice(0, 10) + r[1].slice(13, 20) + r[1].slice(21, 35), r[1][35]];
    }
  }
  const covered = ranks.map((row) => row.map(() => false));
  for (const [r, a, b] of fields) {
    const text = checked(ranks[r].slice(a, b));
    if (text === "none" || text === "tie") return { failed: `${text}@${r}:${a}` };
    for (let i = 0; i < text.length; i++) {
      rows[r][a + i] = text[i];
      covered[r][a + i] = true;
    }
  }
  // A cell no check digit settles must be clear on its own.
  let weakest = Infinity;
  ranks.forEach((row, r) => {
    row.forEach((c, i) => {
      if (!covered[r][i]) weakest = Math.min(weakest, c[0][1] - c[1][1]);
    });
  });
  if (weakest < 0.015) return { failed: "unclear" };
  const lines = rows.map((row) => row.join(""));
  if (composite) {
    const [data, digit] = composite(lines);
    if (checkDigit(data) !== digit) return { failed: "composite" };
  }
  return { layout: layout.name, lines, weakest };
}
