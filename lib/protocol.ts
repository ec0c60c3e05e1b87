/**
 * The message protocol: pure decoding of a sequence of messages into events.
 *
 * - `csv`: the first message holds the column names (sent once; a later identical line is an
 *   ordinary row); every other message is one CSV record with exactly as many fields.
 * - `json`: one object per message, fields by name; the keys of the first object name the columns
 *   unless the columns are given.
 * - `raw`: the whole message is the single column `data`.
 *
 * In every format the message `*COMMIT*` closes the rows received since the previous one into a
 * commit. The column `diff` is reserved: a row whose `diff` is −1 retracts an earlier row (1, or
 * no `diff`, inserts); a CSV header opts in by naming a `diff` column, a JSON object by carrying
 * a `"diff"` field. `diff` is not one of the columns the events name. Bad input becomes an `error` event carrying the reason and the position — never a thrown
 * exception, never a silent drop.
 *
 * @module
 */

import { parse } from "csv-parse/sync";
import { parseNumber } from "./decimal.ts";

/** The message that closes the pending rows into one commit. */
export const COMMIT = "*COMMIT*";

/** How message values are encoded. */
export type Format = "csv" | "json" | "raw";

/** The formats, for validation and help texts. */
export const FORMATS: readonly Format[] = ["csv", "json", "raw"];

/** One message from a source: its text and where it came from. */
export interface Message {
  /** The message value as text. */
  readonly value: string;
  /** Where the message came from, for error reports: `stdin:12`, `linear-regression/0@41`. */
  readonly position: string;
  /** When the message was written (Kafka) or read (a file), in ms since the epoch, if known. */
  readonly timestamp?: number;
  /** The partition it was read from (Kafka); 0 for a file. */
  readonly partition?: number;
  /** Its offset in the partition (Kafka), if known: a message is never applied twice. */
  readonly offset?: number;
  /**
   * Set by a source that already knows the message cannot be used (e.g. records deleted before
   * they were read): the reason, for the error log.
   */
  readonly error?: string;
}

/** The reserved column that marks a row as an insertion (1) or a retraction (−1). */
export const DIFF_COLUMN = "diff";

/** The column names arrived. */
export interface HeaderEvent {
  /** The event's type. */
  readonly kind: "header";
  /** The columns of the rows' values: the header's names without `diff`. */
  readonly columns: readonly string[];
  /** Where the header message came from. */
  readonly position: string;
  /** The index of the message in its batch. */
  readonly index: number;
}

/** A row arrived; it counts once a commit follows. `values` are the received strings. */
export interface RowEvent {
  /** The event's type. */
  readonly kind: "row";
  /** The received strings, one per column (without `diff`). */
  readonly values: readonly string[];
  /** 1 inserts the row; −1 retracts an earlier row with these values. */
  readonly diff: 1 | -1;
  /** Where the message came from. */
  readonly position: string;
  /** The message as received. */
  readonly raw: string;
  /** The message's timestamp, when it has one. */
  readonly timestamp?: number;
  /** The index of the message in its batch. */
  readonly index: number;
  /** Whether `values` are exactly `raw.split(",")` (a CSV record without quotes or `diff`). */
  readonly split: boolean;
}

/** A `*COMMIT*` message closed the pending rows. */
export interface CommitEvent {
  /** The event's type. */
  readonly kind: "commit";
  /** Where the message came from. */
  readonly position: string;
  /** The index of the `*COMMIT*` message in its batch. */
  readonly index: number;
  /** The message's timestamp, when it has one. */
  readonly timestamp?: number;
}

/** A message could not be decoded. */
export interface DecodeErrorEvent {
  /** The event's type. */
  readonly kind: "error";
  /** Where the message came from. */
  readonly position: string;
  /** What was wrong, for a person. */
  readonly reason: string;
  /** The message as received. */
  readonly raw: string;
  /** The index of the message in its batch. */
  readonly index: number;
}

/** What a message decodes to. */
export type DecodedEvent = HeaderEvent | RowEvent | CommitEvent | DecodeErrorEvent;

/** Options of a {@linkcode Decoder}. */
export interface DecoderOptions {
  /** The encoding of message values. */
  readonly format: Format;
  /**
   * The columns, known up front: csv needs no header message then, json reads these fields
   * (besides `diff`) rather than the keys of the first object.
   */
  readonly columns?: readonly string[];
}

const NEEDS_CSV_QUOTING = /["\r\n]/;

/**
 * Decodes messages into events, batch by batch, remembering the header between batches.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { Decoder } from "./protocol.ts";
 * const decoder = new Decoder({ format: "csv" });
 * const events = decoder.decode([
 *   { value: "x,y", position: "stdin:1" },
 *   { value: "0,0.5", position: "stdin:2" },
 *   { value: "*COMMIT*", position: "stdin:3" },
 * ]);
 * assert.deepEqual(events.map((e) => e.kind), ["header", "row", "commit"]);
 * assert.deepEqual(decoder.columns, ["x", "y"]);
 * // A second header line later on is an ordinary row (here one that is not numbers).
 * const [row] = decoder.decode([{ value: "x,y", position: "stdin:4" }]);
 * assert.equal(row.kind, "row");
 * ```
 */
export class Decoder {
  readonly #format: Format;
  /** The header as received (csv: with `diff` when it names one). */
  #header: readonly string[] | undefined;
  /** The header without `diff`. */
  #columns: readonly string[] | undefined;
  /** csv: the index of `diff` in the header, −1 when it names none. */
  #diffIndex = -1;

  /** Makes a decoder that has seen no message yet. */
  constructor(options: DecoderOptions) {
    this.#format = options.format;
    const given = options.format === "raw" ? ["data"] : options.columns;
    if (given !== undefined) this.restore(given);
  }

  /**
   * The column names of the rows' values, once known: from the header (csv), the options or
   * the first object (json); `diff` is never one of them.
   */
  get columns(): readonly string[] | undefined {
    return this.#columns;
  }

  /** The encoding of the messages. */
  get format(): Format {
    return this.#format;
  }

  /** The header as received: {@linkcode Decoder.columns}, plus `diff` when a csv header has it. */
  get header(): readonly string[] | undefined {
    return this.#header;
  }

  /** Takes the header as known, e.g. from a checkpoint: the next message is a row. */
  restore(header: readonly string[]): void {
    this.#header = header;
    this.#diffIndex = this.#format === "csv" ? header.indexOf(DIFF_COLUMN) : -1;
    this.#columns = this.#format === "raw"
      ? header
      : header.filter((column) => column !== DIFF_COLUMN);
  }

  /**
   * Whether `value` is the header itself: the column names as given, e.g. the header message of
   * a topic whose columns were also given up front.
   */
  isHeader(value: string): boolean {
    const header = this.#header;
    if (header === undefined || this.#format !== "csv") return false;
    const records = parseOne(stripCr(value));
    return typeof records !== "string" && records.length === 1 &&
      records[0].length === header.length && records[0].every((v, i) => v === header[i]);
  }

  /**
   * The values of a row message this decoder decoded before (its text as received), without
   * `diff`: what a holder of the message alone needs to write it to the input log.
   */
  valuesOf(raw: string): readonly string[] {
    const events = this.decode([{ value: raw, position: "" }]);
    const row = events.find((e) => e.kind === "row");
    return row?.kind === "row" ? row.values : [];
  }

  /**
   * Decodes a batch of messages, in order, into events: one for each message, except a JSON
   * message whose keys name the columns, which is preceded by a header event. A trailing `\r`
   * (a CRLF line end) is no part of a message.
   */
  decode(messages: readonly Message[]): DecodedEvent[] {
    const events: DecodedEvent[] = [];
    for (let i = 0; i < messages.length; i++) {
      const m = messages[i];
      const value = stripCr(m.value);
      if (m.error !== undefined) events.push(error(m, i, value, m.error));
      else if (value === COMMIT) events.push(commitEvent(m, i));
      else if (this.#format === "csv") events.push(this.#decodeCsv(m, i, value));
      else if (this.#format === "json") this.#decodeJson(m, i, value, events);
      else events.push(rowEvent(m, i, value, [value], 1, false));
    }
    return events;
  }

  #decodeCsv(m: Message, i: number, value: string): DecodedEvent {
    if (this.#header === undefined) return this.#decodeHeader(m, i, value);
    if (value.trim() === "") {
      return error(m, i, value, "empty message; expected a CSV record or *COMMIT*");
    }
    // Without quotes or line breaks a record is its fields between commas: exactly what
    // csv-parse returns for it (tests/protocol_test.ts checks this on random records), at a
    // fiftieth of the cost of a csv-parse call, which runs ≈ 50 µs however short its input.
    if (NEEDS_CSV_QUOTING.test(value)) return this.#row(m, i, value, parseOne(value), false);
    return this.#row(m, i, value, [value.split(",")], this.#diffIndex < 0);
  }

  #decodeHeader(m: Message, i: number, value: string): DecodedEvent {
    const records = parseOne(value);
    if (typeof records === "string") return error(m, i, value, `unreadable header: ${records}`);
    if (records.length !== 1) {
      return error(m, i, value, "the header must be one CSV line of column names");
    }
    const header = records[0];
    const problem = checkColumns(header);
    if (problem !== undefined) return error(m, i, value, problem);
    this.restore(header);
    return { kind: "header", columns: this.#columns ?? [], position: m.position, index: i };
  }

  #row(
    m: Message,
    i: number,
    value: string,
    records: string[][] | string,
    split: boolean,
  ): DecodedEvent {
    if (typeof records === "string") return error(m, i, value, `unreadable CSV: ${records}`);
    if (records.length !== 1) {
      return error(
        m,
        i,
        value,
        `one message must hold one CSV record, this one holds ${records.length}`,
      );
    }
    const header = this.#header ?? [];
    const values = records[0];
    if (values.length !== header.length) {
      return error(
        m,
        i,
        value,
        `expected ${header.length} fields (${header.join(",")}), got ${values.length}`,
      );
    }
    if (this.#diffIndex < 0) return rowEvent(m, i, value, values, 1, split);
    const diff = readDiff(values[this.#diffIndex]);
    if (typeof diff !== "number") {
      return error(m, i, value, `column "${DIFF_COLUMN}": ${diff.reason}`);
    }
    values.splice(this.#diffIndex, 1);
    return rowEvent(m, i, value, values, diff, false);
  }

  /** A JSON message's row, preceded by a header event when its keys name the columns. */
  #decodeJson(m: Message, i: number, value: string, events: DecodedEvent[]): void {
    let object: unknown;
    try {
      object = JSON.parse(value);
    } catch (e) {
      events.push(error(m, i, value, `invalid JSON: ${(e as Error).message}`));
      return;
    }
    if (typeof object !== "object" || object === null || Array.isArray(object)) {
      events.push(error(m, i, value, "expected a JSON object with one field per column"));
      return;
    }
    const fields = object as Record<string, unknown>;
    if (this.#columns === undefined) {
      const problem = checkColumns(Object.keys(fields));
      if (problem !== undefined) {
        events.push(error(m, i, value, problem));
        return;
      }
      const columns = Object.keys(fields).filter((key) => key !== DIFF_COLUMN);
      this.restore(columns);
      events.push({ kind: "header", columns, position: m.position, index: i });
    }
    events.push(this.#jsonRow(m, i, value, fields));
  }

  #jsonRow(m: Message, i: number, value: string, fields: Record<string, unknown>): DecodedEvent {
    let diff: 1 | -1 = 1;
    const field = fields[DIFF_COLUMN];
    if (field !== undefined) {
      const read = typeof field === "number" || typeof field === "string"
        ? readDiff(String(field))
        : { reason: `${JSON.stringify(field)} is not 1 (insert) or -1 (retract)` };
      if (typeof read !== "number") {
        return error(m, i, value, `field "${DIFF_COLUMN}": ${read.reason}`);
      }
      diff = read;
    }
    const values: string[] = [];
    for (const column of this.#columns ?? []) {
      const field = fields[column];
      if (typeof field === "number" || typeof field === "string") {
        values.push(String(field));
      } else {
        const what = field === undefined ? "missing" : `not a number or string (${typeof field})`;
        return error(m, i, value, `field "${column}" is ${what}`);
      }
    }
    return rowEvent(m, i, value, values, diff, false);
  }
}

function stripCr(value: string): string {
  return value.endsWith("\r") ? value.slice(0, -1) : value;
}

function rowEvent(
  m: Message,
  index: number,
  raw: string,
  values: readonly string[],
  diff: 1 | -1,
  split: boolean,
): RowEvent {
  const { position, timestamp } = m;
  return timestamp === undefined
    ? { kind: "row", values, diff, position, raw, index, split }
    : { kind: "row", values, diff, position, raw, timestamp, index, split };
}

function commitEvent(message: Message, index: number): CommitEvent {
  const { position, timestamp } = message;
  return timestamp === undefined
    ? { kind: "commit", position, index }
    : { kind: "commit", position, index, timestamp };
}

/** A `diff` value: 1 or −1 in any decimal notation. */
function readDiff(text: string): 1 | -1 | { reason: string } {
  const value = parseNumber(text);
  if (value === 1 || value === -1) return value;
  return { reason: `${JSON.stringify(text)} is not 1 (insert) or -1 (retract)` };
}

function error(message: Message, index: number, raw: string, reason: string): DecodeErrorEvent {
  return { kind: "error", position: message.position, reason, raw, index };
}

/** Why a header cannot name the columns, if it cannot. */
function checkColumns(columns: readonly string[]): string | undefined {
  if (columns.every((c) => c === DIFF_COLUMN)) return `no column names besides "${DIFF_COLUMN}"`;
  if (columns.some((c) => c.trim() === "")) return "a column name is empty";
  const duplicate = columns.find((c, i) => columns.indexOf(c) !== i);
  if (duplicate !== undefined) return `column "${duplicate}" is named twice`;
  return undefined;
}

/** One message's records, or csv-parse's complaint. */
function parseOne(text: string): string[][] | string {
  try {
    return parse(text, { relax_column_count: true }) as string[][];
  } catch (e) {
    return (e as Error).message;
  }
}
