/**
 * What the runner says may be committed, sent to the source one commit at a time. While one is on
 * its way, those that come meanwhile are merged into the next: the latest offsets and checkpoints
 * (each acknowledgement covers every partition held, so the latest says all) and every change row,
 * in order. Processing does not wait for the broker's answer, only for room when change rows pile
 * up.
 *
 * @module
 */

import type { Ack } from "./source.ts";

/** Sends acknowledgements and their change rows (see `Source.acknowledge`). */
export type Send = (acks: readonly Ack[], changes: readonly string[]) => Promise<void>;

/** How many change rows may wait for a commit before the producer of them waits too. */
export const MAX_WAITING_CHANGES = 200_000;

/**
 * One commit at a time, the rest merged.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { CommitQueue } from "./commit_queue.ts";
 * const sent: string[] = [];
 * const queue = new CommitQueue(async (acks, changes) => {
 *   await new Promise((r) => setTimeout(r, 5));
 *   sent.push(`${acks.map((a) => a.offset)} ${changes.join("|")}`);
 * });
 * await queue.add([{ partition: 0, offset: 1, checkpoint: "c1" }], ["r1"]);
 * await queue.add([{ partition: 0, offset: 2, checkpoint: "c2" }], ["r2"]);
 * await queue.add([{ partition: 0, offset: 3, checkpoint: "c3" }], ["r3"]);
 * await queue.drain();
 * assert.deepEqual(sent, ["1 r1", "3 r2|r3"]); // the second and third went together
 * ```
 */
export class CommitQueue {
  readonly #send: Send;
  readonly #maxWaiting: number;
  #waiting: { acks: readonly Ack[]; changes: string[] } | undefined;
  #sending: Promise<void> | undefined;
  #failure: { error: unknown } | undefined;

  /** Sends with `send`; `maxWaiting` change rows may wait before {@linkcode add} waits. */
  constructor(send: Send, maxWaiting = MAX_WAITING_CHANGES) {
    this.#send = send;
    this.#maxWaiting = maxWaiting;
  }

  /** The first failure of a send, if one failed (nothing is sent after it). */
  get failure(): { error: unknown } | undefined {
    return this.#failure;
  }

  /**
   * Queues `acks` (empty: keep the ones waiting) with `changes`; resolves at once, or when the
   * change rows waiting are back under the bound.
   */
  async add(acks: readonly Ack[], changes: readonly string[]): Promise<void> {
    if (acks.length === 0 && changes.length === 0) return;
    if (this.#waiting === undefined) {
      this.#waiting = { acks, changes: [...changes] };
    } else {
      if (acks.length > 0) this.#waiting.acks = acks;
      for (const change of changes) this.#waiting.changes.push(change);
    }
    this.#next();
    while (
      this.#sending !== undefined && this.#failure === undefined &&
      (this.#waiting?.changes.length ?? 0) > this.#maxWaiting
    ) {
      await this.#sending;
    }
  }

  /** Resolves once everything queued was sent (or a send failed: see {@linkcode failure}). */
  async drain(): Promise<void> {
    while (this.#sending !== undefined) await this.#sending;
  }

  #next(): void {
    if (this.#sending !== undefined || this.#waiting === undefined) return;
    if (this.#failure !== undefined) {
      this.#waiting = undefined;
      return;
    }
    const { acks, changes } = this.#waiting;
    this.#waiting = undefined;
    this.#sending = this.#send(acks, changes).catch((error) => {
      this.#failure ??= { error };
    }).finally(() => {
      this.#sending = undefined;
      this.#next();
    });
  }
}
