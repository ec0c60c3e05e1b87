/**
 * The fit as a person reads it: the coefficients, then `n` and `r2` when the run reports them,
 * each to four significant digits — `a = 0.0256, b = 0.9958, n = 10, r2 = 0.9991`. The status
 * line, the live page and the plot's title all show this text.
 *
 * @module
 */

/** Statistics columns that are not shown (`se`, `se_<c>`): a person reads them in the files. */
const HIDDEN = /^se(_|$)/;

/**
 * `value` to four significant digits, in JavaScript's shortest form of the rounded number.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { shortNumber } from "./fit_text.ts";
 * assert.equal(shortNumber(0.025612345), "0.02561");
 * assert.equal(shortNumber(0.99584), "0.9958");
 * assert.equal(shortNumber(10), "10");
 * assert.equal(shortNumber(-1234567), "-1.235e+6");
 * assert.equal(shortNumber(0), "0");
 * ```
 */
export function shortNumber(value: number): string {
  if (value === 0 || !Number.isFinite(value)) return String(value === 0 ? 0 : value);
  const rounded = Number(value.toPrecision(4));
  const magnitude = Math.abs(rounded);
  return magnitude >= 1e5 || magnitude < 1e-4 ? rounded.toExponential() : String(rounded);
}

/**
 * Whether a change stream column is shown to people: coefficients, `n` and `r2`; not the
 * standard errors.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { isShownColumn } from "./fit_text.ts";
 * assert.deepEqual(["a", "b", "n", "r2", "se", "se_a"].filter(isShownColumn), ["a", "b", "n", "r2"]);
 * ```
 */
export function isShownColumn(column: string): boolean {
  return !HIDDEN.test(column);
}

/**
 * Whether a change stream column is a coefficient (`a`, `b`, `b1`…, `b_<feature>`), not a
 * statistic (`n`, `r2`, `se`, `se_<c>`).
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { isCoefficientColumn } from "./fit_text.ts";
 * assert.deepEqual(["a", "b_n", "n", "r2", "se_a"].filter(isCoefficientColumn), ["a", "b_n"]);
 * ```
 */
export function isCoefficientColumn(column: string): boolean {
  return column !== "n" && column !== "r2" && isShownColumn(column);
}

/**
 * The fit as text: each shown column `name = value`, joined by commas.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { fitText } from "./fit_text.ts";
 * assert.equal(
 *   fitText(["a", "b", "n", "r2", "se", "se_a", "se_b"], [0.02561, 0.99584, 10, 0.99912, 1, 2, 3]),
 *   "a = 0.02561, b = 0.9958, n = 10, r2 = 0.9991",
 * );
 * ```
 */
export function fitText(columns: readonly string[], values: readonly number[]): string {
  return columns
    .flatMap((c, i) => isShownColumn(c) ? [`${c} = ${shortNumber(values[i])}`] : [])
    .join(", ");
}
