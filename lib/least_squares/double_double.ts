/**
 * Double-double arithmetic: a number held as the unevaluated sum hi + lo of two doubles, with
 * |lo| ≤ ulp(hi)/2 (≈ 106 significant bits), and the error-free transformations it rests on —
 * Knuth's TwoSum gives the exact rounding error of an addition, Dekker's TwoProduct (with
 * Veltkamp's split) that of a multiplication.
 *
 * Every operation writes its result into a register the caller owns — a {@linkcode DoubleDouble},
 * `r[0]` the hi part and `r[1]` the lo part — and returns nothing, so that no call allocates: the
 * solve runs thousands of them per fit. Each owner (a state's moments, its solver, its line) keeps
 * its own register; there is no shared mutable state here. (The former design wrote every result
 * to one module-level register; measured against it — add + fit per row at k = 4 and add + line at
 * k = 1, CPU time, interleaved runs — a module-level register, here or in the solver, gained
 * nothing beyond this machine's ±3 % noise, so none is kept.)
 *
 * References: T. J. Dekker, "A floating-point technique for extending the available precision",
 * Numerische Mathematik 18:224–242, 1971; D. E. Knuth, The Art of Computer Programming, vol. 2,
 * §4.2.2; Y. Hida, X. S. Li, D. H. Bailey, "Library for double-double and quad-double arithmetic"
 * (QD), 2007 — the accurate addition and the three-term division used here.
 *
 * @module
 */

/** A double-double register: `[hi, lo]`, written by the operations of this module. */
export type DoubleDouble = Float64Array;

/**
 * A fresh register, [0, 0].
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { doubleDouble } from "./double_double.ts";
 * assert.deepEqual(Array.from(doubleDouble()), [0, 0]);
 * ```
 */
export function doubleDouble(): DoubleDouble {
  return new Float64Array(2);
}

/** 2^27 + 1, Veltkamp's splitting constant for binary64. */
export const SPLITTER = 134217729;

/** The unit roundoff of one double-double accumulation, as a bound per update (2^-104). */
export const UNIT_ROUNDOFF = 2 ** -104;

/**
 * The largest magnitude accepted for an x or y value, 2^480 ≈ 3.1e144: products and their sums
 * over up to 2^53 rows stay finite and the error-free products stay exact. (Nonzero values below
 * about 1e-140 in magnitude are accepted, but their products lose bits to underflow.)
 */
export const MAX_MAGNITUDE = 2 ** 480;

/**
 * r = a + b exactly (Knuth's TwoSum): r[0] = fl(a + b), r[1] the rounding error.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { doubleDouble, twoSum } from "./double_double.ts";
 * const r = doubleDouble();
 * twoSum(r, 1, 2 ** -60); // 1 + 2^-60 rounds to 1; the error keeps the rest
 * assert.deepEqual(Array.from(r), [1, 2 ** -60]);
 * ```
 */
export function twoSum(r: DoubleDouble, a: number, b: number): void {
  const s = a + b;
  const v = s - a;
  r[1] = (a - (s - v)) + (b - v);
  r[0] = s;
}

/**
 * r = a split into two halves of 26 bits each (Veltkamp): r[0] + r[1] = a exactly, and the
 * product of any two halves is exact. |a| must stay below ≈ 2^996 (no overflow of SPLITTER·a).
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { doubleDouble, split } from "./double_double.ts";
 * const r = doubleDouble();
 * split(r, 1 + 2 ** -40);
 * assert.deepEqual(Array.from(r), [1, 2 ** -40]);
 * ```
 */
export function split(r: DoubleDouble, a: number): void {
  const c = SPLITTER * a;
  const h = c - (c - a);
  r[0] = h;
  r[1] = a - h;
}

/**
 * r = a · b exactly (Dekker's TwoProduct): r[0] = fl(a·b), r[1] the rounding error — exact
 * while no partial product underflows.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { doubleDouble, twoProduct } from "./double_double.ts";
 * const r = doubleDouble();
 * twoProduct(r, 1 + 2 ** -30, 1 + 2 ** -30); // = 1 + 2^-29 + 2^-60
 * assert.deepEqual(Array.from(r), [1 + 2 ** -29, 2 ** -60]);
 * ```
 */
export function twoProduct(r: DoubleDouble, a: number, b: number): void {
  const p = a * b;
  let c = SPLITTER * a;
  const ah = c - (c - a);
  const al = a - ah;
  c = SPLITTER * b;
  const bh = c - (c - b);
  const bl = b - bh;
  r[1] = ((ah * bh - p) + ah * bl + al * bh) + al * bl;
  r[0] = p;
}

/**
 * r = (ah + al) + (bh + bl), accurate (both parts summed by TwoSum).
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { ddAdd, doubleDouble } from "./double_double.ts";
 * const r = doubleDouble();
 * ddAdd(r, 1, 2 ** -60, -1, 2 ** -70); // the hi parts cancel, the lo parts remain
 * assert.deepEqual(Array.from(r), [2 ** -60 + 2 ** -70, 0]);
 * ```
 */
export function ddAdd(r: DoubleDouble, ah: number, al: number, bh: number, bl: number): void {
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
  r[1] = e - (q - h);
  r[0] = q;
}

/**
 * r = (ah + al) · (bh + bl).
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { ddMul, doubleDouble } from "./double_double.ts";
 * const r = doubleDouble();
 * ddMul(r, 1 + 2 ** -30, 0, 1 - 2 ** -30, 0); // = 1 − 2^-60
 * assert.deepEqual(Array.from(r), [1, -(2 ** -60)]);
 * ```
 */
export function ddMul(r: DoubleDouble, ah: number, al: number, bh: number, bl: number): void {
  const p = ah * bh;
  let c = SPLITTER * ah;
  const ahh = c - (c - ah);
  const ahl = ah - ahh;
  c = SPLITTER * bh;
  const bhh = c - (c - bh);
  const bhl = bh - bhh;
  let e = ((ahh * bhh - p) + ahh * bhl + ahl * bhh) + ahl * bhl;
  e += ah * bl + al * bh;
  const q = p + e;
  r[1] = e - (q - p);
  r[0] = q;
}

/**
 * r = (ah + al) / (bh + bl), bh ≠ 0 (three quotient terms, as QD's accurate division). r may be
 * read for the arguments: they are taken before r is written.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { ddDiv, ddMul, doubleDouble } from "./double_double.ts";
 * const r = doubleDouble();
 * ddDiv(r, 1, 0, 3, 0);
 * assert.equal(r[0], 1 / 3);
 * ddMul(r, r[0], r[1], 3, 0); // (1/3)·3 comes back to 1 within 2^-104
 * assert.ok(Math.abs(r[0] - 1 + r[1]) <= 2 ** -104);
 * ```
 */
export function ddDiv(r: DoubleDouble, ah: number, al: number, bh: number, bl: number): void {
  const q1 = ah / bh;
  ddMul(r, q1, 0, bh, bl);
  ddAdd(r, ah, al, -r[0], -r[1]);
  const rh = r[0];
  const rl = r[1];
  const q2 = rh / bh;
  ddMul(r, q2, 0, bh, bl);
  ddAdd(r, rh, rl, -r[0], -r[1]);
  const q3 = r[0] / bh;
  const s = q1 + q2;
  let e = q2 - (s - q1);
  e += q3;
  const q = s + e;
  r[1] = e - (q - s);
  r[0] = q;
}

/**
 * r = √(ah + al), 0 when ah ≤ 0 (one Newton step on the double square root).
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { ddMul, ddSqrt, doubleDouble } from "./double_double.ts";
 * const r = doubleDouble();
 * ddSqrt(r, 2, 0);
 * assert.equal(r[0], Math.SQRT2);
 * ddMul(r, r[0], r[1], r[0], r[1]); // squared: 2 within 2^-103
 * assert.ok(Math.abs(r[0] - 2 + r[1]) <= 2 ** -103);
 * ddSqrt(r, -1, 0);
 * assert.deepEqual(Array.from(r), [0, 0]);
 * ```
 */
export function ddSqrt(r: DoubleDouble, ah: number, al: number): void {
  if (!(ah > 0)) {
    r[0] = 0;
    r[1] = 0;
    return;
  }
  const x = 1 / Math.sqrt(ah);
  const s = ah * x;
  ddMul(r, s, 0, s, 0);
  ddAdd(r, ah, al, -r[0], -r[1]);
  const corr = r[0] * x * 0.5;
  const q = s + corr;
  r[1] = corr - (q - s);
  r[0] = q;
}

/**
 * The power of two nearest to √v (v > 0): an exact scale factor.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { powerOfTwoRoot } from "./double_double.ts";
 * assert.deepEqual([powerOfTwoRoot(1), powerOfTwoRoot(1e6), powerOfTwoRoot(2 ** -20)], [
 *   1,
 *   1024,
 *   2 ** -10,
 * ]);
 * ```
 */
export function powerOfTwoRoot(v: number): number {
  return 2 ** Math.round(Math.log2(v) / 2);
}

/**
 * x^p (p ≥ 1) rounded once to the nearest double (up to rare double-double ties): the product
 * chain is carried in double-double, so a polynomial design holds the float64 rounding of the
 * exact power — the best a float64 design can hold (repeated multiplication would round p − 1
 * times). Past {@linkcode MAX_MAGNITUDE} it stops and returns the (too large) partial power.
 * (Each step is {@linkcode ddMul} by (x, 0), written out on local variables: this runs per row
 * and power, and a register would be an allocation per call.)
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { roundedPower } from "./double_double.ts";
 * assert.equal(roundedPower(1.3, 3), 2.197);
 * assert.equal(1.3 * 1.3 * 1.3, 2.1970000000000005); // rounded twice
 * ```
 */
export function roundedPower(x: number, p: number): number {
  let hi = x;
  let lo = 0;
  let c = SPLITTER * x;
  const xh = c - (c - x);
  const xl = x - xh;
  for (let i = 1; i < p; i++) {
    const q = hi * x;
    c = SPLITTER * hi;
    const hh = c - (c - hi);
    const hl = hi - hh;
    let e = ((hh * xh - q) + hh * xl + hl * xh) + hl * xl;
    e += hi * 0 + lo * x;
    hi = q + e;
    lo = e - (hi - q);
    if (!(Math.abs(hi) <= MAX_MAGNITUDE)) return hi;
  }
  return hi;
}
