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

import { decode, layoutOf, ranked } from "./decode.js";
import { CHARS, DATA, TH, TW } from "./glyphs.js";
import {
  blobs,
  chains,
  characterLike,
  findZone,
  fit,
  grid,
  median,
  poly,
  threshold,
} from "./zone.js";

// Template pixels of shift allowed each way when matching a cell, across and down, once
// the line is calibrated; calibration itself looks further.
const MX = 1;
const MY = 1;
const CALIBRATE_MX = 3;
const CALIBRATE_MY = 3;
const _DIGITS = "0123456789";
const _LETTERS = "ABCDEFGHIJKLMNOPQRSTUVWXYZ";

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
