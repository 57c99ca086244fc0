// Finding the machine-readable zone in a frame (stages 1 to 3 of reader.js): threshold,
// character-sized blobs chained into lines, and two or three parallel lines of 30, 36 or
// 44 cells with their character grids. No DOM.

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

export function characterLike(b, maxH) {
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
export function chains(list) {
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

export const median = (values) => {
  const s = [...values].sort((a, b) => a - b);
  return s.length ? s[s.length >> 1] : 0;
};

/** Least squares of y on x with the given powers of x (1, x, x²…). */
export function fit(xs, ys, degree) {
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

export const poly = (coef, x) => coef.reduce((sum, c, d) => sum + c * x ** d, 0);

/** A chain's direction, character pitch and grid: where each cell's centre sits. */
export function grid(chain) {
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
export function findZone(grids) {
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
