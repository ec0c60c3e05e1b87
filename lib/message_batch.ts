/**
 * Messages as a source hands them over: a batch of one partition, in order, held as columns (the
 * values, and the offsets and timestamps in typed arrays) rather than as an object per message.
 * A position for an error row (`linear-regression/0@41`, `points.txt:12`) is made from the batch's
 * origin and the message's offset only when a message needs one.
 *
 * @module
 */

/** Messages of one partition, in order. */
export interface MessageBatch {
  /** The partition they were read from; 0 for a file. */
  readonly partition: number;
  /** Each message's value, as text. */
  readonly values: readonly string[];
  /**
   * Each message's offset in its partition (a file: its line number − 1). Kafka's offsets rise
   * but may skip (compaction, transaction markers).
   */
  readonly offsets: Float64Array;
  /** Each message's timestamp, in ms since the epoch; NaN when it has none. */
  readonly timestamps: Float64Array;
  /**
   * What positions start with: `topic/partition@` (then the offset) or `path:` (then the line
   * number).
   */
  readonly origin: string;
  /** Whether positions count lines from 1 (a file) rather than offsets from 0 (Kafka). */
  readonly lines: boolean;
  /**
   * Messages the source already knows cannot be used (records deleted before they were read),
   * by index: the reason, for the error log.
   */
  readonly errors?: ReadonlyMap<number, string>;
}

/**
 * Where message `index` of `batch` came from, for error rows.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { messageBatch, positionOf } from "./message_batch.ts";
 * const kafka = messageBatch(["x,y", "0,1"], { origin: "linear-regression/0@", firstOffset: 40 });
 * assert.equal(positionOf(kafka, 1), "linear-regression/0@41");
 * const file = messageBatch(["x,y", "0,1"], { origin: "points.txt:", lines: true });
 * assert.equal(positionOf(file, 1), "points.txt:2");
 * ```
 */
export function positionOf(batch: MessageBatch, index: number): string {
  return `${batch.origin}${batch.offsets[index] + (batch.lines ? 1 : 0)}`;
}

/** Options of {@linkcode messageBatch}. */
export interface MessageBatchOptions {
  /** The partition (default 0). */
  readonly partition?: number;
  /** The offset of the first value; the others follow one by one (default 0). */
  readonly firstOffset?: number;
  /** Every message's timestamp (default none: NaN). */
  readonly timestamp?: number;
  /** Each message's timestamp, in order (instead of `timestamp`). */
  readonly timestamps?: ArrayLike<number>;
  /** What positions start with (default `partition@`, e.g. `0@`). */
  readonly origin?: string;
  /** Whether positions count lines from 1 (default false). */
  readonly lines?: boolean;
}

/**
 * A batch of `values` at consecutive offsets, all stamped alike: what a file source delivers,
 * and a short way to write batches in tests and examples.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { messageBatch } from "./message_batch.ts";
 * const batch = messageBatch(["x,y", "0,1", "*COMMIT*"], { partition: 2, firstOffset: 7 });
 * assert.deepEqual([...batch.offsets], [7, 8, 9]);
 * assert.equal(batch.origin, "2@");
 * assert.ok(Number.isNaN(batch.timestamps[0]));
 * const stamped = messageBatch(["0,1", "*COMMIT*"], { timestamps: [1000, 1500] });
 * assert.deepEqual([...stamped.timestamps], [1000, 1500]);
 * ```
 */
export function messageBatch(
  values: readonly string[],
  options: MessageBatchOptions = {},
): MessageBatch {
  const n = values.length;
  const partition = options.partition ?? 0;
  const first = options.firstOffset ?? 0;
  const offsets = new Float64Array(n);
  for (let i = 0; i < n; i++) offsets[i] = first + i;
  return {
    partition,
    values,
    offsets,
    timestamps: options.timestamps === undefined
      ? new Float64Array(n).fill(options.timestamp ?? NaN)
      : Float64Array.from(options.timestamps),
    origin: options.origin ?? `${partition}@`,
    lines: options.lines ?? false,
  };
}

/**
 * The messages of `batch` from index `start` to `end` (exclusive; default: to the last), as a
 * batch of their own (copies: `batch` may be reused by its source).
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { messageBatch, positionOf, sliceBatch } from "./message_batch.ts";
 * const batch = messageBatch(["x,y", "0,1", "1,2"], { origin: "in.csv:", lines: true });
 * const rest = sliceBatch({ ...batch, errors: new Map([[2, "gone"]]) }, 1);
 * assert.deepEqual(rest.values, ["0,1", "1,2"]);
 * assert.equal(positionOf(rest, 0), "in.csv:2");
 * assert.deepEqual([...rest.errors ?? []], [[1, "gone"]]);
 * assert.deepEqual(sliceBatch(batch, 0, 1).values, ["x,y"]);
 * ```
 */
export function sliceBatch(
  batch: MessageBatch,
  start: number,
  end: number = batch.values.length,
): MessageBatch {
  const errors = batch.errors === undefined ? undefined : new Map(
    [...batch.errors].filter(([i]) => i >= start && i < end).map(([i, why]) => [i - start, why]),
  );
  return {
    partition: batch.partition,
    values: batch.values.slice(start, end),
    offsets: batch.offsets.slice(start, end),
    timestamps: batch.timestamps.slice(start, end),
    origin: batch.origin,
    lines: batch.lines,
    ...(errors === undefined ? {} : { errors }),
  };
}
