/**
 * The main thread's copy of what the pictures show, kept up to date by the worker's
 * {@linkcode ViewDelta}s: the sample of points (slot by slot), the current fit, and a bounded
 * history of the fits.
 *
 * @module
 */

import { History } from "./history.ts";
import {
  HISTORY_CAPACITY,
  type PlotModel,
  type SampledPoint,
  type TimedFit,
  type ViewDelta,
} from "./view_tap.ts";

export type { TimedFit };

/**
 * What the pictures show, as the deltas arrive.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { ViewState } from "./view_state.ts";
 * const state = new ViewState();
 * const model = { target: "y", features: ["x"], degree: 1, intercept: true };
 * state.apply({
 *   columns: ["a", "b"],
 *   model,
 *   fit: { values: [1, 2], time: 0 },
 *   history: [{ values: [1, 2], time: 0 }],
 *   points: [{ slot: 0, point: { x: [0], y: 1 } }, { slot: 1, point: { x: [1], y: 3 } }],
 *   seen: 2,
 * });
 * state.apply({ columns: ["a", "b"], model, history: [], points: [{ slot: 0, point: null }], seen: 2 });
 * assert.deepEqual(state.points, [{ x: [1], y: 3 }]);
 * assert.deepEqual(state.row, { a: 1, b: 2, time: 0 });
 * ```
 */
export class ViewState {
  readonly #slots: (SampledPoint | null)[] = [];
  readonly #history: History<TimedFit>;
  #columns: readonly string[] | undefined;
  #model: PlotModel | undefined;
  #fit: TimedFit | undefined;
  #seen = 0;

  /** Mirrors a tap whose history keeps `historyCapacity` fits (the default's, by default). */
  constructor(historyCapacity = HISTORY_CAPACITY) {
    this.#history = new History(historyCapacity);
  }

  /** Applies one delta. */
  apply(delta: ViewDelta): void {
    this.#columns = delta.columns;
    this.#model = delta.model;
    this.#seen = delta.seen;
    if (delta.fit !== undefined) this.#fit = delta.fit;
    for (const fit of delta.history) this.#history.mirror(fit);
    for (const { slot, point } of delta.points) {
      while (this.#slots.length <= slot) this.#slots.push(null);
      this.#slots[slot] = point;
    }
  }

  /** The change stream's columns, once known. */
  get columns(): readonly string[] | undefined {
    return this.#columns;
  }

  /** What is fitted, once known. */
  get model(): PlotModel | undefined {
    return this.#model;
  }

  /** The current fit, once there is one. */
  get fit(): TimedFit | undefined {
    return this.#fit;
  }

  /** The sampled points. */
  get points(): SampledPoint[] {
    return this.#slots.filter((p): p is SampledPoint => p !== null);
  }

  /** How many committed rows the sample was drawn from. */
  get seen(): number {
    return this.#seen;
  }

  /** Past fits, oldest first, thinned evenly over the run (the current one last). */
  get history(): TimedFit[] {
    const past = [...this.#history.items];
    const fit = this.#fit;
    if (fit !== undefined && past[past.length - 1] !== fit) past.push(fit);
    return past;
  }

  /** The current change stream row as an object: each column's value, and `time`. */
  get row(): Record<string, number> | undefined {
    const columns = this.#columns;
    const fit = this.#fit;
    if (columns === undefined || fit === undefined) return undefined;
    const row: Record<string, number> = {};
    columns.forEach((c, i) => row[c] = fit.values[i]);
    row.time = fit.time;
    return row;
  }
}
