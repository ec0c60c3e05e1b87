/**
 * The whole regression run as a pure state machine: batches of messages in; the rows to log, the
 * change rows of the fit and the errors out. It knows nothing of Kafka or files: a shell feeds it
 * batches from any source and writes what it returns to the sinks.
 *
 * Data flows one way: message → decoded event → design row (the model) → pending rows of its
 * partition → (at `*COMMIT*`) the partition's least-squares state (and window) → the merge of the
 * partitions' states → fit → change rows.
 *
 * @module
 */

import { Changelog, type ChangeRow } from "./changelog.ts";
import { CHECKPOINT_VERSION, type CheckpointData, encodeCheckpoint } from "./checkpoint.ts";
import { checkModelOptions, Model, type ModelOptions } from "./model.ts";
import { EarlyMessages, Partition } from "./partition.ts";
import { COMMIT, type DecodedEvent, Decoder, type Format, type Message } from "./protocol.ts";
import { LeastSquares, LeastSquaresError } from "./least_squares.ts";
import type { ErrorRow, InputRow } from "./rows.ts";
import type { WindowSpec } from "./window.ts";

export type { ErrorRow, InputRow } from "./rows.ts";

/**
 * The largest checkpoint {@linkcode Pipeline.checkpoint} writes, in UTF-8 bytes, unless told
 * otherwise: Kafka keeps the checkpoint as the metadata of the committed offsets, which brokers
 * limit to 4096 bytes by default (`offset.metadata.max.bytes`).
 */
export const MAX_CHECKPOINT_BYTES = 4096;

/** How many rows may wait for a commit in one partition, unless told otherwise. */
export const DEFAULT_MAX_PENDING = 100_000;

/** How many messages may wait for the header, unless told otherwise. */
export const DEFAULT_MAX_EARLY = 100_000;

/** How far past the caller's clock a row's timestamp may be in a time window, unless told. */
export const DEFAULT_MAX_FUTURE_MS = 60_000;

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
  /**
   * The columns, known up front: no header message is needed (one that names exactly these
   * columns, as the first message of partition 0, is taken as the header all the same).
   */
  readonly columns?: readonly string[];
  /**
   * Close a partition's pending rows when a message of it arrives stamped this many ms or more
   * after the first pending row (and see {@linkcode Pipeline.autocommit}). 0 or absent: never.
   */
  readonly autocommitMs?: number;
  /** Close a partition's pending rows once this many wait. Default {@linkcode DEFAULT_MAX_PENDING}. */
  readonly maxPending?: number;
  /** How many messages may wait for the header. Default {@linkcode DEFAULT_MAX_EARLY}. */
  readonly maxEarly?: number;
  /** With a time window: the most a row's timestamp may be ahead of the caller's clock. */
  readonly maxFutureMs?: number;
}

/** Something the operator should hear of, besides the outputs. */
export type Note =
  | {
    readonly kind: "max-pending";
    readonly partition: number;
    readonly rows: number;
    readonly time: number;
  }
  | { readonly kind: "redelivered"; readonly partition: number; readonly messages: number };

/** What one batch produced. */
export interface Output {
  /** The input columns (without `diff`), in the batch in which they became known. */
  columns?: readonly string[];
  /** Rows committed in this batch. */
  readonly inputRows: InputRow[];
  /** Change rows of the fit, in the columns of {@linkcode Pipeline.outputColumns}. */
  readonly changes: ChangeRow[];
  /** Messages that could not be used. */
  readonly errors: ErrorRow[];
  /** What the operator should hear of. */
  readonly notes: Note[];
  /** Whether a commit happened (the checkpoints changed). */
  committed: boolean;
}

/** A checkpoint's text, or why the run cannot write one. */
export type Checkpoint = { readonly text: string } | { readonly problem: string };

/** Running totals of a {@linkcode Pipeline}. */
export interface Counts {
  /** Rows committed (insertions and retractions). */
  rows: number;
  /** Commits: the number of the next commit. */
  commits: number;
  /** Messages that could not be used. */
  errors: number;
  /** Rows received that no commit has closed yet. */
  pending: number;
}

/**
 * The regression run over a message stream.
 *
 * At each `*COMMIT*` the rows its partition received since the previous one are applied in order
 * — an insertion adds its row to the partition's least-squares state, a retraction (`diff` −1)
 * removes it — then the rows that left the window, if any, are removed, and the fit of the merged
 * states is compared with the previous one: a change becomes change rows at the commit's `time`,
 * the stream's commit counter. A retraction that cannot apply is an error row and changes
 * nothing: without a window when the state holds no row (its sums can tell that the count would
 * go below zero, not whether the row was ever added); with a window when no row with the same
 * values is inside it.
 *
 * Messages carry their partition and offset where the source has them: a message at an offset
 * the partition has already taken is skipped (a redelivery), so no row counts twice. The CSV
 * header is the first message of partition 0; messages of other partitions that arrive before it
 * wait (at most `maxEarly`).
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { Pipeline } from "./pipeline.ts";
 * const run = new Pipeline({ format: "csv" });
 * const out = run.process([
 *   { value: "x,y", position: "1" },
 *   { value: "0,1", position: "2" },
 *   { value: "*COMMIT*", position: "3" },
 * ]);
 * assert.deepEqual(run.outputColumns, ["a", "b"]);
 * assert.deepEqual(out.inputRows, [{ values: ["0", "1"], time: 0, diff: 1 }]);
 * assert.deepEqual(out.changes, [{ values: [0, 0], time: 0, diff: 1 }]);
 * ```
 */
export class Pipeline {
  readonly #decoder: Decoder;
  readonly #modelOptions: ModelOptions;
  readonly #window: WindowSpec | undefined;
  readonly #changelog = new Changelog();
  readonly #maxCommits: number;
  readonly #maxCheckpointBytes: number;
  readonly #autocommitMs: number;
  readonly #maxPending: number;
  readonly #maxFutureMs: number;
  readonly #early: EarlyMessages;
  readonly #partitions = new Map<number, Partition>();
  /** Partitions read elsewhere for now, kept in case they come back unchanged. */
  readonly #parked = new Map<number, Partition>();
  /** Columns given up front: the first message of partition 0 may still be the header. */
  #headerGiven: boolean;
  #time = 0;
  #rows = 0;
  #errors = 0;
  #model: Model | undefined;
  #fatal: string | undefined;

  /**
   * Makes a run that has seen nothing yet; check {@linkcode Pipeline.fatal} before feeding it.
   *
   * @throws {RangeError} when the window's length is not positive.
   */
  constructor(options: PipelineOptions) {
    this.#decoder = new Decoder({ format: options.format, columns: options.columns });
    this.#modelOptions = options.model ?? {};
    this.#window = options.window;
    this.#maxCommits = options.maxCommits ?? Infinity;
    this.#maxCheckpointBytes = options.maxCheckpointBytes ?? MAX_CHECKPOINT_BYTES;
    this.#autocommitMs = options.autocommitMs ?? 0;
    this.#maxPending = options.maxPending ?? DEFAULT_MAX_PENDING;
    this.#maxFutureMs = options.maxFutureMs ?? DEFAULT_MAX_FUTURE_MS;
    this.#early = new EarlyMessages(options.maxEarly ?? DEFAULT_MAX_EARLY);
    this.#headerGiven = options.format === "csv" && options.columns !== undefined;
    const problem = checkModelOptions(this.#modelOptions);
    if (problem !== undefined) {
      this.#fatal = `at start: ${problem}`;
    } else if (this.#decoder.columns !== undefined) {
      this.#bindColumns(this.#decoder.columns, "start");
    }
  }

  /**
   * Why the run cannot go on (the columns hold no target or feature to fit, or too many
   * messages wait for the header), if so. Once set, `process` ignores its input: the shell must
   * stop and report it, without acknowledging the unprocessed messages.
   */
  get fatal(): string | undefined {
    return this.#fatal;
  }

  /** Whether the commit counter reached `maxCommits`: `process` ignores further input. */
  get done(): boolean {
    return this.#time >= this.#maxCommits;
  }

  /** The running totals. */
  get counts(): Readonly<Counts> {
    let pending = 0;
    for (const p of this.#partitions.values()) pending += p.pending.length;
    return { rows: this.#rows, commits: this.#time, errors: this.#errors, pending };
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

  /** The current fit (the last change row's values), if one was written. */
  get fit(): readonly number[] | undefined {
    return this.#changelog.current;
  }

  /** The partitions held, in order. */
  get partitions(): number[] {
    return [...this.#partitions.keys()].sort((a, b) => a - b);
  }

  /**
   * Where a restart of `partition` must begin so that nothing is missed or repeated (every
   * message before it is accounted for), or undefined when nothing of it can be acknowledged
   * yet (no offset known, or its messages still wait for the header).
   */
  ackOffset(partition: number): number | undefined {
    if (this.#early.firstOffset(partition) !== undefined) return undefined;
    return this.#partitions.get(partition)?.ackOffset;
  }

  /**
   * Processes one batch of messages, in order. `now` is the caller's clock (ms since the
   * epoch), against which a time window refuses rows stamped in the future.
   */
  process(messages: readonly Message[], now?: number): Output {
    const out = emptyOutput();
    let start = 0;
    while (start < messages.length && !this.#stopped) {
      const partition = messages[start].partition ?? 0;
      let end = start + 1;
      while (end < messages.length && (messages[end].partition ?? 0) === partition) end++;
      this.#processPartition(partition, messages.slice(start, end), now, out);
      start = end;
    }
    return out;
  }

  /**
   * Closes the pending rows of `partition` into a commit as a `*COMMIT*` would: what the shell
   * calls when the partition has been quiet for `autocommitMs` at the live edge (caught up with
   * what the source holds). A `*COMMIT*` that then finds nothing pending closes nothing.
   */
  autocommit(partition: number): Output {
    const out = emptyOutput();
    const p = this.#partitions.get(partition);
    if (!this.#stopped && p !== undefined && p.pending.length > 0) this.#commit(p, out, true);
    return out;
  }

  /**
   * Takes a partition out of the fit: the source no longer reads it (another reader does). Its
   * state is kept aside, and {@linkcode Pipeline.unpark} brings it back if the partition comes
   * back where it left off.
   */
  drop(partition: number): void {
    const p = this.#partitions.get(partition);
    if (p !== undefined) this.#parked.set(partition, p);
    this.#partitions.delete(partition);
    this.#early.drop(partition);
  }

  /** Brings back a partition taken out by {@linkcode Pipeline.drop}, if it was. */
  unpark(partition: number): void {
    const p = this.#parked.get(partition);
    if (p === undefined) return;
    this.#parked.delete(partition);
    this.#partitions.set(partition, p);
  }

  /**
   * Ends the run: rows that no `*COMMIT*` closed are reported as errors (nothing is lost
   * silently) and dropped, with the errors held back behind them.
   */
  finish(): Output {
    const out = emptyOutput();
    for (const p of this.#partitions.values()) {
      for (let i = 0; i < p.pending.length; i++) {
        this.#error(
          out,
          "end of input",
          "no *COMMIT* followed this row before the input ended, so it was not counted",
          p.pending.at(i).raw,
        );
      }
      p.pending.clear();
      p.firstPendingOffset = undefined;
      this.#flushDeferred(p, out);
    }
    for (const [, messages] of this.#early.release()) {
      for (const m of messages) {
        this.#error(
          out,
          m.position,
          "the input ended before its header (the first message of partition 0) arrived",
          m.value,
        );
      }
    }
    return out;
  }

  /**
   * The committed state of `partition` as text (see `checkpoint.ts`): the header, the model,
   * the stream's counters and the partition's exact state. Pending rows are not in it: a source
   * that resumes from a checkpoint must re-deliver the messages from
   * {@linkcode Pipeline.ackOffset}.
   *
   * No checkpoint can be written — the result says why — when a window is active (its rows would
   * have to be kept, and they do not fit in the few kilobytes a checkpoint may take), or when the
   * text exceeds `maxCheckpointBytes` (about 15 features fit in Kafka's 4096 bytes; the state
   * grows with the square of their number).
   */
  checkpoint(partition: number): Checkpoint {
    if (this.#window !== undefined) {
      return {
        problem: `${describeWindow(this.#window)} needs its rows to resume, and a ` +
          `checkpoint (at most ${this.#maxCheckpointBytes} bytes) cannot hold them`,
      };
    }
    const p = this.#partitions.get(partition);
    const data: CheckpointData = {
      v: CHECKPOINT_VERSION,
      header: this.#decoder.header ?? null,
      model: this.#model?.describe() ?? null,
      time: this.#time,
      rows: this.#rows,
      fitted: this.#changelog.current !== undefined,
      partition: {
        commits: p?.commits ?? 0,
        rows: p?.rows ?? 0,
        state: p?.state.toJSON() ?? null,
        absorb: p?.absorb ?? false,
      },
    };
    const text = encodeCheckpoint(data);
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
   * Takes the stream's counters (`time`, rows) from a checkpoint, as a run that resumes the
   * stream does once before restoring its partitions. Returns why it cannot, or undefined.
   */
  resume(data: CheckpointData): string | undefined {
    const problem = this.#restoreHeader(data);
    if (problem !== undefined) return problem;
    this.#time = data.time;
    this.#rows = data.rows;
    return undefined;
  }

  /**
   * Restores `partition` from a checkpoint of a run with the same options, to go on from
   * `offset` (the offset the checkpoint was committed with). Returns why the checkpoint cannot
   * be used, or undefined when it was restored.
   */
  restore(partition: number, data: CheckpointData, offset?: number): string | undefined {
    const problem = this.#restoreHeader(data);
    if (problem !== undefined) return problem;
    const model = this.#model;
    if (model === undefined) return undefined; // a checkpoint from before the header
    let state: LeastSquares;
    try {
      state = LeastSquares.fromJSON(data.partition.state);
    } catch (e) {
      if (!(e instanceof LeastSquaresError)) throw e;
      return `the checkpoint's state is damaged (${e.message})`;
    }
    if (state.k !== model.k || state.intercept !== model.intercept) {
      return "the checkpoint's state does not match its model";
    }
    const p = new Partition(partition, model, this.#valuesOf, this.#window);
    p.state = state;
    p.commits = data.partition.commits;
    p.rows = data.partition.rows;
    p.absorb = data.partition.absorb === true;
    p.next = offset;
    this.#partitions.set(partition, p);
    this.#parked.delete(partition);
    this.#early.drop(partition);
    this.#time = Math.max(this.#time, data.time);
    if (data.fitted) this.#changelog.restore(model.values(this.#merged()));
    return undefined;
  }

  #restoreHeader(data: CheckpointData): string | undefined {
    if (this.#window !== undefined) {
      return `${describeWindow(this.#window)} needs its rows to resume, and a checkpoint ` +
        "does not hold them";
    }
    if (data.header === null) return undefined;
    if (this.#model === undefined) {
      this.#decoder.restore(data.header);
      this.#headerGiven = false;
      this.#bindColumns(this.#decoder.columns ?? [], "the checkpoint");
    }
    const model = this.#model;
    if (this.#fatal !== undefined || model === undefined) return this.#fatal;
    if (data.model !== model.describe()) {
      return `the checkpoint is of a run that fitted ${data.model}; this run fits ` +
        `${model.describe()}: run with the same options`;
    }
    return undefined;
  }

  get #stopped(): boolean {
    return this.#fatal !== undefined || this.done;
  }

  #processPartition(id: number, batch: Message[], now: number | undefined, out: Output): void {
    let messages = batch;
    const p = this.#partitions.get(id);
    const next = p?.next;
    if (next !== undefined && messages[0].offset !== undefined && messages[0].offset < next) {
      messages = messages.filter((m) => m.offset === undefined || m.offset >= next);
      out.notes.push({
        kind: "redelivered",
        partition: id,
        messages: batch.length - messages.length,
      });
      if (messages.length === 0) return;
    }
    if (this.#model === undefined && this.#headerFirst(id, messages)) {
      if (!this.#early.hold(id, messages)) {
        this.#fatal = `${this.#early.count + messages.length} messages arrived on partitions ` +
          `${[...new Set([...this.#early.partitions, id])].join(", ")} before the header ` +
          "(the first message of partition 0): give the columns up front";
      }
      return;
    }
    if (this.#headerGiven && id === 0) {
      this.#headerGiven = false;
      if (messages[0].offset === undefined || messages[0].offset === 0) {
        if (this.#decoder.isHeader(messages[0].value)) {
          this.#partitionOf(id).next = nextOffset(messages[0]);
          messages = messages.slice(1);
        }
      }
    }
    this.#apply(id, messages, this.#decoder.decode(messages), now, out);
  }

  /** Whether `messages` of partition `id` must wait: a CSV header is partition 0's to give. */
  #headerFirst(id: number, messages: readonly Message[]): boolean {
    if (this.#decoder.columns !== undefined) return false;
    if (id === 0) return false;
    // JSON names its columns by any object's keys; a *COMMIT* alone needs no header either.
    return this.#decoder.header === undefined && messages.some((m) => m.value !== COMMIT) &&
      this.#format !== "json";
  }

  get #format(): Format {
    return this.#decoder.format;
  }

  #apply(
    id: number,
    messages: readonly Message[],
    events: readonly DecodedEvent[],
    now: number | undefined,
    out: Output,
  ): void {
    const auto = this.#autocommitMs;
    for (const event of events) {
      const message = messages[event.index];
      const p = this.#model === undefined ? undefined : this.#partitionOf(id);
      if (p !== undefined) {
        // Kafka keeps a partition's order: a row stamped well after the first pending one
        // closes them first, the same on every replay whatever the batches (a *COMMIT* is
        // never split from its rows).
        const stamp = message.timestamp;
        if (
          auto > 0 && event.kind !== "commit" && p.pending.length > 0 && stamp !== undefined &&
          stamp - p.pending.firstTimestamp >= auto
        ) {
          this.#commit(p, out, true);
          if (this.#stopped) return;
        }
      }
      switch (event.kind) {
        case "header":
          out.columns = event.columns;
          this.#bindColumns(event.columns, event.position);
          if (this.#fatal !== undefined) return;
          break;
        case "row":
          if (p === undefined) {
            this.#error(out, event.position, "no columns are known to read this row by", event.raw);
          } else {
            this.#row(p, event, message, now, out);
            if (this.#stopped) return;
          }
          break;
        case "commit":
          if (p !== undefined) {
            if (p.window?.timed && event.timestamp !== undefined) {
              p.window.advance(event.timestamp);
            }
            if (p.pending.length === 0 && p.absorb) {
              p.absorb = false; // its rows were closed already, by the autocommit
            } else {
              this.#commit(p, out, false);
            }
          } else if (this.#model === undefined) {
            this.#time++; // a commit before the header: nothing to fit
          }
          break;
        case "error": {
          const row = { position: event.position, reason: event.reason, raw: event.raw };
          if (p !== undefined && p.pending.length > 0) {
            this.#errors++;
            p.deferred.push(row); // written once the rows before it are closed
          } else {
            this.#error(out, row.position, row.reason, row.raw);
          }
          break;
        }
      }
      if (message.offset !== undefined) {
        const taken = p ?? (this.#model === undefined ? undefined : this.#partitionOf(id));
        if (taken !== undefined) taken.next = message.offset + 1;
      }
      if (this.#stopped) return;
      if (event.kind === "header") this.#releaseEarly(now, out);
    }
  }

  #row(
    p: Partition,
    event: Extract<DecodedEvent, { kind: "row" }>,
    message: Message,
    now: number | undefined,
    out: Output,
  ): void {
    const row = this.#model!.read(event.values);
    if ("reason" in row) {
      if (p.pending.length > 0) {
        this.#errors++;
        p.deferred.push({ position: event.position, reason: row.reason, raw: event.raw });
      } else {
        this.#error(out, event.position, row.reason, event.raw);
      }
      return;
    }
    const timestamp = event.timestamp ?? NaN;
    if (p.window?.timed === true) {
      const problem = !Number.isFinite(timestamp)
        ? "the message has no timestamp, which a time window needs"
        : now !== undefined && timestamp - now > this.#maxFutureMs
        ? `the message is stamped ${timestamp - now} ms after this machine's clock (more than ` +
          `${this.#maxFutureMs} ms): a time window would let it push every other row out; ` +
          "check the producer's clock"
        : undefined;
      if (problem !== undefined) {
        this.#error(out, event.position, problem, event.raw);
        return;
      }
      p.window.advance(timestamp);
    }
    if (p.pending.length === 0) p.firstPendingOffset = message.offset;
    p.absorb = false;
    // The message's own text stands for its values where they are its comma-separated fields.
    const { diff, position, raw, split } = event;
    p.pending.push({ row, diff, timestamp, position, raw, split });
    if (p.pending.length >= this.#maxPending) {
      const rows = p.pending.length;
      const time = this.#commit(p, out, true);
      out.notes.push({ kind: "max-pending", partition: p.id, rows, time });
    }
  }

  /** Messages that waited for the header go through now, partition by partition. */
  #releaseEarly(now: number | undefined, out: Output): void {
    for (const [id, messages] of this.#early.release()) {
      if (this.#stopped) return;
      this.#apply(id, messages, this.#decoder.decode(messages), now, out);
    }
  }

  /** A pending row's values, decoded again from its message. */
  readonly #valuesOf = (raw: string): readonly string[] => this.#decoder.valuesOf(raw);

  #partitionOf(id: number): Partition {
    let p = this.#partitions.get(id);
    if (p === undefined) {
      p = new Partition(id, this.#model!, this.#valuesOf, this.#window);
      this.#partitions.set(id, p);
    }
    return p;
  }

  #bindColumns(columns: readonly string[], position: string): void {
    const model = Model.bind(this.#modelOptions, columns);
    if (!(model instanceof Model)) {
      this.#fatal = `at ${position}: ${model.problem}`;
      return;
    }
    this.#model = model;
  }

  /** The merge of every partition's state, in partition order (one partition: its state). */
  #merged(): LeastSquares {
    const ids = this.partitions;
    if (ids.length === 1) return this.#partitions.get(ids[0])!.state;
    const model = this.#model!;
    const merged = new LeastSquares(model.k, { intercept: model.intercept });
    for (const id of ids) merged.merge(this.#partitions.get(id)!.state);
    return merged;
  }

  /** Closes the partition's pending rows into the stream's next commit; returns its time. */
  #commit(p: Partition, out: Output, auto: boolean): number {
    p.commits++;
    let sum = 0;
    for (const q of this.#partitions.values()) sum += q.commits;
    const time = Math.max(this.#time, sum - 1);
    this.#time = time + 1;
    const model = this.#model!;
    const state = p.state;
    const window = p.window;
    const pending = p.pending;
    for (let i = 0; i < pending.length; i++) {
      const row = pending.at(i);
      if (row.diff === 1) {
        state.add(row.row.x, row.row.y);
        window?.push(row.row, row.timestamp);
      } else {
        const refused = this.#retract(p, row.row);
        if (refused !== undefined) {
          this.#error(out, row.position, refused, row.raw);
          continue;
        }
      }
      out.inputRows.push({ values: row.values, time, diff: row.diff });
      p.rows++;
      this.#rows++;
    }
    pending.clear();
    p.firstPendingOffset = undefined;
    p.absorb = auto;
    this.#flushDeferred(p, out);
    if (window !== undefined) {
      for (const gone of window.evict()) state.remove(gone.x, gone.y);
    }
    for (const change of this.#changelog.next(model.values(this.#merged()), time)) {
      out.changes.push(change);
    }
    out.committed = true;
    return time;
  }

  #flushDeferred(p: Partition, out: Output): void {
    for (const row of p.deferred) out.errors.push(row);
    p.deferred = [];
  }

  /** Removes a retracted row from the state (and the window); returns why not, if refused. */
  #retract(p: Partition, row: { readonly x: readonly number[]; readonly y: number }) {
    const { state, window } = p;
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
    this.#errors++;
    out.errors.push({ position, reason, raw });
  }
}

function nextOffset(m: Message): number | undefined {
  return m.offset === undefined ? undefined : m.offset + 1;
}

function describeWindow(spec: WindowSpec): string {
  return "rows" in spec
    ? `a window of the last ${spec.rows} rows`
    : `a window of the last ${spec.ms} ms`;
}

function emptyOutput(): Output {
  return { inputRows: [], changes: [], errors: [], notes: [], committed: false };
}
