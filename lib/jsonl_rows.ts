/**
 * The change stream as JSON Lines, as Pathway's `pw.io.jsonlines.write` writes a table: one
 * object per change row, with the row's columns, then `time` and `diff`
 * (`{"a":0.0689,"b":0.9827,"time":1,"diff":1}`). Numbers are in shortest round-trip form, the same
 * digits as the CSV.
 *
 * @module
 */

import type { ChangeRow } from "./changelog.ts";

/**
 * JSON Lines of change rows in `columns`.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { jsonlChangeLines } from "./jsonl_rows.ts";
 * assert.equal(
 *   jsonlChangeLines(["a", "b"], [{ values: [0.1, 2], time: 3, diff: -1 }]),
 *   '{"a":0.1,"b":2,"time":3,"diff":-1}\n',
 * );
 * ```
 */
export function jsonlChangeLines(columns: readonly string[], rows: readonly ChangeRow[]): string {
  return rows.length === 0 ? "" : jsonChangeObjects(columns, rows).join("\n") + "\n";
}

/**
 * Change rows in `columns` as JSON objects, one text each (the lines of
 * {@linkcode jsonlChangeLines} without their newlines): the messages of `--output-topic`.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { jsonChangeObjects } from "./jsonl_rows.ts";
 * assert.deepEqual(jsonChangeObjects(["a"], [{ values: [1], time: 0, diff: 1 }]), [
 *   '{"a":1,"time":0,"diff":1}',
 * ]);
 * ```
 */
export function jsonChangeObjects(
  columns: readonly string[],
  rows: readonly ChangeRow[],
): string[] {
  // The keys' JSON text once per call; values are numbers, whose JSON text is String(v).
  const keys = columns.map((c) => `${JSON.stringify(c)}:`);
  const objects = new Array<string>(rows.length);
  for (let j = 0; j < rows.length; j++) {
    const r = rows[j];
    let text = "{";
    for (let i = 0; i < keys.length; i++) text += `${keys[i]}${jsonNumber(r.values[i])},`;
    objects[j] = `${text}"time":${r.time},"diff":${r.diff}}`;
  }
  return objects;
}

/** A number's JSON text; JSON has no NaN or Infinity (a fit never holds them): null. */
function jsonNumber(v: number): string {
  return Number.isFinite(v) ? String(v) : "null";
}
