/**
 * What a run produces, handed over as it is produced: the columns once known, each committed row,
 * each change row of the fit, each error, and notes for the operator. The pipeline calls an
 * {@linkcode Output}; a writer turns the calls into the files' text as they come
 * (`output_text.ts`), the views take the fit and a sample of the points (`view_tap.ts`), and
 * {@linkcode OutputRows} keeps them as objects (tests, examples). Nothing is made per row that
 * the receiver does not make itself.
 *
 * @module
 */

import type { ChangeRow } from "./changelog.ts";
import type { Model } from "./model.ts";
import type { ErrorRow, InputRow } from "./rows.ts";

/** Something the operator should hear of, besides the outputs. */
export type Note =
  | {
    readonly kind: "max-pending";
    readonly partition: number;
    readonly rows: number;
    readonly time: number;
  }
  | { readonly kind: "redelivered"; readonly partition: number; readonly messages: number };

/**
 * A row as a commit closes it. Valid only during the {@linkcode Output.row} call that hands it
 * over: the pipeline reuses it (and `x`) for the next row.
 */
export interface CommittedRow {
  /** The message as received (without a trailing `\r`). */
  readonly message: string;
  /**
   * The values as received, in column order (without `diff`); undefined when they are the
   * fields of `message` between commas (a CSV record without quotes or `diff`).
   */
  readonly values: readonly string[] | undefined;
  /** The design row's k regressors. */
  readonly x: Float64Array;
  /** The design row's y. */
  readonly y: number;
  /** The commit's number. */
  readonly time: number;
  /** 1: the row was inserted; −1: it retracted an earlier row with these values. */
  readonly diff: 1 | -1;
}

/** Where a run's products go, as they are produced. */
export interface Output {
  /**
   * The input columns (without `diff`) became known, and the model was bound to them (undefined
   * when it could not be: the run then stops).
   */
  header(columns: readonly string[], model: Model | undefined): void;
  /** A row was committed. */
  row(row: CommittedRow): void;
  /** A change row of the fit, in the model's columns (`values`: valid during the call only). */
  change(values: readonly number[], time: number, diff: 1 | -1): void;
  /** A message could not be used. */
  error(position: string, reason: string, raw: string): void;
  /** Something the operator should hear of. */
  note(note: Note): void;
}

/**
 * An {@linkcode Output} that keeps everything as objects, in order.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { messageBatch } from "./message_batch.ts";
 * import { OutputRows } from "./output.ts";
 * import { Pipeline } from "./pipeline.ts";
 * const out = new OutputRows();
 * new Pipeline({ format: "csv" }).process([messageBatch(["x,y", "0,1", "*COMMIT*"])], 0, out);
 * assert.deepEqual(out.columns, ["x", "y"]);
 * assert.deepEqual(out.inputRows, [{ values: ["0", "1"], time: 0, diff: 1 }]);
 * assert.deepEqual(out.changes, [{ values: [0, 0], time: 0, diff: 1 }]);
 * ```
 */
export class OutputRows implements Output {
  /** The input columns, once they became known. */
  columns: readonly string[] | undefined;
  /** The committed rows. */
  readonly inputRows: InputRow[] = [];
  /** The change rows of the fit. */
  readonly changes: ChangeRow[] = [];
  /** The messages that could not be used. */
  readonly errors: ErrorRow[] = [];
  /** What the operator should hear of. */
  readonly notes: Note[] = [];

  /** Keeps the columns. */
  header(columns: readonly string[]): void {
    this.columns = columns;
  }

  /** Keeps the row's values, time and diff. */
  row(row: CommittedRow): void {
    const values = row.values ?? row.message.split(",");
    this.inputRows.push({ values, time: row.time, diff: row.diff });
  }

  /** Keeps the change row (a copy of its values). */
  change(values: readonly number[], time: number, diff: 1 | -1): void {
    this.changes.push({ values: [...values], time, diff });
  }

  /** Keeps the error row. */
  error(position: string, reason: string, raw: string): void {
    this.errors.push({ position, reason, raw });
  }

  /** Keeps the note. */
  note(note: Note): void {
    this.notes.push(note);
  }
}
