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
export interface ErrorEvent {
  /** The event's type. */
  readonly kind: "error";
  /** Where the message came from. */
  readonly position: string;
  /** What was wrong, for a person. */
  readonly reason: string;
  /** The message as received. */
  readonly raw: string;
}

/** What a message decodes to. */
export type Event = HeaderEvent | RowEvent | CommitEvent | ErrorEvent;

/** Options of a {@linkcode Decoder}. */
export interface DecoderOptions {
  /** The encoding of message values. */
  readonly format: Format;
  /** JSON only: the fields to read (besides `diff`); by default the keys of the first object. */
  readonly columns?: readonly string[];
}

const NEEDS_CSV_QUOTING = /["\r\n]/;

/**
 * Decodes messages into events, batch by batch, remembering the header between batches.
 *
 * @example
 * ```ts
 * import { Decoder } from "./protocol.ts";
 * const decoder = new Decoder({ format: "csv" });
 * decoder.decode([
 *   { value: "x,y", position: "stdin:1" },
 *   { value: "0,0.5", position: "stdin:2" },
 *   { value: "*COMMIT*", position: "stdin:3" },
 * ]);
 * // [{ kind: "header", columns: ["x", "y"], ... }, { kind: "row", values: ["0", "0.5"], ... },
 * //  { kind: "commit", ... }]
 * decoder.decode([{ value: "0,0.5", position: "stdin:4" }]); // a row with diff: 1
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

  /** Decodes a batch of messages, in order, into events. */
  decode(messages: readonly Message[]): Event[] {
    switch (this.#format) {
      case "csv":
        return this.#decodeCsv(messages);
      case "json":
        return messages.flatMap((m, index) => this.#decodeJson(m, index));
      case "raw":
        return messages.map((m, index) =>
          m.value === COMMIT ? commitEvent(m, index) : rowEvent(m, [m.value], 1)
        );
    }
  }

  #decodeCsv(messages: readonly Message[]): Event[] {
    const events: Event[] = new Array(messages.length);
    for (let i = 0; i < messages.length; i++) {
      const { value } = messages[i];
      if (value === COMMIT) {
        events[i] = commitEvent(messages[i], i);
      } else if (this.#header === undefined) {
        events[i] = this.#decodeHeader(messages[i]);
      } else if (value.trim() === "") {
        events[i] = error(messages[i], "empty message; expected a CSV record or *COMMIT*");
      } else if (NEEDS_CSV_QUOTING.test(value)) {
        events[i] = this.#row(messages[i], parseOne(value));
      } else {
        // Without quotes or line breaks a record is its fields between commas: exactly what
        // csv-parse returns for it (tests/protocol_test.ts checks this on random records), at a
        // fiftieth of the cost of a csv-parse call, which runs ≈ 50 µs however short its input.
        events[i] = this.#row(messages[i], [value.split(",")]);
      }
    }
    return events;
  }

  #decodeHeader(message: Message): Event {
    const records = parseOne(message.value);
    if (typeof records === "string") return error(message, `unreadable header: ${records}`);
    if (records.length !== 1) {
      return error(message, "the header must be one CSV line of column names");
    }
    const header = records[0];
    const problem = checkColumns(header);
    if (problem !== undefined) return error(message, problem);
    this.restore(header);
    return { kind: "header", columns: this.#columns ?? [], position: message.position };
  }

  #row(message: Message, records: string[][] | string): Event {
    if (typeof records === "string") return error(message, `unreadable CSV: ${records}`);
    if (records.length !== 1) {
      return error(
        message,
        `one message must hold one CSV record, this one holds ${records.length}`,
      );
    }
    const header = this.#header ?? [];
    const values = records[0];
    if (values.length !== header.length) {
      return error(
        message,
        `expected ${header.length} fields (${header.join(",")}), got ${values.length}`,
      );
    }
    if (this.#diffIndex < 0) return rowEvent(message, values, 1);
    const diff = readDiff(values[this.#diffIndex]);
    if (typeof diff !== "number") return error(message, `column "${DIFF_COLUMN}": ${diff.reason}`);
    values.splice(this.#diffIndex, 1);
    return rowEvent(message, values, diff);
  }

  /** A JSON message's row, preceded by a header event when its keys name the columns. */
  #decodeJson(message: Message, index: number): Event[] | Event {
    const { value, position } = message;
    if (value === COMMIT) return commitEvent(message, index);
    let object: unknown;
    try {
      object = JSON.parse(value);
    } catch (e) {
      return error(message, `invalid JSON: ${(e as Error).message}`);
    }
    if (typeof object !== "object" || object === null || Array.isArray(object)) {
      return error(message, "expected a JSON object with one field per column");
    }
    const fields = object as Record<string, unknown>;
    if (this.#columns === undefined) {
      const problem = checkColumns(Object.keys(fields));
      if (problem !== undefined) return error(message, problem);
      const columns = Object.keys(fields).filter((key) => key !== DIFF_COLUMN);
      this.restore(columns);
      return [{ kind: "header", columns, position }, this.#decodeJson(message, index) as Event];
    }
    let diff: 1 | -1 = 1;
    const field = fields[DIFF_COLUMN];
    if (field !== undefined) {
      const read = typeof field === "number" || typeof field === "string"
        ? readDiff(String(field))
        : { reason: `${JSON.stringify(field)} is not 1 (insert) or -1 (retract)` };
      if (typeof read !== "number") return error(message, `field "${DIFF_COLUMN}": ${read.reason}`);
      diff = read;
    }
    const values: string[] = [];
    for (const column of this.#columns) {
      const field = fields[column];
      if (typeof field === "number" || typeof field === "string") {
        values.push(String(field));
      } else {
        const what = field === undefined ? "missing" : `not a number or string (${typeof field})`;
        return error(message, `field "${column}" is ${what}`);
      }
    }
    return rowEvent(message, values, diff);
  }
}

function rowEvent(message: Message, values: readonly string[], diff: 1 | -1): RowEvent {
  const { position, value: raw, timestamp } = message;
  return timestamp === undefined
    ? { kind: "row", values, diff, position, raw }
    : { kind: "row", values, diff, position, raw, timestamp };
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

function error(message: Message, reason: string): ErrorEvent {
  return { kind: "error", position: message.position, reason, raw: message.value };
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

const DECIMAL = /^[+-]?(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?$/;

/**
 * Parses a number strictly: decimal or exponent notation only. Returns the number, or a reason
 * when the text is empty, blank, padded, hexadecimal, `NaN`, `Infinity` or overflows.
 *
 * @example
 * ```ts
 * import { parseNumber } from "./protocol.ts";
 * parseNumber("-1.5e3"); // -1500
 * parseNumber("0x10"); // { reason: '"0x10" is not a decimal number' }
 * ```
 */
export function parseNumber(text: string): number | { reason: string } {
  if (!DECIMAL.test(text)) {
    return { reason: `${JSON.stringify(text)} is not a decimal number` };
  }
  const value = Number(text);
  if (!Number.isFinite(value)) {
    return { reason: `${JSON.stringify(text)} overflows a 64-bit float` };
  }
  return value;
}
