/// <reference lib="deno.worker" />
/**
 * The worker side of {@linkcode PipelineStage}: owns the pipeline and the output files, and
 * answers each request in order.
 *
 * @module
 */

import { FILE_SIZES_BYTES, fileSizes, withFileSizes } from "../lib/checkpoint.ts";
import { ERROR_HEADER, errorLines, headerLine, inputLines } from "../lib/csv_rows.ts";
import { type ChangeText, changeText } from "../lib/output_format.ts";
import { ViewTap } from "../lib/view_tap.ts";
import { MAX_CHECKPOINT_BYTES, type Output, Pipeline } from "../lib/pipeline.ts";
import type { Message } from "../lib/protocol.ts";
import type { Created, Finished, Opened, Processed, Request } from "./pipeline_stage.ts";
import { Sink } from "./sink.ts";

let pipeline: Pipeline;
let autocommitMs = 0;
let sinks: { input: Sink; output: Sink; errors: Sink };
let outputHeader = false;
let pendingSince: number | undefined;
// Issue 9 ("See the fit"): the change stream's format, and the views' tap (when one is asked for).
let changes: ChangeText = changeText("csv");
let tap: ViewTap | undefined;

function create(request: Extract<Request, { type: "create" }>): Created {
  pipeline = new Pipeline({
    ...request.pipeline,
    maxCheckpointBytes: MAX_CHECKPOINT_BYTES - FILE_SIZES_BYTES,
  });
  autocommitMs = request.autocommitMs;
  changes = changeText(request.extras?.outputFormat ?? "csv");
  tap = request.extras?.view && new ViewTap(request.extras.view);
  return { fatal: pipeline.fatal };
}

async function open(request: Extract<Request, { type: "open" }>): Promise<Opened> {
  const checkpoint = request.checkpoint;
  if (checkpoint !== undefined) {
    const problem = pipeline.restore(checkpoint);
    if (problem !== undefined) return { problem, missing: [] };
  }
  // Resuming, each file keeps what it held at the checkpoint: the rows after it come again.
  const sizes = checkpoint === undefined ? undefined : fileSizes(checkpoint);
  const keep = (size: number | null | undefined) =>
    checkpoint === undefined ? undefined : size ?? Infinity;
  sinks = {
    input: await Sink.open(request.outputs.input, keep(sizes?.input)),
    output: await Sink.open(request.outputs.output, keep(sizes?.output)),
    errors: await Sink.open(request.outputs.errors, keep(sizes?.errors)),
  };
  if (sinks.errors.fresh) sinks.errors.append(ERROR_HEADER);
  if (sinks.input.fresh && pipeline.columns !== undefined) {
    sinks.input.append(headerLine(pipeline.columns));
  }
  // The change stream's columns depend on the input's: its header is written once they are known
  // (at once when resuming from a checkpoint; never twice into a file a resumed run appends to).
  outputHeader = !sinks.output.fresh;
  const missing = Object.entries(sinks).flatMap(([name, sink]) =>
    sink.missing > 0 ? [{ name, bytes: sink.missing }] : []
  );
  return { missing };
}

async function write(out: Output): Promise<void> {
  if (out.columns !== undefined) sinks.input.append(headerLine(out.columns));
  if (!outputHeader && pipeline.outputColumns !== undefined) {
    sinks.output.append(changes.header(pipeline.outputColumns));
    outputHeader = true;
  }
  sinks.input.append(inputLines(out.inputRows));
  sinks.output.append(changes.lines(pipeline.outputColumns ?? [], out.changes));
  tap?.take(out, pipeline.model);
  sinks.errors.append(errorLines(out.errors));
  await Promise.all([sinks.input.flush(), sinks.output.flush(), sinks.errors.flush()]);
}

async function batch(request: Extract<Request, { type: "batch" }>): Promise<Processed> {
  const { values, positions, timestamps, now } = request;
  const messages: Message[] = new Array(values.length);
  for (let i = 0; i < values.length; i++) {
    messages[i] = { value: values[i], position: positions[i], timestamp: timestamps[i] };
  }
  const out = pipeline.process(messages);
  await write(out);
  let index = out.lastCommitIndex;
  let committed = index >= 0;
  if (pipeline.counts.pending === 0) {
    pendingSince = undefined;
  } else {
    pendingSince ??= now;
    if (autocommitMs > 0 && now - pendingSince >= autocommitMs && !pipeline.done) {
      await write(pipeline.commitPending());
      pendingSince = undefined;
      index = -1;
      committed = true;
    }
  }
  let ack: Processed["ack"] = null;
  let noCheckpoint: string | undefined;
  if (committed) {
    const checkpoint = pipeline.checkpoint();
    if ("text" in checkpoint) {
      const sizes = {
        input: sinks.input.size ?? null,
        output: sinks.output.size ?? null,
        errors: sinks.errors.size ?? null,
      };
      ack = { index, checkpoint: withFileSizes(checkpoint.text, sizes) };
    } else {
      noCheckpoint = checkpoint.problem;
    }
  }
  const view = tap?.flush();
  return {
    ack,
    noCheckpoint,
    done: pipeline.done,
    fatal: pipeline.fatal,
    counts: pipeline.counts,
    ...(view && { view }),
  };
}

async function finish(request: Extract<Request, { type: "finish" }>): Promise<Finished> {
  if (request.reportPending) await write(pipeline.finish());
  await Promise.all(Object.values(sinks).map((s) => s.close()));
  return { counts: pipeline.counts };
}

function answer(request: Request): Promise<Created | Opened | Processed | Finished> | Created {
  switch (request.type) {
    case "create":
      return create(request);
    case "open":
      return open(request);
    case "batch":
      return batch(request);
    case "finish":
      return finish(request);
  }
}

let queue = Promise.resolve();
self.onmessage = (event: MessageEvent<Request>) => {
  queue = queue
    .then(() => answer(event.data))
    .then(
      (reply) => self.postMessage(reply),
      (error) => self.postMessage({ failed: (error as Error).message }),
    );
};
