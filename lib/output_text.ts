/**
 * The text of a run's three files, written as the pipeline produces it: an {@linkcode Output}
 * that appends each row's line to the text of its file (`csv_rows.ts`, and the change stream's
 * format, `output_format.ts`), for the shell to take and write once per batch. A retraction
 * repeats the values of the insertion before it: their text is reused, not formatted again.
 *
 * @module
 */

import { errorLine, headerLine, inputLine } from "./csv_rows.ts";
import { jsonChange, jsonKeys, jsonValues } from "./jsonl_rows.ts";
import type { Model } from "./model.ts";
import type { CommittedRow, Output } from "./output.ts";
import { type ChangeText, changeText, type OutputFormat } from "./output_format.ts";

/** Options of an {@linkcode OutputText}. */
export interface OutputTextOptions {
  /** The change stream's format. */
  readonly format: OutputFormat;
  /** Keep each change row as a JSON object's text too: the messages of `--output-topic`. */
  readonly messages?: boolean;
}

/** The text produced since the last {@linkcode OutputText.take}. */
export interface Texts {
  /** Lines of the input log. */
  readonly input: string;
  /** Lines of the change stream. */
  readonly output: string;
  /** Lines of the error log. */
  readonly errors: string;
  /** With {@linkcode OutputTextOptions.messages}: each change row as a JSON object. */
  readonly messages: readonly string[];
}

/**
 * The files' text of a run.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { messageBatch } from "./message_batch.ts";
 * import { OutputText } from "./output_text.ts";
 * import { Pipeline } from "./pipeline.ts";
 * const text = new OutputText({ format: "csv" });
 * text.headers(true, true); // fresh files: each starts with its header
 * new Pipeline({ format: "csv" }).process(
 *   [messageBatch(["x,y", "0,1", "*COMMIT*", "1,3", "*COMMIT*", "1,2,3"])],
 *   0,
 *   text,
 * );
 * const { input, output, errors } = text.take();
 * assert.equal(input, 'x,y,time,diff\n"0","1",0,1\n"1","3",1,1\n');
 * assert.equal(output, "a,b,time,diff\n0,0,0,1\n0,0,1,-1\n1,2,1,1\n");
 * assert.equal(errors, '0@5,"expected 2 fields (x,y), got 3","1,2,3"\n');
 * assert.equal(text.take().output, ""); // taken
 * ```
 */
export class OutputText implements Output {
  readonly #format: OutputFormat;
  #changes: ChangeText | undefined;
  /** The JSON keys of the change rows' columns, for the messages. */
  #keys: readonly string[] | undefined;
  #inputHeader = false;
  #outputHeader = false;
  #input = "";
  #output = "";
  #errors = "";
  #messages: string[] | undefined;
  /** The last change row's values inserted, and their text in the file (and as JSON). */
  #last: readonly number[] | undefined;
  #lastText = "";
  #lastJson = "";

  /** Writes nothing yet; see {@linkcode OutputText.headers}. */
  constructor(options: OutputTextOptions) {
    this.#format = options.format;
    this.#messages = options.messages ? [] : undefined;
  }

  /**
   * Says which files start with a header line — the input log, the change stream — (fresh
   * files), written as soon as the columns are known.
   */
  headers(input: boolean, output: boolean): void {
    this.#inputHeader = input;
    this.#outputHeader = output;
  }

  /** Writes the headers still due, and takes the model's columns for the change rows. */
  header(columns: readonly string[], model: Model | undefined): void {
    if (this.#inputHeader) {
      this.#input += headerLine(columns);
      this.#inputHeader = false;
    }
    if (model === undefined || this.#changes !== undefined) return;
    this.#changes = changeText(this.#format, model.columns);
    if (this.#messages !== undefined) this.#keys = jsonKeys(model.columns);
    if (this.#outputHeader) {
      this.#output += this.#changes.header;
      this.#outputHeader = false;
    }
  }

  /** Appends the row's input log line. */
  row(row: CommittedRow): void {
    this.#input += inputLine(row.message, row.values, row.time, row.diff);
  }

  /** Appends the change row's line (and keeps its JSON object, when asked). */
  change(values: readonly number[], time: number, diff: 1 | -1): void {
    const changes = this.#changes!;
    if (values !== this.#last) {
      this.#last = values;
      this.#lastText = changes.values(values);
      if (this.#keys !== undefined) this.#lastJson = jsonValues(this.#keys, values);
    }
    this.#output += changes.line(this.#lastText, time, diff);
    this.#messages?.push(jsonChange(this.#lastJson, time, diff));
  }

  /** Appends the error log line. */
  error(position: string, reason: string, raw: string): void {
    this.#errors += errorLine(position, reason, raw);
  }

  /** Notes are no part of the files. */
  note(): void {}

  /** Takes the text written since the last call. */
  take(): Texts {
    const texts = {
      input: this.#input,
      output: this.#output,
      errors: this.#errors,
      messages: this.#messages ?? [],
    };
    this.#input = "";
    this.#output = "";
    this.#errors = "";
    if (this.#messages !== undefined) this.#messages = [];
    return texts;
  }
}
