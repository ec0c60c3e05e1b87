/**
 * The CSV text of the three outputs, in the reference's format, a line at a time:
 *
 * - the input log `regression_input.csv`: the received strings, always quoted, then `time` and
 *   `diff` (`"0","0.06888437030500963",0,1`);
 * - the change stream `regression_output_stream.csv`: numbers in shortest round-trip form, then
 *   `time` and `diff` (`0.06888437030500971,0.9827065102830508,1,1`);
 * - the error log: `position,reason,raw`, quoted where needed.
 *
 * These run once per row, so each line is written directly, as `csv-stringify` writes it: a field
 * is quoted when it holds a comma, a quote or a line break (always, for the input log's strings),
 * and a quote inside is doubled. tests/csv_rows_test.ts checks every line against `csv-stringify`
 * on random values; the header, written once, is `csv-stringify`'s own.
 *
 * @module
 */

import { stringify } from "csv-stringify/sync";

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
 * An input log line: a row's values quoted, then `time` and `diff` as numbers. `values` are the
 * row's values, or undefined when they are the fields of `message` between commas (a message
 * without quotes or line breaks).
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { inputLine } from "./csv_rows.ts";
 * assert.equal(inputLine("0,0.5", undefined, 0, 1), '"0","0.5",0,1\n');
 * assert.equal(inputLine("", ['say "hi"'], 1, -1), '"say ""hi""",1,-1\n');
 * ```
 */
export function inputLine(
  message: string,
  values: readonly string[] | undefined,
  time: number,
  diff: 1 | -1,
): string {
  let text = '"';
  if (values === undefined) {
    // The message's commas become the quotes' boundaries: `0,0.5` → `"0","0.5"`.
    let start = 0;
    for (let comma = message.indexOf(","); comma >= 0; comma = message.indexOf(",", start)) {
      text += message.slice(start, comma) + '","';
      start = comma + 1;
    }
    text += start === 0 ? message : message.slice(start);
  } else {
    for (let i = 0; i < values.length; i++) {
      const value = values[i];
      if (i > 0) text += '","';
      text += value.includes('"') ? value.replaceAll('"', '""') : value;
    }
  }
  return text + '",' + time + "," + diff + "\n";
}

/**
 * The values of a change row as the change stream writes them: numbers in shortest round-trip
 * form, between commas (numbers never need quotes). A retraction repeats the values of the
 * insertion before it, so a writer keeps this text rather than formatting the numbers twice.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { changeValues } from "./csv_rows.ts";
 * assert.equal(changeValues([0.1, 2, -0]), "0.1,2,0");
 * ```
 */
export function changeValues(values: readonly number[]): string {
  let text = "" + values[0];
  for (let i = 1; i < values.length; i++) text += "," + values[i];
  return text;
}

/**
 * A change stream line, from the text of its values ({@linkcode changeValues}).
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { changeLine } from "./csv_rows.ts";
 * assert.equal(changeLine("0.1,2", 3, 1), "0.1,2,3,1\n");
 * ```
 */
export function changeLine(values: string, time: number, diff: 1 | -1): string {
  return values + "," + time + "," + diff + "\n";
}

/**
 * An error log line: position, reason and the raw message, quoted where CSV needs it.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { errorLine } from "./csv_rows.ts";
 * assert.equal(errorLine("in.csv:3", "not a number", "1,abc"), 'in.csv:3,not a number,"1,abc"\n');
 * ```
 */
export function errorLine(position: string, reason: string, raw: string): string {
  return field(position) + "," + field(reason) + "," + field(raw) + "\n";
}

const NEEDS_QUOTES = /[",\r\n]/;

/** A field as CSV writes it: quoted, its quotes doubled, when it holds `"`, `,` or a line break. */
function field(text: string): string {
  return NEEDS_QUOTES.test(text) ? `"${text.replaceAll('"', '""')}"` : text;
}
