/**
 * The solve: the least-squares fit and its statistics from the {@linkcode Moments} of the rows.
 *
 * The sums are centred (C = Σddᵀ − ΣdΣdᵀ/n) in double-double, each column is scaled by a power of
 * two, and the augmented matrix [C c; cᵀ Syy] is factorised by a double-double Cholesky
 * factorisation, whose last pivot is the residual sum of squares. With ≈ 31 significant digits in
 * C, even the squared condition number of the normal equations of NIST's Filip (smallest scaled
 * pivot 3.7e-15) leaves 13.3 correct digits of the exact least-squares solution of its float64
 * inputs (docs/numerics.md). The standard errors come from the rows of R⁻¹, on demand (O(k³)).
 *
 * @module
 */

import { ddAdd, ddDiv, ddMul, ddSqrt, doubleDouble, powerOfTwoRoot } from "./double_double.ts";
import type { Moments } from "./moments.ts";

/**
 * The policy for collinear features: a pivot of the scaled Cholesky factorisation (1 − R² of a
 * feature on the earlier ones) at most this large means the features are collinear to within a
 * relative change of ≈ 1e-12 of the data, and the fit is undetermined. Features collinear up to
 * float64 rounding leave ≈ 1e-32; NIST's Filip, the most ill-conditioned certified problem, has
 * its smallest pivot at 3.7e-15. (A larger threshold applies when the rounding accumulated by a
 * long history of updates could hide a zero pivot: see {@linkcode LeastSquares.fit}.)
 */
export const RANK_TOLERANCE = 1e-24;

/**
 * A least-squares fit. While the system is undetermined (fewer rows than unknowns, or the
 * features held are collinear) `determined` is false and every number is 0 — never NaN.
 */
export interface LeastSquaresFit {
  /** Whether the rows held determine a unique fit. */
  readonly determined: boolean;
  /** The intercept a (0 without intercept, and while undetermined). */
  readonly intercept: number;
  /** The coefficients b₁ … b_k (all 0 while undetermined); a fresh array on every call. */
  readonly coefficients: Float64Array;
}

/**
 * Fit statistics, never NaN. While undetermined every field but `n` is 0. When the fit is
 * determined but the residual degrees of freedom n − p are 0 (p = k + 1 with intercept, k
 * without: the fit interpolates), `se` and every standard error are 0. `r2` is 0 when the total
 * sum of squares is 0 (constant y with intercept, all-zero y without).
 */
export interface LeastSquaresStats {
  /** The number of rows held. */
  readonly n: number;
  /** The residual degrees of freedom n − p (0 while undetermined). */
  readonly df: number;
  /**
   * R² = 1 − SSE/SST, with SST centred about the mean of y with an intercept and uncentred (Σy²)
   * without, as R's lm() and NIST's certified values for NoInt1 and NoInt2.
   */
  readonly r2: number;
  /** The residual standard error √(SSE/(n − p)). */
  readonly se: number;
  /** The standard error of the intercept (0 without intercept). */
  readonly seIntercept: number;
  /** The standard errors of b₁ … b_k; a fresh array on every call. */
  readonly seCoefficients: Float64Array;
}

/** Scratch space of the solve, allocated on the first fit and kept (no allocation after). */
interface Workspace {
  readonly ah: Float64Array; // m×m double-double matrix, hi parts
  readonly al: Float64Array;
  readonly noise: Float64Array; // m
  readonly scale: Float64Array; // m
  readonly meanH: Float64Array; // m
  readonly meanL: Float64Array;
  readonly bh: Float64Array; // k
  readonly bl: Float64Array;
  readonly wH: Float64Array; // k
  readonly wL: Float64Array;
  readonly invH: Float64Array; // k×k
  readonly invL: Float64Array;
}

function workspace(k: number): Workspace {
  const m = k + 1;
  return {
    ah: new Float64Array(m * m),
    al: new Float64Array(m * m),
    noise: new Float64Array(m),
    scale: new Float64Array(m),
    meanH: new Float64Array(m),
    meanL: new Float64Array(m),
    bh: new Float64Array(k),
    bl: new Float64Array(k),
    wH: new Float64Array(k),
    wL: new Float64Array(k),
    invH: new Float64Array(k * k),
    invL: new Float64Array(k * k),
  };
}

/**
 * The fit and statistics of a state's moments, solved on demand and cached until the moments
 * change ({@linkcode Moments.version}); its workspace is allocated on the first solve and kept, so
 * that solving again allocates only the results handed out.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { Moments } from "./moments.ts";
 * import { Solver } from "./solve.ts";
 * const moments = new Moments(2, true);
 * for (const [x1, x2, y] of [[0, 0, 1], [1, 0, 3], [0, 1, 4], [1, 1, 6.5]]) {
 *   moments.update([x1, x2], y);
 * }
 * const solver = new Solver(2, true);
 * assert.deepEqual(solver.values(moments), [0.875, 2.25, 3.25]);
 * const stats = solver.stats(moments);
 * assert.deepEqual([stats.n, stats.df, stats.se], [4, 1, 0.25]);
 * ```
 */
export class Solver {
  readonly #k: number;
  readonly #intercept: boolean;
  #version = -1; // the moments' version solved for
  #errorsVersion = -1; // the version whose standard errors are computed
  #s2h = 0; // s² = SSE/(n − p), double-double
  #s2l = 0;
  #determined = false;
  #interceptValue = 0;
  #r2 = 0;
  #se = 0;
  #seIntercept = 0;
  readonly #beta: Float64Array;
  readonly #seBeta: Float64Array;
  #work: Workspace | null = null;
  readonly #r = doubleDouble();

  /** A solver for moments of k features, with or without intercept. */
  constructor(k: number, intercept: boolean) {
    this.#k = k;
    this.#intercept = intercept;
    this.#beta = new Float64Array(k);
    this.#seBeta = new Float64Array(k);
  }

  /** The fit of `moments` (see {@linkcode LeastSquaresFit}). */
  fit(moments: Moments): LeastSquaresFit {
    this.#solve(moments);
    return {
      determined: this.#determined,
      intercept: this.#interceptValue,
      coefficients: this.#beta.slice(),
    };
  }

  /**
   * The fit as a plain array: the intercept (with one), then the k coefficients, written into
   * `into` (default: a new array).
   */
  values(moments: Moments, into: number[] = []): number[] {
    this.#solve(moments);
    let i = 0;
    if (this.#intercept) into[i++] = this.#interceptValue;
    for (let j = 0; j < this.#k; j++) into[i++] = this.#beta[j];
    return into;
  }

  /** The fit's statistics (see {@linkcode LeastSquaresStats} for the zero conventions). */
  stats(moments: Moments): LeastSquaresStats {
    this.#solve(moments);
    this.#standardErrors(moments);
    const p = this.#k + (this.#intercept ? 1 : 0);
    return {
      n: moments.n,
      df: this.#determined ? moments.n - p : 0,
      r2: this.#r2,
      se: this.#se,
      seIntercept: this.#seIntercept,
      seCoefficients: this.#seBeta.slice(),
    };
  }

  /** Solves for the moments' current version (cached): see the module documentation. */
  #solve(mo: Moments): void {
    const r = this.#r;
    if (this.#version === mo.version) return;
    this.#version = mo.version;
    this.#s2h = 0;
    this.#s2l = 0;
    this.#determined = false;
    this.#beta.fill(0);
    this.#seBeta.fill(0);
    this.#interceptValue = 0;
    this.#r2 = 0;
    this.#se = 0;
    this.#seIntercept = 0;
    const k = mo.k;
    const m = mo.m;
    const n = mo.n;
    const p = k + (mo.intercept ? 1 : 0);
    if (n < p || n === 0) return;

    // A = centred (with intercept) or raw augmented cross-product matrix, m×m, double-double;
    // noise[j] bounds the rounding in Aⱼⱼ (history, plus the centring itself).
    if (this.#work === null) this.#work = workspace(k);
    const { ah, al, noise, scale, meanH, meanL, bh, bl } = this.#work;
    // Means of z − z₀ (double-double), then Cᵢⱼ = Sᵢⱼ − sᵢ·(sⱼ/n).
    for (let j = 0; j < m; j++) {
      ddDiv(r, mo.sumHi[j], mo.sumLo[j], n, 0);
      meanH[j] = r[0];
      meanL[j] = r[1];
    }
    let idx = 0;
    for (let i = 0; i < m; i++) {
      for (let j = i; j < m; j++, idx++) {
        let h = mo.crossHi[idx];
        let l = mo.crossLo[idx];
        if (mo.intercept) {
          ddMul(r, mo.sumHi[i], mo.sumLo[i], meanH[j], meanL[j]);
          ddAdd(r, h, l, -r[0], -r[1]);
          h = r[0];
          l = r[1];
        }
        ah[i * m + j] = h;
        al[i * m + j] = l;
        ah[j * m + i] = h;
        al[j * m + i] = l;
      }
      noise[i] = mo.noise(i);
    }

    // A feature without variance (relative to its rounding) leaves the fit undetermined;
    // otherwise scale each column by a power of two near √Aⱼⱼ so that the diagonal is ≈ 1.
    let nu = 0;
    for (let j = 0; j < m; j++) {
      const d = ah[j * m + j];
      if (j < k) {
        if (!(d > 16 * noise[j])) return;
        nu = Math.max(nu, noise[j] / d);
      }
      scale[j] = d > 0 ? powerOfTwoRoot(d) : 1;
    }
    const tolerance = Math.max(RANK_TOLERANCE, 65536 * nu);
    for (let i = 0; i < m; i++) {
      for (let j = 0; j < m; j++) {
        const f = 1 / (scale[i] * scale[j]); // a power of two: exact
        ah[i * m + j] *= f;
        al[i * m + j] *= f;
      }
    }

    // Cholesky A = RᵀR, R upper triangular in place of A's upper triangle, double-double.
    for (let i = 0; i < m; i++) {
      let dh = ah[i * m + i];
      let dl = al[i * m + i];
      const diag = dh;
      for (let l = 0; l < i; l++) {
        ddMul(r, ah[l * m + i], al[l * m + i], ah[l * m + i], al[l * m + i]);
        ddAdd(r, dh, dl, -r[0], -r[1]);
        dh = r[0];
        dl = r[1];
      }
      if (i < k) {
        if (!(dh > tolerance * diag)) return; // collinear features: undetermined
      } else if (!(dh > 0)) {
        dh = 0; // an exact fit: SSE = 0
        dl = 0;
      }
      ddSqrt(r, dh, dl);
      const rh = r[0];
      const rl = r[1];
      ah[i * m + i] = rh;
      al[i * m + i] = rl;
      for (let j = i + 1; j < m; j++) {
        let sh = ah[i * m + j];
        let sl = al[i * m + j];
        for (let l = 0; l < i; l++) {
          ddMul(r, ah[l * m + i], al[l * m + i], ah[l * m + j], al[l * m + j]);
          ddAdd(r, sh, sl, -r[0], -r[1]);
          sh = r[0];
          sl = r[1];
        }
        if (rh === 0) {
          sh = 0;
          sl = 0;
        } else {
          ddDiv(r, sh, sl, rh, rl);
          sh = r[0];
          sl = r[1];
        }
        ah[i * m + j] = sh;
        al[i * m + j] = sl;
      }
    }
    this.#determined = true;

    // Coefficients: R_xx β' = r_xy by back substitution, then β = β'·s_y/s_x (exact).
    for (let i = k - 1; i >= 0; i--) {
      let sh = ah[i * m + k];
      let sl = al[i * m + k];
      for (let j = i + 1; j < k; j++) {
        ddMul(r, ah[i * m + j], al[i * m + j], bh[j], bl[j]);
        ddAdd(r, sh, sl, -r[0], -r[1]);
        sh = r[0];
        sl = r[1];
      }
      ddDiv(r, sh, sl, ah[i * m + i], al[i * m + i]);
      bh[i] = r[0];
      bl[i] = r[1];
    }
    const sy = scale[k];
    for (let j = 0; j < k; j++) {
      const f = sy / scale[j];
      bh[j] *= f;
      bl[j] *= f;
      this.#beta[j] = bh[j] + bl[j];
    }

    // SSE = (R_yy·s_y)²; SST = A_yy (centred with intercept, Σy² without); R² = 1 − SSE/SST.
    const ry = ah[k * m + k];
    ddMul(r, ry, al[k * m + k], ry, al[k * m + k]);
    const sseH = r[0] * sy * sy;
    const sseL = r[1] * sy * sy;
    let totH = mo.crossHi[mo.diag[k]];
    let totL = mo.crossLo[mo.diag[k]];
    if (mo.intercept) {
      ddMul(r, mo.sumHi[k], mo.sumLo[k], meanH[k], meanL[k]);
      ddAdd(r, totH, totL, -r[0], -r[1]);
      totH = r[0];
      totL = r[1];
    }
    if (totH > 0) {
      ddDiv(r, sseH, sseL, totH, totL);
      ddAdd(r, 1, 0, -r[0], -r[1]);
      this.#r2 = Math.min(1, Math.max(0, r[0] + r[1]));
    }

    // Intercept a = ȳ − Σ bⱼx̄ⱼ with the means x̄ⱼ = z₀ⱼ + Σ(zⱼ − z₀ⱼ)/n, in double-double.
    if (mo.intercept) {
      for (let j = 0; j < m; j++) {
        ddAdd(r, meanH[j], meanL[j], mo.shift[j], 0);
        meanH[j] = r[0];
        meanL[j] = r[1];
      }
      let ih = meanH[k];
      let il = meanL[k];
      for (let j = 0; j < k; j++) {
        ddMul(r, bh[j], bl[j], meanH[j], meanL[j]);
        ddAdd(r, ih, il, -r[0], -r[1]);
        ih = r[0];
        il = r[1];
      }
      this.#interceptValue = ih + il;
    }

    const df = n - p;
    if (df <= 0) return; // the fit interpolates: standard errors 0 by convention
    ddDiv(r, sseH, sseL, df, 0);
    this.#s2h = r[0];
    this.#s2l = r[1];
    ddSqrt(r, r[0], r[1]);
    this.#se = r[0] + r[1];
  }

  /** The standard errors for the current solution (after #solve; cached, O(k³)). */
  #standardErrors(mo: Moments): void {
    const r = this.#r;
    if (this.#errorsVersion === mo.version) return;
    this.#errorsVersion = mo.version;
    if (!this.#determined || this.#work === null || (this.#s2h === 0 && this.#s2l === 0)) return;
    const k = mo.k;
    const m = mo.m;
    const n = mo.n;
    const s2h = this.#s2h;
    const s2l = this.#s2l;
    const { ah, al, scale, meanH, meanL, wH, wL, invH, invL } = this.#work;

    // Var(bᵢ) = s²·((RᵀR)⁻¹)ᵢᵢ/sᵢ² with (RᵀR)⁻¹ = R⁻¹R⁻ᵀ: squared row norms of R⁻¹.
    for (let j = 0; j < k; j++) {
      ddDiv(r, 1, 0, ah[j * m + j], al[j * m + j]);
      invH[j * k + j] = r[0];
      invL[j * k + j] = r[1];
      for (let i = j - 1; i >= 0; i--) {
        let sh = 0;
        let sl = 0;
        for (let l = i + 1; l <= j; l++) {
          ddMul(r, ah[i * m + l], al[i * m + l], invH[l * k + j], invL[l * k + j]);
          ddAdd(r, sh, sl, r[0], r[1]);
          sh = r[0];
          sl = r[1];
        }
        ddDiv(r, -sh, -sl, ah[i * m + i], al[i * m + i]);
        invH[i * k + j] = r[0];
        invL[i * k + j] = r[1];
      }
    }
    for (let i = 0; i < k; i++) {
      let sh = 0;
      let sl = 0;
      for (let j = i; j < k; j++) {
        ddMul(r, invH[i * k + j], invL[i * k + j], invH[i * k + j], invL[i * k + j]);
        ddAdd(r, sh, sl, r[0], r[1]);
        sh = r[0];
        sl = r[1];
      }
      ddMul(r, sh, sl, s2h, s2l);
      ddSqrt(r, r[0], r[1]);
      this.#seBeta[i] = (r[0] + r[1]) / scale[i];
    }

    if (mo.intercept) {
      // Var(a) = s²(1/n + x̄ᵀC⁻¹x̄), x̄ᵀC⁻¹x̄ = ‖w‖² with Rᵀw = D⁻¹x̄ (forward substitution).
      let qh = 0;
      let ql = 0;
      for (let i = 0; i < k; i++) {
        let sh = meanH[i] / scale[i];
        let sl = meanL[i] / scale[i];
        for (let l = 0; l < i; l++) {
          ddMul(r, ah[l * m + i], al[l * m + i], wH[l], wL[l]);
          ddAdd(r, sh, sl, -r[0], -r[1]);
          sh = r[0];
          sl = r[1];
        }
        ddDiv(r, sh, sl, ah[i * m + i], al[i * m + i]);
        wH[i] = r[0];
        wL[i] = r[1];
        ddMul(r, wH[i], wL[i], wH[i], wL[i]);
        ddAdd(r, qh, ql, r[0], r[1]);
        qh = r[0];
        ql = r[1];
      }
      ddDiv(r, 1, 0, n, 0);
      ddAdd(r, qh, ql, r[0], r[1]);
      ddMul(r, r[0], r[1], s2h, s2l);
      ddSqrt(r, r[0], r[1]);
      this.#seIntercept = r[0] + r[1];
    }
  }
}
