/**
 * Streaming multiple linear least squares, y ≈ a + b₁·x₁ + … + b_k·x_k, over rows that arrive
 * one at a time and may be retracted: {@linkcode LeastSquares} supports `add`, its exact inverse
 * `remove` (sliding windows, retractions), `merge` of two states, and a stable `fit`. Pure: no
 * I/O, no clock, no randomness.
 *
 * The state is a facade over one module per concept, in `least_squares/`: `moments.ts` (the
 * shifted moments, accumulated without error in double-double: update, revert, merge),
 * `solve.ts` (centring, scaled double-double Cholesky, standard errors), `line.ts` (the closed
 * form for one feature), `serial.ts` (the JSON form), `double_double.ts` (the arithmetic) and
 * `errors.ts`. How and why — the method, its measured alternatives, the NIST StRD results and the
 * references — is in docs/numerics.md.
 *
 * @module
 */

import { LeastSquaresError } from "./least_squares/errors.ts";
import { Line } from "./least_squares/line.ts";
import { Moments } from "./least_squares/moments.ts";
import { decode, encode, type LeastSquaresJSON } from "./least_squares/serial.ts";
import { type LeastSquaresFit, type LeastSquaresStats, Solver } from "./least_squares/solve.ts";

export { MAX_MAGNITUDE, roundedPower } from "./least_squares/double_double.ts";
export { LeastSquaresError, type LeastSquaresErrorCode } from "./least_squares/errors.ts";
export type { LeastSquaresJSON } from "./least_squares/serial.ts";
export {
  type LeastSquaresFit,
  type LeastSquaresStats,
  RANK_TOLERANCE,
} from "./least_squares/solve.ts";

/** Options of a {@linkcode LeastSquares} state. */
export interface LeastSquaresOptions {
  /** Fit an intercept a (default true); false fits y ≈ b·x through the origin. */
  readonly intercept?: boolean;
}

/**
 * The running state of a least-squares fit of y on k features, with an intercept (default) or
 * through the origin. Rows are added, removed (the exact inverse of add), or merged in from
 * another state; the fit and its statistics are solved on demand and cached until the state
 * changes. `add` and `remove` allocate nothing and cost about (k + 1)(k + 2)/2 error-free
 * products each.
 *
 * Conventions: while undetermined (fewer rows than unknowns, or collinear features) the fit and
 * the statistics are all zeros, never NaN and never a throw; a refused call throws
 * {@linkcode LeastSquaresError} and leaves the state unchanged; removing the last row resets the
 * state to exactly a new one.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { LeastSquares, LeastSquaresError } from "./least_squares.ts";
 * const s = new LeastSquares(2); // y ≈ a + b₁x₁ + b₂x₂
 * s.add([0, 0], 1);
 * s.add([1, 0], 3);
 * s.add([0, 1], 4);
 * s.add([1, 1], 6);
 * assert.deepEqual(s.fit(), {
 *   determined: true,
 *   intercept: 1,
 *   coefficients: Float64Array.of(2, 3),
 * });
 * assert.equal(s.stats().r2, 1);
 * s.remove([1, 1], 6); // a retraction: as if the row had never come
 * s.remove([0, 1], 4);
 * assert.deepEqual(s.fitValues(), [0, 0, 0]); // two rows, three unknowns: undetermined
 * s.remove([1, 0], 3);
 * s.remove([0, 0], 1); // count 0: exactly the empty state
 * assert.throws(
 *   () => s.remove([0, 0], 1), // a retraction below zero is refused
 *   (e) => e instanceof LeastSquaresError && e.code === "remove-from-empty",
 * );
 * ```
 */
export class LeastSquares {
  /** The number of features k. */
  readonly k: number;
  /** Whether the model has an intercept. */
  readonly intercept: boolean;

  readonly #mo: Moments; // the rows' shifted moments
  readonly #solver: Solver; // the general solve and its statistics

  readonly #line = new Line(); // the closed-form line, for k = 1 with intercept

  /**
   * Makes an empty state for `k` features (an integer from 1 to 1024), with an intercept unless
   * `options.intercept` is false.
   *
   * @throws {LeastSquaresError} `dimension-mismatch` when k is not such an integer.
   */
  constructor(k: number, options: LeastSquaresOptions = {}) {
    if (!Number.isInteger(k) || k < 1 || k > 1024) {
      throw new LeastSquaresError(
        "dimension-mismatch",
        `k must be an integer from 1 to 1024, got ${k}`,
      );
    }
    this.k = k;
    this.intercept = options.intercept ?? true;
    this.#mo = new Moments(k, this.intercept);
    this.#solver = new Solver(k, this.intercept);
  }

  /** The number of rows held. */
  get count(): number {
    return this.#mo.n;
  }

  /**
   * Adds the row (x, y).
   *
   * @throws {LeastSquaresError} `dimension-mismatch` when x.length ≠ k; `invalid-value` when a
   * value is not finite or exceeds {@linkcode MAX_MAGNITUDE} in magnitude. The state is then
   * unchanged.
   */
  add(x: ArrayLike<number>, y: number): void {
    this.#mo.update(x, y);
  }

  /**
   * Removes the row (x, y): the exact inverse of {@linkcode LeastSquares.add} — the row's
   * contribution, formed without error, is subtracted; only the double-double accumulators round,
   * at ≈ 5e-32 of their magnitude. When the last row goes the state is reset to exactly the empty
   * state. The caller must only remove rows it added: sums cannot tell a row never added.
   *
   * @throws {LeastSquaresError} `remove-from-empty` when no row is held (the count would go below
   * zero); `dimension-mismatch` or `invalid-value` as for `add`. The state is then unchanged.
   */
  remove(x: ArrayLike<number>, y: number): void {
    this.#mo.revert(x, y);
  }

  /**
   * Adds every row of `other` to this state (`other` is unchanged): the result equals one pass
   * over both inputs up to double-double rounding. Merging a state into itself doubles it.
   *
   * @throws {LeastSquaresError} `incompatible-merge` when k or the intercept option differ.
   *
   * @example
   * ```ts
   * import assert from "node:assert/strict";
   * import { LeastSquares } from "./least_squares.ts";
   * const left = new LeastSquares(1);
   * const right = new LeastSquares(1);
   * const all = new LeastSquares(1);
   * for (const [x, y] of [[0, 1], [1, 2.5], [2, 5], [3, 6.5]]) {
   *   (x < 2 ? left : right).add([x], y);
   *   all.add([x], y);
   * }
   * left.merge(right);
   * assert.equal(left.count, 4);
   * assert.deepEqual(left.fitValues(), all.fitValues());
   * assert.deepEqual(left.fitValues(), [0.9, 1.9]);
   * ```
   */
  merge(other: LeastSquares): void {
    this.#mo.merge(other.#mo);
  }

  /** Empties the state: exactly the state of a new instance. */
  reset(): void {
    this.#mo.reset();
  }

  /**
   * The state in its exact, compact serialized form (see {@linkcode LeastSquaresJSON});
   * `JSON.stringify(state)` uses it, and {@linkcode LeastSquares.fromJSON} restores it.
   *
   * @example
   * ```ts
   * import assert from "node:assert/strict";
   * import { LeastSquares } from "./least_squares.ts";
   * const s = new LeastSquares(1);
   * s.add([1], 2);
   * s.add([2], 3.5);
   * const copy = LeastSquares.fromJSON(JSON.parse(JSON.stringify(s)));
   * assert.deepEqual(copy.fit(), s.fit()); // bit for bit
   * assert.deepEqual(copy.fitValues(), [0.5, 1.5]);
   * copy.add([3], 5); // and it continues as the original would
   * s.add([3], 5);
   * assert.deepEqual(copy.toJSON(), s.toJSON());
   * ```
   */
  toJSON(): LeastSquaresJSON {
    return encode(this.#mo);
  }

  /**
   * The state that {@linkcode LeastSquares.toJSON} serialized (parsed from JSON or not).
   *
   * @throws {LeastSquaresError} `invalid-snapshot` when `json` is not such a state: a field is
   * missing or of the wrong type, or `data` does not hold the arrays of k features.
   */
  static fromJSON(json: unknown): LeastSquares {
    const moments = decode(json);
    const state = new LeastSquares(moments.k, { intercept: moments.intercept });
    state.#mo.copyFrom(moments);
    return state;
  }

  /** An independent copy of this state. */
  clone(): LeastSquares {
    const copy = new LeastSquares(this.k, { intercept: this.intercept });
    copy.#mo.copyFrom(this.#mo);
    return copy;
  }

  /**
   * The least-squares fit of the rows held. Undetermined — `determined: false`, all zeros — while
   * fewer rows than unknowns are held, a feature is constant (with intercept) or zero (without),
   * or a scaled Cholesky pivot is at most {@linkcode RANK_TOLERANCE}, or at most 2^16 times the
   * relative rounding the state's history may have left in the co-moments (which only matters
   * after ≳ 1e10 updates, or for windows whose rows once were ≳ 1e5 times larger than now).
   */
  fit(): LeastSquaresFit {
    return this.#solver.fit(this.#mo);
  }

  /**
   * The fit as a plain array — the intercept (when the model has one), then the k coefficients;
   * zeros while undetermined — for callers on the hot path: a typed array from
   * {@linkcode LeastSquares.fit} costs more to allocate than the solve at k = 1. Written into
   * `into` when given (a caller's array, reused from fit to fit), else into a new array.
   */
  fitValues(into?: number[]): number[] {
    if (this.k === 1 && this.intercept) return this.#line.values(this.#mo, into);
    return this.#solver.values(this.#mo, into);
  }

  /**
   * The fit's statistics (see {@linkcode LeastSquaresStats} for the zero conventions).
   *
   * @example
   * ```ts
   * import assert from "node:assert/strict";
   * import { LeastSquares } from "./least_squares.ts";
   * const s = new LeastSquares(1);
   * for (const [x, y] of [[0, 1], [1, 2], [2, 2], [3, 3]]) s.add([x], y);
   * const { n, df, r2, se, seIntercept, seCoefficients } = s.stats();
   * assert.deepEqual([n, df, r2], [4, 2, 0.9]);
   * assert.ok(Math.abs(se - Math.sqrt(0.1)) < 1e-15);
   * assert.ok(Math.abs(seIntercept - Math.sqrt(0.07)) < 1e-15);
   * assert.ok(Math.abs(seCoefficients[0] - Math.sqrt(0.02)) < 1e-15);
   * ```
   */
  stats(): LeastSquaresStats {
    return this.#solver.stats(this.#mo);
  }
}
