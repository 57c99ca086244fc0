// Reading a machine-readable zone from one camera frame, with no network and no
// WebAssembly. The MRZ is printed in one font (OCR-B) at one pitch, so a small reader made
// for exactly that does the job:
//   1. threshold the frame against its local mean (uneven light, glare);
//   2. find the dark blobs of character size and chain them, left to right, into lines
//      (rotation and perspective only bend the chains);
//   3. find two or three long, parallel, equally spaced lines of 30, 36 or 44 characters;
//   4. fit each line's character grid, cut every cell and match it against the OCR-B
//      templates (normalised correlation, a little shift allowed);
//   5. decode with the layout: each position admits letters, digits or both, and the check
//      digits choose between look-alikes (0/O, 1/I, 8/B, 5/S, 2/Z).
// A frame gives text only when every check digit passes; the caller accepts a reading only
// when two consecutive frames agree (names have no check digit). No DOM: this runs in a
// Web Worker, and in tests.

import { checkDigit } from "../mrz.js";
import { CHARS, DATA, TH, TW } from "./glyphs.js";

// Template pixels of shift allowed each way when matching a cell, across and down, once
// the line is calibrated; calibration itself looks further.
const MX = 1;
const MY = 1;
const CALIBRATE_MX = 3;
const CALIBRATE_MY = 3;
const DIGITS = "0123456789";
const LETTERS = "ABCDEFGHIJKLMNOPQRSTUVWXYZ";

// --- templates --------------------------------------------------------------------------

let templates = null;

/** Zero-mean, unit-norm templates, one Float32Array per character of CHARS. */
function loadTemplates() {
  if (templates) return templates;
  const raw = atob(DATA.replace(/\s+/g, ""));
  templates = [];
  const n = TW * TH;
  for (let c = 0; c < CHARS.length; c++) {
    const t = new Float32Array(n);
    let mean = 0;
    for (let i = 0; i < n; i++) {
      t[i] = raw.charCodeAt(c * n + i);
      mean += t[i];
    }
    mean /= n;
    let norm = 0;
    for (let i = 0; i < n; i++) {
      t[i] -= mean;
      norm += t[i] * t[i];
    }
    norm = Math.sqrt(norm) || 1;
    for (let i = 0; i < n; i++) t[i] /= norm;
    templates.push(t);
  }
  return templates;
}

// --- 1. threshold -----------------------------------------------------------------------

function integral(gray, w, h) {
  const ii = new Float64Array((w + 1) * (h + 1));
  for (let y = 0; y < h; y++) {
    let row = 0;
    for (let x = 0; x < w; x++) {
      row += gray[y * w + x];
      ii[(y + 1) * (w + 1) + x + 1] = ii[y * (w + 1) + x + 1] + row;
    }
  }
  return ii;
}

function boxMean(ii, w, h, x, y, r) {
  const x0 = Math.max(0, x - r);
  const y0 = Math.max(0, y - r);
  const x1 = Math.min(w, x + r + 1);
  const y1 = Math.min(h, y + r + 1);
  const W = w + 1;
  const sum = ii[y1 * W + x1] - ii[y0 * W + x1] - ii[y1 * W + x0] + ii[y0 * W + x0];
  return sum / ((x1 - x0) * (y1 - y0));
}

/** 1 where a pixel is clearly darker than its neighbourhood (Bradley's method, smoothed). */
export function threshold(gray, w, h) {
  const ii = integral(gray, w, h);
  const r = Math.max(8, Math.round(Math.max(w, h) / 40));
  const out = new Uint8Array(w * h);
  for (let y = 0; y < h; y++) {
    for (let x = 0; x < w; x++) {
      const local = boxMean(ii, w, h, x, y, r);
      const v = boxMean(ii, w, h, x, y, 1);
      if (local - v > Math.max(0.09 * local, 12)) out[y * w + x] = 1;
    }
  }
  return out;
}

// --- 2. blobs and chains ------------------------------------------------------------------

/** Connected dark regions (8-neighbours) with their boxes. */
export function blobs(bin, w, h) {
  const labels = new Int32Array(w * h);
  const stack = new Int32Array(w * h);
  const found = [];
  for (let start = 0; start < w * h; start++) {
    if (!bin[start] || labels[start]) continue;
    const id = found.length + 1;
    let top = 0;
    stack[top++] = start;
    labels[start] = id;
    let x0 = w;
    let x1 = -1;
    let y0 = h;
    let y1 = -1;
    let count = 0;
    while (top) {
      const p = stack[--top];
      const x = p % w;
      const y = (p - x) / w;
      count++;
      if (x < x0) x0 = x;
      if (x > x1) x1 = x;
      if (y < y0) y0 = y;
      if (y > y1) y1 = y;
      for (let dy = -1; dy <= 1; dy++) {
        const yy = y + dy;
        if (yy < 0 || yy >= h) continue;
        for (let dx = -1; dx <= 1; dx++) {
          const xx = x + dx;
          if (xx < 0 || xx >= w) continue;
          const q = yy * w + xx;
          if (bin[q] && !labels[q]) {
            labels[q] = id;
            stack[top++] = q;
          }
        }
      }
    }
    found.push({
      x0,
      x1,
      y0,
      y1,
      count,
      w: x1 - x0 + 1,
      h: y1 - y0 + 1,
      cx: (x0 + x1) / 2,
      cy: (y0 + y1) / 2,
    });
  }
  return found;
}

function characterLike(b, maxH) {
  return (
    b.h >= 6 &&
    b.h <= maxH &&
    b.w <= 2.6 * b.h &&
    b.w >= 1 &&
    b.count >= 0.08 * b.w * b.h &&
    b.count <= 0.9 * b.w * b.h
  );
}

/** Chains of blobs running left to right, each link to the nearest blob of like height. */
function chains(list) {
  const byX = [...list].sort((a, b) => a.cx - b.cx);
  for (const b of byX) {
    b.next = null;
    b.prev = null;
  }
  for (let i = 0; i < byX.length; i++) {
    const a = byX[i];
    let best = null;
    let bestCost = Infinity;
    for (let j = i + 1; j < byX.length; j++) {
      const b = byX[j];
      const dx = b.cx - a.cx;
      if (dx > 2.6 * a.h) break;
      if (dx < 0.3 * a.h) continue;
      const ratio = b.h / a.h;
      if (ratio < 0.6 || ratio > 1.65) continue;
      const dy = Math.abs(b.cy - a.cy);
      if (dy > 0.45 * Math.max(a.h, b.h)) continue;
      const cost = dx + 3 * dy;
      if (cost < bestCost) {
        bestCost = cost;
        best = b;
      }
    }
    if (best && (!best.prev || best.prevCost > bestCost)) {
      if (best.prev) best.prev.next = null;
      best.prev = a;
      best.prevCost = bestCost;
      a.next = best;
    }
  }
  const pieces = [];
  for (const b of byX) {
    if (b.prev) continue;
    const chain = [];
    for (let c = b; c; c = c.next) chain.push(c);
    if (chain.length >= 2) pieces.push(chain);
  }
  return joined(pieces).filter((chain) => chain.length >= 12);
}

/**
 * Pieces of one line that a glare spot or a smudge cut apart: a piece that starts a few
 * characters after another ends, on the same line and at the same height, continues it.
 */
function joined(pieces) {
  pieces.sort((a, b) => a[0].cx - b[0].cx);
  const used = new Set();
  const out = [];
  for (let i = 0; i < pieces.length; i++) {
    if (used.has(i)) continue;
    let chain = pieces[i];
    for (let j = i + 1; j < pieces.length; j++) {
      if (used.has(j)) continue;
      const next = pieces[j];
      const end = chain[chain.length - 1];
      const start = next[0];
      const height = median(chain.map((b) => b.h));
      const gap = start.cx - end.cx;
      if (gap <= 0.3 * height || gap > 5 * height) continue;
      if (Math.abs(median(next.map((b) => b.h)) - height) > 0.35 * height) continue;
      // Where the chain's own direction says the line should be at the next piece's start.
      const first = chain[0];
      const slope = chain.length > 1 ? (end.cy - first.cy) / Math.max(1, end.cx - first.cx) : 0;
      if (Math.abs(end.cy + slope * gap - start.cy) > 0.4 * height) continue;
      chain = chain.concat(next);
      used.add(j);
    }
    out.push(chain);
  }
  return out;
}

// --- 3. lines and their grids -------------------------------------------------------------

const median = (values) => {
  const s = [...values].sort((a, b) => a - b);
  return s.length ? s[s.length >> 1] : 0;
};

/** Least squares of y on x with the given powers of x (1, x, x²…). */
function fit(xs, ys, degree) {
  const n = degree + 1;
  const m = Array.from({ length: n }, () => new Float64Array(n + 1));
  for (let k = 0; k < xs.length; k++) {
    const p = [];
    for (let d = 0; d < n; d++) p.push(xs[k] ** d);
    for (let r = 0; r < n; r++) {
      for (let c = 0; c < n; c++) m[r][c] += p[r] * p[c];
      m[r][n] += p[r] * ys[k];
    }
  }
  for (let c = 0; c < n; c++) {
    let pivot = c;
    for (let r = c + 1; r < n; r++) if (Math.abs(m[r][c]) > Math.abs(m[pivot][c])) pivot = r;
    [m[c], m[pivot]] = [m[pivot], m[c]];
    if (Math.abs(m[c][c]) < 1e-12) return null;
    for (let r = 0; r < n; r++) {
      if (r === c) continue;
      const f = m[r][c] / m[c][c];
      for (let k = c; k <= n; k++) m[r][k] -= f * m[c][k];
    }
  }
  return m.map((row, i) => row[n] / row[i]);
}

const poly = (coef, x) => coef.reduce((sum, c, d) => sum + c * x ** d, 0);

/** A chain's direction, character pitch and grid: where each cell's centre sits. */
function grid(chain) {
  const first = chain[0];
  const last = chain[chain.length - 1];
  const angle = Math.atan2(last.cy - first.cy, last.cx - first.cx);
  const ux = Math.cos(angle);
  const uy = Math.sin(angle);
  // Left edges, not centres: two glyphs run together by blur make one blob whose left
  // edge is still the first glyph's, so steps between left edges stay whole pitches.
  const along = chain.map((b) => (b.x0 - first.x0) * ux + (b.cy - first.cy) * uy);
  const steps = [];
  for (let i = 1; i < along.length; i++) steps.push(along[i] - along[i - 1]);
  const tall = median(chain.map((b) => b.h));
  const normal = (s) => s > 0.55 * tall && s < 1.6 * tall;
  let pitch = median(steps.filter(normal));
  if (!pitch) return null;
  // Count cells step by step against the local pitch: perspective changes it along the line.
  const index = [0];
  for (let i = 0; i < steps.length; i++) {
    const near = steps.slice(Math.max(0, i - 4), i + 5).filter(normal);
    const local = near.length ? median(near) : pitch;
    index.push(index[i] + Math.max(1, Math.round(steps[i] / local)));
  }
  // Only single glyphs place the grid; a merged blob spans cells (its width says how many).
  const span = (b) => Math.max(1, 1 + Math.round((b.w - 0.75 * pitch) / pitch));
  const single = chain.map((b, i) => [b, index[i]]).filter(([b]) => span(b) === 1);
  if (single.length < 8) return null;
  const xs = fit(
    single.map(([, i]) => i),
    single.map(([b]) => b.cx),
    single.length > 20 ? 2 : 1,
  );
  const capped = single.filter(([b]) => b.h >= 0.85 * tall);
  const rows = capped.length >= 4 ? capped : single;
  const ys = fit(
    rows.map(([, i]) => i),
    rows.map(([b]) => b.cy),
    1,
  );
  if (!xs || !ys) return null;
  pitch = Math.hypot(poly(xs, 1) - poly(xs, 0), poly(ys, 1) - poly(ys, 0));
  const count = index[index.length - 1] + span(last);
  return { chain, index, count, xs, ys, pitch, angle, tall };
}

const LAYOUTS = [
  [3, 30],
  [2, 36],
  [2, 44],
];

/** The MRZ among the lines: 2 or 3 parallel grids of equal length, stacked, left-aligned. */
function findZone(grids) {
  let best = null;
  const sorted = grids.filter(Boolean).sort((a, b) => poly(a.ys, 0) - poly(b.ys, 0));
  for (const [rows, width] of LAYOUTS) {
    for (let i = 0; i + rows <= sorted.length; i++) {
      const group = sorted.slice(i, i + rows);
      if (!group.every((g) => Math.abs(g.count - width) <= 0)) continue;
      const pitch = median(group.map((g) => g.pitch));
      if (!group.every((g) => Math.abs(g.pitch - pitch) < 0.15 * pitch)) continue;
      if (!group.every((g) => Math.abs(g.angle - group[0].angle) < 0.05)) continue;
      let ok = true;
      for (let k = 1; k < rows; k++) {
        const gap = Math.hypot(
          poly(group[k].xs, 0) - poly(group[k - 1].xs, 0),
          poly(group[k].ys, 0) - poly(group[k - 1].ys, 0),
        );
        if (gap < 1.2 * pitch || gap > 2.4 * pitch) ok = false;
      }
      if (!ok) continue;
      // The lowest matching group wins: the MRZ is at the bottom of the page.
      best = { rows, width, lines: group, pitch };
    }
  }
  return best;
}

// --- 4. matching cells ----------------------------------------------------------------------

function sample(gray, w, h, x, y) {
  if (x < 0 || y < 0 || x >= w - 1 || y >= h - 1) return 255;
  const x0 = x | 0;
  const y0 = y | 0;
  const fx = x - x0;
  const fy = y - y0;
  const p = y0 * w + x0;
  return (
    (gray[p] * (1 - fx) + gray[p + 1] * fx) * (1 - fy) +
    (gray[p + w] * (1 - fx) + gray[p + w + 1] * fx) * fy
  );
}

/** Scores of every character for one cell: the best correlation over small shifts. */
function matchCell(gray, w, h, line, i, MX = 2, MY = 1) {
  // The line's calibration (see calibrate()): where glyphs really sit in their cells.
  const [offX, offY] = line.offset ? line.offset(i) : [0, 0];
  const cx0 = poly(line.xs, i);
  const cy0 = poly(line.ys, i);
  const dxs = poly(line.xs, i + 0.5) - poly(line.xs, i - 0.5);
  const dys = poly(line.ys, i + 0.5) - poly(line.ys, i - 0.5);
  const pitch = Math.hypot(dxs, dys);
  const ux = dxs / pitch;
  const uy = dys / pitch;
  const cx = cx0 + offX * (pitch / TW) * ux - offY * ((1.5 * pitch) / TH) * uy;
  const cy = cy0 + offX * (pitch / TW) * uy + offY * ((1.5 * pitch) / TH) * ux;
  const PW = TW + 2 * MX;
  const PH = TH + 2 * MY;
  const patch = new Float32Array(PW * PH);
  const sx = pitch / TW; // image pixels per template pixel, across
  const sy = (1.5 * pitch) / TH; // and down
  // Average 2 × 2 sub-samples per template pixel: a cheap guard against aliasing.
  for (let py = 0; py < PH; py++) {
    for (let px = 0; px < PW; px++) {
      let sum = 0;
      for (const oy of [0.25, 0.75]) {
        for (const ox of [0.25, 0.75]) {
          const a = (px - MX + ox - TW / 2) * sx;
          const b = (py - MY + oy - TH / 2) * sy;
          sum += sample(gray, w, h, cx + a * ux - b * uy, cy + a * uy + b * ux);
        }
      }
      patch[py * PW + px] = 255 - sum / 4;
    }
  }
  const tpl = loadTemplates();
  const n = TW * TH;
  // Every template is scored at every shift, and then all are read at the one shift that
  // fits the cell best: letting each template pick its own shift would let a look-alike
  // (O for 0, a taller or shorter glyph) slide into place.
  const shifts = (2 * MY + 1) * (2 * MX + 1);
  const all = new Float32Array(shifts * CHARS.length).fill(-1);
  const window = new Float32Array(n);
  let shift = 0;
  let bestShift = 0;
  let bestScore = -Infinity;
  for (let oy = 0; oy <= 2 * MY; oy++) {
    for (let ox = 0; ox <= 2 * MX; ox++, shift++) {
      let mean = 0;
      for (let y = 0; y < TH; y++)
        for (let x = 0; x < TW; x++) mean += window[y * TW + x] = patch[(y + oy) * PW + x + ox];
      mean /= n;
      let norm = 0;
      for (let k = 0; k < n; k++) {
        window[k] -= mean;
        norm += window[k] * window[k];
      }
      norm = Math.sqrt(norm);
      if (norm < 1e-3) continue;
      for (let c = 0; c < CHARS.length; c++) {
        const t = tpl[c];
        let dot = 0;
        for (let k = 0; k < n; k++) dot += t[k] * window[k];
        dot /= norm;
        all[shift * CHARS.length + c] = dot;
        if (dot > bestScore) {
          bestScore = dot;
          bestShift = shift;
        }
      }
    }
  }
  const scores = all.slice(bestShift * CHARS.length, (bestShift + 1) * CHARS.length);
  scores.dx = (bestShift % (2 * MX + 1)) - MX;
  scores.dy = Math.floor(bestShift / (2 * MX + 1)) - MY;
  scores.best = bestScore;
  return scores;
}

/**
 * Where glyphs sit in their cells, line by line: blob boxes place the grid to a pixel or
 * two, and a taller digit or a different print can shift it further. Every cell is
 * matched once with a wider search; the shifts that fit clearly are smoothed along the
 * line (across: their median; down: a straight line over the cells), and the final
 * matching starts from there with little freedom left.
 */
function calibrate(gray, w, h, line, width) {
  const xs = [];
  const ys = [];
  const at = [];
  for (let i = 0; i < width; i++) {
    const scores = matchCell(gray, w, h, line, i, CALIBRATE_MX, CALIBRATE_MY);
    if (scores.best < 0.75) continue;
    at.push(i);
    xs.push(scores.dx);
    ys.push(scores.dy);
  }
  if (at.length < width / 3) return;
  const across = median(xs);
  const down = fit(at, ys, 1) || [median(ys), 0];
  line.offset = (i) => [across, down[0] + down[1] * i];
}

// --- 5. decoding with the layout ----------------------------------------------------------

const ALPHA = `${LETTERS}<`;
const NUM = DIGITS;
const DATE = `${DIGITS}<`;
const ALNUM = `${DIGITS + LETTERS}<`;
const SEX = "MFX<";

/** What each position may hold, and the checked fields, per layout. */
function layoutOf(rows, width, firstChar) {
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
function ranked(scores, allowed) {
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

function decode(layout, scoreRows) {
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

// --- the whole frame --------------------------------------------------------------------------

/**
 * Read one grey frame (Uint8Array or Uint8ClampedArray of w × h luma). Returns
 * `{ found: false, stage }` or `{ found: true, layout, lines, lowest }`: lines whose every
 * check digit passes. `stage` says how far it got ("lines", "zone", "checks").
 */
export function readFrame(gray, w, h) {
  const bin = threshold(gray, w, h);
  const all = blobs(bin, w, h).filter((b) => characterLike(b, h / 6));
  const grids = chains(all).map(grid).filter(Boolean);
  if (!grids.length) return { found: false, stage: "lines" };
  const zone = findZone(grids);
  if (!zone) return { found: false, stage: "zone" };
  for (const line of zone.lines) calibrate(gray, w, h, line, zone.width);
  const scoreRows = zone.lines.map((line) =>
    Array.from({ length: zone.width }, (_, i) => matchCell(gray, w, h, line, i, MX, MY)),
  );
  const firstRanks = ranked(scoreRows[0][0], "PIACV");
  const layout = layoutOf(zone.rows, zone.width, firstRanks[0][0]);
  const result = decode(layout, scoreRows);
  if (result.failed) return { found: false, stage: "checks", reason: result.failed };
  return { found: true, ...result };
}

/** Luma of RGBA pixels (ImageData.data). */
export function luma(rgba, w, h) {
  const out = new Uint8Array(w * h);
  for (let i = 0, p = 0; i < out.length; i++, p += 4)
    out[i] = (rgba[p] * 77 + rgba[p + 1] * 150 + rgba[p + 2] * 29) >> 8;
  return out;
}
