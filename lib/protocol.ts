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
 * commit. Bad input becomes an `error` event carrying the reason and the position — never a thrown
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
}

/** The column names arrived. */
export interface HeaderEvent {
  readonly kind: "header";
  readonly columns: readonly string[];
  readonly position: string;
}

/** A row arrived; it counts once a commit follows. `values` are the received strings. */
export interface RowEvent {
  readonly kind: "row";
  readonly values: readonly string[];
  readonly position: string;
  /** The message as received. */
  readonly raw: string;
}

/** A `*COMMIT*` message closed the pending rows. */
export interface CommitEvent {
  readonly kind: "commit";
  readonly position: string;
  /** The index of the `*COMMIT*` message in its batch. */
  readonly index: number;
}

/** A message could not be decoded. */
export interface ErrorEvent {
  readonly kind: "error";
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
  /** JSON only: the fields to read; by default the keys of the first object. */
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
 * ```
 */
export class Decoder {
  readonly #format: Format;
  #columns: readonly string[] | undefined;

  /** Makes a decoder that has seen no message yet. */
  constructor(options: DecoderOptions) {
    this.#format = options.format;
    this.#columns = options.format === "raw" ? ["data"] : options.columns;
  }

  /** The column names, once known: from the header (csv), the options or first object (json). */
  get columns(): readonly string[] | undefined {
    return this.#columns;
  }

  /** Takes the columns as known, e.g. from a checkpoint: the next message is a row. */
  restore(columns: readonly string[]): void {
    this.#columns = columns;
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
          m.value === COMMIT
            ? { kind: "commit", position: m.position, index }
            : { kind: "row", values: [m.value], position: m.position, raw: m.value }
        );
    }
  }

  #decodeCsv(messages: readonly Message[]): Event[] {
    const events: Event[] = new Array(messages.length);
    // Plain records (no quotes, no line breaks) are parsed together in one csv-parse call, which
    // costs a fraction of one call per message; each then stands on a line of its own.
    const plain: number[] = [];
    for (let i = 0; i < messages.length; i++) {
      const { value, position } = messages[i];
      if (value === COMMIT) {
        events[i] = { kind: "commit", position, index: i };
      } else if (this.#columns === undefined) {
        events[i] = this.#header(messages[i]);
      } else if (value.trim() === "") {
        events[i] = error(messages[i], "empty message; expected a CSV record or *COMMIT*");
      } else if (NEEDS_CSV_QUOTING.test(value)) {
        events[i] = this.#row(messages[i], parseOne(value));
      } else {
        plain.push(i);
      }
    }
    if (plain.length > 0) {
      const records = parseMany(plain.map((i) => messages[i].value).join("\n"));
      plain.forEach((messageIndex, k) => {
        const message = messages[messageIndex];
        const record = records !== undefined && records.length === plain.length
          ? [records[k]]
          : parseOne(message.value);
        events[messageIndex] = this.#row(message, record);
      });
    }
    return events;
  }

  #header(message: Message): Event {
    const records = parseOne(message.value);
    if (typeof records === "string") return error(message, `unreadable header: ${records}`);
    if (records.length !== 1) {
      return error(message, "the header must be one CSV line of column names");
    }
    const columns = records[0];
    const problem = checkColumns(columns);
    if (problem !== undefined) return error(message, problem);
    this.#columns = columns;
    return { kind: "header", columns, position: message.position };
  }

  #row(message: Message, records: string[][] | string): Event {
    if (typeof records === "string") return error(message, `unreadable CSV: ${records}`);
    if (records.length !== 1) {
      return error(
        message,
        `one message must hold one CSV record, this one holds ${records.length}`,
      );
    }
    const columns = this.#columns ?? [];
    const values = records[0];
    if (values.length !== columns.length) {
      return error(
        message,
        `expected ${columns.length} fields (${columns.join(",")}), got ${values.length}`,
      );
    }
    return { kind: "row", values, position: message.position, raw: message.value };
  }

  /** A JSON message's row, preceded by a header event when its keys name the columns. */
  #decodeJson(message: Message, index: number): Event[] | Event {
    const { value, position } = message;
    if (value === COMMIT) return { kind: "commit", position, index };
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
      const columns = Object.keys(fields);
      const problem = checkColumns(columns);
      if (problem !== undefined) return error(message, problem);
      this.#columns = columns;
      return [{ kind: "header", columns, position }, this.#decodeJson(message, index) as Event];
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
    return { kind: "row", values, position, raw: value };
  }
}

function error(message: Message, reason: string): ErrorEvent {
  return { kind: "error", position: message.position, reason, raw: message.value };
}

function checkColumns(columns: readonly string[]): string | undefined {
  if (columns.length === 0) return "no column names";
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

function parseMany(text: string): string[][] | undefined {
  const records = parseOne(text);
  return typeof records === "string" ? undefined : records;
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
