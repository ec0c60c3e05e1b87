/**
 * The sequence of fits as a change stream: each change retracts the previous row (`diff = -1`)
 * and inserts the new one (`diff = 1`) at the commit's `time`.
 *
 * @module
 */

/** One row of a change stream. */
export interface ChangeRow {
  /** The row's values, e.g. `[a, b]`. */
  readonly values: readonly number[];
  /** The commit number, from 0. */
  readonly time: number;
  /** 1 inserts the row, −1 retracts it. */
  readonly diff: 1 | -1;
}

/**
 * Turns the value after each commit into change rows: nothing when the value is unchanged,
 * otherwise the retraction of the previous value (if any) and the insertion of the new one.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { Changelog } from "./changelog.ts";
 * const log = new Changelog();
 * assert.deepEqual(log.next([0, 0], 0), [{ values: [0, 0], time: 0, diff: 1 }]);
 * assert.deepEqual(log.next([0, 0], 1), []);
 * assert.deepEqual(log.next([1, 2], 2), [
 *   { values: [0, 0], time: 2, diff: -1 },
 *   { values: [1, 2], time: 2, diff: 1 },
 * ]);
 * assert.deepEqual(log.current, [1, 2]);
 * ```
 */
export class Changelog {
  #current: readonly number[] | undefined;

  /** The value currently inserted, if any. */
  get current(): readonly number[] | undefined {
    return this.#current;
  }

  /** Takes `values` as the current value, e.g. from a checkpoint, without any change row. */
  restore(values: readonly number[] | undefined): void {
    this.#current = values;
  }

  /** The change rows that take the stream from the current value to `values` at `time`. */
  next(values: readonly number[], time: number): ChangeRow[] {
    const previous = this.#current;
    if (previous !== undefined && sameValues(previous, values)) return [];
    this.#current = values;
    const insert: ChangeRow = { values, time, diff: 1 };
    return previous === undefined ? [insert] : [{ values: previous, time, diff: -1 }, insert];
  }
}

function sameValues(a: readonly number[], b: readonly number[]): boolean {
  return a.length === b.length && a.every((v, i) => v === b[i]);
}
