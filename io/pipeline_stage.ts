/**
 * The pipeline and its output files, run in a worker of their own, so that decoding, fitting and
 * writing overlap with the main thread's reading of Kafka (two cores instead of one). Batches go
 * over as columns of strings — a structured clone of message objects would cost ten times more —
 * and are processed in order; each reply says what to acknowledge.
 *
 * @module
 */

import type { Counts, PipelineOptions } from "../lib/pipeline.ts";
import type { Message } from "../lib/protocol.ts";
import type { OutputFormat } from "../lib/output_format.ts";
import type { ViewDelta, ViewTapOptions } from "../lib/view_tap.ts";

/** The output files of a run. */
export interface OutputPaths {
  readonly input: string;
  readonly output: string;
  readonly errors: string;
}

/** What the worker is asked. */
export type Request =
  | {
    readonly type: "create";
    readonly pipeline: PipelineOptions;
    readonly autocommitMs: number;
    readonly extras?: StageExtras;
  }
  | { readonly type: "open"; readonly outputs: OutputPaths; readonly checkpoint?: string }
  | {
    readonly type: "batch";
    readonly values: string[];
    readonly positions: string[];
    readonly timestamps: (number | undefined)[];
    readonly now: number;
  }
  | { readonly type: "finish"; readonly reportPending: boolean };

/** What the stage does besides the reference's outputs (issue 9: "See the fit"). */
export interface StageExtras {
  /** The change stream's format (default csv). */
  readonly outputFormat?: OutputFormat;
  /** Collect the fit and a sample of points for the views; each reply then carries a delta. */
  readonly view?: ViewTapOptions;
}

/** The reply to `create`: why the input cannot be fitted at all, if so. */
export interface Created {
  readonly fatal?: string;
}

/** The reply to `open`. */
export interface Opened {
  /** Why the checkpoint cannot be resumed from, if so. */
  readonly problem?: string;
  /** Files shorter than at the checkpoint (moved or edited?), with how many bytes they lack. */
  readonly missing: readonly { readonly name: string; readonly bytes: number }[];
}

/** The reply to a batch. */
export interface Processed {
  /**
   * What the source may acknowledge: up to the batch's message `index` (−1: all of it), with
   * the checkpoint as metadata; null when nothing new was committed.
   */
  readonly ack: { readonly index: number; readonly checkpoint: string } | null;
  /** Why no checkpoint could be written (offsets then stay uncommitted), if so. */
  readonly noCheckpoint?: string;
  /** The commit counter reached `maxCommits`. */
  readonly done: boolean;
  /** Why the run cannot go on, if so. */
  readonly fatal?: string;
  /** The running totals. */
  readonly counts: Counts;
  /** What changed in the views' fit and sample, when a view was asked for and something did. */
  readonly view?: ViewDelta;
}

/** The reply to `finish`. */
export interface Finished {
  readonly counts: Counts;
}

type Reply = Created | Opened | Processed | Finished;

/**
 * The main thread's handle on the worker: each call posts a request and resolves with its
 * reply, in order.
 *
 * @example
 * ```ts ignore
 * const stage = new PipelineStage();
 * const { fatal } = await stage.create({ format: "csv" }, 1500);
 * await stage.open({ input: "in.csv", output: "out.csv", errors: "err.csv" });
 * const processed = await stage.process(batch, Date.now());
 * const { counts } = await stage.finish(false);
 * stage.close();
 * ```
 */
export class PipelineStage {
  readonly #worker = new Worker(new URL("./pipeline_worker.ts", import.meta.url).href, {
    type: "module",
  });
  readonly #waiting: { resolve: (reply: Reply) => void; reject: (e: Error) => void }[] = [];

  /** Starts the worker. */
  constructor() {
    this.#worker.onmessage = (event: MessageEvent<Reply | { failed: string }>) => {
      const waiter = this.#waiting.shift();
      if ("failed" in event.data) waiter?.reject(new Error(event.data.failed));
      else waiter?.resolve(event.data);
    };
    this.#worker.onerror = (event: ErrorEvent) => {
      event.preventDefault();
      for (const waiter of this.#waiting.splice(0)) waiter.reject(new Error(event.message));
    };
  }

  #ask<T extends Reply>(request: Request): Promise<T> {
    return new Promise<T>((resolve, reject) => {
      this.#waiting.push({ resolve: resolve as (reply: Reply) => void, reject });
      this.#worker.postMessage(request);
    });
  }

  /** Makes the pipeline. */
  create(pipeline: PipelineOptions, autocommitMs: number, extras?: StageExtras): Promise<Created> {
    return this.#ask({ type: "create", pipeline, autocommitMs, extras });
  }

  /** Resumes from `checkpoint` if given, and opens the output files. */
  open(outputs: OutputPaths, checkpoint?: string): Promise<Opened> {
    return this.#ask({ type: "open", outputs, checkpoint });
  }

  /** Processes a batch (`[]`: time passed) and writes what it produced. */
  process(batch: readonly Message[], now: number): Promise<Processed> {
    return this.#ask({
      type: "batch",
      values: batch.map((m) => m.value),
      positions: batch.map((m) => m.position),
      timestamps: batch.map((m) => m.timestamp),
      now,
    });
  }

  /** Ends the run (reporting rows no commit closed, unless the source delivers them again). */
  finish(reportPending: boolean): Promise<Finished> {
    return this.#ask({ type: "finish", reportPending });
  }

  /** Stops the worker. */
  close(): void {
    this.#worker.terminate();
  }
}
