/**
 * Consumer lag: per partition, how many messages the topic holds beyond the last one read.
 *
 * @module
 */

/** The lag of one partition. */
export interface PartitionLag {
  /** The partition. */
  readonly partition: number;
  /** Messages in the partition after the last one read (0: caught up). */
  readonly lag: number;
}

/**
 * The lag of each partition from its high watermark (the offset the next message will take) and
 * the offset of the last message read; partitions in order.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { consumerLag } from "./consumer_lag.ts";
 * const high = new Map([[1, 10], [0, 120]]);
 * const read = new Map([[0, 99], [1, 9]]);
 * assert.deepEqual(consumerLag(high, read), [{ partition: 0, lag: 20 }, { partition: 1, lag: 0 }]);
 * ```
 */
export function consumerLag(
  highWatermarks: ReadonlyMap<number, number>,
  lastRead: ReadonlyMap<number, number>,
): PartitionLag[] {
  const lags: PartitionLag[] = [];
  for (const [partition, high] of highWatermarks) {
    const read = lastRead.get(partition);
    const next = read === undefined ? 0 : read + 1;
    lags.push({ partition, lag: Math.max(0, high - next) });
  }
  return lags.sort((a, b) => a.partition - b.partition);
}
