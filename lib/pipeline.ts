/**
 * The whole regression run as a pure state machine: batches of messages in; the rows to log, the
 * change rows of the fit and the errors out. It knows nothing of Kafka or files: a shell feeds it
 * batches from any source and writes what it returns to the sinks.
 *
 * Data flows one way: message → decoded event → pending rows → (at `*COMMIT*`) regression
 * state → fit → change rows.
 *
 * @module
 */

import { Changelog, type ChangeRow } from "./changelog.ts";
import { Decoder, type Format, type Message, parseNumber } from "./protocol.ts";
import { Regression } from "./regression.ts";

/** Options of a {@linkcode Pipeline}. */
export interface PipelineOptions {
  /** The encoding of message values. */
  readonly format: Format;
  /** The column of x. Default `x`. */
  readonly x?: string;
  /** The column of y. Default `y`. */
  readonly y?: string;
  /** Stop at the commit that brings the commit counter to this number. */
  readonly maxCommits?: number;
}

/** A received row, logged once its commit arrives. */
export interface InputRow {
  /** The values as received, in column order. */
  readonly values: readonly string[];
  /** The commit number. */
  readonly time: number;
  /** Always 1: a received row is an insertion. */
  readonly diff: 1;
}

/** A message that could not be used, with where it was and why. */
export interface ErrorRow {
  readonly position: string;
  readonly reason: string;
  readonly raw: string;
}

/** What one batch produced. */
export interface Output {
  /** The input columns, in the batch in which they became known. */
  readonly columns?: readonly string[];
  /** Rows committed in this batch. */
  readonly inputRows: InputRow[];
  /** Change rows of the fit `a, b`. */
  readonly changes: ChangeRow[];
  /** Messages that could not be used. */
  readonly errors: ErrorRow[];
  /**
   * The index in the batch of the last `*COMMIT*` message, −1 if none: every message up to it is
   * accounted for (logged or reported), so a source may acknowledge it.
   */
  lastCommitIndex: number;
}

/** What a checkpoint holds: enough to resume a run where it stopped. */
interface CheckpointData {
  readonly v: 1;
  readonly columns: readonly string[];
  readonly commits: number;
  readonly rows: number;
  readonly state: Readonly<Regression>;
  readonly fit: readonly number[] | null;
}

/** Running totals of a {@linkcode Pipeline}. */
export interface Counts {
  /** Rows committed. */
  rows: number;
  /** `*COMMIT*` messages seen. */
  commits: number;
  /** Messages that could not be used. */
  errors: number;
  /** Rows received that no commit has closed yet. */
  pending: number;
}

/** The columns of the fit in the change stream. */
export const FIT_COLUMNS: readonly string[] = ["a", "b"];

interface PendingRow {
  readonly values: readonly string[];
  readonly x: number;
  readonly y: number;
}

/**
 * The regression run over a message stream.
 *
 * @example
 * ```ts
 * import { Pipeline } from "./pipeline.ts";
 * const run = new Pipeline({ format: "csv" });
 * const out = run.process([
 *   { value: "x,y", position: "1" },
 *   { value: "0,1", position: "2" },
 *   { value: "*COMMIT*", position: "3" },
 * ]);
 * out.inputRows; // [{ values: ["0", "1"], time: 0, diff: 1 }]
 * out.changes; // [{ values: [0, 0], time: 0, diff: 1 }]
 * ```
 */
export class Pipeline {
  readonly #decoder: Decoder;
  readonly #xName: string;
  readonly #yName: string;
  readonly #state = new Regression();
  readonly #changelog = new Changelog();
  #xIndex = -1;
  #yIndex = -1;
  #pending: PendingRow[] = [];
  #fatal: string | undefined;
  readonly #maxCommits: number;
  readonly #counts: Counts = { rows: 0, commits: 0, errors: 0, pending: 0 };

  /** Makes a run that has seen nothing yet; check {@linkcode Pipeline.fatal} before feeding it. */
  constructor(options: PipelineOptions) {
    this.#decoder = new Decoder({ format: options.format });
    this.#xName = options.x ?? "x";
    this.#yName = options.y ?? "y";
    this.#maxCommits = options.maxCommits ?? Infinity;
    if (this.#decoder.columns !== undefined) this.#bindColumns(this.#decoder.columns, "start");
  }

  /**
   * Why the run cannot go on (the columns hold no x or y), if so. Once set, `process` ignores its
   * input: the shell must stop and report it, without acknowledging the unprocessed messages.
   */
  get fatal(): string | undefined {
    return this.#fatal;
  }

  /** Whether the commit counter reached `maxCommits`: `process` ignores further input. */
  get done(): boolean {
    return this.#counts.commits >= this.#maxCommits;
  }

  /** The running totals. */
  get counts(): Readonly<Counts> {
    return { ...this.#counts, pending: this.#pending.length };
  }

  /** The input columns, once known. */
  get columns(): readonly string[] | undefined {
    return this.#decoder.columns;
  }

  /** Processes one batch of messages, in order. */
  process(messages: readonly Message[]): Output {
    const out: { columns?: readonly string[] } & Output = emptyOutput();
    if (this.#fatal !== undefined || this.done) return out;
    const events = this.#decoder.decode(messages);
    for (const event of events) {
      switch (event.kind) {
        case "header":
          out.columns = event.columns;
          this.#bindColumns(event.columns, event.position);
          if (this.#fatal !== undefined) return out;
          break;
        case "row": {
          const x = parseNumber(event.values[this.#xIndex]);
          const y = parseNumber(event.values[this.#yIndex]);
          const bad = typeof x !== "number"
            ? `column "${this.#xName}": ${x.reason}`
            : typeof y !== "number"
            ? `column "${this.#yName}": ${y.reason}`
            : undefined;
          if (bad !== undefined) {
            this.#error(out, event.position, bad, event.raw);
          } else {
            this.#pending.push({ values: event.values, x: x as number, y: y as number });
          }
          break;
        }
        case "commit":
          this.#commit(out);
          out.lastCommitIndex = event.index;
          if (this.done) return out;
          break;
        case "error":
          this.#error(out, event.position, event.reason, event.raw);
          break;
      }
    }
    return out;
  }

  /**
   * Ends the run: rows that no `*COMMIT*` closed are reported as errors (nothing is lost
   * silently) and dropped.
   */
  finish(): Output {
    const out = emptyOutput();
    for (const row of this.#pending) {
      this.#error(
        out,
        "end of input",
        "no *COMMIT* followed this row before the input ended, so it was not counted",
        row.values.join(","),
      );
    }
    this.#pending = [];
    return out;
  }

  /**
   * Closes the pending rows into a commit as a `*COMMIT*` message would (the shell's autocommit,
   * when no `*COMMIT*` came for a while).
   */
  commitPending(): Output {
    const out = emptyOutput();
    if (this.#fatal === undefined && this.#pending.length > 0) this.#commit(out);
    return out;
  }

  /**
   * The committed state as text (a few hundred bytes of JSON): the columns, the counters, the
   * regression state and the current fit. Pending rows are not in it: a source that resumes from
   * a checkpoint must re-deliver the messages after the last `*COMMIT*`.
   */
  checkpoint(): string | undefined {
    const columns = this.#decoder.columns;
    if (columns === undefined) return undefined;
    const data: CheckpointData = {
      v: 1,
      columns,
      commits: this.#counts.commits,
      rows: this.#counts.rows,
      state: this.#state,
      fit: this.#changelog.current ?? null,
    };
    return JSON.stringify(data);
  }

  /**
   * Resumes from a {@linkcode Pipeline.checkpoint} of a run with the same options. Returns why
   * the checkpoint cannot be used, or undefined when it was restored.
   */
  restore(checkpoint: string): string | undefined {
    let data: CheckpointData;
    try {
      data = JSON.parse(checkpoint);
    } catch {
      return "the checkpoint is not JSON";
    }
    if (data?.v !== 1 || !Array.isArray(data.columns) || typeof data.commits !== "number") {
      return "the checkpoint is not one of this version of kafka-regression";
    }
    this.#decoder.restore(data.columns);
    this.#bindColumns(data.columns, "the checkpoint");
    Object.assign(this.#state, data.state);
    this.#changelog.restore(data.fit ?? undefined);
    this.#counts.commits = data.commits;
    this.#counts.rows = data.rows;
    return this.#fatal;
  }

  #bindColumns(columns: readonly string[], position: string): void {
    this.#xIndex = columns.indexOf(this.#xName);
    this.#yIndex = columns.indexOf(this.#yName);
    const missing = [this.#xName, this.#yName].filter((c) => !columns.includes(c));
    if (missing.length > 0) {
      this.#fatal = `at ${position}: the columns are ${columns.join(",")}, with no ` +
        `${missing.map((c) => `"${c}"`).join(" or ")} to fit; send a header naming them, ` +
        `or choose the columns with --x and --y`;
    }
  }

  #commit(out: Output): void {
    const time = this.#counts.commits++;
    for (const row of this.#pending) {
      this.#state.add(row.x, row.y);
      out.inputRows.push({ values: row.values, time, diff: 1 });
    }
    this.#counts.rows += this.#pending.length;
    this.#pending = [];
    const { a, b } = this.#state.fit();
    for (const change of this.#changelog.next([a, b], time)) out.changes.push(change);
  }

  #error(out: Output, position: string, reason: string, raw: string): void {
    this.#counts.errors++;
    out.errors.push({ position, reason, raw });
  }
}

function emptyOutput(): Output {
  return { inputRows: [], changes: [], errors: [], lastCommitIndex: -1 };
}
