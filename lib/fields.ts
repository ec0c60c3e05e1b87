/**
 * The fields of one row, as the decoder found them: each a stretch of a text — of the message
 * itself for a plain CSV record (its fields between commas), else a value of its own (a quoted
 * CSV field, a JSON field) — so that a row's numbers are read where they stand, without cutting
 * the message up. One instance is reused from row to row.
 *
 * @module
 */

import { readDecimal } from "./decimal.ts";

/**
 * The fields of the row at hand.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { Fields } from "./fields.ts";
 * const fields = new Fields();
 * assert.equal(fields.split("3,-1.5e3,abc"), 3);
 * assert.equal(fields.number(1), -1500);
 * assert.equal(fields.text(2), "abc");
 * fields.set(["7", "x,y"]);
 * assert.deepEqual([fields.count, fields.number(0), fields.text(1)], [2, 7, "x,y"]);
 * ```
 */
export class Fields {
  #count = 0;
  #texts: string[] = [];
  #starts = new Int32Array(8);
  #ends = new Int32Array(8);

  /** How many fields the row has. */
  get count(): number {
    return this.#count;
  }

  /** The text of field `i` (0 ≤ i < count). */
  text(i: number): string {
    return this.#texts[i].slice(this.#starts[i], this.#ends[i]);
  }

  /**
   * Field `i` as a decimal number, read strictly ({@linkcode readDecimal}): NaN when it is not
   * one, ±Infinity when it overflows.
   */
  number(i: number): number {
    return readDecimal(this.#texts[i], this.#starts[i], this.#ends[i]);
  }

  /** Takes the fields of `text` between commas (no quoting); returns how many there are. */
  split(text: string): number {
    let count = 0;
    let start = 0;
    for (;;) {
      const comma = text.indexOf(",", start);
      const end = comma < 0 ? text.length : comma;
      this.#put(count++, text, start, end);
      if (comma < 0) break;
      start = comma + 1;
    }
    this.#count = count;
    return count;
  }

  /** Takes `values` as the fields, one each. */
  set(values: readonly string[]): void {
    for (let i = 0; i < values.length; i++) this.#put(i, values[i], 0, values[i].length);
    this.#count = values.length;
  }

  #put(i: number, text: string, start: number, end: number): void {
    if (i === this.#starts.length) {
      const starts = new Int32Array(2 * i);
      starts.set(this.#starts);
      this.#starts = starts;
      const ends = new Int32Array(2 * i);
      ends.set(this.#ends);
      this.#ends = ends;
    }
    this.#texts[i] = text;
    this.#starts[i] = start;
    this.#ends[i] = end;
  }
}
