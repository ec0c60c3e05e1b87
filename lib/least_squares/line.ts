/**
 * The closed-form line for one feature with an intercept, y ≈ a + b·x: b = Cxy / Cxx and
 * a = ȳ − b·x̄, from the same double-double {@linkcode Moments} and with the same tests of
 * determinacy as the general solve (whose Cholesky factor, scaling and statistics a line does not
 * need). At one commit per row this is the runner's hot path, ≈ 0.4 µs instead of ≈ 1.5 µs. Fewer
 * double-double roundings: it is within |v|·ε of the exact least-squares line of the float64
 * inputs, and agrees with the solve to the last bit but for rare one-ulp differences (both
 * tested in tests/regression_test.ts).
 *
 * @module
 */

import { ddAdd, ddDiv, ddMul, doubleDouble } from "./double_double.ts";
import type { Moments } from "./moments.ts";
import { RANK_TOLERANCE } from "./solve.ts";

/**
 * The line of moments of one feature with an intercept, cached until they change.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { Line } from "./line.ts";
 * import { Moments } from "./moments.ts";
 * const moments = new Moments(1, true);
 * const line = new Line();
 * moments.update([5], 1);
 * moments.update([5], 3);
 * assert.deepEqual(line.values(moments), [0, 0]); // one x: undetermined
 * moments.update([6], 4);
 * assert.deepEqual(line.values(moments), [-8, 2]);
 * ```
 */
export class Line {
  #version = -1; // the moments' version solved for
  #a = 0;
  #b = 0;
  readonly #r = doubleDouble();

  /** [a, b] for `moments` (k = 1, with intercept); [0, 0] while undetermined. */
  values(moments: Moments): number[] {
    if (this.#version !== moments.version) {
      this.#version = moments.version;
      this.#a = 0;
      this.#b = 0;
      const n = moments.n;
      if (n >= 2) this.#solve(moments, n);
    }
    return [this.#a, this.#b];
  }

  #solve(mo: Moments, n: number): void {
    const r = this.#r;
    const sumHi = mo.sumHi;
    const sumLo = mo.sumLo;
    const crossHi = mo.crossHi;
    const crossLo = mo.crossLo;
    // Means of x − x₀ and y − y₀; Cxx = Sxx − Sx·x̄, Cxy = Sxy − Sx·ȳ (packed: 0 = xx, 1 = xy).
    ddDiv(r, sumHi[0], sumLo[0], n, 0);
    const mxH = r[0];
    const mxL = r[1];
    ddDiv(r, sumHi[1], sumLo[1], n, 0);
    const myH = r[0];
    const myL = r[1];
    ddMul(r, sumHi[0], sumLo[0], mxH, mxL);
    ddAdd(r, crossHi[0], crossLo[0], -r[0], -r[1]);
    const cxxH = r[0];
    const cxxL = r[1];
    // x is constant, relative to the rounding its history may have left, as in the solve: there
    // Cxx must exceed 16 × noise, and the scaled Cholesky pivot the tolerance 65536 × noise / Cxx.
    const noise = mo.noise(0);
    if (!(cxxH > 16 * noise) || !(Math.max(RANK_TOLERANCE, 65536 * (noise / cxxH)) < 1)) return;
    ddMul(r, sumHi[0], sumLo[0], myH, myL);
    ddAdd(r, crossHi[1], crossLo[1], -r[0], -r[1]);
    ddDiv(r, r[0], r[1], cxxH, cxxL);
    const bH = r[0];
    const bL = r[1];
    // a = (y₀ + ȳ) − b·(x₀ + x̄), in double-double.
    ddAdd(r, mxH, mxL, mo.shift[0], 0);
    ddMul(r, bH, bL, r[0], r[1]);
    const bxH = r[0];
    const bxL = r[1];
    ddAdd(r, myH, myL, mo.shift[1], 0);
    ddAdd(r, r[0], r[1], -bxH, -bxL);
    this.#a = r[0] + r[1];
    this.#b = bH + bL;
  }
}
