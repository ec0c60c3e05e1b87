/**
 * One partition's share of a run: its exact least-squares state (and window), the rows it has
 * received that no commit closed yet, its counters, and how far into the partition it has read.
 * Kafka keeps order within a partition only, so each partition is fitted on its own and the fit
 * written is the merge of the partitions' states.
 *
 * @module
 */

import type { ErrorRow } from "./rows.ts";
import { type MessageBatch, sliceBatch } from "./message_batch.ts";
import { PendingRows } from "./pending_rows.ts";
import { LeastSquares } from "./least_squares.ts";
import { Window, type WindowSpec } from "./window.ts";

/**
 * The state of one partition.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { Partition } from "./partition.ts";
 * const p = new Partition(0, { k: 1, intercept: true });
 * p.state.add([1], 2);
 * assert.equal(p.state.count, 1);
 * assert.equal(p.ackOffset, undefined); // nothing read yet
 * p.next = 5;
 * assert.equal(p.ackOffset, 5);
 * ```
 */
export class Partition {
  /** The partition's number (0 for a file). */
  readonly id: number;
  /** The rows committed so far (inside the window, with one). */
  state: LeastSquares;
  /** The window over committed rows, with one. */
  readonly window: Window | undefined;
  /** Rows received that no commit closed yet. */
  readonly pending: PendingRows;
  /** The offset of the first pending row, while there is one. */
  firstPendingOffset: number | undefined;
  /** Errors of messages after the first pending row: written when those rows are closed. */
  deferred: ErrorRow[] = [];
  /** Commits the partition closed. */
  commits = 0;
  /** Rows it committed. */
  rows = 0;
  /** The offset after the last message taken from the partition, once one was. */
  next: number | undefined;
  /** The last commit was an autocommit: a `*COMMIT*` that finds nothing pending closes it. */
  absorb = false;

  /** An empty partition state for a model of `k` regressors. */
  constructor(
    id: number,
    model: { readonly k: number; readonly intercept: boolean },
    window?: WindowSpec,
  ) {
    this.id = id;
    this.state = new LeastSquares(model.k, { intercept: model.intercept });
    this.window = window && new Window(window, model.k);
    this.pending = new PendingRows(model.k);
  }

  /**
   * The offset up to which (exclusive) every message taken is accounted for — committed,
   * logged or reported — so that a restart from it neither misses nor repeats anything: the
   * first pending row's offset while rows are pending, else the offset after the last message.
   */
  get ackOffset(): number | undefined {
    return this.firstPendingOffset ?? this.next;
  }
}

/** Messages of partitions whose header has not arrived yet, bounded. */
export class EarlyMessages {
  readonly #limit: number;
  readonly #byPartition = new Map<number, MessageBatch[]>();
  #count = 0;

  /** Holds at most `limit` messages in all. */
  constructor(limit: number) {
    this.#limit = limit;
  }

  /** How many messages wait. */
  get count(): number {
    return this.#count;
  }

  /** The partitions that have messages waiting, in order. */
  get partitions(): number[] {
    return [...this.#byPartition.keys()].sort((a, b) => a - b);
  }

  /** The offset of the first message waiting in `partition`, if any. */
  firstOffset(partition: number): number | undefined {
    const first = this.#byPartition.get(partition)?.[0];
    return first === undefined ? undefined : first.offsets[0];
  }

  /** Keeps the messages of `batch` from index `from` on; false when that would pass the limit. */
  hold(batch: MessageBatch, from: number): boolean {
    const count = batch.values.length - from;
    if (this.#count + count > this.#limit) return false;
    const held = this.#byPartition.get(batch.partition) ?? [];
    held.push(sliceBatch(batch, from));
    this.#byPartition.set(batch.partition, held);
    this.#count += count;
    return true;
  }

  /** Takes every waiting message, partition by partition in order, as they arrived. */
  release(): MessageBatch[] {
    const out = this.partitions.flatMap((p) => this.#byPartition.get(p)!);
    this.#byPartition.clear();
    this.#count = 0;
    return out;
  }

  /** Forgets the messages of `partition`. */
  drop(partition: number): void {
    for (const batch of this.#byPartition.get(partition) ?? []) {
      this.#count -= batch.values.length;
    }
    this.#byPartition.delete(partition);
  }
}
