/**
 * What the pictures of a run show, in data coordinates: the sampled points, the fitted line (a
 * curve for a polynomial), the axes with their ticks, the fit as text and the history of the
 * coefficients. With one feature the points are y against x; with several, y against the fitted
 * ŷ, where a perfect fit lies on the diagonal. Pure: {@linkcode ViewState} in, a plain value out,
 * drawn alike by the SVG file and the live page.
 *
 * @module
 */

import { fitText, isCoefficientColumn } from "./fit_text.ts";
import { niceTicks } from "./ticks.ts";
import type { TimedFit } from "./view_state.ts";
import type { PlotModel, SampledPoint } from "./view_tap.ts";

/** What a view is drawn from (a {@linkcode ViewState} has all of it). */
export interface ViewInput {
  /** The change stream's columns, once known. */
  readonly columns?: readonly string[];
  /** What is fitted, once known. */
  readonly model?: PlotModel;
  /** The current fit, if any. */
  readonly fit?: TimedFit;
  /** The sampled points. */
  readonly points: readonly SampledPoint[];
  /** The fits kept, oldest first. */
  readonly history: readonly TimedFit[];
  /** How many committed rows the points were sampled from. */
  readonly seen: number;
}

/** An axis: its label, the range it shows and its ticks. */
export interface Axis {
  /** The axis' label (a column, or ŷ). */
  readonly label: string;
  /** The range shown, low to high. */
  readonly domain: readonly [number, number];
  /** Where the ticks go. */
  readonly ticks: readonly number[];
}

/** The history of one coefficient: `[time, value]` pairs, oldest first. */
export interface CoefficientHistory {
  /** The coefficient's column. */
  readonly column: string;
  /** `[time, value]` pairs, oldest first. */
  readonly points: readonly (readonly [number, number])[];
}

/** What the pictures show. */
export interface View {
  /** The model as a formula, e.g. `y ≈ a + b·x`; empty before the columns are known. */
  readonly equation: string;
  /** The current fit, e.g. `a = 0.0256, b = 0.9958`, or why there is none yet. */
  readonly fitText: string;
  /** The equation and the fit in one line, for titles. */
  readonly title: string;
  /** `feature`: y against x; `fitted`: y against ŷ (several features). */
  readonly mode: "feature" | "fitted";
  /** The horizontal axis. */
  readonly x: Axis;
  /** The vertical axis. */
  readonly y: Axis;
  /** The sampled points, `[x, y]` in the axes' coordinates. */
  readonly points: readonly (readonly [number, number])[];
  /** The fit through the axes' domain: two points for a line, more for a polynomial. */
  readonly curve: readonly (readonly [number, number])[];
  /** `line` (two points) or `curve` (a polyline). */
  readonly curveKind: "line" | "curve";
  /** How the points were chosen, e.g. `3 of 10 points (a uniform sample)`. */
  readonly caption: string;
  /** The coefficients over the commits. */
  readonly history: readonly CoefficientHistory[];
}

/** Points at which a polynomial curve is drawn. */
const CURVE_STEPS = 96;

/**
 * The view of a run.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { viewModel } from "./view_model.ts";
 * const view = viewModel({
 *   columns: ["a", "b"],
 *   model: { target: "y", features: ["x"], degree: 1, intercept: true },
 *   fit: { values: [1, 2], time: 1 },
 *   points: [{ x: [0], y: 1 }, { x: [1], y: 3 }],
 *   history: [{ values: [0, 0], time: 0 }, { values: [1, 2], time: 1 }],
 *   seen: 2,
 * });
 * assert.equal(view.title, "y ≈ a + b·x: a = 1, b = 2");
 * assert.deepEqual(view.points, [[0, 1], [1, 3]]);
 * assert.equal(view.curveKind, "line");
 * assert.deepEqual(view.history.map((h) => h.column), ["a", "b"]);
 * ```
 */
export function viewModel(input: ViewInput): View {
  const { columns, model, fit } = input;
  const equation = model === undefined ? "" : formula(model);
  const text = columns !== undefined && fit !== undefined
    ? fitText(columns, fit.values)
    : model === undefined
    ? "no data yet"
    : "no fit yet";
  const evaluate = model !== undefined && fit !== undefined
    ? predictor(model, fit.values)
    : undefined;
  const multi = model !== undefined && model.features.length > 1;
  const target = model?.target ?? "y";
  const points: [number, number][] = [];
  for (const p of input.points) {
    if (p.x.length === 0 || !Number.isFinite(p.y)) continue;
    if (!multi) points.push([p.x[0], p.y]);
    else if (evaluate !== undefined) points.push([evaluate.design(p.x), p.y]);
  }
  let x: readonly [number, number];
  let y: readonly [number, number];
  let curve: [number, number][] = [];
  const polynomial = (model?.degree ?? 1) > 1;
  if (multi) {
    const both = extent([...points.map((p) => p[0]), ...points.map((p) => p[1])]);
    x = y = pad(both);
    curve = [[x[0], x[0]], [x[1], x[1]]];
  } else {
    x = pad(extent(points.map((p) => p[0])));
    if (evaluate !== undefined) {
      const steps = polynomial ? CURVE_STEPS : 1;
      for (let i = 0; i <= steps; i++) {
        const t = x[0] + (x[1] - x[0]) * (i / steps);
        curve.push([t, evaluate.at(t)]);
      }
    }
    // A line's ends belong in view; a polynomial may run off, and is clipped instead.
    const ys = points.map((p) => p[1]);
    if (!polynomial || ys.length === 0) ys.push(...curve.map((c) => c[1]));
    y = pad(extent(ys));
  }
  const xLabel = multi ? `fitted ${target} (ŷ)` : model?.features[0] ?? "x";
  const history = columns === undefined
    ? []
    : columns.flatMap((column, i) =>
      isCoefficientColumn(column)
        ? [{ column, points: input.history.map((h) => [h.time, h.values[i]] as const) }]
        : []
    );
  return {
    equation,
    fitText: text,
    title: equation === "" ? text : `${equation}: ${text}`,
    mode: multi ? "fitted" : "feature",
    x: { label: xLabel, domain: x, ticks: niceTicks(x[0], x[1], 6) },
    y: { label: target, domain: y, ticks: niceTicks(y[0], y[1], 5) },
    points,
    curve,
    curveKind: polynomial && !multi ? "curve" : "line",
    caption: input.points.length === input.seen
      ? `${countPoints(input.seen)}`
      : `${input.points.length} of ${countPoints(input.seen)} (a uniform sample)`,
    history,
  };
}

/**
 * The model as a formula.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { formula } from "./view_model.ts";
 * const base = { target: "y", features: ["x"], degree: 1, intercept: true };
 * assert.equal(formula(base), "y ≈ a + b·x");
 * assert.equal(formula({ ...base, degree: 3 }), "y ≈ a + b1·x + b2·x² + b3·x³");
 * assert.equal(formula({ ...base, features: ["u", "v"], intercept: false }), "y ≈ b_u·u + b_v·v");
 * ```
 */
export function formula(model: PlotModel): string {
  const terms = model.degree > 1
    ? Array.from(
      { length: model.degree },
      (_, i) => `b${i + 1}·${model.features[0]}${power(i + 1)}`,
    )
    : model.features.length === 1
    ? [`b·${model.features[0]}`]
    : model.features.map((f) => `b_${f}·${f}`);
  return `${model.target} ≈ ${[...(model.intercept ? ["a"] : []), ...terms].join(" + ")}`;
}

const SUPERSCRIPTS = "⁰¹²³⁴⁵⁶⁷⁸⁹";

function power(p: number): string {
  return p === 1 ? "" : [...String(p)].map((d) => SUPERSCRIPTS[Number(d)]).join("");
}

/** ŷ of a design row (`design`) and, for one feature, of a value of x (`at`). */
function predictor(model: PlotModel, values: readonly number[]) {
  const a = model.intercept ? values[0] : 0;
  const b = values.slice(model.intercept ? 1 : 0, (model.intercept ? 1 : 0) + k(model));
  return {
    design: (x: readonly number[]) => b.reduce((sum, bj, j) => sum + bj * x[j], a),
    at: (t: number) => {
      // Horner's rule over a + b1·t + … + bD·t^D (D = 1: the line).
      let sum = 0;
      for (let j = b.length - 1; j >= 0; j--) sum = (sum + b[j]) * t;
      return sum + a;
    },
  };
}

function k(model: PlotModel): number {
  return model.degree > 1 ? model.degree : model.features.length;
}

function extent(values: readonly number[]): [number, number] | undefined {
  let lo = Infinity;
  let hi = -Infinity;
  for (const v of values) {
    if (!Number.isFinite(v)) continue;
    if (v < lo) lo = v;
    if (v > hi) hi = v;
  }
  return lo <= hi ? [lo, hi] : undefined;
}

/** The range widened by 5 % each side (a single value: by 1, or a tenth of it). */
function pad(range: [number, number] | undefined): readonly [number, number] {
  if (range === undefined) return [0, 1];
  const [lo, hi] = range;
  if (hi === lo) {
    const d = lo === 0 ? 1 : Math.abs(lo) / 10;
    return [lo - d, hi + d];
  }
  const d = (hi - lo) * 0.05;
  return [lo - d, hi + d];
}

function countPoints(n: number): string {
  return `${n} point${n === 1 ? "" : "s"}`;
}
