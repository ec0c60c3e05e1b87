/**
 * The change stream as JSON Lines, as Pathway's `pw.io.jsonlines.write` writes a table: one
 * object per change row, with the row's columns, then `time` and `diff`
 * (`{"a":0.0689,"b":0.9827,"time":1,"diff":1}`). Numbers are in shortest round-trip form, the same
 * digits as the CSV. The same objects, without their line ends, are the messages of
 * `--output-topic`.
 *
 * @module
 */

/**
 * The start of a change row's object: its values under their columns' keys, up to `time`. A
 * retraction repeats the values of the insertion before it, so a writer keeps this text.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { jsonKeys, jsonValues } from "./jsonl_rows.ts";
 * assert.equal(jsonValues(jsonKeys(["a", 'b"']), [0.1, 2]), '{"a":0.1,"b\\"":2,');
 * ```
 */
export function jsonValues(keys: readonly string[], values: readonly number[]): string {
  let text = "{";
  for (let i = 0; i < keys.length; i++) text += keys[i] + jsonNumber(values[i]) + ",";
  return text;
}

/**
 * The JSON keys of `columns`, each with its colon: what {@linkcode jsonValues} puts before each
 * value.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { jsonKeys } from "./jsonl_rows.ts";
 * assert.deepEqual(jsonKeys(["a", "se_b"]), ['"a":', '"se_b":']);
 * ```
 */
export function jsonKeys(columns: readonly string[]): string[] {
  return columns.map((c) => `${JSON.stringify(c)}:`);
}

/**
 * A change row's JSON object, from the text of its values ({@linkcode jsonValues}): one line of
 * JSON Lines without its line end.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { jsonChange } from "./jsonl_rows.ts";
 * assert.equal(jsonChange('{"a":0.1,"b":2,', 3, -1), '{"a":0.1,"b":2,"time":3,"diff":-1}');
 * ```
 */
export function jsonChange(values: string, time: number, diff: 1 | -1): string {
  return values + '"time":' + time + ',"diff":' + diff + "}";
}

/** A number's JSON text; JSON has no NaN or Infinity (a fit never holds them): null. */
function jsonNumber(v: number): string {
  return Number.isFinite(v) ? String(v) : "null";
}
