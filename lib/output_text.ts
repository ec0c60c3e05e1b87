/**
 * The text of a run's three files, written as the pipeline produces it: an {@linkcode Output}
 * that writes each row's line straight into the UTF-8 bytes of its file ({@linkcode TextBytes};
 * `csv_rows.ts`, and the change stream's format, `output_format.ts`), for the shell to take and
 * write once per batch. A retraction repeats the values of the insertion before it: their text
 * is reused, not formatted again.
 *
 * @module
 */

import { errorLine, headerLine, inputLine } from "./csv_rows.ts";
import type { Model } from "./model.ts";
import type { CommittedRow, Output } from "./output.ts";
import { type ChangeText, changeText, type OutputFormat } from "./output_format.ts";
import { TextBytes } from "./text_bytes.ts";

/** Options of an {@linkcode OutputText}. */
export interface OutputTextOptions {
  /** The change stream's format. */
  readonly format: OutputFormat;
  /** Keep each change row as a JSON object's text too: the messages of `--output-topic`. */
  readonly messages?: boolean;
}

/**
 * What was written since the last {@linkcode OutputText.take}. The bytes are views, valid until
 * the next write.
 */
export interface Texts {
  /** Lines of the input log, as UTF-8. */
  readonly input: Uint8Array;
  /** Lines of the change stream, as UTF-8. */
  readonly output: Uint8Array;
  /** Lines of the error log, as UTF-8. */
  readonly errors: Uint8Array;
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
 * const text = new OutputText({ format: "csv", messages: true });
 * text.headers(true, true); // fresh files: each starts with its header
 * new Pipeline({ format: "csv" }).process(
 *   [messageBatch(["x,y", "0,1", "*COMMIT*", "1,3", "*COMMIT*", "1,2,3"])],
 *   0,
 *   text,
 * );
 * const { input, output, errors, messages } = text.take();
 * const utf8 = new TextDecoder();
 * assert.equal(utf8.decode(input), 'x,y,time,diff\n"0","1",0,1\n"1","3",1,1\n');
 * assert.equal(utf8.decode(output), "a,b,time,diff\n0,0,0,1\n0,0,1,-1\n1,2,1,1\n");
 * assert.equal(utf8.decode(errors), '0@5,"expected 2 fields (x,y), got 3","1,2,3"\n');
 * assert.deepEqual(messages, [
 *   '{"a":0,"b":0,"time":0,"diff":1}',
 *   '{"a":0,"b":0,"time":1,"diff":-1}',
 *   '{"a":1,"b":2,"time":1,"diff":1}',
 * ]);
 * assert.equal(text.take().output.length, 0); // taken
 * ```
 */
export class OutputText implements Output {
  readonly #format: OutputFormat;
  /** The change stream's text, and the messages' (JSON objects), once the model is known. */
  #changes: ChangeText | undefined;
  #json: ChangeText | undefined;
  #inputHeader = false;
  #outputHeader = false;
  readonly #input = new TextBytes(1 << 16);
  readonly #output = new TextBytes(1 << 16);
  readonly #errors = new TextBytes();
  #messages: string[] | undefined;
  /** The last change row's values (a copy), and their text in the file (and as JSON). */
  readonly #last: number[] = [];
  readonly #lastText = new TextBytes(256);
  readonly #lastJson = new TextBytes(256);
  readonly #message = new TextBytes(256);

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
      this.#input.text(headerLine(columns));
      this.#inputHeader = false;
    }
    if (model === undefined || this.#changes !== undefined) return;
    this.#changes = changeText(this.#format, model.columns);
    if (this.#messages !== undefined) this.#json = changeText("jsonl", model.columns);
    if (this.#outputHeader) {
      this.#output.text(this.#changes.header);
      this.#outputHeader = false;
    }
  }

  /** Writes the row's input log line. */
  row(row: CommittedRow): void {
    inputLine(this.#input, row.message, row.values, row.time, row.diff);
  }

  /** Writes the change row's line (and keeps its JSON object, when asked). */
  change(values: readonly number[], time: number, diff: 1 | -1): void {
    const changes = this.#changes!;
    const json = this.#json;
    if (!this.#repeats(values)) {
      const last = this.#last;
      last.length = values.length;
      for (let i = 0; i < values.length; i++) last[i] = values[i];
      this.#lastText.clear();
      changes.values(this.#lastText, values);
      if (json !== undefined) {
        this.#lastJson.clear();
        json.values(this.#lastJson, values);
      }
    }
    changes.line(this.#output, this.#lastText, time, diff);
    if (json !== undefined) {
      const message = this.#message;
      message.clear();
      json.line(message, this.#lastJson, time, diff);
      this.#messages!.push(message.textOf(0, message.length - 1)); // without the line end
    }
  }

  /**
   * Whether `values` are the last change row's (a retraction repeats the insertion before it):
   * equal numbers have the same text (−0 and 0 both read `0`).
   */
  #repeats(values: readonly number[]): boolean {
    const last = this.#last;
    if (last.length !== values.length || last.length === 0) return false;
    for (let i = 0; i < values.length; i++) if (last[i] !== values[i]) return false;
    return true;
  }

  /** Writes the error log line. */
  error(position: string, reason: string, raw: string): void {
    errorLine(this.#errors, position, reason, raw);
  }

  /** Notes are no part of the files. */
  note(): void {}

  /** Takes what was written since the last call. */
  take(): Texts {
    const texts = {
      input: this.#input.view(),
      output: this.#output.view(),
      errors: this.#errors.view(),
      messages: this.#messages ?? [],
    };
    this.#input.clear();
    this.#output.clear();
    this.#errors.clear();
    if (this.#messages !== undefined) this.#messages = [];
    return texts;
  }
}
