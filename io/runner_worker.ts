/**
 * A {@linkcode Runner} in a worker of its own, so that decoding, fitting and writing overlap with
 * the main thread's reading of Kafka (two cores instead of one). {@linkcode RemoteRunner} is the
 * main thread's handle: the same {@linkcode RunnerApi}, each call posted to the worker. Batches
 * go over as columns of strings and numbers — a structured clone of message objects would cost
 * ten times more.
 *
 * @module
 */

import type { Message } from "../lib/protocol.ts";
import {
  type Batch,
  type Finished,
  type Opened,
  type Processed,
  type Resume,
  Runner,
  type RunnerApi,
  type RunnerOptions,
} from "./runner.ts";
import { serveCalls, WorkerClient } from "./worker_transport.ts";

/** A batch as columns, for a cheap structured clone. */
interface BatchColumns {
  readonly values: string[];
  readonly positions: string[];
  readonly timestamps: (number | undefined)[];
  readonly partitions: (number | undefined)[];
  readonly offsets: (number | undefined)[];
  readonly errors: (string | undefined)[] | undefined;
  readonly now: number;
  readonly caughtUp: Batch["caughtUp"];
}

function toColumns(batch: Batch): BatchColumns {
  const m = batch.messages;
  return {
    values: m.map((x) => x.value),
    positions: m.map((x) => x.position),
    timestamps: m.map((x) => x.timestamp),
    partitions: m.map((x) => x.partition),
    offsets: m.map((x) => x.offset),
    errors: m.some((x) => x.error !== undefined) ? m.map((x) => x.error) : undefined,
    now: batch.now,
    caughtUp: batch.caughtUp,
  };
}

function fromColumns(c: BatchColumns): Batch {
  const messages: Message[] = new Array(c.values.length);
  for (let i = 0; i < messages.length; i++) {
    messages[i] = {
      value: c.values[i],
      position: c.positions[i],
      timestamp: c.timestamps[i],
      partition: c.partitions[i],
      offset: c.offsets[i],
      error: c.errors?.[i],
    };
  }
  return { messages, now: c.now, caughtUp: c.caughtUp };
}

/**
 * A runner in a worker.
 *
 * @example
 * ```ts ignore
 * const runner = new RemoteRunner({ pipeline: { format: "csv" }, outputs });
 * await runner.open();
 * const processed = await runner.process({ messages, now: Date.now() });
 * await runner.finish(true);
 * runner.close();
 * ```
 */
export class RemoteRunner implements RunnerApi {
  readonly #client = new WorkerClient(new URL(import.meta.url));
  readonly #created: Promise<void>;

  /** Starts the worker and makes the runner there. */
  constructor(options: RunnerOptions) {
    this.#created = this.#client.call("create", [options]);
  }

  #call<T>(method: string, args: readonly unknown[]): Promise<T> {
    return this.#created.then(() => this.#client.call<T>(method, args));
  }

  /** See {@linkcode Runner.fatal}. */
  fatal(): Promise<string | undefined> {
    return this.#call("fatal", []);
  }

  /** See {@linkcode Runner.open}. */
  open(resume?: Resume): Promise<Opened> {
    return this.#call("open", [resume]);
  }

  /** See {@linkcode Runner.process}. */
  process(batch: Batch): Promise<Processed> {
    // Posted at once, so that several batches can be on their way while the worker works.
    return this.#client.call("process", [toColumns(batch)]);
  }

  /** See {@linkcode Runner.restore}. */
  restore(partition: number, checkpoint: string, offset: number): Promise<string | undefined> {
    return this.#call("restore", [partition, checkpoint, offset]);
  }

  /** See {@linkcode Runner.drop}. */
  drop(partition: number): Promise<void> {
    return this.#call("drop", [partition]);
  }

  /** See {@linkcode Runner.keep}. */
  keep(partition: number): Promise<void> {
    return this.#call("keep", [partition]);
  }

  /** See {@linkcode Runner.finish}. */
  finish(reportPending: boolean): Promise<Finished> {
    return this.#call("finish", [reportPending]);
  }

  /** Stops the worker. */
  close(): void {
    this.#client.close();
  }
}

// In the worker: serve the runner's methods.
if (typeof (globalThis as { WorkerGlobalScope?: unknown }).WorkerGlobalScope !== "undefined") {
  let runner: Runner;
  serveCalls({
    create: (options: RunnerOptions) => void (runner = new Runner(options)),
    fatal: () => runner.fatal(),
    open: (resume?: Resume) => runner.open(resume),
    process: (columns: BatchColumns) => runner.process(fromColumns(columns)),
    restore: (partition: number, checkpoint: string, offset: number) =>
      runner.restore(partition, checkpoint, offset),
    drop: (partition: number) => runner.drop(partition),
    keep: (partition: number) => runner.keep(partition),
    finish: (reportPending: boolean) => runner.finish(reportPending),
  });
}
