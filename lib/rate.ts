/**
 * A rate over the last few seconds, from running totals sampled now and then: steady at one row a
 * second (not 0 one tick and 4 the next, as a rate between two close samples would be).
 *
 * @module
 */

/**
 * Rows per second over a sliding span of time.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { RateMeter } from "./rate.ts";
 * const meter = new RateMeter(3000);
 * meter.sample(0, 0);
 * assert.equal(meter.rate, undefined); // one sample: no rate yet
 * meter.sample(1000, 1);
 * meter.sample(1250, 1);
 * assert.equal(meter.rate, 0.8); // 1 row in 1.25 s
 * meter.sample(2000, 2);
 * assert.equal(meter.rate, 1);
 * ```
 */
export class RateMeter {
  readonly #spanMs: number;
  #samples: { at: number; total: number }[] = [];

  /** Measures over the last `spanMs` milliseconds (default 3000). */
  constructor(spanMs = 3000) {
    this.#spanMs = spanMs;
  }

  /** Records the running `total` at time `at` (milliseconds, not decreasing). */
  sample(at: number, total: number): void {
    const samples = this.#samples;
    samples.push({ at, total });
    // Keep one sample at or before the start of the span, so the span is always covered.
    while (samples.length > 2 && samples[1].at <= at - this.#spanMs) samples.shift();
  }

  /** Per second, over the span; undefined before two samples at different times. */
  get rate(): number | undefined {
    const samples = this.#samples;
    if (samples.length < 2) return undefined;
    const first = samples[0];
    const last = samples[samples.length - 1];
    if (last.at <= first.at) return undefined;
    return (last.total - first.total) / ((last.at - first.at) / 1000);
  }
}
