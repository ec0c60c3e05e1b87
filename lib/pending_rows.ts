/**
 * Rows received but not yet closed by a commit, held compactly: the numbers of each design row in
 * one growing `Float64Array`, and the message itself, from which the values the input log needs
 * come back — its comma-separated fields in the common case, else decoded again. No object is made
 * per row, so memory follows the bytes of the messages (about 100 bytes a row of `x,y`, message
 * and position included), not a kilobyte of objects per row.
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

/** What {@linkcode PendingRows.push} takes: a row without its values, which `raw` gives back. */
export interface NewPendingRow extends Omit<PendingRow, "values"> {
  /** Whether the values are exactly `raw.split(",")`; else the holder's `valuesOf` gives them. */
  readonly split: boolean;
}

/**
 * Pending rows of `k` regressors each, in arrival order.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { PendingRows } from "./pending_rows.ts";
 * const rows = new PendingRows(1, (raw) => raw.slice(1, -1).split(";"));
 * rows.push({ row: { x: [2], y: 5 }, diff: 1, timestamp: 7, position: "stdin:2", raw: "2,5", split: true });
 * rows.push({ row: { x: [3], y: 6 }, diff: 1, timestamp: 8, position: "stdin:3", raw: "[3;6]", split: false });
 * assert.equal(rows.length, 2);
 * assert.deepEqual(rows.at(0).row, { x: [2], y: 5 });
 * assert.deepEqual(rows.at(0).values, ["2", "5"]);
 * assert.deepEqual(rows.at(1).values, ["3", "6"]);
 * rows.clear();
 * assert.equal(rows.length, 0);
 * ```
 */
export class PendingRows {
  readonly #k: number;
  readonly #valuesOf: (raw: string) => readonly string[];
  #numbers: Float64Array;
  #raws: string[] = [];
  /** Per row: diff (±1), whether its values are its raw text split on commas, its timestamp. */
  #diffs: Int8Array;
  #split: Uint8Array;
  #timestamps: Float64Array;
  #positions: string[] = [];
  #length = 0;

  /** Holds rows of `k` regressors; `valuesOf` decodes a row's values from its message again. */
  constructor(k: number, valuesOf: (raw: string) => readonly string[]) {
    this.#k = k;
    this.#valuesOf = valuesOf;
    this.#numbers = new Float64Array(16 * (k + 1));
    this.#diffs = new Int8Array(16);
    this.#split = new Uint8Array(16);
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
    this.#split[i] = p.split ? 1 : 0;
    this.#timestamps[i] = p.timestamp;
    this.#raws.push(p.raw);
    this.#positions.push(p.position);
    this.#length = i + 1;
  }

  /** The row at `i` (0 ≤ i < length). */
  at(i: number): PendingRow {
    const width = this.#k + 1;
    const base = i * width;
    const x: number[] = new Array(this.#k);
    for (let j = 0; j < this.#k; j++) x[j] = this.#numbers[base + j];
    const raw = this.#raws[i];
    return {
      row: { x, y: this.#numbers[base + this.#k] },
      values: this.#split[i] === 1 ? raw.split(",") : this.#valuesOf(raw),
      diff: this.#diffs[i] as 1 | -1,
      timestamp: this.#timestamps[i],
      position: this.#positions[i],
      raw,
    };
  }

  /** Forgets every row. */
  clear(): void {
    this.#raws = [];
    this.#positions = [];
    this.#length = 0;
    if (this.#diffs.length > 1024) {
      this.#numbers = new Float64Array(16 * (this.#k + 1));
      this.#diffs = new Int8Array(16);
      this.#split = new Uint8Array(16);
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
    const split = new Uint8Array(rows);
    split.set(this.#split);
    this.#split = split;
    const timestamps = new Float64Array(rows);
    timestamps.set(this.#timestamps);
    this.#timestamps = timestamps;
  }
}
