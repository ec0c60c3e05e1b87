/**
 * kafka-regression's producer: sends the header `x,y`, then for each point the row `x,y`
 * followed by `*COMMIT*` — the reference's noisy y = x stream by default.
 *
 * @module
 */

import { parseOptions, reportUsageError, UsageError } from "./io/args.ts";
import { KafkaError } from "./io/kafka/errors.ts";
import { fetchNeeds, LIBRARY_ENV, libraryFile } from "./io/kafka/library.ts";
import { KafkaProducer } from "./io/kafka/producer.ts";
import { grant } from "./io/permissions.ts";
import { noisyLine, type NoisyLineOptions, REFERENCE } from "./lib/noisy_line.ts";
import { COMMIT } from "./lib/protocol.ts";
import { describeSettings } from "./io/kafka/settings.ts";
import {
  KAFKA_HELP,
  KAFKA_OPTIONS,
  PASSWORD_VARIABLE,
  reportKafkaFailure,
  resolveKafka,
} from "./io/kafka/options.ts";
import { programName } from "./lib/program_name.ts";
import { VERSION } from "./lib/version.ts";

/** The name messages give this program, as the user invoked it (lib/program_name.ts). */
const { name: NAME, args: ARGS } = programName({
  args: Deno.args,
  mainModule: Deno.mainModule,
  execPath: Deno.execPath(),
});
/** The command that runs this program, for help and hints. */
const COMMAND = NAME.endsWith(".ts") ? `deno run ${NAME}` : NAME;

const HELP = `Usage: ${COMMAND} [options]

Generates points y = slope·x + intercept + (2r − 1)·noise for x = 0, 1, …, count − 1, with r
from Python's random.random() after random.seed(seed): the defaults reproduce the reference run.
Messages: the header x,y, then each row followed by *COMMIT*, sent to partition 0 of the
topic (or, with --stdout, printed one per line).

  --count N              points (default ${REFERENCE.count})
  --seed N               seed, as Python's random.seed (default ${REFERENCE.seed})
  --slope S              (default ${REFERENCE.slope})
  --intercept A          (default ${REFERENCE.intercept})
  --noise E              half-width of the uniform noise (default ${REFERENCE.noise})
  --header-delay-ms MS   wait after the header (default 5000)
  --interval-ms MS       wait before each row (default 1000); 0 sends in large batches
  --rate ROWS_PER_S      send at this many rows a second, to Kafka or --stdout (load
                         generation; replaces --interval-ms)
  --stdout               write one message per line to standard output (needs no permission)

${KAFKA_HELP}

  -h, --help             this help
  --version              the version

A broker that becomes unreachable during the run is waited for (up to 5 minutes: librdkafka
keeps the rows and sends them again; one line when the connection is lost, one when it is back):
the producer is idempotent, so every row is written once, in order. Authentication,
authorisation and settings errors end the run (exit 1; 2 for settings).

Kafka goes through librdkafka: fetched once from PyPI into .cache/librdkafka/, or the file
named by ${LIBRARY_ENV}. Permissions: --allow-ffi to load it, --allow-read for it,
ssl.ca.location or --settings, and --allow-env=${PASSWORD_VARIABLE},${LIBRARY_ENV};
the first time, --allow-net and --allow-write to fetch it. 'deno task produce' grants these;
without them, a terminal asks.
`;

const OPTIONS = {
  count: { type: "string", default: String(REFERENCE.count) },
  seed: { type: "string", default: String(REFERENCE.seed) },
  slope: { type: "string", default: String(REFERENCE.slope) },
  intercept: { type: "string", default: String(REFERENCE.intercept) },
  noise: { type: "string", default: String(REFERENCE.noise) },
  "header-delay-ms": { type: "string", default: "5000" },
  "interval-ms": { type: "string", default: "1000" },
  rate: { type: "string" },
  stdout: { type: "boolean", default: false },
  ...KAFKA_OPTIONS,
  help: { type: "boolean", short: "h", default: false },
  version: { type: "boolean", default: false },
} as const;

function number(name: string, text: string, check: (n: number) => boolean, what: string): number {
  const value = Number(text);
  if (text.trim() === "" || !Number.isFinite(value) || !check(value)) {
    throw new UsageError(`--${name} must be ${what}, not "${text}"`);
  }
  return value;
}

const whole = (n: number) => Number.isSafeInteger(n) && n >= 0;

function options(args: string[]) {
  const values = parseOptions(args, OPTIONS);
  const any = () => true;
  const line: NoisyLineOptions = {
    count: number("count", values.count, whole, "a whole number"),
    seed: number("seed", values.seed, Number.isSafeInteger, "an integer"),
    slope: number("slope", values.slope, any, "a number"),
    intercept: number("intercept", values.intercept, any, "a number"),
    noise: number("noise", values.noise, (n) => n >= 0, "a number ≥ 0"),
  };
  return {
    line,
    headerDelayMs: number("header-delay-ms", values["header-delay-ms"], whole, "a whole number"),
    intervalMs: number("interval-ms", values["interval-ms"], whole, "a whole number"),
    rate: values.rate === undefined
      ? undefined
      : number("rate", values.rate, (n) => n > 0, "a number > 0"),
    stdout: values.stdout,
    help: values.help,
    version: values.version,
    kafka: values,
  };
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

type Options = ReturnType<typeof options>;

/** Rows per batch when nothing paces them. */
const UNPACED_BATCH_ROWS = 5_000;

/**
 * The run's messages in batches, paced for whichever output takes them: the header alone, then,
 * after --header-delay-ms, each row followed by its commit — one row a batch after each
 * --interval-ms, or with --rate a hundredth of a second's rows a batch, each batch due at
 * rows sent ÷ rate from the first, or, unpaced, {@linkcode UNPACED_BATCH_ROWS} rows a batch.
 * The time the consumer takes between batches counts towards the pace.
 */
async function* pacedBatches(opts: Options): AsyncGenerator<string[]> {
  yield ["x,y"];
  if (opts.headerDelayMs > 0) await sleep(opts.headerDelayMs);
  const { rate, intervalMs } = opts;
  const rowsPerBatch = rate !== undefined
    ? Math.max(1, Math.round(rate / 100))
    : intervalMs > 0
    ? 1
    : UNPACED_BATCH_ROWS;
  const start = performance.now();
  let sent = 0;
  let batch: string[] = [];
  const due = async () => {
    if (rate !== undefined) {
      const ahead = start + (sent / rate) * 1000 - performance.now();
      if (ahead > 0) await sleep(ahead);
    } else if (intervalMs > 0) {
      await sleep(intervalMs);
    }
  };
  for (const [x, y] of noisyLine(opts.line)) {
    if (batch.length === 0) await due();
    batch.push(`${x},${y}`, COMMIT);
    if (batch.length === 2 * rowsPerBatch) {
      yield batch;
      sent += rowsPerBatch;
      batch = [];
    }
  }
  if (batch.length > 0) yield batch;
}

/** Writes the run to standard output, one message per line. */
async function toStdout(opts: Options): Promise<void> {
  const encoder = new TextEncoder();
  for await (const batch of pacedBatches(opts)) {
    let bytes = encoder.encode(batch.join("\n") + "\n");
    while (bytes.length > 0) bytes = bytes.subarray(await Deno.stdout.write(bytes));
  }
}

/** How long the broker may stay unreachable before the producer gives up, in ms. */
const OUTAGE_LIMIT_MS = 300_000;

/**
 * Sends the run to Kafka, as {@linkcode pacedBatches} paces it; reports progress every 2 s.
 * librdkafka rides out an outage for up to {@linkcode OUTAGE_LIMIT_MS}, sending what it holds
 * again once the broker is back (idempotently: once, in order).
 */
async function toKafka(
  opts: Options,
  producer: KafkaProducer,
  topic: string,
  progress: { rows: number },
): Promise<void> {
  const start = performance.now();
  let reported = start;
  let sent = 0;
  for await (const batch of pacedBatches(opts)) {
    try {
      await producer.send(topic, batch);
    } catch (e) {
      if (!(e instanceof KafkaError) || !e.transient) throw e;
      throw new KafkaError(
        `${e.message} (gave up after ${OUTAGE_LIMIT_MS / 1000} s of retrying; the rows after ` +
          `the first ${sent} may not have been sent)`,
        { cause: e },
      );
    }
    if (batch[0] !== "x,y") sent += batch.length / 2;
    progress.rows = sent;
    const now = performance.now();
    if (now - reported >= 2000) {
      reported = now;
      const rate = Math.round(sent / ((now - start) / 1000));
      console.error(`${NAME}: ${sent} of ${opts.line.count} rows sent (${rate} rows/s)`);
    }
  }
}

/** Runs the CLI with `args`; resolves to the exit status. */
async function main(args: string[]): Promise<number> {
  let opts;
  try {
    opts = options(args);
  } catch (e) {
    if (!(e instanceof UsageError)) throw e;
    return reportUsageError(NAME, `${COMMAND} --help`, e);
  }
  if (opts.help) {
    console.log(HELP);
    return 0;
  }
  if (opts.version) {
    console.log(`${NAME} ${VERSION}`);
    return 0;
  }
  if (opts.stdout) {
    try {
      await toStdout(opts);
    } catch (e) {
      if (e instanceof Deno.errors.BrokenPipe) return 0; // the reader closed the pipe: stop quietly
      throw e;
    }
    return 0;
  }
  let producer: KafkaProducer | undefined;
  try {
    const settings = await resolveKafka(opts.kafka);
    // librdkafka: reading and loading it; then, if it is not fetched yet, fetching it.
    const library = libraryFile();
    const read = library ? [library] : [];
    let denied = await grant({ read, write: [], net: false, ffi: true }, NAME, "produce");
    const fetch = denied === undefined ? fetchNeeds() : undefined;
    if (fetch !== undefined) denied = await grant(fetch, NAME, "produce");
    if (denied !== undefined) {
      console.error(`${NAME}: ${denied}`);
      return 2;
    }
    const where = settings.brokers.join(",");
    const progress = { rows: 0 };
    producer = await KafkaProducer.open(settings, {
      fetchingLibrary: (what) => console.error(`${NAME}: ${what}`),
      connectionLost: () =>
        console.error(
          `${NAME}: lost the connection to Kafka at ${where} after ${progress.rows} rows; ` +
            "retrying until it is back",
        ),
      connectionBack: (ms) =>
        console.error(
          `${NAME}: the connection is back after ${(ms / 1000).toFixed(1)} s; sending on`,
        ),
    });
    console.error(
      `${NAME}: sending ${opts.line.count} rows to topic "${opts.kafka.topic}" at ` +
        describeSettings(settings),
    );
    await toKafka(opts, producer, opts.kafka.topic, progress);
    console.error(`${NAME}: sent ${opts.line.count} rows`);
    return 0;
  } catch (e) {
    return reportKafkaFailure("producer.ts", e);
  } finally {
    await producer?.close();
  }
}

if (import.meta.main) Deno.exit(await main(ARGS));
