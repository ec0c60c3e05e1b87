/**
 * The formats of the change stream file: CSV (the reference's) or JSON Lines (Pathway's
 * `pw.io.jsonlines.write`), chosen by `--output-format` or by the file's extension.
 *
 * @module
 */

import type { ChangeRow } from "./changelog.ts";
import { changeLines, headerLine } from "./csv_rows.ts";
import { jsonlChangeLines } from "./jsonl_rows.ts";

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

/** The text of a change stream file in one format. */
export interface ChangeText {
  /** The text before the first row (CSV: the header line; JSON Lines: nothing). */
  header(columns: readonly string[]): string;
  /** The text of change rows in `columns`. */
  lines(columns: readonly string[], rows: readonly ChangeRow[]): string;
}

/**
 * The text functions of a format.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { changeText } from "./output_format.ts";
 * const rows = [{ values: [0, 1], time: 0, diff: 1 as const }];
 * const csv = changeText("csv");
 * assert.equal(csv.header(["a", "b"]) + csv.lines(["a", "b"], rows), "a,b,time,diff\n0,1,0,1\n");
 * const jsonl = changeText("jsonl");
 * assert.equal(jsonl.header(["a", "b"]) + jsonl.lines(["a", "b"], rows), '{"a":0,"b":1,"time":0,"diff":1}\n');
 * ```
 */
export function changeText(format: OutputFormat): ChangeText {
  return format === "csv"
    ? { header: headerLine, lines: (_, rows) => changeLines(rows) }
    : { header: () => "", lines: jsonlChangeLines };
}
