/**
 * The CSV text of the three outputs, in the reference's format, a line at a time:
 *
 * - the input log `regression_input.csv`: the received strings, always quoted, then `time` and
 *   `diff` (`"0","0.06888437030500963",0,1`);
 * - the change stream `regression_output_stream.csv`: numbers in shortest round-trip form, then
 *   `time` and `diff` (`0.06888437030500971,0.9827065102830508,1,1`);
 * - the error log: `position,reason,raw`, quoted where needed.
 *
 * These run once per row, so each line is written directly into the file's bytes
 * ({@linkcode TextBytes}), as `csv-stringify` writes it: a field
 * is quoted when it holds a comma, a quote or a line break (always, for the input log's strings),
 * and a quote inside is doubled. tests/csv_rows_test.ts checks every line against `csv-stringify`
 * on random values; the header, written once, is `csv-stringify`'s own.
 *
 * @module
 */

import { stringify } from "csv-stringify/sync";
import { putInt, type TextBytes } from "./text_bytes.ts";

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
 * Writes an input log line: a row's values quoted, then `time` and `diff` as numbers. `values`
 * are the row's values, or undefined when they are the fields of `message` between commas (a
 * message without quotes or line breaks).
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { inputLine } from "./csv_rows.ts";
 * import { TextBytes } from "./text_bytes.ts";
 * const out = new TextBytes();
 * inputLine(out, "0,0.5", undefined, 0, 1);
 * inputLine(out, "", ['say "hi"'], 1, -1);
 * assert.equal(out.textOf(0, out.length), '"0","0.5",0,1\n"say ""hi""",1,-1\n');
 * ```
 */
export function inputLine(
  out: TextBytes,
  message: string,
  values: readonly string[] | undefined,
  time: number,
  diff: 1 | -1,
): void {
  if (values === undefined) {
    // The message's commas become the quotes' boundaries: `0,0.5` → `"0","0.5"`, its bytes
    // written here while they are ASCII (room: a comma takes 3 bytes, a character at most 3).
    const n = message.length;
    const bytes = out.reserve(3 * n + 1);
    let p = out.length;
    bytes[p++] = QUOTE;
    let i = 0;
    for (; i < n; i++) {
      const c = message.charCodeAt(i);
      if (c >= 0x80) break;
      if (c === COMMA) {
        bytes[p++] = QUOTE;
        bytes[p++] = COMMA;
        bytes[p++] = QUOTE;
      } else {
        bytes[p++] = c;
      }
    }
    out.length = p;
    if (i < n) fieldsFrom(out, message, i);
  } else {
    out.text('"');
    for (let i = 0; i < values.length; i++) {
      if (i > 0) out.text('","');
      quoted(out, values[i]);
    }
  }
  out.text('"');
  end(out, time, diff);
}

/** The rest of a message's fields, from `start` on: each comma as `","`. */
function fieldsFrom(out: TextBytes, message: string, start: number): void {
  let from = start;
  for (let comma = message.indexOf(",", from); comma >= 0; comma = message.indexOf(",", from)) {
    out.text(message, from, comma);
    out.text('","');
    from = comma + 1;
  }
  out.text(message, from);
}

/**
 * Writes the values of a change row as the change stream writes them: numbers in shortest
 * round-trip form, between commas (numbers never need quotes). A retraction repeats the values of
 * the insertion before it, so a writer keeps this text rather than formatting the numbers twice.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { changeValues } from "./csv_rows.ts";
 * import { TextBytes } from "./text_bytes.ts";
 * const out = new TextBytes();
 * changeValues(out, [0.1, 2, -0]);
 * assert.equal(out.textOf(0, out.length), "0.1,2,0");
 * ```
 */
export function changeValues(out: TextBytes, values: readonly number[]): void {
  for (let i = 0; i < values.length; i++) {
    if (!Number.isFinite(values[i])) {
      out.text(values.join(",")); // NaN, Infinity: never a fit's
      return;
    }
  }
  // `[v1,v2,…]`: each finite number's ToString, as String writes it, between commas. One call
  // for all, and its text is made in the young generation and dies young, whereas String puts
  // each new text in V8's number-string cache, which lives in the old generation: two texts a
  // commit filled it with garbage that only a full GC collects.
  const text = JSON.stringify(values);
  out.text(text, 1, text.length - 1);
}

/**
 * Writes a change stream line, from the text of its values ({@linkcode changeValues}).
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { changeLine, changeValues } from "./csv_rows.ts";
 * import { TextBytes } from "./text_bytes.ts";
 * const values = new TextBytes();
 * changeValues(values, [0.1, 2]);
 * const out = new TextBytes();
 * changeLine(out, values, 3, -1);
 * assert.equal(out.textOf(0, out.length), "0.1,2,3,-1\n");
 * ```
 */
export function changeLine(out: TextBytes, values: TextBytes, time: number, diff: 1 | -1): void {
  out.append(values);
  end(out, time, diff);
}

/**
 * Writes an error log line: position, reason and the raw message, quoted where CSV needs it.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { errorLine } from "./csv_rows.ts";
 * import { TextBytes } from "./text_bytes.ts";
 * const out = new TextBytes();
 * errorLine(out, "in.csv:3", "not a number", "1,abc");
 * assert.equal(out.textOf(0, out.length), 'in.csv:3,not a number,"1,abc"\n');
 * ```
 */
export function errorLine(out: TextBytes, position: string, reason: string, raw: string): void {
  field(out, position);
  out.text(",");
  field(out, reason);
  out.text(",");
  field(out, raw);
  out.text("\n");
}

const QUOTE = 34;
const COMMA = 44;

/** `,time,diff` and the line's end. */
function end(out: TextBytes, time: number, diff: 1 | -1): void {
  const bytes = out.reserve(22);
  let p = out.length;
  bytes[p++] = COMMA;
  p = putInt(bytes, p, time);
  bytes[p++] = COMMA;
  if (diff === -1) bytes[p++] = 45; // -
  bytes[p++] = 49; // 1
  bytes[p++] = 10; // \n
  out.length = p;
}

const NEEDS_QUOTES = /[",\r\n]/;

/** A field as CSV writes it: quoted, its quotes doubled, when it holds `"`, `,` or a line break. */
function field(out: TextBytes, text: string): void {
  if (NEEDS_QUOTES.test(text)) {
    out.text('"');
    quoted(out, text);
    out.text('"');
  } else {
    out.text(text);
  }
}

/** `text` inside quotes: each of its quotes doubled. */
function quoted(out: TextBytes, text: string): void {
  let start = 0;
  for (let quote = text.indexOf('"'); quote >= 0; quote = text.indexOf('"', start)) {
    out.text(text, start, quote + 1);
    out.text('"');
    start = quote + 1;
  }
  out.text(text, start);
}
