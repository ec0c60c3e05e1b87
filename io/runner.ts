/**
 * The run's engine, in one plain class: the pure pipeline, its three output files, the wall-clock
 * autocommit at the live edge, and the assembly of checkpoints (the pipeline's part, then who
 * writes the files and how long they are).
 *
 * @module
 */

import { resolve } from "node:path";
import {
  type CheckpointData,
  decodeCheckpoint,
  withWriter,
  writerBytes,
} from "../lib/checkpoint.ts";
import { ERROR_HEADER } from "../lib/csv_rows.ts";
import type { Model } from "../lib/model.ts";
import type { CommittedRow, Note, Output } from "../lib/output.ts";
import type { OutputFormat } from "../lib/output_format.ts";
import { OutputText } from "../lib/output_text.ts";
import { type ViewDelta, ViewTap, type ViewTapOptions } from "../lib/view_tap.ts";
import {
  type Counts,
  MAX_CHECKPOINT_BYTES,
  Pipeline,
  type PipelineOptions,
} from "../lib/pipeline.ts";
import { Sink } from "./sink.ts";
import type { Ack, Batch } from "./source.ts";

export type { Ack, Batch } from "./source.ts";

/** The output files of a run. */
export interface OutputPaths {
  readonly input: string;
  readonly output: string;
  readonly errors: string;
}

/** What a runner is made with. */
export interface RunnerOptions {
  /** The pipeline's options (its autocommit included). */
  readonly pipeline: PipelineOptions;
  /** The output files. */
  readonly outputs: OutputPaths;
  /** The change stream's format (default csv). */
  readonly outputFormat?: OutputFormat;
  /** Collect the fit and a sample of points for the views; each reply then carries a delta. */
  readonly view?: ViewTapOptions;
  /**
   * Hand back each batch's change rows as JSON objects too ({@linkcode Processed.changes}), for
   * a source that publishes them with its offsets (`--output-topic`).
   */
  readonly changeMessages?: boolean;
}

/** What a run resumes from: the checkpoint that says how far its files go. */
export interface Resume {
  /** The checkpoint's text. */
  readonly checkpoint: string;
  /** Where it was found, for messages: `group "g"`. */
  readonly where: string;
}

/** The reply to {@linkcode Runner.open}. */
export interface Opened {
  /** Why the run cannot start, if so (a checkpoint refused, files shorter than it says). */
  readonly problem?: string;
  /** What the run starts from, for a person: `resuming … at commit 12` or `starting fresh`. */
  readonly start: string;
}

/** The reply to a batch. */
export interface Processed {
  /** What the source may commit (every partition held, at once); empty when nothing changed. */
  readonly acks: readonly Ack[];
  /**
   * With {@linkcode RunnerOptions.changeMessages}: the change rows this batch wrote, one JSON
   * object text each (as the JSON Lines file holds them), in order. The source publishes them
   * with `acks`, in one transaction.
   */
  readonly changes?: readonly string[];
  /** Why no checkpoint could be written (offsets then stay uncommitted), if so. */
  readonly noCheckpoint?: string;
  /** The commit counter reached `maxCommits`. */
  readonly done: boolean;
  /** Why the run cannot go on, if so. */
  readonly fatal?: string;
  /** The running totals. */
  readonly counts: Counts;
  /** What the operator should hear of. */
  readonly notes: readonly Note[];
  /** What changed in the views' fit and sample, when a view was asked for and something did. */
  readonly view?: ViewDelta;
}

/** The reply to {@linkcode Runner.finish}. */
export interface Finished {
  readonly counts: Counts;
}

/**
 * The pipeline and its files.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { messageBatch } from "../lib/message_batch.ts";
 * import { Runner } from "./runner.ts";
 * const dir = await Deno.makeTempDir();
 * const runner = new Runner({
 *   pipeline: { format: "csv" },
 *   outputs: { input: `${dir}/in.csv`, output: `${dir}/out.csv`, errors: `${dir}/err.csv` },
 * });
 * assert.equal((await runner.open()).start, "starting fresh");
 * await runner.process({ parts: [messageBatch(["x,y", "0,1", "*COMMIT*"])], now: 0 });
 * await runner.finish(true);
 * assert.equal(await Deno.readTextFile(`${dir}/out.csv`), "a,b,time,diff\n0,0,0,1\n");
 * await Deno.remove(dir, { recursive: true });
 * ```
 */
export class Runner {
  readonly #pipeline: Pipeline;
  readonly #autocommitMs: number;
  readonly #outputs: OutputPaths;
  readonly #writer: string;
  /** Where the pipeline's products go: the files' text, the views, the notes. */
  readonly #out: RunOutput;
  /** The change rows as JSON objects since the last reply, when asked for. */
  #messages: string[] | undefined;
  #sinks: { input: Sink; output: Sink; errors: Sink } | undefined;
  /** Per partition: whether it is caught up, and when its last message arrived. */
  readonly #live = new Map<number, { caughtUp: boolean; lastArrival: number }>();
  /** The offsets last acknowledged, per partition. */
  readonly #acked = new Map<number, number>();
  /** Calls are served one at a time, in order (the feed does not wait for one to send the next). */
  #queue: Promise<unknown> = Promise.resolve();

  /** Makes the pipeline; nothing is opened yet. */
  constructor(options: RunnerOptions) {
    const outputs = options.outputs;
    this.#outputs = outputs;
    const absolute = (path: string) => path === "-" ? "-" : resolve(path);
    this.#writer = [outputs.input, outputs.output, outputs.errors].map(absolute).join(" ");
    this.#autocommitMs = options.pipeline.autocommitMs ?? 0;
    this.#out = new RunOutput(
      new OutputText({ format: options.outputFormat ?? "csv", messages: options.changeMessages }),
      options.view && new ViewTap(options.view),
    );
    this.#messages = options.changeMessages ? [] : undefined;
    this.#pipeline = new Pipeline({
      ...options.pipeline,
      maxCheckpointBytes: (options.pipeline.maxCheckpointBytes ?? MAX_CHECKPOINT_BYTES) -
        writerBytes(this.#writer),
    });
  }

  /** Why the input cannot be fitted at all (before anything is read), if so. */
  get fatal(): string | undefined {
    return this.#pipeline.fatal;
  }

  #serial<T>(work: () => Promise<T>): Promise<T> {
    const done = this.#queue.then(work);
    this.#queue = done.catch(() => {});
    return done;
  }

  /**
   * Locks and opens the output files. Resuming, each file is cut back to its size at the
   * checkpoint when this run's files wrote it (rows after it come again); a file shorter than
   * that is refused. A checkpoint written by another run's files starts this run's files afresh
   * at the checkpoint's commit.
   *
   * @throws {SinkLockedError} when another run writes one of the files.
   */
  open(resume?: Resume): Promise<Opened> {
    return this.#serial(() => this.#open(resume));
  }

  async #open(resume?: Resume): Promise<Opened> {
    const paths = this.#outputs;
    const opened: Sink[] = [];
    try {
      for (const path of [paths.input, paths.output, paths.errors]) {
        opened.push(await Sink.open(path));
      }
    } catch (e) {
      await Promise.all(opened.map((s) => s.close()));
      throw e;
    }
    const [input, output, errors] = opened;
    this.#sinks = { input, output, errors };
    let start = "starting fresh";
    let sizes: readonly (number | null)[] = [0, 0, 0];
    if (resume !== undefined) {
      const data = decodeCheckpoint(resume.checkpoint);
      if ("problem" in data) return { problem: data.problem, start };
      const problem = this.#pipeline.resume(data);
      if (problem !== undefined) return { problem, start };
      start = `resuming ${resume.where} at commit ${data.time}`;
      if (data.writer === this.#writer && data.files !== undefined) {
        sizes = [data.files.input, data.files.output, data.files.errors];
        const short = this.#short(data);
        if (short !== undefined) return { problem: short, start };
      } else {
        start += " (its files were written elsewhere: these start afresh from here)";
      }
    }
    for (const [i, sink] of opened.entries()) await sink.keep(sizes[i] ?? Infinity);
    if (errors.fresh) errors.append(ERROR_HEADER);
    this.#out.text.headers(input.fresh, output.fresh);
    const columns = this.#pipeline.columns;
    if (columns !== undefined) this.#out.header(columns, this.#pipeline.model);
    this.#write();
    await this.#flush();
    return { start };
  }

  /** Why the files are too short for the checkpoint, if they are. */
  #short(data: CheckpointData): string | undefined {
    const sinks = this.#sinks!;
    const files = data.files!;
    for (const name of ["input", "output", "errors"] as const) {
      const want = files[name];
      const have = sinks[name].size;
      if (want !== null && have !== undefined && have < want) {
        return `${this.#outputs[name]} holds ${have} bytes, fewer than the ${want} it held ` +
          `at the checkpoint (commit ${data.time}): it was moved, cut or edited. Put the file ` +
          "back, or start over with --reset";
      }
    }
    return undefined;
  }

  /** Hands what the pipeline produced to the sinks (and the messages to the reply). */
  #write(): void {
    const sinks = this.#sinks!;
    const texts = this.#out.text.take();
    sinks.input.append(texts.input);
    sinks.output.append(texts.output);
    sinks.errors.append(texts.errors);
    if (this.#messages !== undefined) {
      for (const message of texts.messages) this.#messages.push(message);
    }
  }

  async #flush(): Promise<void> {
    const { input, output, errors } = this.#sinks!;
    await Promise.all([input.flush(), output.flush(), errors.flush()]);
  }

  /** Processes a batch, writes and flushes what it produced, and says what may be committed. */
  process(batch: Batch): Promise<Processed> {
    return this.#serial(() => this.#process(batch));
  }

  async #process(batch: Batch): Promise<Processed> {
    const pipeline = this.#pipeline;
    const { parts, now } = batch;
    const out = this.#out;
    let committed = pipeline.process(parts, now, out);
    for (const part of parts) {
      if (part.values.length > 0) this.#arrived(part.partition, now);
    }
    for (const [partition, caughtUp] of batch.caughtUp ?? []) {
      const live = this.#live.get(partition) ?? { caughtUp, lastArrival: now };
      live.caughtUp = caughtUp;
      this.#live.set(partition, live);
    }
    // At the live edge, rows that nothing followed for autocommitMs are closed by the clock.
    if (this.#autocommitMs > 0 && !pipeline.done) {
      for (const [partition, live] of this.#live) {
        if (live.caughtUp && now - live.lastArrival >= this.#autocommitMs) {
          if (pipeline.autocommit(partition, out)) committed = true;
        }
      }
    }
    this.#write();
    const notes = out.takeNotes();
    await this.#flush();
    const { acks, noCheckpoint } = this.#acks(committed);
    const changes = this.#messages;
    if (changes !== undefined) this.#messages = [];
    return {
      acks,
      changes,
      noCheckpoint,
      done: pipeline.done,
      fatal: pipeline.fatal,
      counts: pipeline.counts,
      notes,
      view: out.tap?.flush(),
    };
  }

  #arrived(partition: number, now: number): void {
    this.#live.set(partition, { caughtUp: false, lastArrival: now });
  }

  /** Every partition's offset and checkpoint, when any offset moved or a commit happened. */
  #acks(committed: boolean): { acks: Ack[]; noCheckpoint?: string } {
    const pipeline = this.#pipeline;
    const offsets: [number, number][] = [];
    let moved = committed;
    for (const partition of pipeline.partitions) {
      const offset = pipeline.ackOffset(partition);
      if (offset === undefined) continue;
      offsets.push([partition, offset]);
      if (this.#acked.get(partition) !== offset) moved = true;
    }
    if (!moved || offsets.length === 0) return { acks: [] };
    const { input, output, errors } = this.#sinks!;
    const files = {
      input: input.size ?? null,
      output: output.size ?? null,
      errors: errors.size ?? null,
    };
    const acks: Ack[] = [];
    for (const [partition, offset] of offsets) {
      const checkpoint = pipeline.checkpoint(partition);
      if ("problem" in checkpoint) return { acks: [], noCheckpoint: checkpoint.problem };
      acks.push({
        partition,
        offset,
        checkpoint: withWriter(checkpoint.text, this.#writer, files),
      });
    }
    for (const [partition, offset] of offsets) this.#acked.set(partition, offset);
    return { acks };
  }

  /** Restores a partition from its checkpoint (its text), to go on from `offset`. */
  restore(partition: number, checkpoint: string, offset: number): Promise<string | undefined> {
    return this.#serial(() => {
      const data = decodeCheckpoint(checkpoint);
      if ("problem" in data) return Promise.resolve(data.problem);
      const problem = this.#pipeline.restore(partition, data, offset);
      if (problem === undefined) this.#acked.set(partition, offset);
      return Promise.resolve(problem);
    });
  }

  /** Takes a partition given to another reader out of the fit (its state kept aside). */
  drop(partition: number): Promise<void> {
    return this.#serial(() => {
      this.#pipeline.drop(partition);
      this.#live.delete(partition);
      this.#acked.delete(partition);
      return Promise.resolve();
    });
  }

  /** Brings back a partition that came back where this run left it. */
  keep(partition: number): Promise<void> {
    return this.#serial(() => Promise.resolve(this.#pipeline.unpark(partition)));
  }

  /** Ends the run: reports rows no commit closed (when asked), flushes and closes the files. */
  finish(reportPending: boolean): Promise<Finished> {
    return this.#serial(async () => {
      if (this.#sinks !== undefined) {
        if (reportPending) {
          this.#pipeline.finish(this.#out);
          this.#write();
        }
        const { input, output, errors } = this.#sinks;
        this.#sinks = undefined;
        const closed = await Promise.allSettled([input.close(), output.close(), errors.close()]);
        const failed = closed.find((c) => c.status === "rejected");
        if (failed !== undefined) throw (failed as PromiseRejectedResult).reason;
      }
      return { counts: this.#pipeline.counts };
    });
  }
}

/** The pipeline's products of a run: the files' text, the views' tap and the notes. */
class RunOutput implements Output {
  /** The files' text. */
  readonly text: OutputText;
  /** The views' tap, when views are drawn. */
  readonly tap: ViewTap | undefined;
  #notes: Note[] = [];

  constructor(text: OutputText, tap: ViewTap | undefined) {
    this.text = text;
    this.tap = tap;
  }

  header(columns: readonly string[], model: Model | undefined): void {
    this.text.header(columns, model);
    this.tap?.header(columns, model);
  }

  row(row: CommittedRow): void {
    this.text.row(row);
    this.tap?.row(row);
  }

  change(values: readonly number[], time: number, diff: 1 | -1): void {
    this.text.change(values, time, diff);
    this.tap?.change(values, time, diff);
  }

  error(position: string, reason: string, raw: string): void {
    this.text.error(position, reason, raw);
  }

  note(note: Note): void {
    this.#notes.push(note);
  }

  /** The notes since the last call. */
  takeNotes(): Note[] {
    const notes = this.#notes;
    this.#notes = [];
    return notes;
  }
}
