/**
 * The formats of the change stream file: CSV (the reference's) or JSON Lines (Pathway's
 * `pw.io.jsonlines.write`), chosen by `--output-format` or by the file's extension.
 *
 * @module
 */

import { changeLine, changeValues, headerLine } from "./csv_rows.ts";
import { jsonChange, jsonKeys, jsonValues } from "./jsonl_rows.ts";
import type { TextBytes } from "./text_bytes.ts";

/** A change stream format. */
export type OutputFormat = "csv" | "jsonl";

/** The formats, as `--output-format` names them. */
export const OUTPUT_FORMATS: readonly OutputFormat[] = ["csv", "jsonl"];

/**
 * The format of the change stream: the one named, else `jsonl` for a path ending in `.jsonl`
 * or `.json`, else `csv`. Returns what is wrong with a name that is not a format.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { outputFormat } from "./output_format.ts";
 * assert.equal(outputFormat(undefined, "fit.JSONL"), "jsonl");
 * assert.equal(outputFormat(undefined, "-"), "csv");
 * assert.equal(outputFormat("csv", "fit.json"), "csv");
 * assert.deepEqual(outputFormat("xml", "fit"), {
 *   problem: '`outputFormat` must be one of csv, jsonl, not "xml"',
 * });
 * ```
 */
export function outputFormat(
  named: string | undefined,
  path: string,
): OutputFormat | { problem: string } {
  if (named !== undefined) {
    if ((OUTPUT_FORMATS as readonly string[]).includes(named)) return named as OutputFormat;
    return {
      problem: `\`outputFormat\` must be one of ${OUTPUT_FORMATS.join(", ")}, not "${named}"`,
    };
  }
  return /\.jsonl?$/i.test(path) ? "jsonl" : "csv";
}

/** The text of a change stream in one format, for given columns. */
export interface ChangeText {
  /** The text before the first row (CSV: the header line; JSON Lines: nothing). */
  readonly header: string;
  /** Writes the text of a change row's values, which a retraction repeats from an insertion. */
  values(out: TextBytes, values: readonly number[]): void;
  /** Writes a change row's line, from the text of its values. */
  line(out: TextBytes, values: TextBytes, time: number, diff: 1 | -1): void;
}

/**
 * The text of a change stream in `format` with these columns.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { changeText } from "./output_format.ts";
 * import { TextBytes } from "./text_bytes.ts";
 * const lines = (format: "csv" | "jsonl") => {
 *   const text = changeText(format, ["a", "b"]);
 *   const values = new TextBytes();
 *   text.values(values, [0, 1]);
 *   const out = new TextBytes();
 *   text.line(out, values, 0, 1);
 *   return text.header + out.textOf(0, out.length);
 * };
 * assert.equal(lines("csv"), "a,b,time,diff\n0,1,0,1\n");
 * assert.equal(lines("jsonl"), '{"a":0,"b":1,"time":0,"diff":1}\n');
 * ```
 */
export function changeText(format: OutputFormat, columns: readonly string[]): ChangeText {
  if (format === "csv") {
    return { header: headerLine(columns), values: changeValues, line: changeLine };
  }
  const keys = jsonKeys(columns);
  return {
    header: "",
    values: (out, values) => jsonValues(out, keys, values),
    line: (out, values, time, diff) => {
      jsonChange(out, values, time, diff);
      out.text("\n");
    },
  };
}
