/**
 * kafka-regression's producer: sends the header `x,y`, then for each point the row `x,y`
 * followed by `*COMMIT*` — the reference's noisy y = x stream by default.
 *
 * @module
 */

import { parseArgs } from "node:util";
import { noisyLine, type NoisyLineOptions, REFERENCE } from "./lib/noisy_line.ts";
import { COMMIT } from "./lib/protocol.ts";

const HELP = `Usage: deno run producer.ts --stdout [options]

Generates points y = slope·x + intercept + (2r − 1)·noise for x = 0, 1, …, count − 1, with r
from Python's random.random() after random.seed(seed): the defaults reproduce the reference run.
Messages: the header x,y, then each row followed by *COMMIT*.

  --count N              points (default ${REFERENCE.count})
  --seed N               seed, as Python's random.seed (default ${REFERENCE.seed})
  --slope S              (default ${REFERENCE.slope})
  --intercept A          (default ${REFERENCE.intercept})
  --noise E              half-width of the uniform noise (default ${REFERENCE.noise})
  --header-delay-ms MS   wait after the header (default 5000)
  --interval-ms MS       wait before each row (default 1000)
  --stdout               write one message per line to standard output (needs no permission)
  -h, --help             this help
`;

const OPTIONS = {
  count: { type: "string", default: String(REFERENCE.count) },
  seed: { type: "string", default: String(REFERENCE.seed) },
  slope: { type: "string", default: String(REFERENCE.slope) },
  intercept: { type: "string", default: String(REFERENCE.intercept) },
  noise: { type: "string", default: String(REFERENCE.noise) },
  "header-delay-ms": { type: "string", default: "5000" },
  "interval-ms": { type: "string", default: "1000" },
  stdout: { type: "boolean", default: false },
  help: { type: "boolean", short: "h", default: false },
} as const;

class UsageError extends Error {}

function number(name: string, text: string, check: (n: number) => boolean, what: string): number {
  const value = Number(text);
  if (text.trim() === "" || !Number.isFinite(value) || !check(value)) {
    throw new UsageError(`--${name} must be ${what}, not "${text}"`);
  }
  return value;
}

const whole = (n: number) => Number.isSafeInteger(n) && n >= 0;

function options(args: string[]) {
  let values;
  try {
    ({ values } = parseArgs({ args, options: OPTIONS, strict: true, allowPositionals: false }));
  } catch (e) {
    throw new UsageError((e as Error).message);
  }
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
    stdout: values.stdout,
    help: values.help,
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

/** Writes the run to standard output, one message per line; rows in chunks when not paced. */
async function toStdout(opts: ReturnType<typeof options>): Promise<void> {
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

/** Runs the CLI with `args`; resolves to the exit status. */
async function main(args: string[]): Promise<number> {
  let opts;
  try {
    opts = options(args);
  } catch (e) {
    if (!(e instanceof UsageError)) throw e;
    console.error(`producer.ts: ${e.message}\nTry 'deno run producer.ts --help'.`);
    return 2;
  }
  if (opts.help) {
    console.log(HELP);
    return 0;
  }
  if (!opts.stdout) {
    console.error("producer.ts: Kafka output is not available yet; use --stdout.");
    return 2;
  }
  try {
    await toStdout(opts);
  } catch (e) {
    if (e instanceof Deno.errors.BrokenPipe) return 0; // the reader closed the pipe: stop quietly
    throw e;
  }
  return 0;
}

if (import.meta.main) Deno.exit(await main(Deno.args));
