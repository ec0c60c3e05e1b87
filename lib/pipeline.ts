/**
 * The whole regression run as a pure state machine: batches of messages in; the rows to log, the
 * change rows of the fit and the errors out. It knows nothing of Kafka or files: a shell feeds it
 * batches from any source and writes what it returns to the sinks.
 *
 * Data flows one way: message → decoded event → design row (the model) → pending rows → (at
 * `*COMMIT*`) least-squares state (and window) → fit → change rows.
 *
 * @module
 */

import { Changelog, type ChangeRow } from "./changelog.ts";
import { checkModelOptions, type DesignRow, Model, type ModelOptions } from "./model.ts";
import { Decoder, type Format, type Message } from "./protocol.ts";
import { LeastSquares, LeastSquaresError, type LeastSquaresJSON } from "./least_squares.ts";
import { Window, type WindowSpec } from "./window.ts";

/**
 * The largest checkpoint {@linkcode Pipeline.checkpoint} writes, in UTF-8 bytes, unless told
 * otherwise: Kafka keeps the checkpoint as the metadata of the committed offsets, which brokers
 * limit to 4096 bytes by default (`offset.metadata.max.bytes`).
 */
export const MAX_CHECKPOINT_BYTES = 4096;

/** Options of a {@linkcode Pipeline}. */
export interface PipelineOptions {
  /** The encoding of message values. */
  readonly format: Format;
  /** What to fit; by default `y` on every other column, with an intercept, without statistics. */
  readonly model?: ModelOptions;
  /** Fit only the rows of a sliding window (the last N rows, or the last MS milliseconds). */
  readonly window?: WindowSpec;
  /** Stop at the commit that brings the commit counter to this number. */
  readonly maxCommits?: number;
  /** The largest checkpoint in UTF-8 bytes. Default {@linkcode MAX_CHECKPOINT_BYTES}. */
  readonly maxCheckpointBytes?: number;
}

/** A committed row, as the input log shows it. */
export interface InputRow {
  /** The values as received, in column order (without `diff`). */
  readonly values: readonly string[];
  /** The commit number. */
  readonly time: number;
  /** 1: the row was inserted; −1: it retracted an earlier row with these values. */
  readonly diff: 1 | -1;
}

/** A message that could not be used, with where it was and why. */
export interface ErrorRow {
  /** Where: `file:line`, `topic/partition@offset`, or `end of input`. */
  readonly position: string;
  /** Why, for a person. */
  readonly reason: string;
  /** The message as received. */
  readonly raw: string;
}

/** What one batch produced. */
export interface Output {
  /** The input columns (without `diff`), in the batch in which they became known. */
  readonly columns?: readonly string[];
  /** Rows committed in this batch. */
  readonly inputRows: InputRow[];
  /** Change rows of the fit, in the columns of {@linkcode Pipeline.outputColumns}. */
  readonly changes: ChangeRow[];
  /** Messages that could not be used. */
  readonly errors: ErrorRow[];
  /**
   * The index in the batch of the last `*COMMIT*` message, −1 if none: every message up to it is
   * accounted for (logged or reported), so a source may acknowledge it.
   */
  lastCommitIndex: number;
}

/** A checkpoint's text, or why the run cannot write one. */
export type Checkpoint = { readonly text: string } | { readonly problem: string };

/** What a checkpoint holds: enough to resume a run where it stopped. */
interface CheckpointData {
  readonly v: 2;
  /** The header as received (with `diff` when it named one), null before it arrived. */
  readonly header: readonly string[] | null;
  /** What the run fitted ({@linkcode Model.describe}), null before the header arrived. */
  readonly model: string | null;
  readonly commits: number;
  readonly rows: number;
  readonly state: LeastSquaresJSON | null;
  /** Whether a fit was written to the change stream (it is the state's: not stored twice). */
  readonly fitted: boolean;
}

/** Running totals of a {@linkcode Pipeline}. */
export interface Counts {
  /** Rows committed (insertions and retractions). */
  rows: number;
  /** `*COMMIT*` messages seen. */
  commits: number;
  /** Messages that could not be used. */
  errors: number;
  /** Rows received that no commit has closed yet. */
  pending: number;
}

interface PendingRow {
  readonly values: readonly string[];
  readonly row: DesignRow;
  readonly diff: 1 | -1;
  readonly position: string;
  readonly raw: string;
  readonly timestamp?: number;
}

/**
 * The regression run over a message stream.
 *
 * At each `*COMMIT*` the rows received since the previous one are applied in order — an
 * insertion adds its row to the least-squares state, a retraction (`diff` −1) removes it — then
 * the rows that left the window, if any, are removed, and the fit is compared with the previous
 * one: a change becomes change rows. A retraction that cannot apply is an error row and changes
 * nothing: without a window when the state holds no row (its sums can tell that the count would
 * go below zero, not whether the row was ever added); with a window when no row with the same
 * values is inside it.
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
 * run.outputColumns; // ["a", "b"]
 * out.inputRows; // [{ values: ["0", "1"], time: 0, diff: 1 }]
 * out.changes; // [{ values: [0, 0], time: 0, diff: 1 }]
 * ```
 */
export class Pipeline {
  readonly #decoder: Decoder;
  readonly #modelOptions: ModelOptions;
  readonly #window: Window<DesignRow> | undefined;
  readonly #changelog = new Changelog();
  readonly #maxCommits: number;
  readonly #maxCheckpointBytes: number;
  // `pending` is derived from the pending rows, so it is not kept here.
  readonly #counts: Omit<Counts, "pending"> = { rows: 0, commits: 0, errors: 0 };
  #model: Model | undefined;
  #state: LeastSquares | undefined;
  #pending: PendingRow[] = [];
  #fatal: string | undefined;

  /**
   * Makes a run that has seen nothing yet; check {@linkcode Pipeline.fatal} before feeding it.
   *
   * @throws {RangeError} when the window's length is not positive.
   */
  constructor(options: PipelineOptions) {
    this.#decoder = new Decoder({ format: options.format });
    this.#modelOptions = options.model ?? {};
    this.#window = options.window && new Window(options.window);
    this.#maxCommits = options.maxCommits ?? Infinity;
    this.#maxCheckpointBytes = options.maxCheckpointBytes ?? MAX_CHECKPOINT_BYTES;
    const problem = checkModelOptions(this.#modelOptions);
    if (problem !== undefined) {
      this.#fatal = `at start: ${problem}`;
    } else if (this.#decoder.columns !== undefined) {
      this.#bindColumns(this.#decoder.columns, "start");
    }
  }

  /**
   * Why the run cannot go on (the columns hold no target or feature to fit), if so. Once set,
   * `process` ignores its input: the shell must stop and report it, without acknowledging the
   * unprocessed messages.
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

  /** The input columns (without `diff`), once known. */
  get columns(): readonly string[] | undefined {
    return this.#decoder.columns;
  }

  /** The change stream's columns (before `time,diff`), once the input columns are known. */
  get outputColumns(): readonly string[] | undefined {
    return this.#model?.columns;
  }

  /** The model, once bound to the input columns. */
  get model(): Model | undefined {
    return this.#model;
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
          const timestamp = event.timestamp;
          const timed = this.#window?.timed === true;
          if (timed && timestamp !== undefined) this.#window?.advance(timestamp);
          const row = this.#model?.read(event.values) ??
            { reason: "no columns are known to read this row by" }; // rows follow a header
          if ("reason" in row) {
            this.#error(out, event.position, row.reason, event.raw);
          } else if (timed && !Number.isFinite(timestamp)) {
            this.#error(
              out,
              event.position,
              "the message has no timestamp, which a time window (--window-ms) needs",
              event.raw,
            );
          } else {
            const { values, diff, position, raw } = event;
            this.#pending.push({ values, row, diff, position, raw, timestamp });
          }
          break;
        }
        case "commit":
          if (event.timestamp !== undefined) this.#window?.advance(event.timestamp);
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
        row.raw,
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
   * The committed state as text: the header, the counters and the least-squares state (exact;
   * the current fit is recomputed from it). Pending rows are not in it: a source that resumes
   * from a checkpoint must re-deliver the messages after the last `*COMMIT*`.
   *
   * No checkpoint can be written — the result says why — when a window is active (its rows would
   * have to be kept, and they do not fit in the few kilobytes a checkpoint may take), or when the
   * text exceeds `maxCheckpointBytes` (about 15 features fit in Kafka's 4096 bytes; the state
   * grows with the square of their number).
   */
  checkpoint(): Checkpoint {
    if (this.#window !== undefined) {
      return {
        problem: `${describeWindow(this.#window.spec)} needs its rows to resume, and a ` +
          `checkpoint (at most ${this.#maxCheckpointBytes} bytes) cannot hold them`,
      };
    }
    const data: CheckpointData = {
      v: 2,
      header: this.#decoder.header ?? null,
      model: this.#model?.describe() ?? null,
      commits: this.#counts.commits,
      rows: this.#counts.rows,
      state: this.#state?.toJSON() ?? null,
      fitted: this.#changelog.current !== undefined,
    };
    const text = JSON.stringify(data);
    const bytes = new TextEncoder().encode(text).length;
    if (bytes > this.#maxCheckpointBytes) {
      return {
        problem: `the checkpoint of a fit with ${this.#model?.k} coefficients takes ${bytes} ` +
          `bytes, more than the ${this.#maxCheckpointBytes} a checkpoint may take`,
      };
    }
    return { text };
  }

  /**
   * Resumes from a {@linkcode Pipeline.checkpoint} of a run with the same options. Returns why
   * the checkpoint cannot be used, or undefined when it was restored.
   */
  restore(checkpoint: string): string | undefined {
    const startOver = "start over with another consumer group (-X group.id=…)";
    let data: CheckpointData;
    try {
      data = JSON.parse(checkpoint);
    } catch {
      return "the checkpoint is not JSON";
    }
    if (
      data?.v !== 2 || !(data.header === null || Array.isArray(data.header)) ||
      typeof data.commits !== "number" || typeof data.rows !== "number"
    ) {
      return `the checkpoint is not one of this version of kafka-regression: ${startOver}`;
    }
    if (this.#window !== undefined) {
      return `${describeWindow(this.#window.spec)} needs its rows to resume, and a checkpoint ` +
        `does not hold them: ${startOver}`;
    }
    if (data.header !== null) {
      this.#decoder.restore(data.header);
      this.#bindColumns(this.#decoder.columns ?? [], "the checkpoint");
      const model = this.#model;
      if (this.#fatal !== undefined || model === undefined) return this.#fatal;
      if (data.model !== model.describe()) {
        return `the checkpoint is of a run that fitted ${data.model}; this run fits ` +
          `${model.describe()}: run with the same options, or ${startOver}`;
      }
      let state: LeastSquares;
      try {
        state = LeastSquares.fromJSON(data.state);
      } catch (e) {
        if (!(e instanceof LeastSquaresError)) throw e;
        return `the checkpoint's state is damaged (${e.message}): ${startOver}`;
      }
      if (state.k !== model.k || state.intercept !== model.intercept) {
        return `the checkpoint's state does not match its model: ${startOver}`;
      }
      this.#state = state;
      this.#changelog.restore(data.fitted ? model.values(state) : undefined);
    }
    this.#counts.commits = data.commits;
    this.#counts.rows = data.rows;
    return undefined;
  }

  #bindColumns(columns: readonly string[], position: string): void {
    const model = Model.bind(this.#modelOptions, columns);
    if (!(model instanceof Model)) {
      this.#fatal = `at ${position}: ${model.problem}`;
      return;
    }
    this.#model = model;
    this.#state = new LeastSquares(model.k, { intercept: model.intercept });
  }

  #commit(out: Output): void {
    const time = this.#counts.commits++;
    const state = this.#state;
    const model = this.#model;
    const pending = this.#pending;
    this.#pending = [];
    if (state === undefined || model === undefined) return; // no header yet: nothing to fit
    const window = this.#window;
    for (const p of pending) {
      if (p.diff === 1) {
        state.add(p.row.x, p.row.y);
        window?.push(p.row, p.timestamp);
      } else {
        const refused = this.#retract(state, p.row);
        if (refused !== undefined) {
          this.#error(out, p.position, refused, p.raw);
          continue;
        }
      }
      out.inputRows.push({ values: p.values, time, diff: p.diff });
      this.#counts.rows++;
    }
    if (window !== undefined) {
      for (const gone of window.evict()) state.remove(gone.x, gone.y);
    }
    for (const change of this.#changelog.next(model.values(state), time)) out.changes.push(change);
  }

  /** Removes a retracted row from the state (and the window); returns why not, if refused. */
  #retract(state: LeastSquares, row: DesignRow): string | undefined {
    const window = this.#window;
    if (window !== undefined) {
      const held = window.take((r) => r.y === row.y && r.x.every((v, j) => v === row.x[j]));
      if (held === undefined) {
        return "retraction of a row that is not in the window (it has left the window, or was " +
          "never added); the fit is unchanged: retract only rows the window still holds";
      }
      state.remove(held.x, held.y);
      return undefined;
    }
    if (state.count === 0) {
      return "retraction while the fit holds no row: the count would go below zero, so the fit " +
        "is unchanged; send a retraction after the row it retracts (the fit keeps sums, not " +
        "rows, so it can only tell that nothing is left to retract)";
    }
    state.remove(row.x, row.y);
    return undefined;
  }

  #error(out: Output, position: string, reason: string, raw: string): void {
    this.#counts.errors++;
    out.errors.push({ position, reason, raw });
  }
}

function describeWindow(spec: WindowSpec): string {
  return "rows" in spec
    ? `a window of the last ${spec.rows} rows`
    : `a window of the last ${spec.ms} ms`;
}

function emptyOutput(): Output {
  return { inputRows: [], changes: [], errors: [], lastCommitIndex: -1 };
}
