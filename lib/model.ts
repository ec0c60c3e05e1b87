/**
 * The regression model of a run, bound to the input's columns: which column is the target y,
 * which are the features, the polynomial degree, the intercept, and whether the statistics are
 * reported. Bound, it reads a row's fields (as received, where they stand in the message) into
 * the design row (x₁ … x_k, y) of a {@linkcode LeastSquares} state, and turns the state into the
 * values of the change stream's columns.
 *
 * The change stream's columns (before `time,diff`):
 *
 * | model                                    | columns                           |
 * | ---------------------------------------- | --------------------------------- |
 * | one feature (`y ≈ a + b·x`)              | `a,b`                             |
 * | features x₁ … x_k                        | `a,b_x1,…,b_xk`                   |
 * | `degree` D (`y ≈ a + b1·x + … + bD·x^D`) | `a,b1,…,bD`                       |
 * | without intercept                        | the same without `a`              |
 * | `stats`                                  | then `n,r2,se`, then `se_a,se_b…` |
 *
 * `se` is the residual standard error √(SSE/(n − p)), `se_<c>` the standard error of the
 * coefficient in column `<c>`. While the fit is undetermined — fewer rows than unknowns, or
 * features that are constant or collinear among the rows held — every value but `n` is 0, as the
 * reference reports `a = 0, b = 0` before two distinct x arrived: never NaN.
 *
 * @module
 */

import { numberProblem } from "./decimal.ts";
import type { Fields } from "./fields.ts";
import { DIFF_COLUMN } from "./protocol.ts";
import { type LeastSquares, MAX_MAGNITUDE, roundedPower } from "./least_squares.ts";

/** The target column when none is named. */
export const DEFAULT_TARGET = "y";

/** The largest number of features (or polynomial degree) a model may have. */
export const MAX_FEATURES = 1024;

/** What to fit. Every field has a default. */
export interface ModelOptions {
  /** The column of y. Default `y`. */
  readonly target?: string;
  /** The feature columns, in order. Default: every column but the target (and `diff`). */
  readonly features?: readonly string[];
  /** Fit a polynomial of this degree in the single feature. Default 1. */
  readonly degree?: number;
  /** Fit an intercept a. Default true; false fits through the origin. */
  readonly intercept?: boolean;
  /** Report `n`, `r2`, `se` and the standard errors of the coefficients. Default false. */
  readonly stats?: boolean;
}

/** One row of the design: the k feature values (powers of x for a polynomial) and y. */
export interface DesignRow {
  /** The k regressors: the features' values, or x, x², …, x^D for a polynomial. */
  readonly x: readonly number[];
  /** The target's value. */
  readonly y: number;
}

/**
 * Checks the options on their own (before any column is known). Returns what is wrong, for a
 * person, or undefined. Messages name the options by their fields in backticks (`` `features` ``);
 * a command line maps them to its flags.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { checkModelOptions } from "./model.ts";
 * assert.equal(
 *   checkModelOptions({ features: ["x", "y"] }),
 *   '`features` names the target "y": a column cannot predict itself ' +
 *     "(choose the target with `target`)",
 * );
 * assert.equal(checkModelOptions({ features: ["x"], degree: 3 }), undefined);
 * ```
 */
export function checkModelOptions(options: ModelOptions): string | undefined {
  const target = options.target ?? DEFAULT_TARGET;
  const degree = options.degree ?? 1;
  const features = options.features;
  if (target === "") return "`target` must name a column";
  if (target === DIFF_COLUMN) {
    return `"${DIFF_COLUMN}" is reserved for retractions (1 inserts a row, -1 retracts it); ` +
      "it cannot be the target";
  }
  if (!Number.isInteger(degree) || degree < 1 || degree > MAX_FEATURES) {
    return `\`degree\` must be a whole number from 1 to ${MAX_FEATURES}, not ${degree}`;
  }
  if (features === undefined) return undefined;
  if (features.length === 0) return "`features` must name at least one column";
  if (features.length > MAX_FEATURES) {
    return `\`features\` names ${features.length} columns; at most ${MAX_FEATURES} are supported`;
  }
  if (features.some((f) => f === "")) return "`features` has an empty column name";
  if (features.includes(DIFF_COLUMN)) {
    return `"${DIFF_COLUMN}" is reserved for retractions; it cannot be a feature`;
  }
  if (features.includes(target)) {
    return `\`features\` names the target "${target}": a column cannot predict itself ` +
      "(choose the target with `target`)";
  }
  const twice = features.find((f, i) => features.indexOf(f) !== i);
  if (twice !== undefined) return `\`features\` names "${twice}" twice`;
  if (degree > 1 && features.length > 1) {
    return `\`degree\` ${degree} fits a polynomial in one feature, but \`features\` names ` +
      `${features.length} (${features.join(",")})`;
  }
  return undefined;
}

/**
 * A model bound to the input's columns.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { Fields } from "./fields.ts";
 * import { Model } from "./model.ts";
 * import { LeastSquares } from "./least_squares.ts";
 * const model = Model.bind({ stats: true }, ["x", "y"]);
 * if (!(model instanceof Model)) throw new Error(model.problem);
 * assert.deepEqual(model.columns, ["a", "b", "n", "r2", "se", "se_a", "se_b"]);
 * assert.equal(model.describe(), "y on x with statistics");
 * const state = new LeastSquares(model.k);
 * const fields = new Fields();
 * const design = new Float64Array(model.k + 1); // x, then y
 * for (const row of ["0,1", "1,3", "2,5"]) {
 *   fields.split(row);
 *   assert.equal(model.read(fields, design), undefined);
 *   state.add(design.subarray(0, model.k), design[model.k]);
 * }
 * assert.deepEqual(model.values(state), [1, 2, 3, 1, 0, 0, 0]);
 * fields.split("1,abc");
 * assert.equal(model.read(fields, design), 'column "y": "abc" is not a decimal number');
 * assert.deepEqual(Model.bind({}, ["t", "v"]), {
 *   problem: 'the columns are t,v, with no "y" to fit: send a header naming it, ' +
 *     "or choose the target with `target`",
 * });
 * ```
 */
export class Model {
  /** The target column. */
  readonly target: string;
  /** The feature columns, in order. */
  readonly features: readonly string[];
  /** The polynomial degree (1: a linear model in the features). */
  readonly degree: number;
  /** Whether the model has an intercept. */
  readonly intercept: boolean;
  /** Whether the statistics are reported. */
  readonly stats: boolean;
  /** The number of coefficients besides the intercept: the state's k. */
  readonly k: number;
  /** The change stream's columns, before `time` and `diff`. */
  readonly columns: readonly string[];
  readonly #targetIndex: number;
  readonly #featureIndex: readonly number[];

  private constructor(
    options: Required<ModelOptions>,
    targetIndex: number,
    featureIndex: readonly number[],
  ) {
    this.target = options.target;
    this.features = options.features;
    this.degree = options.degree;
    this.intercept = options.intercept;
    this.stats = options.stats;
    this.k = options.degree > 1 ? options.degree : options.features.length;
    this.#targetIndex = targetIndex;
    this.#featureIndex = featureIndex;
    const coefficients = options.degree > 1
      ? Array.from({ length: options.degree }, (_, i) => `b${i + 1}`)
      : options.features.length === 1
      ? ["b"]
      : options.features.map((f) => `b_${f}`);
    const fitted = options.intercept ? ["a", ...coefficients] : coefficients;
    this.columns = options.stats
      ? [...fitted, "n", "r2", "se", ...fitted.map((c) => `se_${c}`)]
      : fitted;
  }

  /**
   * Binds the options to the input's columns (`diff` excluded). Returns the model, or what
   * prevents fitting these columns, for a person: which name is missing and which columns exist.
   */
  static bind(options: ModelOptions, columns: readonly string[]): Model | { problem: string } {
    const checked = checkModelOptions(options);
    if (checked !== undefined) return { problem: checked };
    const target = options.target ?? DEFAULT_TARGET;
    const degree = options.degree ?? 1;
    const have = `the columns are ${columns.join(",")}`;
    if (!columns.includes(target)) {
      return {
        problem: `${have}, with no "${target}" to fit: send a header naming it, ` +
          "or choose the target with `target`",
      };
    }
    const others = columns.filter((c) => c !== target && c !== DIFF_COLUMN);
    const features = options.features ?? others;
    const missing = features.filter((f) => !columns.includes(f));
    if (missing.length > 0) {
      return {
        problem: `${have}, with no feature ${missing.map((m) => `"${m}"`).join(" or ")}: ` +
          `choose the features among ${others.join(",") || "(none)"} with \`features\``,
      };
    }
    if (features.length === 0) {
      return {
        problem: `${have}, with no feature to fit "${target}" on: ` +
          "send a header with more columns",
      };
    }
    if (features.length > MAX_FEATURES) {
      return { problem: `${have}: ${features.length} features; at most ${MAX_FEATURES}` };
    }
    if (degree > 1 && features.length > 1) {
      return {
        problem: `${have}: \`degree\` ${degree} fits a polynomial in one feature, ` +
          `choose it with \`features\` (one of ${features.join(",")})`,
      };
    }
    return new Model(
      {
        target,
        features,
        degree,
        intercept: options.intercept ?? true,
        stats: options.stats ?? false,
      },
      columns.indexOf(target),
      features.map((f) => columns.indexOf(f)),
    );
  }

  /**
   * Reads the design row of a row's fields (in the columns' order) into `design`: the k
   * regressors, then y. Returns why the row cannot be fitted, or undefined: a value that is not
   * a decimal number, or whose magnitude (or power, for a polynomial) exceeds
   * {@linkcode MAX_MAGNITUDE}; the reason names the column.
   */
  read(fields: Fields, design: Float64Array): string | undefined {
    const features = this.#featureIndex;
    for (let j = 0; j < features.length; j++) {
      const v = fields.number(features[j]);
      if (!(Math.abs(v) <= MAX_MAGNITUDE)) {
        return this.#refused(this.features[j], fields, features[j], v);
      }
      if (this.degree === 1) {
        design[j] = v;
        continue;
      }
      for (let p = 1; p <= this.degree; p++) {
        const power = roundedPower(v, p);
        design[p - 1] = power;
        if (!(Math.abs(power) <= MAX_MAGNITUDE)) {
          const name = this.features[j];
          return tooLarge(name, `${name}^${p} = ${v}^${p}`);
        }
      }
    }
    const y = fields.number(this.#targetIndex);
    if (!(Math.abs(y) <= MAX_MAGNITUDE)) {
      return this.#refused(this.target, fields, this.#targetIndex, y);
    }
    design[this.k] = y;
    return undefined;
  }

  /** Why field `i` (of column `name`) is no value to fit: not a number, or too large. */
  #refused(name: string, fields: Fields, i: number, v: number): string {
    if (Number.isFinite(v)) return tooLarge(name, String(v));
    return `column "${name}": ${numberProblem(fields.text(i), v)}`;
  }

  /**
   * The values of {@linkcode Model.columns} for the rows a state holds (zeros while
   * undetermined), written into `into` when given (reused from fit to fit), else a new array.
   */
  values(state: LeastSquares, into?: number[]): number[] {
    const out = state.fitValues(into);
    if (!this.stats) return out;
    const s = state.stats();
    let i = this.intercept ? this.k + 1 : this.k;
    out[i++] = s.n;
    out[i++] = s.r2;
    out[i++] = s.se;
    if (this.intercept) out[i++] = s.seIntercept;
    for (const se of s.seCoefficients) out[i++] = se;
    return out;
  }

  /**
   * What the model fits, in a few words: `y on x`, `y on x1,x2 without intercept`,
   * `y on x to degree 3 with statistics`. Two models with the same description are the same.
   */
  describe(): string {
    return `${this.target} on ${this.features.join(",")}` +
      (this.degree > 1 ? ` to degree ${this.degree}` : "") +
      (this.intercept ? "" : " without intercept") +
      (this.stats ? " with statistics" : "");
  }
}

function tooLarge(column: string, what: string): string {
  return `column "${column}": ${what} exceeds the fit's range (magnitude at most 2^480 ≈ 3.1e144)`;
}
