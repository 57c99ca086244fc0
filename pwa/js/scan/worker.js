// The MRZ reader's Web Worker: frames arrive as RGBA pixels (their buffer transferred,
// not copied), are read here, and only the text goes back. The screen never waits on it.

import { luma, readFrame } from "./reader.js";

self.addEventListener("message", (event) => {
  const { id, width, height, pixels } = event.data;
  const started = performance.now();
  let result;
  try {
    result = readFrame(luma(new Uint8ClampedArray(pixels), width, height), width, height);
  } catch (error) {
    result = { found: false, stage: "error", message: String(error) };
  }
  self.postMessage({ id, ms: performance.now() - started, ...result });
});
