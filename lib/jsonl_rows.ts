/**
 * The change stream as JSON Lines, as Pathway's `pw.io.jsonlines.write` writes a table: one
 * object per change row, with the row's columns, then `time` and `diff`
 * (`{"a":0.0689,"b":0.9827,"time":1,"diff":1}`). Numbers are in shortest round-trip form, the same
 * digits as the CSV. The same objects, without their line ends, are the messages of
 * `--output-topic`.
 *
 * @module
 */

import type { TextBytes } from "./text_bytes.ts";

/**
 * The JSON keys of `columns`, each with its colon: what {@linkcode jsonValues} writes before each
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
 * Writes the start of a change row's object: its values under their columns' keys
 * ({@linkcode jsonKeys}), up to `time`. A retraction repeats the values of the insertion before
 * it, so a writer keeps this text.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { jsonKeys, jsonValues } from "./jsonl_rows.ts";
 * import { TextBytes } from "./text_bytes.ts";
 * const out = new TextBytes();
 * jsonValues(out, jsonKeys(["a", 'b"']), [0.1, 2]);
 * assert.equal(out.textOf(0, out.length), '{"a":0.1,"b\\"":2,');
 * ```
 */
export function jsonValues(out: TextBytes, keys: readonly string[], values: readonly number[]) {
  // `[v1,v2,…]`: the numbers' JSON texts between commas (JSON has no NaN or Infinity, which a
  // fit never holds: null), in one call (see csv_rows.ts's changeValues).
  const text = JSON.stringify(values);
  out.text("{");
  let start = 1;
  for (let i = 0; i < keys.length; i++) {
    const end = i === keys.length - 1 ? text.length - 1 : text.indexOf(",", start);
    out.text(keys[i]);
    out.text(text, start, end);
    out.text(",");
    start = end + 1;
  }
}

/**
 * Writes a change row's JSON object, from the text of its values ({@linkcode jsonValues}): one
 * line of JSON Lines without its line end.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { jsonChange, jsonKeys, jsonValues } from "./jsonl_rows.ts";
 * import { TextBytes } from "./text_bytes.ts";
 * const values = new TextBytes();
 * jsonValues(values, jsonKeys(["a", "b"]), [0.1, 2]);
 * const out = new TextBytes();
 * jsonChange(out, values, 3, -1);
 * assert.equal(out.textOf(0, out.length), '{"a":0.1,"b":2,"time":3,"diff":-1}');
 * ```
 */
export function jsonChange(out: TextBytes, values: TextBytes, time: number, diff: 1 | -1): void {
  out.append(values);
  out.text('"time":');
  out.int(time);
  out.text(diff === 1 ? ',"diff":1}' : ',"diff":-1}');
}
