/**
 * kafka-regression's runner: reads messages, fits y ≈ a + b·x at every commit and writes the
 * input log, the change stream of the fit and the errors.
 *
 * @module
 */

import { parseArgs } from "node:util";
import { changeLines, ERROR_HEADER, errorLines, headerLine, inputLines } from "./lib/csv_rows.ts";
import { FIT_COLUMNS, type Output, Pipeline } from "./lib/pipeline.ts";
import { type Format, FORMATS, type Message } from "./lib/protocol.ts";
import { readLines } from "./io/line_source.ts";
import { Sink } from "./io/sink.ts";

const HELP = `Usage: deno run -A main.ts --from FILE [options]

Fits y ≈ a + b·x, live, on a stream of points and writes every change of the fit.

Source:
  --from FILE          one message per line of FILE ('-' = standard input)
  --format FORMAT      csv (default), json or raw
  --x NAME             the column of x (default x)
  --y NAME             the column of y (default y)

Outputs (files are created or truncated):
  --input-log PATH     every committed row, as received (default regression_input.csv)
  --output PATH        the fit a,b as a change stream (default regression_output_stream.csv;
                       '-' = standard output)
  --errors PATH        messages that could not be used: position,reason,raw
                       (default regression_errors.csv)
  -h, --help           this help

Protocol: the first message names the columns (csv); each row counts once a *COMMIT*
message follows. Exit status: 0 at the end of the input, 1 when the input cannot be
fitted, 2 on a usage error.
`;

const OPTIONS = {
  from: { type: "string" },
  format: { type: "string", default: "csv" },
  x: { type: "string", default: "x" },
  y: { type: "string", default: "y" },
  "input-log": { type: "string", default: "regression_input.csv" },
  output: { type: "string", default: "regression_output_stream.csv" },
  errors: { type: "string", default: "regression_errors.csv" },
  help: { type: "boolean", short: "h", default: false },
} as const;

class UsageError extends Error {}

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
  if (!values.help && values.from === undefined) {
    throw new UsageError("say where the messages come from: --from FILE, or --from - for stdin");
  }
  return { ...values, format: values.format as Format };
}

/** Runs the CLI with `args`; resolves to the exit status. */
async function main(args: string[]): Promise<number> {
  let opts;
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
  const pipeline = new Pipeline({ format: opts.format, x: opts.x, y: opts.y });
  if (pipeline.fatal !== undefined) {
    console.error(`main.ts: cannot fit --format ${opts.format} input ${pipeline.fatal}`);
    return 2;
  }
  const sinks = {
    input: await Sink.open(opts["input-log"]),
    output: await Sink.open(opts.output),
    errors: await Sink.open(opts.errors),
  };
  sinks.output.append(headerLine(FIT_COLUMNS));
  sinks.errors.append(ERROR_HEADER);
  if (pipeline.columns !== undefined) sinks.input.append(headerLine(pipeline.columns));

  const write = async (out: Output) => {
    if (out.columns !== undefined) sinks.input.append(headerLine(out.columns));
    sinks.input.append(inputLines(out.inputRows));
    sinks.output.append(changeLines(out.changes));
    sinks.errors.append(errorLines(out.errors));
    await Promise.all([sinks.input.flush(), sinks.output.flush(), sinks.errors.flush()]);
  };

  const source: AsyncIterable<Message[]> = readLines(opts.from ?? "-");
  for await (const batch of source) {
    await write(pipeline.process(batch));
    if (pipeline.fatal !== undefined) break;
  }
  await write(pipeline.finish());
  await Promise.all(Object.values(sinks).map((s) => s.close()));

  const { rows, commits, errors } = pipeline.counts;
  const errorNote = errors > 0 ? ` (see ${opts.errors})` : "";
  console.error(`main.ts: ${rows} rows, ${commits} commits, ${errors} errors${errorNote}`);
  if (pipeline.fatal !== undefined) {
    console.error(`main.ts: stopped ${pipeline.fatal}`);
    return 1;
  }
  return 0;
}

if (import.meta.main) Deno.exit(await main(Deno.args));
