/**
 * The run's loop: items from a source into a runner, in order, a few batches on their way at once
 * (bounded by their bytes) so that reading and processing overlap; what the runner says may be
 * committed goes back to the source, in order, one commit at a time (those that come meanwhile
 * merged: see `commit_queue.ts`). It knows no file.
 *
 * @module
 */

import type { Counts, Note } from "../lib/pipeline.ts";
import { CommitQueue } from "./commit_queue.ts";
import type { Processed, Runner } from "./runner.ts";
import type { Batch, Source } from "./source.ts";

/** Options of {@linkcode feed}. */
export interface FeedOptions {
  /** End after this long without a message. */
  readonly idleExitMs?: number;
  /** How many bytes of messages may be on their way to the runner at once. */
  readonly maxInFlightBytes?: number;
  /** Called with every batch's totals, after the batch was processed. */
  readonly onProcessed?: (processed: Processed) => void;
  /** Called once when offsets cannot be committed, with why. */
  readonly onNoCheckpoint?: (problem: string) => void;
  /** Called with what the operator should hear of. */
  readonly onNote?: (note: Note) => void;
}

/** How a {@linkcode feed} ended. */
export interface Fed {
  /** The totals at the end. */
  readonly counts: Counts;
  /** Why the run cannot go on, when the input said so. */
  readonly fatal?: string;
  /** A failure of the source or of the runner's files. */
  readonly failure?: Error;
  /** Why a partition could not be taken over, if so. */
  readonly refused?: string;
}

/** The default bound on bytes in flight: 4 MiB. */
export const DEFAULT_IN_FLIGHT_BYTES = 4 << 20;

/**
 * How many batches may be on their way at once besides the one being read: enough for reading
 * to overlap processing. Each one waiting outlives a scavenge of V8's young generation, whose
 * survivors make V8 grow it: at 8, ≈ 30 MB more at the peak for 1 M rows, no faster.
 */
const MAX_IN_FLIGHT = 2;

/**
 * Feeds `source` into `runner` until the source ends, is stopped, the runner is done (or fatal),
 * or nothing arrived for `idleExitMs`. Acknowledgements go back to the source in order, each
 * after the batch it covers was written; the run does not wait for the broker's answer, except
 * before a change of partitions and at the end.
 *
 * @example
 * ```ts ignore
 * const fed = await feed(source, runner, { idleExitMs: 3000 });
 * console.error(`${fed.counts.rows} rows`);
 * ```
 */
export async function feed(source: Source, runner: Runner, options: FeedOptions): Promise<Fed> {
  const maxBytes = options.maxInFlightBytes ?? DEFAULT_IN_FLIGHT_BYTES;
  const inFlight: { done: Promise<void>; bytes: number }[] = [];
  let bytesInFlight = 0;
  let counts: Counts = { rows: 0, commits: 0, errors: 0, pending: 0 };
  let fatal: string | undefined;
  let refused: string | undefined;
  let failure: Error | undefined;
  let stopping = false;
  let warned = false;
  const commits = new CommitQueue((acks, changes) => source.acknowledge(acks, changes));
  let lastMessageAt = Date.now();
  const settle = async () => {
    const oldest = inFlight.shift();
    if (oldest === undefined) return;
    bytesInFlight -= oldest.bytes;
    await oldest.done;
  };
  const take = (processed: Processed) => {
    counts = processed.counts;
    fatal ??= processed.fatal;
    if (processed.done || processed.fatal !== undefined) {
      stopping = true;
      source.stop();
    }
    for (const note of processed.notes) options.onNote?.(note);
    const { acks, changes = [] } = processed;
    if (acks.length === 0 && processed.noCheckpoint !== undefined && source.redelivers && !warned) {
      warned = true;
      options.onNoCheckpoint?.(processed.noCheckpoint);
    }
    options.onProcessed?.(processed);
    return commits.add(acks, changes).then(() => {
      if (commits.failure !== undefined) throw commits.failure.error;
    });
  };
  try {
    for await (const item of source.items()) {
      if (item.kind === "assignment") {
        while (inFlight.length > 0) await settle();
        await commits.drain();
        for (const partition of item.drop) await runner.drop(partition);
        for (const partition of item.keep) await runner.keep(partition);
        for (const r of item.restore) {
          const problem = await runner.restore(r.partition, r.checkpoint, r.offset);
          if (problem !== undefined) {
            refused = `cannot take over partition ${r.partition} from its checkpoint: ${problem}`;
            source.stop();
          }
        }
        continue;
      }
      const { batch } = item;
      const now = batch.now;
      const { count, bytes } = sizeOf(batch.parts);
      if (count > 0) lastMessageAt = now;
      // A failure (a full disk, a closed pipe) stops the run; it is held until the loop ends.
      const done = runner.process(batch).then(take).catch((e) => {
        failure ??= e as Error;
        stopping = true;
        source.stop();
      });
      inFlight.push({ done, bytes });
      bytesInFlight += bytes;
      while (inFlight.length > 0 && (bytesInFlight > maxBytes || inFlight.length > MAX_IN_FLIGHT)) {
        await settle();
      }
      if (stopping || refused !== undefined) break;
      if (options.idleExitMs !== undefined && now - lastMessageAt >= options.idleExitMs) break;
    }
    while (inFlight.length > 0) await settle();
  } catch (e) {
    failure = e as Error;
    await Promise.allSettled(inFlight.map((f) => f.done));
  }
  await commits.drain();
  if (commits.failure !== undefined) failure ??= commits.failure.error as Error;
  return { counts, fatal, failure, refused };
}

/**
 * How many messages `parts` hold, and their characters: in a function of its own, which V8
 * optimizes, rather than in the feed's async loop, which it runs unoptimized.
 */
function sizeOf(parts: Batch["parts"]): { count: number; bytes: number } {
  let count = 0;
  let bytes = 0;
  for (const { values } of parts) {
    count += values.length;
    for (let i = 0; i < values.length; i++) bytes += values[i].length;
  }
  return { count, bytes };
}
