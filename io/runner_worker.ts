/**
 * A {@linkcode Runner} in a worker of its own, so that decoding, fitting and writing overlap with
 * the main thread's reading of Kafka (two cores instead of one). {@linkcode RemoteRunner} is the
 * main thread's handle: the same {@linkcode RunnerApi}, each call posted to the worker. Batches
 * go over packed: one string and two typed arrays — a structured clone of message objects would
 * cost ten times more, and of arrays of strings about three times more.
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

/**
 * A batch packed for a cheap structured clone: every value and position in one string (cut back
 * by their lengths), the numbers in one typed array. Arrays of short strings cost a clone per
 * string; this costs two copies.
 */
interface PackedBatch {
  /** The values, then the positions, one after the other. */
  readonly text: string;
  /** The length of each value, then of each position. */
  readonly lengths: Int32Array;
  /** Per message: timestamp, partition, offset (NaN when absent). */
  readonly numbers: Float64Array;
  readonly errors: (string | undefined)[] | undefined;
  readonly now: number;
  readonly caughtUp: Batch["caughtUp"];
}

function pack(batch: Batch): PackedBatch {
  const m = batch.messages;
  const n = m.length;
  const lengths = new Int32Array(2 * n);
  const numbers = new Float64Array(3 * n);
  const parts: string[] = new Array(2 * n);
  for (let i = 0; i < n; i++) {
    const x = m[i];
    parts[i] = x.value;
    parts[n + i] = x.position;
    lengths[i] = x.value.length;
    lengths[n + i] = x.position.length;
    numbers[3 * i] = x.timestamp ?? NaN;
    numbers[3 * i + 1] = x.partition ?? NaN;
    numbers[3 * i + 2] = x.offset ?? NaN;
  }
  return {
    text: parts.join(""),
    lengths,
    numbers,
    errors: m.some((x) => x.error !== undefined) ? m.map((x) => x.error) : undefined,
    now: batch.now,
    caughtUp: batch.caughtUp,
  };
}

function unpack(p: PackedBatch): Batch {
  const n = p.lengths.length / 2;
  const messages: Message[] = new Array(n);
  const at = (v: number) => Number.isNaN(v) ? undefined : v;
  let valueAt = 0;
  let positionAt = 0;
  for (let i = 0; i < n; i++) positionAt += p.lengths[i];
  for (let i = 0; i < n; i++) {
    const value = p.text.slice(valueAt, valueAt += p.lengths[i]);
    const position = p.text.slice(positionAt, positionAt += p.lengths[n + i]);
    messages[i] = {
      value,
      position,
      timestamp: at(p.numbers[3 * i]),
      partition: at(p.numbers[3 * i + 1]),
      offset: at(p.numbers[3 * i + 2]),
      error: p.errors?.[i],
    };
  }
  return { messages, now: p.now, caughtUp: p.caughtUp };
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
    return this.#client.call("process", [pack(batch)]);
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
    process: (packed: PackedBatch) => runner.process(unpack(packed)),
    restore: (partition: number, checkpoint: string, offset: number) =>
      runner.restore(partition, checkpoint, offset),
    drop: (partition: number) => runner.drop(partition),
    keep: (partition: number) => runner.keep(partition),
    finish: (reportPending: boolean) => runner.finish(reportPending),
  });
}
