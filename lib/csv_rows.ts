/**
 * The CSV text of the three outputs, in the reference's format:
 *
 * - the input log `regression_input.csv`: the received strings, always quoted, then `time` and
 *   `diff` (`"0","0.06888437030500963",0,1`);
 * - the change stream `regression_output_stream.csv`: numbers in shortest round-trip form, then
 *   `time` and `diff` (`0.06888437030500971,0.9827065102830508,1,1`);
 * - the error log: `position,reason,raw`, quoted where needed.
 *
 * @module
 */

import { stringify } from "csv-stringify/sync";
import type { ChangeRow } from "./changelog.ts";
import type { ErrorRow, InputRow } from "./rows.ts";

/**
 * The header line of a change stream or input log with these columns.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { headerLine } from "./csv_rows.ts";
 * assert.equal(headerLine(["a", "b"]), "a,b,time,diff\n");
 * ```
 */
export function headerLine(columns: readonly string[]): string {
  return stringify([[...columns, "time", "diff"]]);
}

/** The header line of the error log. */
export const ERROR_HEADER = "position,reason,raw\n";

/**
 * Input log lines: received strings quoted, `time` and `diff` as numbers.
 *
 * This runs once per row, so the common case — no value holds a `"` — is written directly: a
 * quoted field then is the value between two quotes, exactly what `csv-stringify` produces
 * (tests/csv_rows_test.ts checks the two agree); any batch with a `"` goes through
 * `csv-stringify`.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { inputLines } from "./csv_rows.ts";
 * assert.equal(inputLines([{ values: ["0", "0.5"], time: 0, diff: 1 }]), '"0","0.5",0,1\n');
 * assert.equal(inputLines([{ values: ['say "hi"'], time: 1, diff: -1 }]), '"say ""hi""",1,-1\n');
 * ```
 */
export function inputLines(rows: readonly InputRow[]): string {
  if (rows.length === 0) return "";
  if (rows.some((r) => r.values.some((v) => v.includes('"')))) {
    return stringify(rows.map((r) => [...r.values, r.time, r.diff]), { quoted_string: true });
  }
  let text = "";
  for (const r of rows) text += `"${r.values.join('","')}",${r.time},${r.diff}\n`;
  return text;
}

/**
 * Change stream lines, numbers in shortest round-trip form. Numbers never need CSV quoting, so
 * the fields are joined directly (the same text as `csv-stringify`, checked by the tests).
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { changeLines } from "./csv_rows.ts";
 * assert.equal(changeLines([{ values: [0.1, 2], time: 3, diff: -1 }]), "0.1,2,3,-1\n");
 * ```
 */
export function changeLines(rows: readonly ChangeRow[]): string {
  let text = "";
  for (const r of rows) text += `${fieldsOf(r.values)},${r.time},${r.diff}\n`;
  return text;
}

// A retraction repeats the values of the previous insertion (the same array): their text is
// remembered, which saves half the number formatting of a change stream.
let lastValues: readonly number[] | undefined;
let lastFields = "";

function fieldsOf(values: readonly number[]): string {
  if (values !== lastValues) {
    lastValues = values;
    lastFields = values.join(",");
  }
  return lastFields;
}

/**
 * Error log lines: position, reason and the raw message, quoted where CSV needs it.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { errorLines } from "./csv_rows.ts";
 * assert.equal(
 *   errorLines([{ position: "in.csv:3", reason: "not a number", raw: "1,abc" }]),
 *   'in.csv:3,not a number,"1,abc"\n',
 * );
 * ```
 */
export function errorLines(rows: readonly ErrorRow[]): string {
  if (rows.length === 0) return "";
  return stringify(rows.map((r) => [r.position, r.reason, r.raw]));
}
