/**
 * The whole regression run as a pure state machine: batches of messages in; the rows to log, the
 * change rows of the fit and the errors out. It knows nothing of Kafka or files: a shell feeds it
 * batches from any source and writes what it returns to the sinks.
 *
 * Data flows one way: message → its fields (the decoder) → design row (the model) → pending rows
 * of its partition → (at `*COMMIT*`) the partition's least-squares state (and window) → the merge
 * of the partitions' states → fit → change rows, each handed to an {@linkcode Output} as it is
 * made. Batches come as columns ({@linkcode MessageBatch}), and nothing is made per message on the
 * way but what its format needs: the numbers are read where they stand in the message, and a
 * position is made only for an error row.
 *
 * @module
 */

import { Changelog } from "./changelog.ts";
import { CHECKPOINT_VERSION, type CheckpointData, encodeCheckpoint } from "./checkpoint.ts";
import { type MessageBatch, positionOf } from "./message_batch.ts";
import { checkModelOptions, Model, type ModelOptions } from "./model.ts";
import type { CommittedRow, Output } from "./output.ts";
import { EarlyMessages, Partition } from "./partition.ts";
import { COMMIT, Decoder, type Format } from "./protocol.ts";
import { LeastSquares, LeastSquaresError } from "./least_squares.ts";
import type { WindowSpec } from "./window.ts";

export type { Note, Output } from "./output.ts";

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
 * Messages carry their partition and offset: a message at an offset the partition has already
 * taken is skipped (a redelivery), so no row counts twice. The CSV header is the first message of
 * partition 0; messages of other partitions that arrive before it wait (at most `maxEarly`).
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { messageBatch } from "./message_batch.ts";
 * import { OutputRows } from "./output.ts";
 * import { Pipeline } from "./pipeline.ts";
 * const run = new Pipeline({ format: "csv" });
 * const out = new OutputRows();
 * const committed = run.process([messageBatch(["x,y", "0,1", "*COMMIT*", "oops"])], 0, out);
 * assert.ok(committed);
 * assert.deepEqual(run.outputColumns, ["a", "b"]);
 * assert.deepEqual(out.inputRows, [{ values: ["0", "1"], time: 0, diff: 1 }]);
 * assert.deepEqual(out.changes, [{ values: [0, 0], time: 0, diff: 1 }]);
 * assert.deepEqual(out.errors, [
 *   { position: "0@3", reason: "expected 2 fields (x,y), got 1", raw: "oops" },
 * ]);
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
  /** The partitions held, in order of their numbers (undefined: to be sorted again). */
  #held: Partition[] | undefined;
  /** Partitions read elsewhere for now, kept in case they come back unchanged. */
  readonly #parked = new Map<number, Partition>();
  /** Columns given up front: the first message of partition 0 may still be the header. */
  #headerGiven: boolean;
  #time = 0;
  #rows = 0;
  #errors = 0;
  /** Commits made, for {@linkcode Pipeline.process}'s answer. */
  #commitsMade = 0;
  #model: Model | undefined;
  #fatal: string | undefined;
  /** Scratch of the model's sizes: a row's design (x, then y), its x alone, and a fit. */
  #design = new Float64Array(0);
  #x = new Float64Array(0);
  #fit: number[] = [];
  /** The row a commit hands to the output, reused from row to row. */
  readonly #committed: {
    -readonly [K in keyof CommittedRow]: CommittedRow[K];
  } = { message: "", values: undefined, x: this.#x, y: 0, time: 0, diff: 1 };

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

  /** The current fit (the last change row's values, a copy), if one was written. */
  get fit(): readonly number[] | undefined {
    const current = this.#changelog.current;
    return current && [...current];
  }

  /** The partitions held, in order. */
  get partitions(): number[] {
    return this.#heldInOrder().map((p) => p.id);
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
   * Processes batches of messages, each in order, handing what they produce to `out` as it is
   * produced. `now` is the caller's clock (ms since the epoch), against which a time window
   * refuses rows stamped in the future. Returns whether a commit happened (the checkpoints
   * changed).
   */
  process(parts: readonly MessageBatch[], now: number | undefined, out: Output): boolean {
    const before = this.#commitsMade;
    for (let i = 0; i < parts.length && !this.#stopped; i++) {
      this.#processPart(parts[i], now, out);
    }
    return this.#commitsMade !== before;
  }

  /**
   * Closes the pending rows of `partition` into a commit as a `*COMMIT*` would: what the shell
   * calls when the partition has been quiet for `autocommitMs` at the live edge (caught up with
   * what the source holds). A `*COMMIT*` that then finds nothing pending closes nothing. Returns
   * whether a commit happened.
   */
  autocommit(partition: number, out: Output): boolean {
    const p = this.#partitions.get(partition);
    if (this.#stopped || p === undefined || p.pending.length === 0) return false;
    this.#commit(p, out, true);
    return true;
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
    this.#held = undefined;
    this.#early.drop(partition);
  }

  /** Brings back a partition taken out by {@linkcode Pipeline.drop}, if it was. */
  unpark(partition: number): void {
    const p = this.#parked.get(partition);
    if (p === undefined) return;
    this.#parked.delete(partition);
    this.#partitions.set(partition, p);
    this.#held = undefined;
  }

  /**
   * Ends the run: rows that no `*COMMIT*` closed are reported as errors to `out` (nothing is
   * lost silently) and dropped, with the errors held back behind them.
   */
  finish(out: Output): void {
    for (const p of this.#partitions.values()) {
      for (let i = 0; i < p.pending.length; i++) {
        this.#error(
          out,
          "end of input",
          "no *COMMIT* followed this row before the input ended, so it was not counted",
          p.pending.message(i),
        );
      }
      p.pending.clear();
      p.firstPendingOffset = undefined;
      this.#flushDeferred(p, out);
    }
    for (const batch of this.#early.release()) {
      for (let i = 0; i < batch.values.length; i++) {
        this.#error(
          out,
          positionOf(batch, i),
          "the input ended before its header (the first message of partition 0) arrived",
          batch.values[i],
        );
      }
    }
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
    const p = new Partition(partition, model, this.#window);
    p.state = state;
    p.commits = data.partition.commits;
    p.rows = data.partition.rows;
    p.absorb = data.partition.absorb === true;
    p.next = offset;
    this.#partitions.set(partition, p);
    this.#held = undefined;
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

  #processPart(batch: MessageBatch, now: number | undefined, out: Output): void {
    const id = batch.partition;
    const count = batch.values.length;
    let from = 0;
    const next = this.#partitions.get(id)?.next;
    // Offsets rise within a partition: what was taken already is a prefix of the batch.
    if (next !== undefined) {
      while (from < count && batch.offsets[from] < next) from++;
      if (from > 0) out.note({ kind: "redelivered", partition: id, messages: from });
    }
    if (from === count) return;
    if (this.#model === undefined && this.#headerFirst(batch, from)) {
      if (!this.#early.hold(batch, from)) {
        this.#fatal = `${this.#early.count + count - from} messages arrived on partitions ` +
          `${[...new Set([...this.#early.partitions, id])].join(", ")} before the header ` +
          "(the first message of partition 0): give the columns up front";
      }
      return;
    }
    if (this.#headerGiven && id === 0) {
      this.#headerGiven = false;
      if (batch.offsets[from] === 0 && this.#decoder.isHeader(batch.values[from])) {
        this.#partitionOf(id).next = 1;
        from++;
      }
    }
    this.#apply(batch, from, now, out);
  }

  /** Whether messages of `batch` from `from` on must wait: a CSV header is partition 0's to give. */
  #headerFirst(batch: MessageBatch, from: number): boolean {
    if (this.#decoder.columns !== undefined) return false;
    if (batch.partition === 0) return false;
    // JSON names its columns by any object's keys; a *COMMIT* alone needs no header either.
    if (this.#decoder.header !== undefined || this.#decoder.format === "json") return false;
    for (let i = from; i < batch.values.length; i++) if (batch.values[i] !== COMMIT) return true;
    return false;
  }

  /** Decodes and applies the messages of `batch` from index `from` on, in order. */
  #apply(batch: MessageBatch, from: number, now: number | undefined, out: Output): void {
    const decoder = this.#decoder;
    const { values, offsets, timestamps, errors } = batch;
    const auto = this.#autocommitMs;
    const id = batch.partition;
    let p = this.#model === undefined ? undefined : this.#partitionOf(id);
    for (let i = from; i < values.length; i++) {
      const reason = errors?.get(i);
      const kind = reason === undefined
        ? decoder.decode(values[i])
        : decoder.refuse(values[i], reason);
      // Kafka keeps a partition's order: a row stamped well after the first pending one closes
      // them first, the same on every replay whatever the batches (a *COMMIT* is never split
      // from its rows).
      if (
        p !== undefined && auto > 0 && kind !== "commit" && p.pending.length > 0 &&
        timestamps[i] - p.pending.firstTimestamp >= auto
      ) {
        this.#commit(p, out, true);
        if (this.#stopped) return;
      }
      if (decoder.named) {
        const columns = decoder.columns ?? [];
        this.#bindColumns(columns, positionOf(batch, i));
        out.header(columns, this.#model);
        if (this.#fatal !== undefined) return;
        p = this.#partitionOf(id);
      }
      switch (kind) {
        case "row":
          if (p === undefined) {
            this.#error(
              out,
              positionOf(batch, i),
              "no columns are known to read this row by",
              decoder.message,
            );
          } else {
            this.#row(p, batch, i, now, out);
            if (this.#stopped) return;
          }
          break;
        case "commit":
          if (p !== undefined) {
            if (p.window?.timed && !Number.isNaN(timestamps[i])) p.window.advance(timestamps[i]);
            if (p.pending.length === 0 && p.absorb) {
              p.absorb = false; // its rows were closed already, by the autocommit
            } else {
              this.#commit(p, out, false);
            }
          } else if (this.#model === undefined) {
            this.#time++; // a commit before the header: nothing to fit
          }
          break;
        case "error":
          if (p !== undefined && p.pending.length > 0) {
            this.#errors++;
            // Written once the rows before it are closed.
            p.deferred.push({
              position: positionOf(batch, i),
              reason: decoder.reason,
              raw: decoder.message,
            });
          } else {
            this.#error(out, positionOf(batch, i), decoder.reason, decoder.message);
          }
          break;
      }
      if (p !== undefined) p.next = offsets[i] + 1;
      if (this.#stopped) return;
      if (decoder.named) this.#releaseEarly(now, out);
    }
  }

  #row(
    p: Partition,
    batch: MessageBatch,
    i: number,
    now: number | undefined,
    out: Output,
  ): void {
    const decoder = this.#decoder;
    const design = this.#design;
    const refused = this.#model!.read(decoder.fields, design);
    if (refused !== undefined) {
      const position = positionOf(batch, i);
      if (p.pending.length > 0) {
        this.#errors++;
        p.deferred.push({ position, reason: refused, raw: decoder.message });
      } else {
        this.#error(out, position, refused, decoder.message);
      }
      return;
    }
    const timestamp = batch.timestamps[i];
    if (p.window?.timed === true) {
      const problem = !Number.isFinite(timestamp)
        ? "the message has no timestamp, which a time window needs"
        : now !== undefined && timestamp - now > this.#maxFutureMs
        ? `the message is stamped ${timestamp - now} ms after this machine's clock (more than ` +
          `${this.#maxFutureMs} ms): a time window would let it push every other row out; ` +
          "check the producer's clock"
        : undefined;
      if (problem !== undefined) {
        this.#error(out, positionOf(batch, i), problem, decoder.message);
        return;
      }
      p.window.advance(timestamp);
    }
    if (p.pending.length === 0) p.firstPendingOffset = batch.offsets[i];
    p.absorb = false;
    p.pending.push(design, decoder.diff, decoder.message, decoder.values, batch, i);
    if (p.pending.length >= this.#maxPending) {
      const rows = p.pending.length;
      const time = this.#commit(p, out, true);
      out.note({ kind: "max-pending", partition: p.id, rows, time });
    }
  }

  /** Messages that waited for the header go through now, partition by partition. */
  #releaseEarly(now: number | undefined, out: Output): void {
    for (const batch of this.#early.release()) {
      if (this.#stopped) return;
      this.#apply(batch, 0, now, out);
    }
  }

  #partitionOf(id: number): Partition {
    let p = this.#partitions.get(id);
    if (p === undefined) {
      p = new Partition(id, this.#model!, this.#window);
      this.#partitions.set(id, p);
      this.#held = undefined;
    }
    return p;
  }

  /** The partitions held, in order of their numbers. */
  #heldInOrder(): Partition[] {
    this.#held ??= [...this.#partitions.values()].sort((a, b) => a.id - b.id);
    return this.#held;
  }

  #bindColumns(columns: readonly string[], position: string): void {
    const model = Model.bind(this.#modelOptions, columns);
    if (!(model instanceof Model)) {
      this.#fatal = `at ${position}: ${model.problem}`;
      return;
    }
    this.#model = model;
    this.#design = new Float64Array(model.k + 1);
    this.#x = new Float64Array(model.k);
    this.#fit = new Array<number>(model.columns.length).fill(0);
    this.#committed.x = this.#x;
  }

  /** The merge of every partition's state, in partition order (one partition: its state). */
  #merged(): LeastSquares {
    const held = this.#heldInOrder();
    if (held.length === 1) return held[0].state;
    const model = this.#model!;
    const merged = new LeastSquares(model.k, { intercept: model.intercept });
    for (const p of held) merged.merge(p.state);
    return merged;
  }

  /** Closes the partition's pending rows into the stream's next commit; returns its time. */
  #commit(p: Partition, out: Output, auto: boolean): number {
    p.commits++;
    const held = this.#heldInOrder();
    let sum = 0;
    for (let i = 0; i < held.length; i++) sum += held[i].commits;
    const time = Math.max(this.#time, sum - 1);
    this.#time = time + 1;
    this.#commitsMade++;
    const model = this.#model!;
    const { state, window, pending } = p;
    const x = this.#x;
    const row = this.#committed;
    row.time = time;
    for (let i = 0; i < pending.length; i++) {
      const y = pending.read(i, x);
      const diff = pending.diff(i);
      if (diff === 1) {
        state.add(x, y);
        // (A count window is not handed the timestamp: a double passed to a call the runtime
        // does not inline is boxed, 16 bytes a row.)
        if (window !== undefined) {
          window.push(x, y, window.timed ? pending.timestamp(i) : undefined);
        }
      } else {
        const refused = this.#retract(p, x, y);
        if (refused !== undefined) {
          this.#error(out, pending.position(i), refused, pending.message(i));
          continue;
        }
      }
      row.message = pending.message(i);
      row.values = pending.values(i);
      row.y = y;
      row.diff = diff;
      out.row(row);
      p.rows++;
      this.#rows++;
    }
    pending.clear();
    p.firstPendingOffset = undefined;
    p.absorb = auto;
    this.#flushDeferred(p, out);
    window?.evict(state); // hands each row that left to state.remove
    this.#changelog.next(model.values(this.#merged(), this.#fit), time, out);
    return time;
  }

  #flushDeferred(p: Partition, out: Output): void {
    if (p.deferred.length === 0) return;
    for (const row of p.deferred) out.error(row.position, row.reason, row.raw);
    p.deferred = [];
  }

  /** Removes a retracted row from the state (and the window); returns why not, if refused. */
  #retract(p: Partition, x: Float64Array, y: number): string | undefined {
    const { state, window } = p;
    if (window !== undefined) {
      // The newest row inside with the same numbers leaves the window and the state.
      if (window.take(x, y, state)) return undefined;
      return "retraction of a row that is not in the window (it has left the window, or was " +
        "never added); the fit is unchanged: retract only rows the window still holds";
    }
    if (state.count === 0) {
      return "retraction while the fit holds no row: the count would go below zero, so the fit " +
        "is unchanged; send a retraction after the row it retracts (the fit keeps sums, not " +
        "rows, so it can only tell that nothing is left to retract)";
    }
    state.remove(x, y);
    return undefined;
  }

  #error(out: Output, position: string, reason: string, raw: string): void {
    this.#errors++;
    out.error(position, reason, raw);
  }
}

function describeWindow(spec: WindowSpec): string {
  return "rows" in spec
    ? `a window of the last ${spec.rows} rows`
    : `a window of the last ${spec.ms} ms`;
}
