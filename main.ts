/**
 * kafka-regression's runner: reads messages from a Kafka topic (or a file), fits
 * y ≈ a + b₁·x₁ + … + b_k·x_k (or a polynomial in one x) at every commit, over every row or a
 * sliding window, and writes the input log, the change stream of the fit and the errors.
 *
 * @module
 */

import { type AckPoint, KafkaSource } from "./io/kafka/client.ts";
import { parseOptions, reportUsageError, UsageError } from "./io/args.ts";
import { checkModelOptions, type ModelOptions } from "./lib/model.ts";
import { type Format, FORMATS, type Message } from "./lib/protocol.ts";
import { describeSettings } from "./io/kafka/settings.ts";
import type { WindowSpec } from "./lib/window.ts";
import { KAFKA_HELP, KAFKA_OPTIONS, reportKafkaFailure, resolveKafka } from "./io/kafka/options.ts";
import { readLines } from "./io/line_source.ts";
import { PipelineStage } from "./io/pipeline_stage.ts";
import { isSinkClosed } from "./io/sink.ts";

const HELP = `Usage: deno run -A main.ts [options]

Fits y ≈ a + b₁·x₁ + … + b_k·x_k by least squares, live, on a stream of rows read from a Kafka
topic (or a file), and writes every change of the fit. Runs until stopped (Ctrl-C),
--max-commits or --idle-exit-ms.

Source:
  --from FILE          read one message per line of FILE ('-' = standard input) instead of Kafka
  --format FORMAT      csv (default) or json
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

function wholeNumber(name: string, text: string | undefined): number | undefined {
  if (text === undefined) return undefined;
  if (!/^\d+$/.test(text) || !Number.isSafeInteger(Number(text))) {
    throw new UsageError(`--${name} must be a whole number, not "${text}"`);
  }
  return Number(text);
}

/** The formats that carry numbers to fit: every format but raw. */
const FITTABLE: readonly Format[] = FORMATS.filter((f) => f !== "raw");

/** Refuses a --format with nothing to fit. */
function checkFormat(format: string): Format {
  if (format === "raw") {
    throw new UsageError(
      "--format raw cannot be fitted: a raw message is plain text (the one column data), " +
        "with no numbers in it. Send the rows as csv — a header such as x,y, then rows such " +
        'as 1,2.5 — with --format csv (the default), or as JSON objects such as {"x":1,"y":2.5} ' +
        "with --format json",
    );
  }
  if (!FITTABLE.includes(format as Format)) {
    throw new UsageError(`--format must be ${FITTABLE.join(" or ")}, not "${format}"`);
  }
  return format as Format;
}

/** Refuses a --from that is not `-` or a file this process can read, naming the path. */
function checkFrom(path: string | undefined): void {
  if (path === undefined || path === "-") return;
  let info: Deno.FileInfo;
  try {
    info = Deno.statSync(path);
  } catch (e) {
    throw new UsageError(`cannot read --from ${path}: ${(e as Error).message}`);
  }
  if (info.isDirectory) {
    throw new UsageError(
      `--from ${path} is a directory: give a file of messages, one per line, or - for ` +
        "standard input",
    );
  }
  if (!info.isFile) return; // a pipe or a device: opening it could wait for a writer
  try {
    Deno.openSync(path, { read: true }).close();
  } catch (e) {
    throw new UsageError(`cannot read --from ${path}: ${(e as Error).message}`);
  }
}

function options(args: string[]) {
  const values = parseOptions(args, OPTIONS);
  const format = checkFormat(values.format);
  checkFrom(values.from);
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
    format,
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
  /** Where the batch just delivered stands, to acknowledge it later. */
  mark(): AckPoint | undefined;
  acknowledge(point: AckPoint | undefined, index: number, checkpoint: string): Promise<void>;
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
      mark: () => undefined,
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
    mark: () => source.mark(),
    acknowledge: (point, index, cp) =>
      point === undefined ? Promise.resolve() : source.acknowledge(point, index, cp),
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
    return reportUsageError("main.ts", "deno run -A main.ts --help", e);
  }
  if (opts.help) {
    console.log(HELP);
    return 0;
  }
  // The pipeline and the files live in a worker, so that they overlap with reading Kafka.
  const stage = new PipelineStage();
  try {
    return await run(opts, stage);
  } finally {
    stage.close();
  }
}

/** How many batches may be on their way to or in the worker at once, so that neither thread waits. */
const IN_FLIGHT = 4;

async function run(opts: Options, stage: PipelineStage): Promise<number> {
  const created = await stage.create({
    format: opts.format,
    model: opts.model,
    window: opts.window,
    maxCommits: opts.maxCommits,
  }, opts.autocommitMs);
  if (created.fatal !== undefined) {
    console.error(`main.ts: cannot fit --format ${opts.format} input ${created.fatal}`);
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
  let opened;
  try {
    opened = await stage.open(
      { input: opts["input-log"], output: opts.output, errors: opts.errors },
      source.checkpoint,
    );
  } catch (e) {
    console.error(`main.ts: cannot open the output files: ${(e as Error).message}`);
    await source.close();
    return 1;
  }
  if (opened.problem !== undefined) {
    console.error(`main.ts: cannot resume from the group's checkpoint: ${opened.problem}`);
    await source.close();
    return 1;
  }
  for (const { name, bytes } of opened.missing) {
    console.error(
      `main.ts: the ${name} file is ${bytes} bytes shorter than at the checkpoint ` +
        "(moved or edited?); appending to it anyway",
    );
  }
  const onSignal = () => source.stop();
  for (const signal of ["SIGINT", "SIGTERM"] as const) Deno.addSignalListener(signal, onSignal);

  let failure: Error | undefined;
  let fatal: string | undefined;
  let counts = { rows: 0, commits: 0, errors: 0, pending: 0 };
  let lastMessageAt = Date.now();
  let progress = { at: lastMessageAt, rows: 0 };
  let notCommitting = false;
  let stopping = false;
  // Replies come in order; acknowledgements are chained so that offsets are committed in order.
  const inFlight: Promise<void>[] = [];
  let acknowledged = Promise.resolve();
  try {
    for await (const batch of source.batches) {
      const now = Date.now();
      if (batch.length > 0) lastMessageAt = now;
      const point = source.mark();
      const processed = stage.process(batch, now).then((p) => {
        counts = p.counts;
        fatal ??= p.fatal;
        if (p.done || p.fatal !== undefined) {
          stopping = true;
          source.stop();
        }
        if (p.ack !== null) {
          const { index, checkpoint } = p.ack;
          acknowledged = acknowledged.then(() => source.acknowledge(point, index, checkpoint));
        } else if (p.noCheckpoint !== undefined && source.redelivers && !notCommitting) {
          notCommitting = true;
          console.error(
            `main.ts: offsets are not committed: ${p.noCheckpoint}. A restart of this ` +
              "consumer group reads the topic again as auto.offset.reset says (default: from " +
              "the beginning) and rewrites the outputs",
          );
        }
        return acknowledged;
      });
      inFlight.push(processed);
      if (inFlight.length >= IN_FLIGHT) await inFlight.shift();
      if (opts.progressMs > 0 && now - progress.at >= opts.progressMs) {
        const { rows, commits, errors } = counts;
        if (rows > progress.rows) {
          const rate = Math.round((rows - progress.rows) / ((now - progress.at) / 1000));
          console.error(
            `main.ts: ${rows} rows, ${commits} commits, ${errors} errors (${rate} rows/s)`,
          );
        }
        progress = { at: now, rows };
      }
      if (stopping) break;
      if (opts.idleExitMs !== undefined && now - lastMessageAt >= opts.idleExitMs) break;
    }
    await Promise.all(inFlight);
  } catch (e) {
    failure = e as Error;
    await Promise.allSettled(inFlight);
  }
  try {
    ({ counts } = await stage.finish(!source.redelivers));
  } catch (e) {
    failure ??= e as Error;
  }
  await source.close();
  for (const signal of ["SIGINT", "SIGTERM"] as const) Deno.removeSignalListener(signal, onSignal);

  const { rows, commits, errors, pending } = counts;
  const errorNote = errors > 0 ? ` (see ${opts.errors})` : "";
  console.error(`main.ts: ${rows} rows, ${commits} commits, ${errors} errors${errorNote}`);
  if (pending > 0) {
    console.error(
      `main.ts: ${pending} rows that no *COMMIT* closed yet are left in ${source.name} for the next run`,
    );
  }
  // The reader of an output pipe went away (--output - | head): stop quietly, as Unix tools do.
  if (failure !== undefined && isSinkClosed(failure)) return 0;
  if (failure !== undefined) {
    console.error(`main.ts: ${failure.message}`);
    return 1;
  }
  if (fatal !== undefined) {
    console.error(`main.ts: stopped ${fatal}`);
    return 1;
  }
  return 0;
}

if (import.meta.main) Deno.exit(await main(Deno.args));
