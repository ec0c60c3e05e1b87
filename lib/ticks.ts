/**
 * Axis ticks at round numbers: steps of 1, 2 or 5 times a power of ten.
 *
 * @module
 */

/**
 * About `count` round tick values covering [lo, hi] (within it; more or fewer by rounding).
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { niceTicks } from "./ticks.ts";
 * assert.deepEqual(niceTicks(0, 9, 5), [0, 2, 4, 6, 8]);
 * assert.deepEqual(niceTicks(-0.013, 0.021, 4), [-0.01, 0, 0.01, 0.02]);
 * assert.deepEqual(niceTicks(3, 3, 5), [3]);
 * ```
 */
export function niceTicks(lo: number, hi: number, count = 5): number[] {
  if (!Number.isFinite(lo) || !Number.isFinite(hi) || hi < lo) return [];
  if (hi === lo) return [lo];
  const raw = (hi - lo) / Math.max(1, count);
  const power = 10 ** Math.floor(Math.log10(raw));
  // The multiple nearest to the raw step, on a log scale (as d3's ticks choose).
  const error = raw / power;
  const step = power *
    (error >= Math.sqrt(50) ? 10 : error >= Math.sqrt(10) ? 5 : error >= Math.SQRT2 ? 2 : 1);
  const first = Math.ceil(lo / step);
  const last = Math.floor(hi / step);
  const ticks: number[] = [];
  for (let i = first; i <= last; i++) {
    // Rounded to the step's decimals, so that 0.1 * 3 shows as 0.3.
    const decimals = Math.max(0, -Math.floor(Math.log10(step)));
    ticks.push(Number((i * step).toFixed(Math.min(20, decimals))) + 0);
  }
  return ticks;
}
