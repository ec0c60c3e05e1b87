/**
 * kafka-regression's runner: reads messages from a Kafka topic (or a file), fits
 * y ≈ a + b₁·x₁ + … + b_k·x_k (or a polynomial in one x) at every commit, over every row or a
 * sliding window, and writes the input log, the change stream of the fit and the errors.
 *
 * @module
 */

import { parseOptions, reportUsageError, UsageError } from "./io/args.ts";
import { checkModelOptions, type ModelOptions } from "./lib/model.ts";
import { DEFAULT_MAX_PENDING, type Note } from "./lib/pipeline.ts";
import { type Format, FORMATS } from "./lib/protocol.ts";
import type { WindowSpec } from "./lib/window.ts";
import { feed } from "./io/feed.ts";
import { FileSource } from "./io/file_source.ts";
import { KafkaSource } from "./io/kafka/kafka_source.ts";
import { fetchNeeds, libraryFile } from "./io/kafka/library.ts";
import {
  isKafkaFailure,
  KAFKA_HELP,
  KAFKA_OPTIONS,
  reportKafkaFailure,
  resolveKafka,
} from "./io/kafka/options.ts";
import { OutputTopic, transactionalId } from "./io/kafka/output_topic.ts";
import { describeSettings, type KafkaSettings, SettingsError } from "./io/kafka/settings.ts";
import { Runner, type RunnerOptions } from "./io/runner.ts";
import { grant } from "./io/permissions.ts";
import { SinkClosedError, SinkLockedError } from "./io/sink.ts";
import type { Source } from "./io/source.ts";
import { LiveView } from "./io/live_view.ts";
import type { StatusMode } from "./io/status_line.ts";
import type { PartitionLag } from "./lib/consumer_lag.ts";
import { type ListenAddress, parseListenAddress } from "./lib/listen_address.ts";
import { outputFormat } from "./lib/output_format.ts";
import { programName } from "./lib/program_name.ts";
import { summaryLine } from "./lib/status_line.ts";
import { VERSION } from "./lib/version.ts";

/** The name messages give this program, as the user invoked it (lib/program_name.ts). */
const { name: NAME, args: ARGS } = programName({
  args: Deno.args,
  mainModule: Deno.mainModule,
  execPath: Deno.execPath(),
});
/** The command that runs this program, for help and hints. */
const COMMAND = NAME.endsWith(".ts") ? `deno run -A ${NAME}` : NAME;

const HELP = `Usage: ${COMMAND} [options]

Fits y ≈ a + b₁·x₁ + … + b_k·x_k by least squares, live, on a stream of rows read from a Kafka
topic (or a file), and writes every change of the fit. Runs until stopped (Ctrl-C),
--max-commits, --idle-exit-ms or --until-end.

Source:
  --from FILE          read one message per line of FILE ('-' = standard input) instead of Kafka
  --format FORMAT      csv (default) or json
  --columns A,B,…      the columns, given up front (csv: no header message is needed; one that
                       names exactly these columns is taken as the header all the same)
  --max-commits N      exit once the commit counter reaches N
  --idle-exit-ms MS    exit after MS without a message (also while waiting for the topic)
  --until-end          Kafka: read up to the end offsets seen at the start, then exit
  --reset              Kafka: start the consumer group over: offsets to the beginning, outputs
                       rewritten
  --progress-ms MS     when standard error is not a terminal, print the counts on it every
                       MS while rows arrive (default 10000; 0 = off; a terminal shows a
                       status line instead)
  --quiet              no status line, progress or summary: warnings and errors only
  --autocommit-ms MS   close rows that no *COMMIT* followed: when a message of the same partition
                       arrives stamped MS or more after the first of them, or, caught up with
                       the input, after MS without a message (default 1500; 0 = off)
  --max-pending N      close a partition's rows into a commit once N wait for one
                       (default ${DEFAULT_MAX_PENDING}, about 100 bytes each), with a note on
                       standard error

Model (the change stream's columns: a,b with one feature; a,b_<feature>,… with several):
  --target NAME        the column of y (default y)
  --features A,B,…     the feature columns, in order (default: every other column but diff)
  --degree D           fit a + b1·x + … + bD·x^D in the one feature: columns a,b1,…,bD
  --no-intercept       fit through the origin: no column a
  --stats              add the columns n, r2, se (residual standard error) and the
                       standard error of each coefficient: se_a, se_b, …
  --window N           fit the last N committed rows only
  --window-ms MS       fit the rows of the last MS milliseconds only, by the message
                       timestamps (Kafka), or the time a line was read (--from); a row stamped
                       more than a minute after this machine's clock is an error row
  While the rows do not determine the fit (fewer rows than coefficients, or features that are
  constant or collinear), every value but n is 0. A row whose diff column (csv) or "diff" field
  (json) is -1 retracts an earlier row with the same values.

Outputs (created or truncated; a Kafka group that resumes from its checkpoint appends):
  --input-log PATH     every committed row, as received (default regression_input.csv)
  --output PATH        the fit as a change stream (default regression_output_stream.csv;
                       '-' = standard output)
  --errors PATH        messages that could not be used: position,reason,raw
                       (default regression_errors.csv)
  --output-format F    csv or jsonl (JSON Lines, one object per change row); default: jsonl
                       when --output ends in .jsonl or .json, else csv
  --output-topic NAME  Kafka: also write the change stream to topic NAME, one JSON object per
                       change row (as --output-format jsonl), exactly once: each batch's rows
                       and the group's offsets (with their checkpoints) are committed in one
                       Kafka transaction (transactional id kafka-regression/GROUP/TOPIC; a
                       restart fences the run it replaces). Read NAME with
                       isolation.level=read_committed, or rows of aborted transactions show.
                       One instance per group; --reset writes the stream to NAME again
  The files are locked while a run writes them: a second run on the same files refuses to start.

Views of the fit:
  --serve [HOST:]PORT  serve a live page of the fit (points, line, coefficients' history,
                       rate, lag) at http://HOST:PORT/ (HOST default 127.0.0.1; PORT 0: any);
                       GET /fit is the current fit as JSON, GET /events the page's updates
  --plot FILE.svg      draw the fit and a sample of the points to FILE.svg, every few
                       seconds and at the end

${KAFKA_HELP}

  -h, --help           this help
  --version            the version

Protocol: the first message names the columns (csv; on a topic of several partitions, the first
message of partition 0); each row counts once a *COMMIT* message of its partition follows. Kafka
offsets are committed with a checkpoint of the fit, so that a restart of the consumer group
resumes exactly; with a window, or a fit too large for the 4096 bytes Kafka keeps with an offset
(about 16 features or more), offsets are not committed and a restart reads the topic again.
Exit status: 0 at the end of the input or when stopped, 1 when the input cannot be fitted or
Kafka fails, 2 on a usage error.
`;

const OPTIONS = {
  from: { type: "string" },
  format: { type: "string", default: "csv" },
  columns: { type: "string" },
  target: { type: "string", default: "y" },
  features: { type: "string" },
  degree: { type: "string", default: "1" },
  "no-intercept": { type: "boolean", default: false },
  stats: { type: "boolean", default: false },
  window: { type: "string" },
  "window-ms": { type: "string" },
  "max-commits": { type: "string" },
  "idle-exit-ms": { type: "string" },
  "until-end": { type: "boolean", default: false },
  reset: { type: "boolean", default: false },
  "progress-ms": { type: "string", default: "10000" },
  "autocommit-ms": { type: "string", default: "1500" },
  "max-pending": { type: "string", default: String(DEFAULT_MAX_PENDING) },
  "input-log": { type: "string", default: "regression_input.csv" },
  output: { type: "string", default: "regression_output_stream.csv" },
  errors: { type: "string", default: "regression_errors.csv" },
  "output-format": { type: "string" },
  "output-topic": { type: "string" },
  quiet: { type: "boolean", default: false },
  serve: { type: "string" },
  plot: { type: "string" },
  version: { type: "boolean", default: false },
  ...KAFKA_OPTIONS,
  topic: { type: "string", short: "t", multiple: true },
  help: { type: "boolean", short: "h", default: false },
} as const;

/** The default topic, as the reference. */
const DEFAULT_TOPIC = "linear-regression";

function wholeNumber(name: string, text: string | undefined): number | undefined {
  if (text === undefined) return undefined;
  if (!/^\d+$/.test(text) || !Number.isSafeInteger(Number(text))) {
    throw new UsageError(`--${name} must be a whole number, not "${text}"`);
  }
  return Number(text);
}

/** The one topic named; several (or an invalid name) are usage errors, never the last one. */
function topicOf(given: readonly string[] | undefined): string {
  const names = (given ?? [DEFAULT_TOPIC]).flatMap((t) => t.split(","));
  if (names.length !== 1) {
    throw new UsageError(
      `one topic at a time: -t names ${names.join(", ")}. The fit needs one order of messages, ` +
        "which Kafka keeps within a topic's partitions only: run one main.ts per topic",
    );
  }
  return checkTopicName(names[0]);
}

/** `name` if it is a valid Kafka topic name; a usage error otherwise. */
function checkTopicName(name: string): string {
  if (!/^[A-Za-z0-9._-]{1,249}$/.test(name) || name === "." || name === "..") {
    throw new UsageError(
      `"${name}" is not a Kafka topic name: use 1 to 249 letters, digits, '.', '_' or '-'`,
    );
  }
  return name;
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
  const model: ModelOptions = {
    target: values.target,
    features: values.features?.split(","),
    degree: wholeNumber("degree", values.degree),
    intercept: !values["no-intercept"],
    stats: values.stats,
  };
  const problem = checkModelOptions(model);
  if (problem !== undefined) throw new UsageError(asFlags(problem));
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
  const outputs = { input: values["input-log"], output: values.output, errors: values.errors };
  // Devices and pipes (/dev/null) may take several outputs; a file takes one.
  const files = Object.entries(outputs).filter(([, path]) => path !== "-" && !isDevice(path));
  for (const [i, [name, path]] of files.entries()) {
    const same = files.slice(i + 1).find(([, other]) => other === path);
    if (same !== undefined) {
      throw new UsageError(
        `--${flagOf(name)} and --${flagOf(same[0])} name the same file ${path}: give each ` +
          "output its own",
      );
    }
  }
  const maxPending = wholeNumber("max-pending", values["max-pending"]) ?? 0;
  if (maxPending < 1) throw new UsageError("--max-pending must be at least 1");
  const changes = outputFormat(values["output-format"], values.output);
  if (typeof changes !== "string") throw new UsageError(asFlags(changes.problem));
  let serve: ListenAddress | undefined;
  if (values.serve !== undefined) {
    const address = parseListenAddress(values.serve);
    if ("problem" in address) throw new UsageError(asFlags(address.problem));
    serve = address;
  }
  if (values.plot === "") throw new UsageError("--plot needs a file name, e.g. --plot fit.svg");
  const topic = topicOf(values.topic);
  const outputTopic = outputTopicOf(values["output-topic"], values.from, topic);
  return {
    ...values,
    outputFormat: changes,
    serve,
    topic,
    outputTopic,
    format,
    columns: values.columns?.split(","),
    model,
    window,
    outputs,
    maxPending,
    maxCommits: wholeNumber("max-commits", values["max-commits"]),
    idleExitMs: wholeNumber("idle-exit-ms", values["idle-exit-ms"]),
    progressMs: wholeNumber("progress-ms", values["progress-ms"]) ?? 0,
    autocommitMs: wholeNumber("autocommit-ms", values["autocommit-ms"]) ?? 0,
  };
}

/** The `--output-topic`, if given: a topic name, with Kafka input, other than the input topic. */
function outputTopicOf(
  name: string | undefined,
  from: string | undefined,
  topic: string,
): string | undefined {
  if (name === undefined) return undefined;
  if (from !== undefined) {
    throw new UsageError(
      "--output-topic needs Kafka input: it commits the input's offsets in the same " +
        "transaction as the rows. With --from, write the change stream to a file (--output)",
    );
  }
  if (name === topic) {
    throw new UsageError(
      `--output-topic ${name} is the topic read (-t): name another topic for the change stream`,
    );
  }
  return checkTopicName(name);
}

function isDevice(path: string): boolean {
  // Without read permission yet, it is taken for a file: looking would make Deno ask.
  if (Deno.permissions.querySync({ name: "read", path }).state !== "granted") return false;
  try {
    return !Deno.statSync(path).isFile;
  } catch {
    return false; // not there yet: a file to be
  }
}

/** The core names the model's options by their fields (`` `features` ``): here, by their flags. */
const FLAGS: Readonly<Record<string, string>> = {
  target: "--target",
  features: "--features",
  degree: "--degree",
  intercept: "--no-intercept",
  stats: "--stats",
  serve: "--serve",
  outputFormat: "--output-format",
};

function asFlags(text: string): string {
  return text.replace(/`(\w+)`/g, (all, field: string) => FLAGS[field] ?? all);
}

function flagOf(output: string): string {
  return output === "input" ? "input-log" : output;
}

type Options = ReturnType<typeof options>;

/** The run cannot start or go on: the message says why and what to do. */
class Refusal extends Error {
  /** The exit status: 2 for what the user must give differently, 1 otherwise. */
  readonly status: 1 | 2;

  constructor(message: string, status: 1 | 2) {
    super(message);
    this.name = "Refusal";
    this.status = status;
  }
}

/**
 * Turns what stopped the run into its message and exit status: the one place that does.
 * Anything else is a bug, and is thrown again.
 */
function report(e: unknown): number {
  if (e instanceof UsageError) return reportUsageError(NAME, `${COMMAND} --help`, e);
  if (isKafkaFailure(e)) return reportKafkaFailure(NAME, e);
  if (e instanceof SinkLockedError) {
    say(`${e.message}: stop that run, or give this one other files`);
    return 1;
  }
  if (e instanceof Refusal) {
    say(e.message);
    return e.status;
  }
  throw e;
}

/** Runs the CLI with `args`; resolves to the exit status. */
async function main(args: string[]): Promise<number> {
  try {
    return await cli(args);
  } catch (e) {
    return report(e);
  }
}

async function cli(args: string[]): Promise<number> {
  const opts = options(args);
  if (opts.help) {
    console.log(HELP);
    return 0;
  }
  if (opts.version) {
    console.log(`${NAME} ${VERSION}`);
    return 0;
  }
  if (opts.quiet) inform = () => {};
  const permission = await permissions(opts);
  if (permission !== undefined) throw new Refusal(permission, 2);
  checkFrom(opts.from);
  const runnerOptions: RunnerOptions = {
    pipeline: {
      format: opts.format,
      model: opts.model,
      window: opts.window,
      maxCommits: opts.maxCommits,
      columns: opts.columns,
      autocommitMs: opts.autocommitMs,
      maxPending: opts.maxPending,
    },
    outputs: opts.outputs,
    outputFormat: opts.outputFormat,
    changeMessages: opts.outputTopic !== undefined,
  };
  // The status line, the live page and the plot file.
  let live: LiveView;
  try {
    live = LiveView.open({
      name: NAME,
      status: statusMode(opts),
      progressMs: opts.progressMs,
      serve: opts.serve,
      plot: opts.plot,
    });
  } catch (e) {
    throw new Refusal((e as Error).message, 1);
  }
  if (live.url !== undefined) say(`the live view is at ${live.url}`);
  const withView = { ...runnerOptions, view: live.tap };
  try {
    return await run(opts, new Runner(withView), live);
  } finally {
    await live.close();
  }
}

/** What the run reads (the input, librdkafka), writes, whether it connects or loads librdkafka. */
function needs(opts: Options) {
  const kafka = opts.from === undefined;
  const library = kafka ? libraryFile() : undefined;
  const read = [
    ...(opts.from !== undefined && opts.from !== "-" ? [opts.from] : []),
    ...(opts.settings !== undefined ? [opts.settings] : []),
    ...(library !== undefined ? [library] : []),
  ];
  const write = [
    ...Object.values(opts.outputs).filter((path) => path !== "-" && !isDevice(path)),
    ...(opts.plot !== undefined ? [opts.plot] : []),
  ];
  return { read, write, net: opts.serve !== undefined, ffi: kafka };
}

/** The permissions of the run; then, if librdkafka must be fetched first, those of the fetch. */
async function permissions(opts: Options): Promise<string | undefined> {
  const problem = await grant(needs(opts), NAME);
  if (problem !== undefined || opts.from !== undefined) return problem;
  const fetch = fetchNeeds();
  return fetch === undefined ? undefined : await grant(fetch, NAME);
}

/** A status line on a terminal (unless the change stream is printed there), else progress lines. */
function statusMode(opts: Options): StatusMode {
  if (opts.quiet || opts.progressMs === 0) return "quiet";
  const stdoutShared = opts.output === "-" && Deno.stdout.isTerminal();
  return Deno.stderr.isTerminal() && !stdoutShared ? "tty" : "plain";
}

/** Ctrl-C and SIGTERM: stop the source (or the wait for it) and finish cleanly. */
function onSignals(stop: () => void): () => void {
  for (const signal of ["SIGINT", "SIGTERM"] as const) Deno.addSignalListener(signal, stop);
  return () => {
    for (const signal of ["SIGINT", "SIGTERM"] as const) Deno.removeSignalListener(signal, stop);
  };
}

function say(line: string): void {
  console.error(`${NAME}: ${line}`);
}

/** Says what the run is doing, unless --quiet (warnings and errors only). */
let inform = say;

function describeNote(note: Note): string {
  return note.kind === "max-pending"
    ? `${note.rows} rows of partition ${note.partition} waited for a *COMMIT*: closed them into ` +
      `commit ${note.time} (--max-pending)`
    : `partition ${note.partition}: ${note.messages} messages delivered again were skipped`;
}

async function openSource(
  opts: Options,
  signal: AbortSignal,
): Promise<
  | { source: Source; checkpoint?: string; where?: string; lag?: () => PartitionLag[] }
  | undefined
> {
  if (opts.from !== undefined) {
    return { source: new FileSource(opts.from, tickMs(opts)) };
  }
  const settings = await resolveKafka(opts);
  const topic = opts.topic;
  // Opened before the group's offsets are read: it fences the run it replaces and lets the
  // broker settle that run's open transaction, whose commit may move the offsets.
  const output = await openOutputTopic(opts, settings);
  let opened;
  try {
    opened = await KafkaSource.open(settings, {
      topic,
      tickMs: tickMs(opts),
      reset: opts.reset,
      untilEnd: opts["until-end"],
      waitForTopicMs: opts.idleExitMs,
      signal,
      events: {
        fetchingLibrary: say,
        waitingForTopic: () => say(`topic "${topic}" does not exist yet; waiting for it`),
        connectionLost: (reason) => say(`connection lost (${reason}); trying again`),
        connectionBack: (ms) => say(`connection back after ${(ms / 1000).toFixed(1)} s`),
        skipped: (partition, from, to) =>
          say(
            `records ${from} to ${to} of ${topic}/${partition} were deleted (retention) before ` +
              "this group read them: their rows are missing (see the error log)",
          ),
      },
      output,
    });
  } catch (e) {
    await output?.close();
    throw e;
  }
  if (opened === undefined) {
    await output?.close();
    return undefined;
  }
  inform(
    `reading topic "${topic}" (${opened.partitions} partition${
      opened.partitions === 1 ? "" : "s"
    }) at ${describeSettings(settings)}, group "${settings.groupId}"` +
      (opts.reset ? ", started over (--reset)" : ""),
  );
  if (output !== undefined) {
    say(
      `writing the change stream to topic "${output.topic}" too, exactly once (transactional ` +
        `id "${output.transactionalId}"): read it with isolation.level=read_committed`,
    );
  }
  const source = opened.source;
  return {
    source,
    checkpoint: opened.checkpoint,
    where: `group "${settings.groupId}"`,
    lag: () => source.lag(),
  };
}

/** The `--output-topic`'s transactional producer, if one was asked for. */
async function openOutputTopic(
  opts: Options,
  settings: KafkaSettings,
): Promise<OutputTopic | undefined> {
  if (opts.outputTopic === undefined) return undefined;
  if (!settings.enableAutoCommit) {
    throw new SettingsError(
      "enable.auto.commit",
      "--output-topic commits the offsets in its transactions, so enable.auto.commit=false " +
        "cannot hold: drop -X enable.auto.commit=false, or --output-topic",
    );
  }
  return await OutputTopic.open(settings, {
    topic: opts.outputTopic,
    transactionalId: transactionalId(settings.groupId, opts.topic),
  });
}

function tickMs(opts: Options): number {
  return Math.max(10, Math.min(250, opts.autocommitMs || 250, opts.idleExitMs ?? 250));
}

async function run(opts: Options, runner: Runner, live: LiveView): Promise<number> {
  const fatalAtStart = runner.fatal;
  if (fatalAtStart !== undefined) {
    throw new Refusal(`cannot fit --format ${opts.format} input ${asFlags(fatalAtStart)}`, 2);
  }
  const abort = new AbortController();
  let source: Source | undefined;
  const removeSignals = onSignals(() => {
    abort.abort();
    source?.stop();
  });
  try {
    const opened = await openSource(opts, abort.signal);
    if (opened === undefined) {
      say("0 rows, 0 commits, 0 errors (the topic never appeared)");
      return 0;
    }
    source = opened.source;
    let start;
    try {
      start = await runner.open(
        opened.checkpoint === undefined
          ? undefined
          : { checkpoint: opened.checkpoint, where: opened.where ?? "" },
      );
    } catch (e) {
      await source.close();
      if (e instanceof SinkLockedError) throw e;
      throw new Refusal(`cannot open the output files: ${(e as Error).message}`, 1);
    }
    if (start.problem !== undefined) {
      await source.close();
      throw new Refusal(`cannot resume: ${asFlags(start.problem)}`, 1);
    }
    if (opts.from === undefined) inform(start.start);
    return await stream(opts, source, runner, live, opened.lag);
  } finally {
    removeSignals();
  }
}

async function stream(
  opts: Options,
  source: Source,
  runner: Runner,
  live: LiveView,
  lag?: () => PartitionLag[],
): Promise<number> {
  const fed = await feed(source, runner, {
    idleExitMs: opts.idleExitMs,
    onNote: (note) => say(describeNote(note)),
    onNoCheckpoint: (problem) =>
      say(
        `offsets are not committed: ${problem}. A restart of this consumer group reads the ` +
          "topic again as auto.offset.reset says (default: from the beginning) and rewrites " +
          "the outputs" + (opts.outputTopic === undefined ? "" : ` (topic "${opts.outputTopic}" ` +
            "then gets the change stream again, after what it holds: not exactly once)"),
      ),
    onProcessed: (processed) => live.update(processed, lag?.()),
  });
  let failure = fed.failure;
  let counts = fed.counts;
  try {
    ({ counts } = await runner.finish(!source.redelivers));
  } catch (e) {
    failure ??= e as Error;
  }
  await source.close();
  const { errors, pending } = counts;
  // What stopped the run is said before the summary. A closed standard output (| head -3) ends
  // the run quietly, as Unix tools do.
  const status = failure !== undefined && !(failure instanceof SinkClosedError)
    ? report(new Refusal(failure.message, 1))
    : fed.refused !== undefined
    ? report(new Refusal(fed.refused, 1))
    : fed.fatal !== undefined
    ? report(new Refusal(`stopped ${asFlags(fed.fatal)}`, 1))
    : 0;
  const errorNote = errors > 0 ? ` (see ${opts.errors})` : "";
  live.update({ counts });
  if (!opts.quiet) say(`${summaryLine(counts)}${errorNote}`);
  if (pending > 0 && source.redelivers) {
    say(`${pending} rows that no *COMMIT* closed yet are left in ${source.name} for the next run`);
  }
  return status;
}

if (import.meta.main) Deno.exit(await main(ARGS));
