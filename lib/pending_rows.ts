/**
 * Rows received but not yet closed by a commit, held compactly: the numbers of each design row in
 * one growing `Float64Array`, and the text the input log needs as one reference per row — the
 * message itself where its values are its comma-separated fields (the common case), the values
 * otherwise. No object is made per row, so memory follows the bytes of the messages, not a
 * kilobyte of objects per row.
 *
 * @module
 */

import type { DesignRow } from "./model.ts";

/** One pending row, as {@linkcode PendingRows.at} gives it back. */
export interface PendingRow {
  /** The design row. */
  readonly row: DesignRow;
  /** The values as received, in column order (without `diff`). */
  readonly values: readonly string[];
  /** 1 inserts the row, −1 retracts it. */
  readonly diff: 1 | -1;
  /** The message's timestamp, NaN when it has none. */
  readonly timestamp: number;
  /** Where the message came from. */
  readonly position: string;
  /** The message as received. */
  readonly raw: string;
}

/** What {@linkcode PendingRows.push} takes. */
export interface NewPendingRow extends PendingRow {
  /** Whether `values` are exactly `raw.split(",")`, so that only `raw` needs keeping. */
  readonly split: boolean;
}

/**
 * Pending rows of `k` regressors each, in arrival order.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { PendingRows } from "./pending_rows.ts";
 * const rows = new PendingRows(1);
 * rows.push({
 *   row: { x: [2], y: 5 }, values: ["2", "5"], diff: 1, timestamp: 7,
 *   position: "stdin:2", raw: "2,5", split: true,
 * });
 * assert.equal(rows.length, 1);
 * assert.deepEqual(rows.at(0).row, { x: [2], y: 5 });
 * assert.deepEqual(rows.at(0).values, ["2", "5"]);
 * rows.clear();
 * assert.equal(rows.length, 0);
 * ```
 */
export class PendingRows {
  readonly #k: number;
  #numbers: Float64Array;
  #texts: (string | readonly string[])[] = [];
  /** Per row: diff (±1); positions, raw text and timestamps are kept only where needed. */
  #diffs: Int8Array;
  #timestamps: Float64Array;
  #positions: string[] = [];
  #raws = new Map<number, string>();
  #length = 0;

  /** Holds rows of `k` regressors. */
  constructor(k: number) {
    this.#k = k;
    this.#numbers = new Float64Array(16 * (k + 1));
    this.#diffs = new Int8Array(16);
    this.#timestamps = new Float64Array(16);
  }

  /** How many rows are pending. */
  get length(): number {
    return this.#length;
  }

  /** The timestamp of the first pending row (NaN when none, or when it had none). */
  get firstTimestamp(): number {
    return this.#length === 0 ? NaN : this.#timestamps[0];
  }

  /** Appends a row. */
  push(p: NewPendingRow): void {
    const i = this.#length;
    if (i === this.#diffs.length) this.#grow();
    const width = this.#k + 1;
    const base = i * width;
    for (let j = 0; j < this.#k; j++) this.#numbers[base + j] = p.row.x[j];
    this.#numbers[base + this.#k] = p.row.y;
    this.#diffs[i] = p.diff;
    this.#timestamps[i] = p.timestamp;
    this.#texts.push(p.split ? p.raw : p.values);
    if (!p.split) this.#raws.set(i, p.raw);
    this.#positions.push(p.position);
    this.#length = i + 1;
  }

  /** The row at `i` (0 ≤ i < length). */
  at(i: number): PendingRow {
    const width = this.#k + 1;
    const base = i * width;
    const x: number[] = new Array(this.#k);
    for (let j = 0; j < this.#k; j++) x[j] = this.#numbers[base + j];
    const text = this.#texts[i];
    return {
      row: { x, y: this.#numbers[base + this.#k] },
      values: typeof text === "string" ? text.split(",") : text,
      diff: this.#diffs[i] as 1 | -1,
      timestamp: this.#timestamps[i],
      position: this.#positions[i],
      raw: typeof text === "string" ? text : this.#raws.get(i) ?? "",
    };
  }

  /** Forgets every row. */
  clear(): void {
    this.#texts = [];
    this.#positions = [];
    this.#raws.clear();
    this.#length = 0;
    if (this.#diffs.length > 1024) {
      this.#numbers = new Float64Array(16 * (this.#k + 1));
      this.#diffs = new Int8Array(16);
      this.#timestamps = new Float64Array(16);
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
  }
}
