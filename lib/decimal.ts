/**
 * Decimal numbers, read strictly: `[+-]digits[.digits][(e|E)[+-]digits]` (or `.digits` before
 * the exponent), nothing else — no padding, hexadecimal, `NaN` or `Infinity`, which `Number()`
 * would accept. The value is `Number()`'s, the double nearest to the decimal.
 *
 * A field is read where it stands in its message, without cutting it out: one pass checks the
 * grammar and gathers the digits, and when they make an integer below 2^53 scaled by at most
 * 10^22 either way — a small integer, or a decimal of up to about 16 digits — the value is one
 * exact product or quotient of two doubles, so rounded once: correctly (Clinger's fast path).
 * Anything longer is cut out and read by `Number()`. tests/decimal_test.ts checks both against
 * `Number()` on random decimals.
 *
 * Reference: W. D. Clinger, "How to read floating point numbers accurately", PLDI 1990.
 *
 * @module
 */

/** 10^0 … 10^22: the powers of ten a double holds exactly. */
const POWERS_OF_TEN = Float64Array.from({ length: 23 }, (_, i) => 10 ** i);

/**
 * 2^53: below it every integer is a double, and digits gathered one by one stay exact. A mantissa
 * past it may round to it exactly (2^53 + 1 does), so the fast path takes only those below.
 */
const EXACT_INTEGERS = 2 ** 53;

/**
 * The number written in `text` from `start` to `end` (exclusive): the double nearest to it, as
 * `Number()` reads it; ±Infinity when it overflows; NaN when the text is not a decimal number
 * (see the module documentation).
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { readDecimal } from "./decimal.ts";
 * assert.equal(readDecimal("3,-1.5e3", 2, 8), -1500);
 * assert.equal(readDecimal("0.06888437030500963"), 0.06888437030500963);
 * assert.ok(Number.isNaN(readDecimal(" 1")));
 * assert.ok(Number.isNaN(readDecimal("0x10")));
 * assert.equal(readDecimal("1e400"), Infinity);
 * ```
 */
export function readDecimal(text: string, start = 0, end: number = text.length): number {
  let i = start;
  let c = i < end ? text.charCodeAt(i) : 0;
  const negative = c === 45; // -
  if (negative || c === 43) i++; // + or -
  let digits = 0; // the digits read, as an integer (exact while at most 2^53)
  const first = i;
  while (i < end) {
    c = text.charCodeAt(i) - 48;
    if (c < 0 || c > 9) break;
    digits = digits * 10 + c;
    i++;
  }
  let count = i - first;
  let fraction = 0; // how many of the digits follow the point
  if (i < end && text.charCodeAt(i) === 46) { // .
    i++;
    const point = i;
    while (i < end) {
      c = text.charCodeAt(i) - 48;
      if (c < 0 || c > 9) break;
      digits = digits * 10 + c;
      i++;
    }
    fraction = i - point;
    count += fraction;
  }
  if (count === 0) return NaN;
  let exponent = 0;
  if (i < end) {
    c = text.charCodeAt(i);
    if (c !== 101 && c !== 69) return NaN; // e or E
    i++;
    c = i < end ? text.charCodeAt(i) : 0;
    const below = c === 45;
    if (below || c === 43) i++;
    const from = i;
    while (i < end) {
      c = text.charCodeAt(i) - 48;
      if (c < 0 || c > 9) return NaN;
      exponent = exponent * 10 + c;
      i++;
    }
    if (i === from) return NaN;
    if (below) exponent = -exponent;
  }
  const scale = exponent - fraction;
  if (digits < EXACT_INTEGERS && scale >= -22 && scale <= 22) {
    const value = scale >= 0 ? digits * POWERS_OF_TEN[scale] : digits / POWERS_OF_TEN[-scale];
    return negative ? -value : value;
  }
  return Number(text.slice(start, end));
}

/**
 * Parses a number strictly (see {@linkcode readDecimal}). Returns the number, or a reason when
 * the text is empty, blank, padded, hexadecimal, `NaN`, `Infinity` or overflows.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { parseNumber } from "./decimal.ts";
 * assert.equal(parseNumber("-1.5e3"), -1500);
 * assert.deepEqual(parseNumber("0x10"), { reason: '"0x10" is not a decimal number' });
 * ```
 */
export function parseNumber(text: string): number | { reason: string } {
  const value = readDecimal(text);
  return Number.isFinite(value) ? value : { reason: numberProblem(text, value) };
}

/**
 * Why `text` is no number a fit can take, given what {@linkcode readDecimal} read from it (NaN
 * or ±Infinity).
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { numberProblem } from "./decimal.ts";
 * assert.equal(numberProblem("1e400", Infinity), '"1e400" overflows a 64-bit float');
 * ```
 */
export function numberProblem(text: string, value: number): string {
  return Number.isNaN(value)
    ? `${JSON.stringify(text)} is not a decimal number`
    : `${JSON.stringify(text)} overflows a 64-bit float`;
}
