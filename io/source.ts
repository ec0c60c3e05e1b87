/**
 * What the run reads from: a file or Kafka, as items in order — batches of messages, and (Kafka)
 * changes of the partitions this run reads, which the runner applies between batches.
 *
 * @module
 */

import type { MessageBatch } from "../lib/message_batch.ts";

/** What a source delivered at once: messages of one or more partitions. */
export interface Batch {
  /** The messages, a batch per partition (each in order). */
  readonly parts: readonly MessageBatch[];
  /** The source's clock when it delivered the batch (ms since the epoch). */
  readonly now: number;
  /**
   * Partitions with whether they are caught up after this batch — nothing more to read from
   * them for now: the live edge — as far as the source knows.
   */
  readonly caughtUp?: readonly (readonly [number, boolean])[];
}

/** A partition to take over from its checkpoint. */
export interface Restore {
  readonly partition: number;
  /** The checkpoint's text. */
  readonly checkpoint: string;
  /** The offset it was committed with: the next message to read. */
  readonly offset: number;
}

/** An item of a source. */
export type SourceItem =
  | { readonly kind: "batch"; readonly batch: Batch }
  | {
    readonly kind: "assignment";
    /** Partitions now read elsewhere: their state leaves the fit (kept aside). */
    readonly drop: readonly number[];
    /** Partitions back where this run left them: their state kept aside returns. */
    readonly keep: readonly number[];
    /** Partitions to take over from their checkpoints. */
    readonly restore: readonly Restore[];
  };

/** Each partition's offset to commit, with its checkpoint. */
export interface Ack {
  readonly partition: number;
  /** Every message before this offset is accounted for. */
  readonly offset: number;
  /** The checkpoint to keep with it. */
  readonly checkpoint: string;
}

/** Where messages come from, and how processed ones are acknowledged. */
export interface Source {
  /** What the source is, for messages: `topic "t"`, `standard input`. */
  readonly name: string;
  /** Whether messages no commit closed are delivered again to the next run. */
  readonly redelivers: boolean;
  /** The items, in order; `[]` batches after a while without messages. */
  items(): AsyncIterable<SourceItem>;
  /**
   * Commits `acks` (every partition held, at once). `changes` are the change rows of the same
   * batches (JSON object texts), for a source that publishes them in one transaction with the
   * offsets (Kafka with `--output-topic`); other sources ignore them. Called with empty `acks`
   * when rows came but no checkpoint could be made.
   */
  acknowledge(acks: readonly Ack[], changes?: readonly string[]): Promise<void>;
  /** Ends the items after the one at hand. */
  stop(): void;
  /** Lets go of the source. */
  close(): Promise<void>;
}
