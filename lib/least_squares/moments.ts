/**
 * The sufficient statistic of a least-squares fit, kept exactly enough to be reverted: the count
 * n and the sums Σd and Σddᵀ of the augmented row z = (x₁ … x_k, y) shifted by a reference row,
 * d = z − z₀ — a statistic with `update`, its exact inverse `revert`, and `merge`, as the bivariate
 * statistics of online-ml/river (`river/stats/cov.py`), for k + 1 variables at once.
 *
 * With an intercept z₀ is the first row, moved to the running mean whenever the rows have drifted
 * away from it (a sliding window over epoch timestamps), so the sums stay of the size of the
 * centred co-moments (the shift of Chan, Golub and LeVeque); without one the raw moments are the
 * model and z₀ = 0. Every row's contribution is formed without error — the shift by TwoSum, each
 * product by TwoProduct, written out in the loop of {@linkcode Moments.update} — and added to
 * double-double accumulators, whose rounding (≈ 5e-32 of their magnitude per update) is the only
 * error in the state; a running bound of it is kept per column ({@linkcode Moments.noise}). So
 * `revert` subtracts exactly what `update` added, and `merge` equals one pass over both inputs
 * to ≈ 1e-30 of the sums.
 *
 * References:
 * - B. P. Welford, "Note on a method for calculating corrected sums of squares and products",
 *   Technometrics 4(3):419–420, 1962 — streaming co-moments.
 * - T. F. Chan, G. H. Golub, R. J. LeVeque, "Updating formulae and a pairwise algorithm for
 *   computing sample variances", Stanford STAN-CS-79-773, 1979, and "Algorithms for computing
 *   the sample variance: analysis and recommendations", The American Statistician
 *   37(3):242–247, 1983 — the pairwise combination of two states (`merge`) and the value of
 *   shifting the data by a point near the mean before summing.
 * - E. Schubert, M. Gertz, "Numerically stable parallel computation of (co-)variance", SSDBM
 *   2018 — the same update, revert and merge for weighted co-moments (as river cites).
 * - T. J. Dekker, 1971, and D. E. Knuth, TAOCP vol. 2, §4.2.2 — the error-free products and
 *   sums (see `double_double.ts`).
 *
 * @module
 */

import {
  ddAdd,
  ddMul,
  doubleDouble,
  MAX_MAGNITUDE,
  SPLITTER,
  UNIT_ROUNDOFF,
} from "./double_double.ts";
import { LeastSquaresError } from "./errors.ts";

/** How many updates between checks whether the rows have drifted away from the shift z₀. */
const RESHIFT_PERIOD = 64;

/**
 * The shifted moments of the rows (x, y) held: see the module documentation. Arrays are public
 * for the solvers to read (never to write); every change bumps {@linkcode Moments.version}.
 * `update` and `revert` allocate nothing and cost about (k + 1)(k + 2)/2 error-free products.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { Moments } from "./moments.ts";
 * const m = new Moments(1, true);
 * m.update([1], 2);
 * m.update([3], 4);
 * m.update([5], 9);
 * // About z₀ = (1, 2): Σd = (6, 9), Σddᵀ = [Σdx², Σdxdy, Σdy²] (packed upper triangle).
 * assert.deepEqual([m.n, Array.from(m.sumHi), Array.from(m.crossHi)], [3, [6, 9], [20, 32, 53]]);
 * m.revert([5], 9); // the exact inverse: the sums of the first two rows
 * const two = new Moments(1, true);
 * two.update([1], 2);
 * two.update([3], 4);
 * const sums = (s: Moments) => [s.n, s.shift, s.sumHi, s.sumLo, s.crossHi, s.crossLo];
 * assert.deepEqual(sums(m), sums(two));
 * m.merge(two); // as one pass over the four rows
 * assert.deepEqual([m.n, Array.from(m.sumHi), Array.from(m.crossHi)], [4, [4, 4], [8, 8, 8]]);
 * ```
 */
export class Moments {
  /** The number of features k. */
  readonly k: number;
  /** Whether the model has an intercept (then z₀ follows the rows). */
  readonly intercept: boolean;
  /** k + 1: the length of the augmented row (x, y). */
  readonly m: number;
  /** z₀ (zeros without intercept). */
  readonly shift: Float64Array;
  /** Σ(z − z₀), double-double (hi, lo); zeros without intercept. */
  readonly sumHi: Float64Array;
  /** The lo parts of Σ(z − z₀). */
  readonly sumLo: Float64Array;
  /** Σ(z − z₀)(z − z₀)ᵀ, packed upper triangle, double-double (hi, lo). */
  readonly crossHi: Float64Array;
  /** The lo parts of Σ(z − z₀)(z − z₀)ᵀ. */
  readonly crossLo: Float64Array;
  /** The packed index of (j, j). */
  readonly diag: Int32Array;
  /** The rounding of Σ(zⱼ − z₀ⱼ)² is at most UNIT_ROUNDOFF·crossMag[j]. */
  readonly crossMag: Float64Array;
  /** The rounding of Σ(zⱼ − z₀ⱼ) is at most UNIT_ROUNDOFF·sumMag[j]. */
  readonly sumMag: Float64Array;

  #n = 0;
  #version = 0;
  #since = 0;
  #shifted = false;
  // Per-row scratch: the shifted row as hi + err, the hi part split, the signed left factor.
  readonly #zh: Float64Array;
  readonly #ze: Float64Array;
  readonly #zhh: Float64Array;
  readonly #zhl: Float64Array;
  readonly #lh: Float64Array;
  readonly #le: Float64Array;
  readonly #lhh: Float64Array;
  readonly #lhl: Float64Array;
  // Re-shift scratch: the target shift and δ = z₀ − target as hi + lo.
  readonly #target: Float64Array;
  readonly #dh: Float64Array;
  readonly #dl: Float64Array;
  readonly #r = doubleDouble(); // the register of merge and reshift

  /** Empty moments for k features (k already checked by the caller: an integer ≥ 1). */
  constructor(k: number, intercept: boolean) {
    this.k = k;
    this.intercept = intercept;
    const m = k + 1;
    this.m = m;
    const packed = (m * (m + 1)) / 2;
    this.shift = new Float64Array(m);
    this.sumHi = new Float64Array(m);
    this.sumLo = new Float64Array(m);
    this.crossHi = new Float64Array(packed);
    this.crossLo = new Float64Array(packed);
    this.diag = new Int32Array(m);
    for (let j = 0; j < m; j++) this.diag[j] = j * m - (j * (j - 1)) / 2;
    this.crossMag = new Float64Array(m);
    this.sumMag = new Float64Array(m);
    this.#zh = new Float64Array(m);
    this.#ze = new Float64Array(m);
    this.#zhh = new Float64Array(m);
    this.#zhl = new Float64Array(m);
    this.#lh = new Float64Array(m);
    this.#le = new Float64Array(m);
    this.#lhh = new Float64Array(m);
    this.#lhl = new Float64Array(m);
    this.#target = new Float64Array(m);
    this.#dh = new Float64Array(m);
    this.#dl = new Float64Array(m);
  }

  /** The number of rows held. */
  get n(): number {
    return this.#n;
  }

  /** Bumped by every change: a cache of anything derived is valid while it is unchanged. */
  get version(): number {
    return this.#version;
  }

  /** Updates since the shift was last checked. */
  get since(): number {
    return this.#since;
  }

  /** Whether the shift z₀ has been set (by the first row). */
  get shifted(): boolean {
    return this.#shifted;
  }

  /**
   * Adds the row (x, y).
   *
   * @throws {LeastSquaresError} `dimension-mismatch` when x.length ≠ k; `invalid-value` when a
   * value is not finite or exceeds {@linkcode MAX_MAGNITUDE} in magnitude. The state is then
   * unchanged.
   */
  update(x: ArrayLike<number>, y: number): void {
    this.#load(x, y);
    if (!this.#shifted) {
      this.#shifted = true;
      if (this.intercept) {
        for (let j = 0; j < this.k; j++) this.shift[j] = x[j];
        this.shift[this.k] = y;
        this.#load(x, y);
      }
    }
    this.#n++;
    this.#accumulate(1);
  }

  /**
   * Removes the row (x, y): the exact inverse of {@linkcode Moments.update}; when the last row
   * goes the state is reset to exactly the empty state.
   *
   * @throws {LeastSquaresError} `remove-from-empty` when no row is held; `dimension-mismatch` or
   * `invalid-value` as for `update`. The state is then unchanged.
   */
  revert(x: ArrayLike<number>, y: number): void {
    this.#load(x, y);
    if (this.#n === 0) {
      throw new LeastSquaresError(
        "remove-from-empty",
        "cannot remove a row from an empty least-squares state (the count would go below zero)",
      );
    }
    if (this.#n === 1) {
      this.reset();
      return;
    }
    this.#n--;
    this.#accumulate(-1);
  }

  /**
   * Adds the rows of `other` (unchanged): its sums re-expressed about this z₀ in double-double,
   * then added. Merging moments into themselves doubles them.
   *
   * @throws {LeastSquaresError} `incompatible-merge` when k or the intercept option differ.
   */
  merge(other: Moments): void {
    if (other.k !== this.k || other.intercept !== this.intercept) {
      throw new LeastSquaresError(
        "incompatible-merge",
        `cannot merge a state of k=${other.k}, intercept=${other.intercept} into one of ` +
          `k=${this.k}, intercept=${this.intercept}`,
      );
    }
    const r = this.#r;
    if (other.#n === 0) return;
    if (this.#n === 0) {
      this.copyFrom(other);
      return;
    }
    const o = other.clone();
    o.#reshift(this.shift);
    const m = this.m;
    for (let idx = 0; idx < this.crossHi.length; idx++) {
      ddAdd(r, this.crossHi[idx], this.crossLo[idx], o.crossHi[idx], o.crossLo[idx]);
      this.crossHi[idx] = r[0];
      this.crossLo[idx] = r[1];
    }
    for (let j = 0; j < m; j++) {
      ddAdd(r, this.sumHi[j], this.sumLo[j], o.sumHi[j], o.sumLo[j]);
      this.sumHi[j] = r[0];
      this.sumLo[j] = r[1];
      this.crossMag[j] += o.crossMag[j] + Math.abs(this.crossHi[this.diag[j]]);
      this.sumMag[j] += o.sumMag[j] + Math.abs(this.sumHi[j]);
    }
    this.#n += o.#n;
    this.#version++;
  }

  /** Empties the moments: exactly the state of new ones. */
  reset(): void {
    this.#n = 0;
    this.#since = 0;
    this.#shifted = false;
    this.shift.fill(0);
    this.sumHi.fill(0);
    this.sumLo.fill(0);
    this.crossHi.fill(0);
    this.crossLo.fill(0);
    this.crossMag.fill(0);
    this.sumMag.fill(0);
    this.#version++;
  }

  /** Makes this state a copy of `other` (of the same k and intercept option). */
  copyFrom(other: Moments): void {
    this.#n = other.#n;
    this.#since = other.#since;
    this.#shifted = other.#shifted;
    this.shift.set(other.shift);
    this.sumHi.set(other.sumHi);
    this.sumLo.set(other.sumLo);
    this.crossHi.set(other.crossHi);
    this.crossLo.set(other.crossLo);
    this.crossMag.set(other.crossMag);
    this.sumMag.set(other.sumMag);
    this.#version++;
  }

  /** An independent copy. */
  clone(): Moments {
    const copy = new Moments(this.k, this.intercept);
    copy.copyFrom(this);
    return copy;
  }

  /** The arrays that hold the state, in the serialized order (live: a decoder fills them). */
  arrays(): Float64Array[] {
    return [
      this.shift,
      this.sumHi,
      this.sumLo,
      this.crossHi,
      this.crossLo,
      this.crossMag,
      this.sumMag,
    ];
  }

  /** Sets the counters after a decoder filled {@linkcode Moments.arrays}. */
  restore(n: number, since: number, shifted: boolean): void {
    this.#n = n;
    this.#since = since;
    this.#shifted = shifted;
    this.#version++;
  }

  /**
   * A bound of the rounding in the centred co-moment Cⱼⱼ = Σ(zⱼ − z̄ⱼ)² (n > 0): the history's
   * accumulated rounding plus that of the centring itself.
   */
  noise(j: number): number {
    const n = this.#n;
    const s = Math.abs(this.sumHi[j]);
    return UNIT_ROUNDOFF *
      (this.crossMag[j] + (2 * s * this.sumMag[j]) / n + 4 *
          (Math.abs(this.crossHi[this.diag[j]]) + (s * s) / n));
  }

  // -------------------------------------------------------------------------------------------

  /** Validates (x, y) and loads z − z₀ (hi + err, hi split) into scratch; state untouched. */
  #load(x: ArrayLike<number>, y: number): void {
    const k = this.k;
    if (x.length !== k) {
      throw new LeastSquaresError(
        "dimension-mismatch",
        `expected ${k} feature value(s), got ${x.length}`,
      );
    }
    const shift = this.shift;
    const zh = this.#zh;
    const ze = this.#ze;
    const zhh = this.#zhh;
    const zhl = this.#zhl;
    for (let j = 0; j <= k; j++) {
      const a = j < k ? x[j] : y;
      if (!(Math.abs(a) <= MAX_MAGNITUDE)) {
        throw new LeastSquaresError(
          "invalid-value",
          `${j < k ? `x[${j}]` : "y"} = ${a} is not a finite number of magnitude ≤ 2^480`,
        );
      }
      // TwoSum of a − z₀ and the split of its hi part, inline (see double_double.ts).
      const b = -shift[j];
      const s = a + b;
      const v = s - a;
      zh[j] = s;
      ze[j] = (a - (s - v)) + (b - v);
      const c = SPLITTER * s;
      const hh = c - (c - s);
      zhh[j] = hh;
      zhl[j] = s - hh;
    }
  }

  /** Adds sign × the loaded row's error-free contribution (sign ±1) to the accumulators. */
  #accumulate(sign: number): void {
    const m = this.m;
    const zh = this.#zh;
    const ze = this.#ze;
    const zhh = this.#zhh;
    const zhl = this.#zhl;
    const lh = this.#lh;
    const le = this.#le;
    const lhh = this.#lhh;
    const lhl = this.#lhl;
    const crossHi = this.crossHi;
    const crossLo = this.crossLo;
    for (let i = 0; i < m; i++) {
      lh[i] = sign * zh[i];
      le[i] = sign * ze[i];
      lhh[i] = sign * zhh[i];
      lhl[i] = sign * zhl[i];
    }
    if (this.intercept) {
      const sumHi = this.sumHi;
      const sumLo = this.sumLo;
      const sumMag = this.sumMag;
      for (let i = 0; i < m; i++) {
        const h = sumHi[i];
        const p = lh[i];
        const s = h + p;
        const v = s - h;
        const t = (h - (s - v)) + (p - v) + (sumLo[i] + le[i]);
        const r = s + t;
        sumLo[i] = t - (r - s);
        sumHi[i] = r;
        sumMag[i] += Math.abs(r) + Math.abs(p);
      }
    }
    let idx = 0;
    for (let i = 0; i < m; i++) {
      const ah = lh[i];
      const ae = le[i];
      const ahh = lhh[i];
      const ahl = lhl[i];
      for (let j = i; j < m; j++, idx++) {
        const bh = zh[j];
        const bhh = zhh[j];
        const bhl = zhl[j];
        // a·b = p + e exactly (Dekker), plus the cross terms of the shift's TwoSum errors.
        const p = ah * bh;
        const e = ((ahh * bhh - p) + ahh * bhl + ahl * bhh) + ahl * bhl + (ah * ze[j] + ae * bh);
        const h = crossHi[idx];
        const s = h + p;
        const v = s - h;
        const t = (h - (s - v)) + (p - v) + (crossLo[idx] + e);
        const r = s + t;
        crossLo[idx] = t - (r - s);
        crossHi[idx] = r;
      }
    }
    const crossMag = this.crossMag;
    const diag = this.diag;
    for (let i = 0; i < m; i++) crossMag[i] += crossHi[diag[i]] + zh[i] * zh[i];
    this.#version++;
    if (++this.#since >= RESHIFT_PERIOD) this.#checkShift();
  }

  /**
   * Moves z₀ to the running mean when the rows have drifted away from it (Σ(zⱼ − z₀ⱼ)² more than
   * 64 times the centred Σ(zⱼ − z̄ⱼ)², i.e. ≈ 2 digits of the co-moments at stake).
   */
  #checkShift(): void {
    this.#since = 0;
    if (!this.intercept || this.#n < 2) return;
    const m = this.m;
    const n = this.#n;
    const target = this.#target;
    let move = false;
    for (let j = 0; j < m; j++) {
      const s = this.sumHi[j];
      const sq = this.crossHi[this.diag[j]];
      const mean = s / n;
      const next = this.shift[j] + mean;
      target[j] = this.shift[j];
      if (sq > 64 * Math.max(0, sq - mean * s) && next !== this.shift[j]) {
        target[j] = next;
        move = true;
      }
    }
    if (move) this.#reshift(target);
  }

  /**
   * Re-expresses the sums about a new shift b (from a = z₀): with δ = a − b (exact, hi + lo),
   * Σ(z − b) = Σ(z − a) + nδ and Σ(z − b)(z − b)ᵀ = Σ(z − a)(z − a)ᵀ + δΣ(z − a)ᵀ + Σ(z − a)δᵀ +
   * nδδᵀ, in double-double.
   */
  #reshift(target: Float64Array): void {
    const r = this.#r;
    const m = this.m;
    const n = this.#n;
    const dh = this.#dh;
    const dl = this.#dl;
    let any = false;
    for (let j = 0; j < m; j++) {
      const a = this.shift[j];
      const b = -target[j];
      const s = a + b;
      const v = s - a;
      dh[j] = s;
      dl[j] = (a - (s - v)) + (b - v);
      if (s !== 0) any = true;
    }
    if (!any) return;
    const sumHi = this.sumHi;
    const sumLo = this.sumLo;
    let idx = 0;
    for (let i = 0; i < m; i++) {
      for (let j = i; j < m; j++, idx++) {
        let h = this.crossHi[idx];
        let l = this.crossLo[idx];
        ddMul(r, dh[i], dl[i], sumHi[j], sumLo[j]);
        ddAdd(r, h, l, r[0], r[1]);
        h = r[0];
        l = r[1];
        ddMul(r, dh[j], dl[j], sumHi[i], sumLo[i]);
        ddAdd(r, h, l, r[0], r[1]);
        h = r[0];
        l = r[1];
        ddMul(r, dh[i], dl[i], dh[j], dl[j]);
        ddMul(r, r[0], r[1], n, 0);
        ddAdd(r, h, l, r[0], r[1]);
        if (i === j) {
          const ds = Math.abs(dh[i]);
          this.crossMag[i] += 2 * ds * this.sumMag[i] + Math.abs(this.crossHi[idx]) +
            2 * ds * Math.abs(sumHi[i]) + n * ds * ds + Math.abs(r[0]);
        }
        this.crossHi[idx] = r[0];
        this.crossLo[idx] = r[1];
      }
    }
    for (let j = 0; j < m; j++) {
      ddMul(r, dh[j], dl[j], n, 0);
      const nd = r[0];
      ddAdd(r, sumHi[j], sumLo[j], r[0], r[1]);
      this.sumMag[j] += Math.abs(nd) + Math.abs(sumHi[j]) + Math.abs(r[0]);
      sumHi[j] = r[0];
      sumLo[j] = r[1];
      this.shift[j] = target[j];
    }
    this.#version++;
  }
}
