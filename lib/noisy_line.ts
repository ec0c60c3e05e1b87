/**
 * The points of the reference producer: y = slope·x + intercept + (2r − 1)·noise for
 * x = 0, 1, …, with r from Python's `random.random()` after `random.seed(seed)`, so that the
 * defaults reproduce the reference run value for value.
 *
 * @module
 */

import { PythonRandom } from "./random.ts";

/** Parameters of {@linkcode noisyLine}. */
export interface NoisyLineOptions {
  /** How many points. */
  readonly count: number;
  /** The seed of the Python-compatible generator. */
  readonly seed: number;
  /** The slope of the line. */
  readonly slope: number;
  /** The intercept of the line. */
  readonly intercept: number;
  /** Half the width of the uniform noise added to y. */
  readonly noise: number;
}

/** The reference run's parameters: 10 points around y = x, noise ±0.1, seed 0. */
export const REFERENCE: NoisyLineOptions = Object.freeze({
  count: 10,
  seed: 0,
  slope: 1,
  intercept: 0,
  noise: 0.1,
});

/**
 * The points, in order.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { noisyLine, REFERENCE } from "./noisy_line.ts";
 * const points = [...noisyLine(REFERENCE)];
 * assert.equal(points.length, 10);
 * assert.deepEqual(points[0], [0, 0.06888437030500963]);
 * ```
 */
export function* noisyLine(options: NoisyLineOptions): Generator<[x: number, y: number]> {
  const rng = new PythonRandom(options.seed);
  for (let x = 0; x < options.count; x++) {
    const y = options.slope * x + options.intercept + (2 * rng.random() - 1) * options.noise;
    yield [x, y];
  }
}
