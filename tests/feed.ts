/** Test helpers: batches into a pipeline, what they produced kept as rows. */

import { type MessageBatch, messageBatch } from "../lib/message_batch.ts";
import { OutputRows } from "../lib/output.ts";
import type { Pipeline } from "../lib/pipeline.ts";

/** What `parts` produced in `run`, as rows. */
export function processed(run: Pipeline, parts: readonly MessageBatch[], now?: number) {
  const out = new OutputRows();
  run.process(parts, now, out);
  return out;
}

const fed = new WeakMap<Pipeline, number>();

/**
 * Feeds `values` to `run` as the next lines of a file (partition 0, each line's offset after the
 * last one fed, positions `line 1`, `line 2`, …), stamped `timestamps` if given; returns what
 * they produced.
 */
export function feed(run: Pipeline, values: readonly string[], timestamps?: readonly number[]) {
  const first = fed.get(run) ?? 0;
  fed.set(run, first + values.length);
  return processed(run, [
    messageBatch(values, { firstOffset: first, origin: "line ", lines: true, timestamps }),
  ]);
}

/** What `run.autocommit(partition)` produced, as rows. */
export function autocommitted(run: Pipeline, partition: number) {
  const out = new OutputRows();
  run.autocommit(partition, out);
  return out;
}

/** What `run.finish()` produced, as rows. */
export function finished(run: Pipeline) {
  const out = new OutputRows();
  run.finish(out);
  return out;
}
