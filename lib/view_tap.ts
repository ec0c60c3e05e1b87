/**
 * What the pictures of a run need from the pipeline, taken beside the data path (an
 * {@linkcode Output} of the pipeline): the latest fit, and a bounded random sample of the
 * committed points (a {@linkcode Reservoir}), handed to the views as small deltas — the fit when
 * it changed and the slots of the sample that changed — rather than every row.
 *
 * @module
 */

import type { Model } from "./model.ts";
import type { CommittedRow, Output } from "./output.ts";
import { History } from "./history.ts";
import { PythonRandom } from "./random.ts";
import { Reservoir } from "./reservoir.ts";

/** A committed point: the design row's regressors (x, or x, x², … for a polynomial) and y. */
export interface SampledPoint {
  /** The regressors. */
  readonly x: readonly number[];
  /** The target's value. */
  readonly y: number;
}

/** What is fitted, as the pictures label it. */
export interface PlotModel {
  /** The column of y. */
  readonly target: string;
  /** The feature columns. */
  readonly features: readonly string[];
  /** The polynomial's degree (1: a line or plane). */
  readonly degree: number;
  /** Whether the fit has an intercept. */
  readonly intercept: boolean;
}

/** A fit at a commit. */
export interface TimedFit {
  /** The change row's values. */
  readonly values: readonly number[];
  /** The commit's number. */
  readonly time: number;
}

/** A change of one slot of the sample: its new point, or null when emptied (a retraction). */
export interface SlotChange {
  /** The slot. */
  readonly slot: number;
  /** Its new point, or null. */
  readonly point: SampledPoint | null;
}

/** What changed since the previous delta. */
export interface ViewDelta {
  /** The change stream's columns (before `time,diff`). */
  readonly columns: readonly string[];
  /** What is fitted. */
  readonly model: PlotModel;
  /** The latest fit and its commit number, when it changed. */
  readonly fit?: TimedFit;
  /**
   * The fits since the previous delta that the history keeps (a {@linkcode History} of
   * `historyCapacity` fed every fit): a copy that mirrors them holds the same history.
   */
  readonly history: readonly TimedFit[];
  /** The sample's slots that changed, in order (at most one entry per slot). */
  readonly points: readonly SlotChange[];
  /** Rows offered to the sample so far. */
  readonly seen: number;
}

/** How many past fits a history keeps by default, spread evenly over the whole run. */
export const HISTORY_CAPACITY = 400;

/** Options of a {@linkcode ViewTap}. */
export interface ViewTapOptions {
  /** The sample's size (0: the fit only). */
  readonly sample: number;
  /** The seed of the sample's random draws (default 0: a run's sample is reproducible). */
  readonly seed?: number;
  /** How many past fits the history keeps (default {@linkcode HISTORY_CAPACITY}). */
  readonly historyCapacity?: number;
}

/**
 * Collects, as an {@linkcode Output} of the pipeline, the fit and the sampled points;
 * {@linkcode ViewTap.flush} hands over what changed.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { messageBatch } from "./message_batch.ts";
 * import { Pipeline } from "./pipeline.ts";
 * import { ViewTap } from "./view_tap.ts";
 * const run = new Pipeline({ format: "csv" });
 * const tap = new ViewTap({ sample: 10 });
 * run.process([messageBatch(["x,y", "0,1", "1,3", "*COMMIT*"])], 0, tap);
 * const delta = tap.flush();
 * assert.deepEqual(delta?.fit, { values: [1, 2], time: 0 });
 * assert.deepEqual(delta?.points.map((p) => p.point), [{ x: [0], y: 1 }, { x: [1], y: 3 }]);
 * assert.equal(tap.flush(), undefined); // nothing new
 * ```
 */
export class ViewTap implements Output {
  readonly #sample: Reservoir<SampledPoint>;
  #model: Model | undefined;
  readonly #history: History<TimedFit>;
  #fit: TimedFit | undefined;
  #kept: TimedFit[] = [];
  #changed = new Map<number, SampledPoint | null>();
  #flushedSeen = 0;

  /** A tap that has seen nothing. */
  constructor(options: ViewTapOptions) {
    const random = new PythonRandom(options.seed ?? 0);
    this.#sample = new Reservoir(options.sample, () => random.random());
    this.#history = new History(options.historyCapacity ?? HISTORY_CAPACITY);
  }

  /** Takes the model the pipeline bound, once it did. */
  header(_columns: readonly string[], model: Model | undefined): void {
    this.#model ??= model;
  }

  /** Offers an inserted row to the sample; takes a retracted one out of it. */
  row(row: CommittedRow): void {
    const sample = this.#sample;
    if (row.diff === 1) {
      const slot = sample.offer(() => ({ x: Array.from(row.x), y: row.y }));
      if (slot >= 0) this.#changed.set(slot, sample.slots[slot] ?? null);
    } else {
      const { x, y } = row;
      const slot = sample.remove((p) => p.y === y && p.x.every((v, j) => v === x[j]));
      if (slot >= 0) this.#changed.set(slot, null);
    }
  }

  /** Takes an inserted fit. */
  change(values: readonly number[], time: number, diff: 1 | -1): void {
    if (diff !== 1) return;
    const fit = { values: [...values], time };
    this.#fit = fit;
    if (this.#history.push(fit)) this.#kept.push(fit);
  }

  /** Errors are not drawn. */
  error(): void {}

  /** Notes are not drawn. */
  note(): void {}

  /** What changed since the previous flush (the fit, slots, rows seen), or undefined if nothing. */
  flush(): ViewDelta | undefined {
    const model = this.#model;
    const seen = this.#sample.seen;
    const quiet = this.#fit === undefined && this.#changed.size === 0 && seen === this.#flushedSeen;
    if (model === undefined || quiet) return undefined;
    this.#flushedSeen = seen;
    const delta: ViewDelta = {
      columns: model.columns,
      model: {
        target: model.target,
        features: model.features,
        degree: model.degree,
        intercept: model.intercept,
      },
      fit: this.#fit,
      history: this.#kept,
      points: [...this.#changed].map(([slot, point]) => ({ slot, point })),
      seen,
    };
    this.#fit = undefined;
    this.#kept = [];
    this.#changed = new Map();
    return delta;
  }
}
