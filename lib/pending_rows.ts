/**
 * Rows received but not yet closed by a commit, held as columns: the numbers of each design row
 * in one growing `Float64Array`, the diffs, timestamps and positions in typed arrays beside it,
 * and the message itself (with its values, when they are not its fields between commas) for the
 * input log. No object is made per row, so memory follows the bytes of the messages (about 100
 * bytes a row of `x,y`, message included), not a kilobyte of objects per row.
 *
 * @module
 */

import type { MessageBatch } from "./message_batch.ts";

/**
 * Pending rows of `k` regressors each, in arrival order.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { messageBatch } from "./message_batch.ts";
 * import { PendingRows } from "./pending_rows.ts";
 * const batch = messageBatch(["2,5", '"3",6'], { origin: "in.csv:", lines: true, timestamp: 7 });
 * const rows = new PendingRows(1);
 * rows.push(Float64Array.of(2, 5), 1, "2,5", undefined, batch, 0);
 * rows.push(Float64Array.of(3, 6), -1, '"3",6', ["3", "6"], batch, 1);
 * assert.equal(rows.length, 2);
 * const x = new Float64Array(1);
 * assert.equal(rows.read(1, x), 6); // y; x holds the regressors
 * assert.deepEqual([...x], [3]);
 * assert.deepEqual([rows.diff(1), rows.timestamp(1), rows.position(1)], [-1, 7, "in.csv:2"]);
 * assert.deepEqual([rows.message(0), rows.values(0), rows.values(1)], ["2,5", undefined, ["3", "6"]]);
 * rows.clear();
 * assert.equal(rows.length, 0);
 * ```
 */
export class PendingRows {
  readonly #k: number;
  #numbers: Float64Array;
  /** Per row: diff (±1), timestamp, the number of its position (after its origin). */
  #diffs: Int8Array;
  #timestamps: Float64Array;
  #positions: Float64Array;
  #origins: string[] = [];
  #messages: string[] = [];
  #values: (readonly string[] | undefined)[] = [];
  #length = 0;

  /** Holds rows of `k` regressors. */
  constructor(k: number) {
    this.#k = k;
    this.#numbers = new Float64Array(16 * (k + 1));
    this.#diffs = new Int8Array(16);
    this.#timestamps = new Float64Array(16);
    this.#positions = new Float64Array(16);
  }

  /** How many rows are pending. */
  get length(): number {
    return this.#length;
  }

  /** The timestamp of the first pending row (NaN when none, or when it had none). */
  get firstTimestamp(): number {
    return this.#length === 0 ? NaN : this.#timestamps[0];
  }

  /**
   * Appends the row of message `index` of `batch`: its design row (`design`: the k regressors,
   * then y), diff, the message as received, and its values unless they are the message's fields
   * between commas.
   */
  push(
    design: Float64Array,
    diff: 1 | -1,
    message: string,
    values: readonly string[] | undefined,
    batch: MessageBatch,
    index: number,
  ): void {
    const i = this.#length;
    if (i === this.#diffs.length) this.#grow();
    const width = this.#k + 1;
    const numbers = this.#numbers;
    for (let j = 0, base = i * width; j < width; j++) numbers[base + j] = design[j];
    this.#diffs[i] = diff;
    this.#timestamps[i] = batch.timestamps[index];
    this.#positions[i] = batch.offsets[index] + (batch.lines ? 1 : 0);
    this.#origins[i] = batch.origin;
    this.#messages[i] = message;
    this.#values[i] = values;
    this.#length = i + 1;
  }

  /** Copies the regressors of row `i` (0 ≤ i < length) into `x`; returns its y. */
  read(i: number, x: Float64Array): number {
    const k = this.#k;
    const base = i * (k + 1);
    const numbers = this.#numbers;
    for (let j = 0; j < k; j++) x[j] = numbers[base + j];
    return numbers[base + k];
  }

  /** The diff of row `i`. */
  diff(i: number): 1 | -1 {
    return this.#diffs[i] as 1 | -1;
  }

  /** The timestamp of row `i` (NaN when its message had none). */
  timestamp(i: number): number {
    return this.#timestamps[i];
  }

  /** The message of row `i`, as received. */
  message(i: number): string {
    return this.#messages[i];
  }

  /** The values of row `i` when they are not its message's fields between commas. */
  values(i: number): readonly string[] | undefined {
    return this.#values[i];
  }

  /** Where row `i`'s message came from (`topic/0@41`, `in.csv:12`), for an error row. */
  position(i: number): string {
    return this.#origins[i] + this.#positions[i];
  }

  /** Forgets every row. */
  clear(): void {
    const length = this.#length;
    this.#length = 0;
    if (this.#diffs.length > 1024) {
      this.#numbers = new Float64Array(16 * (this.#k + 1));
      this.#diffs = new Int8Array(16);
      this.#timestamps = new Float64Array(16);
      this.#positions = new Float64Array(16);
      this.#origins = [];
      this.#messages = [];
      this.#values = [];
      return;
    }
    // Let go of the messages (and the chunks of input they are cut from).
    for (let i = 0; i < length; i++) {
      this.#messages[i] = "";
      this.#values[i] = undefined;
    }
  }

  #grow(): void {
    const rows = this.#diffs.length * 2;
    const numbers = new Float64Array(rows * (this.#k + 1));
    numbers.set(this.#numbers);
    this.#numbers = numbers;
    const diffs = new Int8Array(rows);
    diffs.set(this.#diffs);
    this.#diffs = diffs;
    const timestamps = new Float64Array(rows);
    timestamps.set(this.#timestamps);
    this.#timestamps = timestamps;
    const positions = new Float64Array(rows);
    positions.set(this.#positions);
    this.#positions = positions;
  }
}
