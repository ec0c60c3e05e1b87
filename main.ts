/**
 * kafka-regression's runner: reads messages from a Kafka topic (or a file), fits
 * y ≈ a + b₁·x₁ + … + b_k·x_k (or a polynomial in one x) at every commit, over every row or a
 * sliding window, and writes the input log, the change stream of the fit and the errors.
 *
 * @module
 */

import { parseArgs } from "node:util";
import { changeLines, ERROR_HEADER, errorLines, headerLine, inputLines } from "./lib/csv_rows.ts";
import { KafkaSource } from "./lib/kafka.ts";
import { checkModelOptions, type ModelOptions } from "./lib/model.ts";
import { FILE_SIZES_BYTES, fileSizes, withFileSizes } from "./lib/checkpoint.ts";
import { MAX_CHECKPOINT_BYTES, type Output, Pipeline } from "./lib/pipeline.ts";
import { type Format, FORMATS, type Message } from "./lib/protocol.ts";
import { describeSettings } from "./lib/settings.ts";
import type { WindowSpec } from "./lib/window.ts";
import { KAFKA_HELP, KAFKA_OPTIONS, reportKafkaFailure, resolveKafka } from "./io/kafka_cli.ts";
import { readLines } from "./io/line_source.ts";
import { Sink } from "./io/sink.ts";

const HELP = `Usage: deno run -A main.ts [options]

Fits y ≈ a + b₁·x₁ + … + b_k·x_k by least squares, live, on a stream of rows read from a Kafka
topic (or a file), and writes every change of the fit. Runs until stopped (Ctrl-C),
--max-commits or --idle-exit-ms.

Source:
  --from FILE          read one message per line of FILE ('-' = standard input) instead of Kafka
  --format FORMAT      csv (default), json or raw
  --max-commits N      exit once the commit counter reaches N
  --idle-exit-ms MS    Kafka: exit after MS without a message
  --progress-ms MS     print the counts on standard error every MS while rows arrive
                       (default 10000; 0 = off)
  --autocommit-ms MS   Kafka: close pending rows that no *COMMIT* followed within MS
                       (default 1500; 0 = off)

Model (the change stream's columns: a,b with one feature; a,b_<feature>,… with several):
  --target NAME        the column of y (default y)
  --features A,B,…     the feature columns, in order (default: every other column but diff)
  --degree D           fit a + b1·x + … + bD·x^D in the one feature: columns a,b1,…,bD
  --no-intercept       fit through the origin: no column a
  --stats              add the columns n, r2, se (residual standard error) and the
                       standard error of each coefficient: se_a, se_b, …
  --window N           fit the last N committed rows only
  --window-ms MS       fit the rows of the last MS milliseconds only, by the message
                       timestamps (Kafka), or the time a line was read (--from)
  While the rows do not determine the fit (fewer rows than coefficients, or features that are
  constant or collinear), every value but n is 0. A row whose diff column (csv) or "diff" field
  (json) is -1 retracts an earlier row with the same values.

Outputs (created or truncated; appended to when a Kafka group resumes from its checkpoint):
  --input-log PATH     every committed row, as received (default regression_input.csv)
  --output PATH        the fit as a change stream (default regression_output_stream.csv;
                       '-' = standard output)
  --errors PATH        messages that could not be used: position,reason,raw
                       (default regression_errors.csv)

${KAFKA_HELP}

  -h, --help           this help

Protocol: the first message names the columns (csv); each row counts once a *COMMIT* message
follows. Kafka offsets are committed with a checkpoint of the fit, so that a restart of the
consumer group resumes; with a window, or a fit too large for the 4096 bytes Kafka keeps with
an offset (about 16 features or more), offsets are not committed and a restart reads the topic
again. Exit status: 0 at the end of the input or when stopped, 1 when the input cannot be
fitted or Kafka fails, 2 on a usage error.
`;

const OPTIONS = {
  from: { type: "string" },
  format: { type: "string", default: "csv" },
  target: { type: "string", default: "y" },
  features: { type: "string" },
  degree: { type: "string", default: "1" },
  "no-intercept": { type: "boolean", default: false },
  stats: { type: "boolean", default: false },
  window: { type: "string" },
  "window-ms": { type: "string" },
  "max-commits": { type: "string" },
  "idle-exit-ms": { type: "string" },
  "progress-ms": { type: "string", default: "10000" },
  "autocommit-ms": { type: "string", default: "1500" },
  "input-log": { type: "string", default: "regression_input.csv" },
  output: { type: "string", default: "regression_output_stream.csv" },
  errors: { type: "string", default: "regression_errors.csv" },
  ...KAFKA_OPTIONS,
  help: { type: "boolean", short: "h", default: false },
} as const;

class UsageError extends Error {}

function wholeNumber(name: string, text: string | undefined): number | undefined {
  if (text === undefined) return undefined;
  if (!/^\d+$/.test(text) || !Number.isSafeInteger(Number(text))) {
    throw new UsageError(`--${name} must be a whole number, not "${text}"`);
  }
  return Number(text);
}

function options(args: string[]) {
  let values;
  try {
    ({ values } = parseArgs({ args, options: OPTIONS, strict: true, allowPositionals: false }));
  } catch (e) {
    throw new UsageError((e as Error).message);
  }
  if (!FORMATS.includes(values.format as Format)) {
    throw new UsageError(`--format must be one of ${FORMATS.join(", ")}, not "${values.format}"`);
  }
  const model: ModelOptions = {
    target: values.target,
    features: values.features?.split(","),
    degree: wholeNumber("degree", values.degree),
    intercept: !values["no-intercept"],
    stats: values.stats,
  };
  const problem = checkModelOptions(model);
  if (problem !== undefined) throw new UsageError(problem);
  const rows = wholeNumber("window", values.window);
  const ms = wholeNumber("window-ms", values["window-ms"]);
  if (rows !== undefined && ms !== undefined) {
    throw new UsageError("--window and --window-ms cannot be combined: choose one");
  }
  if (rows === 0 || ms === 0) {
    throw new UsageError(`--window${rows === 0 ? "" : "-ms"} must be at least 1`);
  }
  const window: WindowSpec | undefined = rows !== undefined
    ? { rows }
    : ms !== undefined
    ? { ms }
    : undefined;
  return {
    ...values,
    format: values.format as Format,
    model,
    window,
    maxCommits: wholeNumber("max-commits", values["max-commits"]),
    idleExitMs: wholeNumber("idle-exit-ms", values["idle-exit-ms"]),
    progressMs: wholeNumber("progress-ms", values["progress-ms"]) ?? 0,
    autocommitMs: wholeNumber("autocommit-ms", values["autocommit-ms"]) ?? 0,
  };
}

type Options = ReturnType<typeof options>;

/** Where messages come from, and how processed ones are acknowledged. */
interface Source {
  readonly batches: AsyncIterable<Message[]>;
  /** Where the run resumes from, if the source keeps checkpoints. */
  readonly checkpoint?: string;
  /** What the source is, for messages. */
  readonly name: string;
  /** Whether input that no commit closed will be delivered again by the next run. */
  readonly redelivers: boolean;
  acknowledge(index: number, checkpoint: string | undefined): Promise<void>;
  stop(): void;
  close(): Promise<void>;
}

async function openSource(opts: Options): Promise<Source> {
  if (opts.from !== undefined) {
    let stopped = false;
    const lines = readLines(opts.from);
    return {
      batches: {
        async *[Symbol.asyncIterator]() {
          for await (const batch of lines) {
            yield batch;
            if (stopped) return;
          }
        },
      },
      name: opts.from === "-" ? "standard input" : opts.from,
      redelivers: false,
      acknowledge: () => Promise.resolve(),
      stop: () => stopped = true,
      close: () => Promise.resolve(),
    };
  }
  const { settings, ca } = await resolveKafka(opts);
  const tickMs = Math.max(
    10,
    Math.min(250, opts.autocommitMs || 250, opts.idleExitMs ?? 250),
  );
  const { source, checkpoint } = await KafkaSource.open(settings, ca, {
    topic: opts.topic,
    tickMs,
    onWaitingForTopic: () =>
      console.error(`main.ts: topic "${opts.topic}" does not exist yet; waiting for it`),
    onManyPartitions: (count) =>
      console.error(
        `main.ts: topic "${opts.topic}" has ${count} partitions; they are read in delivery ` +
          "order, which Kafka does not define across partitions, while the protocol (header " +
          "first, then rows and *COMMIT*) needs one order: send to one partition",
      ),
  });
  console.error(
    `main.ts: reading topic "${opts.topic}" at ${describeSettings(settings)}, ` +
      `group "${settings.groupId}"${checkpoint ? ", resuming from its checkpoint" : ""}`,
  );
  return {
    batches: source,
    checkpoint,
    name: `topic "${opts.topic}"`,
    redelivers: true,
    acknowledge: (index, cp) => source.acknowledge(index, cp),
    stop: () => source.stop(),
    close: () => source.close(),
  };
}

/** Runs the CLI with `args`; resolves to the exit status. */
async function main(args: string[]): Promise<number> {
  let opts: Options;
  try {
    opts = options(args);
  } catch (e) {
    if (!(e instanceof UsageError)) throw e;
    console.error(`main.ts: ${e.message}\nTry 'deno run -A main.ts --help'.`);
    return 2;
  }
  if (opts.help) {
    console.log(HELP);
    return 0;
  }
  const pipeline = new Pipeline({
    format: opts.format,
    model: opts.model,
    window: opts.window,
    maxCommits: opts.maxCommits,
    maxCheckpointBytes: MAX_CHECKPOINT_BYTES - FILE_SIZES_BYTES,
  });
  if (pipeline.fatal !== undefined) {
    console.error(`main.ts: cannot fit --format ${opts.format} input ${pipeline.fatal}`);
    return 2;
  }

  if (opts.from !== undefined && opts.from !== "-") {
    try {
      await Deno.stat(opts.from);
    } catch (e) {
      console.error(`main.ts: cannot read --from ${opts.from}: ${(e as Error).message}`);
      return 2;
    }
  }
  let source: Source;
  try {
    source = await openSource(opts);
  } catch (e) {
    return reportKafkaFailure("main.ts", e);
  }
  if (source.checkpoint !== undefined) {
    const problem = pipeline.restore(source.checkpoint);
    if (problem !== undefined) {
      console.error(`main.ts: cannot resume from the group's checkpoint: ${problem}`);
      await source.close();
      return 1;
    }
  }
  const onSignal = () => source.stop();
  for (const signal of ["SIGINT", "SIGTERM"] as const) Deno.addSignalListener(signal, onSignal);

  // Resuming, each file keeps what it held at the checkpoint: the rows after it come again.
  const resume = source.checkpoint !== undefined;
  const sizes = resume ? fileSizes(source.checkpoint ?? "") : undefined;
  const keep = (size: number | null | undefined) => resume ? size ?? Infinity : undefined;
  const sinks = {
    input: await Sink.open(opts["input-log"], keep(sizes?.input)),
    output: await Sink.open(opts.output, keep(sizes?.output)),
    errors: await Sink.open(opts.errors, keep(sizes?.errors)),
  };
  for (const [name, sink] of Object.entries(sinks)) {
    if (sink.missing > 0) {
      console.error(
        `main.ts: the ${name} file is ${sink.missing} bytes shorter than at the checkpoint ` +
          "(moved or edited?); appending to it anyway",
      );
    }
  }
  if (sinks.errors.fresh) sinks.errors.append(ERROR_HEADER);
  if (sinks.input.fresh && pipeline.columns !== undefined) {
    sinks.input.append(headerLine(pipeline.columns));
  }
  // The change stream's columns depend on the input's: its header is written once they are known
  // (at once when resuming from a checkpoint; never twice into a file a resumed run appends to).
  let outputHeader = !sinks.output.fresh;
  const write = async (out: Output) => {
    if (out.columns !== undefined) sinks.input.append(headerLine(out.columns));
    if (!outputHeader && pipeline.outputColumns !== undefined) {
      sinks.output.append(headerLine(pipeline.outputColumns));
      outputHeader = true;
    }
    sinks.input.append(inputLines(out.inputRows));
    sinks.output.append(changeLines(out.changes));
    sinks.errors.append(errorLines(out.errors));
    await Promise.all([sinks.input.flush(), sinks.output.flush(), sinks.errors.flush()]);
  };

  let failure: Error | undefined;
  let lastMessageAt = Date.now();
  let progress = { at: lastMessageAt, rows: pipeline.counts.rows };
  let pendingSince: number | undefined;
  let notCommitting = false;
  try {
    for await (const batch of source.batches) {
      const now = Date.now();
      if (batch.length > 0) lastMessageAt = now;
      if (opts.progressMs > 0 && now - progress.at >= opts.progressMs) {
        const { rows, commits, errors } = pipeline.counts;
        if (rows > progress.rows) {
          const rate = Math.round((rows - progress.rows) / ((now - progress.at) / 1000));
          console.error(
            `main.ts: ${rows} rows, ${commits} commits, ${errors} errors (${rate} rows/s)`,
          );
        }
        progress = { at: now, rows };
      }
      const out = pipeline.process(batch);
      await write(out);
      let acknowledge = out.lastCommitIndex >= 0;
      let index = out.lastCommitIndex;
      if (pipeline.counts.pending === 0) {
        pendingSince = undefined;
      } else {
        pendingSince ??= now;
        if (opts.autocommitMs > 0 && now - pendingSince >= opts.autocommitMs && !pipeline.done) {
          await write(pipeline.commitPending());
          pendingSince = undefined;
          acknowledge = true;
          index = -1;
        }
      }
      if (acknowledge) {
        const checkpoint = pipeline.checkpoint();
        if ("text" in checkpoint) {
          await source.acknowledge(
            index,
            withFileSizes(checkpoint.text, {
              input: sinks.input.size ?? null,
              output: sinks.output.size ?? null,
              errors: sinks.errors.size ?? null,
            }),
          );
        } else if (source.redelivers && !notCommitting) {
          notCommitting = true;
          console.error(
            `main.ts: offsets are not committed: ${checkpoint.problem}. A restart of this ` +
              "consumer group reads the topic again as auto.offset.reset says (default: from " +
              "the beginning) and rewrites the outputs",
          );
        }
      }
      if (pipeline.fatal !== undefined || pipeline.done) break;
      if (opts.idleExitMs !== undefined && now - lastMessageAt >= opts.idleExitMs) break;
    }
  } catch (e) {
    failure = e as Error;
  }
  if (!source.redelivers) await write(pipeline.finish());
  await Promise.all(Object.values(sinks).map((s) => s.close()));
  await source.close();
  for (const signal of ["SIGINT", "SIGTERM"] as const) Deno.removeSignalListener(signal, onSignal);

  const { rows, commits, errors, pending } = pipeline.counts;
  const errorNote = errors > 0 ? ` (see ${opts.errors})` : "";
  console.error(`main.ts: ${rows} rows, ${commits} commits, ${errors} errors${errorNote}`);
  if (pending > 0) {
    console.error(
      `main.ts: ${pending} rows that no *COMMIT* closed yet are left in ${source.name} for the next run`,
    );
  }
  if (failure !== undefined) {
    console.error(`main.ts: ${failure.message}`);
    return 1;
  }
  if (pipeline.fatal !== undefined) {
    console.error(`main.ts: stopped ${pipeline.fatal}`);
    return 1;
  }
  return 0;
}

if (import.meta.main) Deno.exit(await main(Deno.args));
