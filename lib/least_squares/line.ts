/**
 * The closed-form line for one feature with an intercept, y ≈ a + b·x: b = Cxy / Cxx and
 * a = ȳ − b·x̄, from the same double-double {@linkcode Moments} and with the same tests of
 * determinacy as the general solve (whose Cholesky factor, scaling and statistics a line does not
 * need). At one commit per row this is the runner's hot path. Fewer double-double roundings: it
 * is within |v|·ε of the exact least-squares line of the float64 inputs, and agrees with the
 * solve to the last bit but for rare one-ulp differences (both tested in
 * tests/regression_test.ts).
 *
 * The double-double operations (`ddDiv`, `ddMul`, `ddAdd` of double_double.ts) are written out,
 * each in a block of its own, operation for operation: called, they are not all inlined, and
 * every double passed to a call that is not is boxed — ≈ 25 heap numbers a solve, most of the
 * garbage of a run at a commit per row — and written out the solve takes ≈ 110 ns instead of
 * ≈ 170 ns. tests/regression_test.ts checks that it gives the calls' results bit for bit.
 *
 * @module
 */

import { SPLITTER } from "./double_double.ts";
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

  /**
   * [a, b] for `moments` (k = 1, with intercept); [0, 0] while undetermined. Written into `into`
   * (default: a new array).
   */
  values(moments: Moments, into: number[] = []): number[] {
    if (this.#version !== moments.version) {
      this.#version = moments.version;
      this.#a = 0;
      this.#b = 0;
      const n = moments.n;
      if (n >= 2) this.#solve(moments, n);
    }
    into[0] = this.#a;
    into[1] = this.#b;
    return into;
  }

  #solve(mo: Moments, n: number): void {
    const sumHi = mo.sumHi;
    const sumLo = mo.sumLo;
    const crossHi = mo.crossHi;
    const crossLo = mo.crossLo;
    // Means of x − x₀ and y − y₀; Cxx = Sxx − Sx·x̄, Cxy = Sxy − Sx·ȳ (packed: 0 = xx, 1 = xy);
    // b = Cxy / Cxx; a = (y₀ + ȳ) − b·(x₀ + x̄).
    // mx = x̄ − x₀ = Σ(x − x₀) / n (ddDiv)
    let mxH: number, mxL: number;
    {
      const nh = sumHi[0], nl = sumLo[0], dh = n, dl = 0;
      const q1 = nh / dh;
      // m1 = q1 · d (ddMul)
      let m1H: number, m1L: number;
      {
        const ah = q1, al = 0, bh = dh, bl = dl;
        const p = ah * bh;
        let c = SPLITTER * ah;
        const ahh = c - (c - ah), ahl = ah - ahh;
        c = SPLITTER * bh;
        const bhh = c - (c - bh), bhl = bh - bhh;
        let e = ((ahh * bhh - p) + ahh * bhl + ahl * bhh) + ahl * bhl;
        e += ah * bl + al * bh;
        const q = p + e;
        m1L = e - (q - p);
        m1H = q;
      }
      // r1 = n − q1 · d (ddAdd)
      let r1H: number, r1L: number;
      {
        const ah = nh, al = nl, bh = -m1H, bl = -m1L;
        const s = ah + bh;
        let v = s - ah;
        let e = (ah - (s - v)) + (bh - v);
        const t = al + bl;
        v = t - al;
        const f = (al - (t - v)) + (bl - v);
        e += t;
        const h = s + e;
        e = e - (h - s);
        e += f;
        const q = h + e;
        r1L = e - (q - h);
        r1H = q;
      }
      const q2 = r1H / dh;
      // m2 = q2 · d (ddMul)
      let m2H: number, m2L: number;
      {
        const ah = q2, al = 0, bh = dh, bl = dl;
        const p = ah * bh;
        let c = SPLITTER * ah;
        const ahh = c - (c - ah), ahl = ah - ahh;
        c = SPLITTER * bh;
        const bhh = c - (c - bh), bhl = bh - bhh;
        let e = ((ahh * bhh - p) + ahh * bhl + ahl * bhh) + ahl * bhl;
        e += ah * bl + al * bh;
        const q = p + e;
        m2L = e - (q - p);
        m2H = q;
      }
      // r2 = n − (q1 + q2) · d (ddAdd, its hi part)
      let r2H: number;
      {
        const ah = r1H, al = r1L, bh = -m2H, bl = -m2L;
        const s = ah + bh;
        let v = s - ah;
        let e = (ah - (s - v)) + (bh - v);
        const t = al + bl;
        v = t - al;
        const f = (al - (t - v)) + (bl - v);
        e += t;
        const h = s + e;
        e = e - (h - s);
        e += f;
        r2H = h + e;
      }
      const q3 = r2H / dh;
      const s = q1 + q2;
      let e = q2 - (s - q1);
      e += q3;
      const q = s + e;
      mxL = e - (q - s);
      mxH = q;
    }
    // my = ȳ − y₀ (ddDiv)
    let myH: number, myL: number;
    {
      const nh = sumHi[1], nl = sumLo[1], dh = n, dl = 0;
      const q1 = nh / dh;
      // m1 = q1 · d (ddMul)
      let m1H: number, m1L: number;
      {
        const ah = q1, al = 0, bh = dh, bl = dl;
        const p = ah * bh;
        let c = SPLITTER * ah;
        const ahh = c - (c - ah), ahl = ah - ahh;
        c = SPLITTER * bh;
        const bhh = c - (c - bh), bhl = bh - bhh;
        let e = ((ahh * bhh - p) + ahh * bhl + ahl * bhh) + ahl * bhl;
        e += ah * bl + al * bh;
        const q = p + e;
        m1L = e - (q - p);
        m1H = q;
      }
      // r1 = n − q1 · d (ddAdd)
      let r1H: number, r1L: number;
      {
        const ah = nh, al = nl, bh = -m1H, bl = -m1L;
        const s = ah + bh;
        let v = s - ah;
        let e = (ah - (s - v)) + (bh - v);
        const t = al + bl;
        v = t - al;
        const f = (al - (t - v)) + (bl - v);
        e += t;
        const h = s + e;
        e = e - (h - s);
        e += f;
        const q = h + e;
        r1L = e - (q - h);
        r1H = q;
      }
      const q2 = r1H / dh;
      // m2 = q2 · d (ddMul)
      let m2H: number, m2L: number;
      {
        const ah = q2, al = 0, bh = dh, bl = dl;
        const p = ah * bh;
        let c = SPLITTER * ah;
        const ahh = c - (c - ah), ahl = ah - ahh;
        c = SPLITTER * bh;
        const bhh = c - (c - bh), bhl = bh - bhh;
        let e = ((ahh * bhh - p) + ahh * bhl + ahl * bhh) + ahl * bhl;
        e += ah * bl + al * bh;
        const q = p + e;
        m2L = e - (q - p);
        m2H = q;
      }
      // r2 = n − (q1 + q2) · d (ddAdd, its hi part)
      let r2H: number;
      {
        const ah = r1H, al = r1L, bh = -m2H, bl = -m2L;
        const s = ah + bh;
        let v = s - ah;
        let e = (ah - (s - v)) + (bh - v);
        const t = al + bl;
        v = t - al;
        const f = (al - (t - v)) + (bl - v);
        e += t;
        const h = s + e;
        e = e - (h - s);
        e += f;
        r2H = h + e;
      }
      const q3 = r2H / dh;
      const s = q1 + q2;
      let e = q2 - (s - q1);
      e += q3;
      const q = s + e;
      myL = e - (q - s);
      myH = q;
    }
    // sxmx = Sx · x̄ (ddMul)
    let sxmxH: number, sxmxL: number;
    {
      const ah = sumHi[0], al = sumLo[0], bh = mxH, bl = mxL;
      const p = ah * bh;
      let c = SPLITTER * ah;
      const ahh = c - (c - ah), ahl = ah - ahh;
      c = SPLITTER * bh;
      const bhh = c - (c - bh), bhl = bh - bhh;
      let e = ((ahh * bhh - p) + ahh * bhl + ahl * bhh) + ahl * bhl;
      e += ah * bl + al * bh;
      const q = p + e;
      sxmxL = e - (q - p);
      sxmxH = q;
    }
    // cxx = Cxx = Sxx − Sx · x̄ (ddAdd)
    let cxxH: number, cxxL: number;
    {
      const ah = crossHi[0], al = crossLo[0], bh = -sxmxH, bl = -sxmxL;
      const s = ah + bh;
      let v = s - ah;
      let e = (ah - (s - v)) + (bh - v);
      const t = al + bl;
      v = t - al;
      const f = (al - (t - v)) + (bl - v);
      e += t;
      const h = s + e;
      e = e - (h - s);
      e += f;
      const q = h + e;
      cxxL = e - (q - h);
      cxxH = q;
    }
    // x is constant, relative to the rounding its history may have left, as in the solve: there
    // Cxx must exceed 16 × noise, and the scaled Cholesky pivot the tolerance 65536 × noise / Cxx.
    const noise = mo.noise(0);
    if (!(cxxH > 16 * noise) || !(Math.max(RANK_TOLERANCE, 65536 * (noise / cxxH)) < 1)) return;
    // sxmy = Sx · ȳ (ddMul)
    let sxmyH: number, sxmyL: number;
    {
      const ah = sumHi[0], al = sumLo[0], bh = myH, bl = myL;
      const p = ah * bh;
      let c = SPLITTER * ah;
      const ahh = c - (c - ah), ahl = ah - ahh;
      c = SPLITTER * bh;
      const bhh = c - (c - bh), bhl = bh - bhh;
      let e = ((ahh * bhh - p) + ahh * bhl + ahl * bhh) + ahl * bhl;
      e += ah * bl + al * bh;
      const q = p + e;
      sxmyL = e - (q - p);
      sxmyH = q;
    }
    // cxy = Cxy = Sxy − Sx · ȳ (ddAdd)
    let cxyH: number, cxyL: number;
    {
      const ah = crossHi[1], al = crossLo[1], bh = -sxmyH, bl = -sxmyL;
      const s = ah + bh;
      let v = s - ah;
      let e = (ah - (s - v)) + (bh - v);
      const t = al + bl;
      v = t - al;
      const f = (al - (t - v)) + (bl - v);
      e += t;
      const h = s + e;
      e = e - (h - s);
      e += f;
      const q = h + e;
      cxyL = e - (q - h);
      cxyH = q;
    }
    // b = Cxy / Cxx (ddDiv)
    let bH: number, bL: number;
    {
      const nh = cxyH, nl = cxyL, dh = cxxH, dl = cxxL;
      const q1 = nh / dh;
      // m1 = q1 · d (ddMul)
      let m1H: number, m1L: number;
      {
        const ah = q1, al = 0, bh = dh, bl = dl;
        const p = ah * bh;
        let c = SPLITTER * ah;
        const ahh = c - (c - ah), ahl = ah - ahh;
        c = SPLITTER * bh;
        const bhh = c - (c - bh), bhl = bh - bhh;
        let e = ((ahh * bhh - p) + ahh * bhl + ahl * bhh) + ahl * bhl;
        e += ah * bl + al * bh;
        const q = p + e;
        m1L = e - (q - p);
        m1H = q;
      }
      // r1 = n − q1 · d (ddAdd)
      let r1H: number, r1L: number;
      {
        const ah = nh, al = nl, bh = -m1H, bl = -m1L;
        const s = ah + bh;
        let v = s - ah;
        let e = (ah - (s - v)) + (bh - v);
        const t = al + bl;
        v = t - al;
        const f = (al - (t - v)) + (bl - v);
        e += t;
        const h = s + e;
        e = e - (h - s);
        e += f;
        const q = h + e;
        r1L = e - (q - h);
        r1H = q;
      }
      const q2 = r1H / dh;
      // m2 = q2 · d (ddMul)
      let m2H: number, m2L: number;
      {
        const ah = q2, al = 0, bh = dh, bl = dl;
        const p = ah * bh;
        let c = SPLITTER * ah;
        const ahh = c - (c - ah), ahl = ah - ahh;
        c = SPLITTER * bh;
        const bhh = c - (c - bh), bhl = bh - bhh;
        let e = ((ahh * bhh - p) + ahh * bhl + ahl * bhh) + ahl * bhl;
        e += ah * bl + al * bh;
        const q = p + e;
        m2L = e - (q - p);
        m2H = q;
      }
      // r2 = n − (q1 + q2) · d (ddAdd, its hi part)
      let r2H: number;
      {
        const ah = r1H, al = r1L, bh = -m2H, bl = -m2L;
        const s = ah + bh;
        let v = s - ah;
        let e = (ah - (s - v)) + (bh - v);
        const t = al + bl;
        v = t - al;
        const f = (al - (t - v)) + (bl - v);
        e += t;
        const h = s + e;
        e = e - (h - s);
        e += f;
        r2H = h + e;
      }
      const q3 = r2H / dh;
      const s = q1 + q2;
      let e = q2 - (s - q1);
      e += q3;
      const q = s + e;
      bL = e - (q - s);
      bH = q;
    }
    // x = x̄ = x₀ + (x̄ − x₀) (ddAdd)
    let xH: number, xL: number;
    {
      const ah = mxH, al = mxL, bh = mo.shift[0], bl = 0;
      const s = ah + bh;
      let v = s - ah;
      let e = (ah - (s - v)) + (bh - v);
      const t = al + bl;
      v = t - al;
      const f = (al - (t - v)) + (bl - v);
      e += t;
      const h = s + e;
      e = e - (h - s);
      e += f;
      const q = h + e;
      xL = e - (q - h);
      xH = q;
    }
    // bx = b · x̄ (ddMul)
    let bxH: number, bxL: number;
    {
      const ah = bH, al = bL, bh = xH, bl = xL;
      const p = ah * bh;
      let c = SPLITTER * ah;
      const ahh = c - (c - ah), ahl = ah - ahh;
      c = SPLITTER * bh;
      const bhh = c - (c - bh), bhl = bh - bhh;
      let e = ((ahh * bhh - p) + ahh * bhl + ahl * bhh) + ahl * bhl;
      e += ah * bl + al * bh;
      const q = p + e;
      bxL = e - (q - p);
      bxH = q;
    }
    // y = ȳ (ddAdd)
    let yH: number, yL: number;
    {
      const ah = myH, al = myL, bh = mo.shift[1], bl = 0;
      const s = ah + bh;
      let v = s - ah;
      let e = (ah - (s - v)) + (bh - v);
      const t = al + bl;
      v = t - al;
      const f = (al - (t - v)) + (bl - v);
      e += t;
      const h = s + e;
      e = e - (h - s);
      e += f;
      const q = h + e;
      yL = e - (q - h);
      yH = q;
    }
    // a = ȳ − b · x̄ (ddAdd)
    let aH: number, aL: number;
    {
      const ah = yH, al = yL, bh = -bxH, bl = -bxL;
      const s = ah + bh;
      let v = s - ah;
      let e = (ah - (s - v)) + (bh - v);
      const t = al + bl;
      v = t - al;
      const f = (al - (t - v)) + (bl - v);
      e += t;
      const h = s + e;
      e = e - (h - s);
      e += f;
      const q = h + e;
      aL = e - (q - h);
      aH = q;
    }
    this.#a = aH + aL;
    this.#b = bH + bL;
  }
}
