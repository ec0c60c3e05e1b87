/**
 * The sequence of fits as a change stream: each change retracts the previous row (`diff = -1`)
 * and inserts the new one (`diff = 1`) at the commit's `time`.
 *
 * @module
 */

import type { Output } from "./output.ts";

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
 * otherwise the retraction of the previous value (if any) and the insertion of the new one,
 * handed to `out` as they are made. The value is kept in one array, overwritten by each change:
 * what `out` is handed is valid during the call only.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { Changelog } from "./changelog.ts";
 * import { OutputRows } from "./output.ts";
 * const log = new Changelog();
 * const out = new OutputRows();
 * log.next([0, 0], 0, out);
 * log.next([0, 0], 1, out); // unchanged: no row
 * log.next([1, 2], 2, out);
 * assert.deepEqual(out.changes, [
 *   { values: [0, 0], time: 0, diff: 1 },
 *   { values: [0, 0], time: 2, diff: -1 },
 *   { values: [1, 2], time: 2, diff: 1 },
 * ]);
 * assert.deepEqual(log.current, [1, 2]);
 * ```
 */
export class Changelog {
  #current: number[] | undefined;

  /** The value currently inserted, if any (the changelog's own array: valid until a change). */
  get current(): readonly number[] | undefined {
    return this.#current;
  }

  /** Takes (a copy of) `values` as the current value, e.g. from a checkpoint, without a change. */
  restore(values: readonly number[] | undefined): void {
    this.#current = values && [...values];
  }

  /** Hands `out` the change rows that take the stream from the current value to `values`. */
  next(values: readonly number[], time: number, out: Pick<Output, "change">): void {
    const current = this.#current;
    if (current === undefined) {
      this.#current = [...values];
      out.change(this.#current, time, 1);
      return;
    }
    if (sameValues(current, values)) return;
    out.change(current, time, -1);
    current.length = values.length;
    for (let i = 0; i < values.length; i++) current[i] = values[i];
    out.change(current, time, 1);
  }
}

function sameValues(a: readonly number[], b: readonly number[]): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}
