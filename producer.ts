/**
 * kafka-regression's producer: sends the header `x,y`, then for each point the row `x,y`
 * followed by `*COMMIT*` — the reference's noisy y = x stream by default.
 *
 * @module
 */

import { parseOptions, reportUsageError, UsageError } from "./io/args.ts";
import { KafkaProducer } from "./io/kafka/client.ts";
import { noisyLine, type NoisyLineOptions, REFERENCE } from "./lib/noisy_line.ts";
import { COMMIT } from "./lib/protocol.ts";
import { describeSettings, type KafkaSettings } from "./io/kafka/settings.ts";
import {
  KAFKA_HELP,
  KAFKA_OPTIONS,
  PASSWORD_VARIABLE,
  reportKafkaFailure,
  resolveKafka,
} from "./io/kafka/options.ts";

const HELP = `Usage: deno run producer.ts [options]

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
  --rate ROWS_PER_S      send at this many rows a second (load generation; replaces
                         --interval-ms)
  --stdout               write one message per line to standard output (needs no permission)

${KAFKA_HELP}

  -h, --help             this help

Permissions: Kafka needs --allow-net (the brokers), and --allow-read for ssl.ca.location or
--settings, --allow-env=${PASSWORD_VARIABLE} for the password; 'deno task produce' grants
exactly these. Without them, a terminal asks once for the broker address.
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
    kafka: values,
  };
}

/** The messages of the run, in order: header, then each row and its commit. */
function* messages(line: NoisyLineOptions): Generator<string> {
  for (const [x, y] of noisyLine(line)) {
    yield `${x},${y}`;
    yield COMMIT;
  }
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

type Options = ReturnType<typeof options>;

/** Writes the run to standard output, one message per line; rows in chunks when not paced. */
async function toStdout(opts: Options): Promise<void> {
  const encoder = new TextEncoder();
  const write = async (text: string) => {
    let bytes = encoder.encode(text);
    while (bytes.length > 0) bytes = bytes.subarray(await Deno.stdout.write(bytes));
  };
  await write("x,y\n");
  if (opts.headerDelayMs > 0) await sleep(opts.headerDelayMs);
  let chunk: string[] = [];
  let isRow = true;
  for (const message of messages(opts.line)) {
    if (isRow && opts.intervalMs > 0) await sleep(opts.intervalMs);
    chunk.push(message, "\n");
    isRow = !isRow;
    if (opts.intervalMs > 0 ? isRow : chunk.length >= 16384) {
      await write(chunk.join(""));
      chunk = [];
    }
  }
  await write(chunk.join(""));
}

/**
 * Makes sure Deno may connect to the brokers: asks once on a terminal, or says which flag to
 * add. Returns false when permission is missing.
 */
async function netPermission(settings: KafkaSettings): Promise<boolean> {
  for (const host of settings.brokers) {
    const descriptor = { name: "net", host } as const;
    if ((await Deno.permissions.query(descriptor)).state === "granted") continue;
    if (
      Deno.stdin.isTerminal() && (await Deno.permissions.request(descriptor)).state === "granted"
    ) {
      continue;
    }
    console.error(
      `producer.ts: Deno needs permission to connect to the broker ${host}: run\n` +
        `  deno run --allow-net=${settings.brokers.join(",")} producer.ts …\n` +
        "(add the addresses the brokers advertise if they differ), or: deno task produce …",
    );
    return false;
  }
  return true;
}

/** Sends the run to Kafka: paced by --interval-ms or --rate, else in batches of 5 000 rows. */
async function toKafka(opts: Options, producer: KafkaProducer, topic: string): Promise<void> {
  await producer.send(topic, ["x,y"]);
  if (opts.headerDelayMs > 0) await sleep(opts.headerDelayMs);
  const start = performance.now();
  let sent = 0;
  let reported = start;
  let batch: string[] = [];
  const flush = async () => {
    await producer.send(topic, batch);
    sent += batch.length / 2;
    batch = [];
    const now = performance.now();
    if (now - reported >= 2000) {
      reported = now;
      const rate = Math.round(sent / ((now - start) / 1000));
      console.error(`producer.ts: ${sent} of ${opts.line.count} rows sent (${rate} rows/s)`);
    }
  };
  const perRequest = opts.rate !== undefined ? Math.max(1, Math.round(opts.rate / 100)) : 5_000;
  let isRow = true;
  for (const message of messages(opts.line)) {
    if (isRow && opts.rate === undefined && opts.intervalMs > 0) await sleep(opts.intervalMs);
    batch.push(message);
    isRow = !isRow;
    if (!isRow) continue;
    if (opts.rate === undefined && opts.intervalMs > 0) {
      await flush();
    } else if (batch.length >= 2 * perRequest) {
      await flush();
      if (opts.rate !== undefined) {
        const due = start + (sent / opts.rate) * 1000;
        const ahead = due - performance.now();
        if (ahead > 0) await sleep(ahead);
      }
    }
  }
  if (batch.length > 0) await flush();
}

/** Runs the CLI with `args`; resolves to the exit status. */
async function main(args: string[]): Promise<number> {
  let opts;
  try {
    opts = options(args);
  } catch (e) {
    if (!(e instanceof UsageError)) throw e;
    return reportUsageError("producer.ts", "deno run producer.ts --help", e);
  }
  if (opts.help) {
    console.log(HELP);
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
    const { settings, ca } = await resolveKafka(opts.kafka);
    if (!(await netPermission(settings))) return 1;
    producer = await KafkaProducer.open(settings, ca);
    console.error(
      `producer.ts: sending ${opts.line.count} rows to topic "${opts.kafka.topic}" at ` +
        describeSettings(settings),
    );
    await toKafka(opts, producer, opts.kafka.topic);
    console.error(`producer.ts: sent ${opts.line.count} rows`);
    return 0;
  } catch (e) {
    return reportKafkaFailure("producer.ts", e);
  } finally {
    await producer?.close();
  }
}

if (import.meta.main) Deno.exit(await main(Deno.args));
