/**
 * `deno task bench:e2e`: the end-to-end benchmark against a real broker, whole processes only, so
 * that it measures whatever main.ts is. See `--help` and docs/performance.md. This file reads the
 * options, starts the broker and prints the report; in `bench_e2e/`: `throughput.ts` and
 * `live.ts` (latency, start-up) measure, `consumers.ts` runs and checks each consumer,
 * `topics.ts` makes and fills topics, `process.ts` runs processes (time limits, clean-up,
 * `/usr/bin/time`) and `report.ts` turns figures into markdown.
 *
 * @module
 */

import { parseArgs } from "node:util";
import { KAFKA_VERSION, startBroker } from "../testing/broker.ts";
import {
  type Consumer,
  type Format,
  GROUP,
  kcatConsumer,
  mainConsumer,
  type MainSpec,
  mainSpec,
  pathwayConsumer,
  rawConsumer,
} from "./bench_e2e/consumers.ts";
import { type Latency, latency, type LiveBench, startup } from "./bench_e2e/live.ts";
import { exited, killAll, log, spawn, text, TIME } from "./bench_e2e/process.ts";
import { count, fixed, median, percentile, rows as rowsText } from "./bench_e2e/report.ts";
import { type Table, throughput } from "./bench_e2e/throughput.ts";
import { Topics } from "./bench_e2e/topics.ts";

const root = new URL("..", import.meta.url).pathname;
const VENV_PYTHON = `${root}.cache/venv/bin/python`;

/** The V8 flag `deno task start` and `deno task install` run main.ts with (from deno.json). */
const TASK_V8_FLAGS = (JSON.parse(
  Deno.readTextFileSync(new URL("../deno.json", import.meta.url)),
) as { tasks: { start: string } }).tasks.start.match(/--v8-flags=\S+/)?.[0] ?? "";

const HELP = `Usage: deno task bench:e2e [options]     (or: deno run -A scripts/bench_e2e.ts …)

Measures main.ts as a whole process against a real Kafka broker, beside the raw kafkajs client,
kcat (librdkafka) and Pathway, and prints markdown tables for docs/performance.md on standard
output (progress on standard error). Modes (--mode, comma-separated):

  throughput  a fresh topic of N rows each followed by *COMMIT* (producer.ts --stdout | kcat -P);
              each consumer reads all of it as a whole process, rounds interleaved: wall s
              (min / median), rows/s, ratio to the raw kafkajs counter of the same round (median
              of the pairs), peak RSS and CPU s from /usr/bin/time. One table per --rows size.
  json        the same on N marker-less JSON rows; main.ts --format json --idle-exit-ms 3000.
  latency     producer.ts --rate R live into a LogAppendTime topic: for each commit, the broker's
              append time of its *COMMIT* → its first change row read from main.ts --output - on
              a pipe; beside it kcat -C reading the same topic live (the floor). p50/p90/p99/max.
  startup     spawn → first change row of main.ts on a 10-row topic, fresh group (join included).
  all         all four, at 1 M and 10 M rows (unless --rows is given).

Default: throughput,latency,startup at 1 M rows, 3 rounds: about 3 min on a 2-core machine
(Pathway's one run is more than a minute of it); --mode all about 18 min, of which the 10 M-row
tables take 11.

  --mode LIST          (default throughput,latency,startup)
  --rows LIST          topic sizes of throughput and json (default 1000000; all: 1000000,10000000)
  --rounds R           rounds of each throughput table (default 3)
  --consumers LIST     raw, main, kcat, pathway (default all; the ratio column needs raw). kcat
                       is two rows: librdkafka's defaults, and -X queued.min.messages=10000000
                       (librdkafka 2.0 pauses fetching 1 s whenever 100 000 messages wait)
  --main=SPEC          a main.ts run to measure, repeatable. Default: the defaults (--main=), a
                       window (--main='--window 100000'), and the V8 flag that deno task start
                       and deno task install give (--main='${TASK_V8_FLAGS} main.ts').
                       SPEC is [NAME=VALUE …] [deno flags …]
                       [PATH/main.ts] [main.ts args …], e.g. --main='../other/main.ts' to compare
                       checkouts, --main='--v8-flags=--max-semi-space-size=2 main.ts'. Latency and
                       start-up measure the first.
  --raw ARGS           more arguments of scripts/raw_consumer.ts
  --topic NAME         throughput (not json), one --rows size: read this topic, N rows with
                       *COMMIT*s, instead of filling one
  --rates LIST         latency: rows/s of the live producer (default 1000,10000)
  --seconds S          latency: how long each rate runs (default 10)
  --python PATH        a Python with pathway (default .cache/venv/bin/python if it exists, else
                       python3); Pathway is skipped with a note when it cannot import pathway.
                       Install: python3 -m venv .cache/venv &&
                       .cache/venv/bin/pip install 'pathway==0.33.*'
  --pathway-max-rows N Pathway reads ≈ 10 k rows/s: it runs once per table (round 1), on topics
                       up to N rows (default 1000000)
  --timeout-s S        a run that takes longer fails (default 900)
  -b, --bootstrap-servers HOST:PORT   a broker to use (else KAFKA_BOOTSTRAP_SERVERS, else one is
                       started and stopped); its topics are deleted at the end
  -h, --help
`;

function usage(message: string): never {
  console.error(`bench_e2e.ts: ${message} (see --help)`);
  Deno.exit(2);
}

const OPTIONS = {
  mode: { type: "string", default: "throughput,latency,startup" },
  rows: { type: "string" },
  rounds: { type: "string", default: "3" },
  consumers: { type: "string", default: "raw,main,kcat,pathway" },
  main: { type: "string", multiple: true },
  raw: { type: "string", default: "" },
  topic: { type: "string" },
  rates: { type: "string", default: "1000,10000" },
  seconds: { type: "string", default: "10" },
  python: { type: "string" },
  "pathway-max-rows": { type: "string", default: "1000000" },
  "timeout-s": { type: "string", default: "900" },
  "bootstrap-servers": { type: "string", short: "b" },
  help: { type: "boolean", short: "h", default: false },
} as const;
let parsed;
try {
  parsed = parseArgs({ options: OPTIONS });
} catch (e) {
  usage((e as Error).message);
}
const { values } = parsed;
if (values.help) {
  console.log(HELP);
  Deno.exit(0);
}

function whole(name: string, text: string): number {
  const n = Number(text);
  if (!Number.isSafeInteger(n) || n <= 0) {
    usage(`--${name} must be a whole number > 0, not "${text}"`);
  }
  return n;
}

function list<T extends string>(name: string, text: string, allowed: readonly T[]): T[] {
  const items = text.split(",").map((s) => s.trim()).filter((s) => s !== "");
  for (const item of items) {
    if (!allowed.includes(item as T)) usage(`--${name}: "${item}" is not one of ${allowed}`);
  }
  return items as T[];
}

const MODES = ["throughput", "json", "latency", "startup"] as const;
const all = values.mode === "all";
const modes = all ? [...MODES] : list("mode", values.mode, MODES);
const sizes = (values.rows ?? (all ? "1000000,10000000" : "1000000")).split(",")
  .map((r) => whole("rows", r));
if (values.topic !== undefined && sizes.length !== 1) usage("--topic needs one --rows size");
const rounds = whole("rounds", values.rounds);
const kinds = list("consumers", values.consumers, ["raw", "main", "kcat", "pathway"] as const);
const rates = values.rates.split(",").map((r) => whole("rates", r));
const seconds = whole("seconds", values.seconds);
const pathwayMaxRows = whole("pathway-max-rows", values["pathway-max-rows"]);
const timeoutMs = whole("timeout-s", values["timeout-s"]) * 1000;
const python = values.python ??
  (await Deno.stat(VENV_PYTHON).then(() => VENV_PYTHON, () => "python3"));

for (const command of [TIME, "kcat"]) {
  const found = await new Deno.Command("sh", { args: ["-c", `command -v ${command}`] }).output();
  if (!found.success) usage(`${command} is needed: apt-get install ${command.split("/").at(-1)}`);
}

// ---------------------------------------------------------------------------------------------
// The broker, the work folder, and their clean-up however the benchmark ends

const given = values["bootstrap-servers"] ?? Deno.env.get("KAFKA_BOOTSTRAP_SERVERS");
if (given === undefined) log("starting a broker…");
const broker = given === undefined ? await startBroker() : undefined;
const bootstrap = given ?? broker!.plaintext;
const work = await Deno.makeTempDir({ prefix: "kafka-regression-bench-" });
const topics = new Topics(bootstrap, timeoutMs);
const bench: LiveBench = {
  bootstrap,
  root,
  deno: Deno.execPath(),
  work,
  timeoutMs,
  topics,
  tag: String(Date.now()),
};

let cleaned: Promise<void> | undefined;
function cleanUp(): Promise<void> {
  cleaned ??= (async () => {
    killAll();
    if (broker === undefined) await topics.deleteAll().catch((e) => log(e.message));
    await broker?.close();
    await Deno.remove(work, { recursive: true }).catch(() => {});
  })();
  return cleaned;
}
for (const signal of ["SIGINT", "SIGTERM"] as const) {
  Deno.addSignalListener(signal, async () => {
    log(`${signal}: stopping and cleaning up`);
    killAll();
    printReport(`stopped by ${signal}`);
    await cleanUp();
    Deno.exit(130);
  });
}

// ---------------------------------------------------------------------------------------------
// The modes

const mains: MainSpec[] = (values.main ?? ["", "--window 100000", `${TASK_V8_FLAGS} main.ts`])
  .map((t) => mainSpec(bench, t));
const rawArgs = values.raw.split(/\s+/).filter((w) => w !== "");

async function pathwayVersion(): Promise<string | undefined> {
  try {
    const child = spawn(python, {
      args: ["-c", "import pathway; print(pathway.__version__)"],
      stdout: "piped",
      stderr: "null",
    });
    const version = text(child.stdout);
    if ((await exited(child, 120_000, `${python} importing pathway`)).success) {
      return (await version).trim();
    }
  } catch {
    // no such python, or too slow
  }
  return undefined;
}
const pathway = kinds.includes("pathway") ? await pathwayVersion() : undefined;

/** The consumers of a table of `rows` rows of `format`; what was skipped goes to `notes`. */
function consumersOf(format: Format, rows: number, notes: string[]): Consumer[] {
  return kinds.flatMap((kind): Consumer[] => {
    if (kind === "raw") return [rawConsumer(bench, rawArgs)];
    if (kind === "main") return mains.map((spec) => mainConsumer(bench, spec));
    // librdkafka 2.0's consumer pauses fetching for a second whenever its queue holds more than
    // queued.min.messages (100 000; confluentinc/librdkafka#2879, configurable since 2.2 as
    // fetch.queue.backoff.ms): the second row shows the client without those pauses.
    if (kind === "kcat") {
      return [kcatConsumer(bench), kcatConsumer(bench, ["-X", "queued.min.messages=10000000"])];
    }
    if (format !== "csv") return [];
    if (pathway === undefined) {
      notes.push(
        `Pathway skipped: \`${python} -c "import pathway"\` fails (python3 -m venv .cache/venv ` +
          "&& .cache/venv/bin/pip install 'pathway==0.33.*', or --python).",
      );
    } else if (rows > pathwayMaxRows) {
      notes.push(`Pathway skipped above ${count(pathwayMaxRows)} rows (--pathway-max-rows).`);
    } else return [pathwayConsumer(bench, python, pathway)];
    return [];
  });
}

/** Fills a fresh topic (unless --topic) and measures every consumer on it. */
async function throughputTable(format: Format, rows: number): Promise<Table> {
  let topic = format === "csv" ? values.topic : undefined;
  let fill = `(the topic given, ${topic})`;
  if (topic === undefined) {
    topic = `bench-${format}-${rows}-${bench.tag}`;
    log(`filling ${topic} with ${count(rows)} ${format} rows…`);
    const start = performance.now();
    if (format === "csv") {
      fill = await topics.fillCsv(topic, rows, [bench.deno, "run", `${root}producer.ts`]);
    } else {
      await topics.fillJson(topic, rows);
      fill = `${count(rows)} lines {"x":i,"y":…} from the benchmark | ${
        topics.kcatProducer(topic)
      }`;
    }
    log(`filled in ${fixed((performance.now() - start) / 1000)} s`);
  }
  const notes: string[] = [];
  const consumers = consumersOf(format, rows, notes);
  return await throughput(consumers, { format, rows, topic, fill, rounds, notes });
}

// ---------------------------------------------------------------------------------------------
// The report: the machine, the sections, the targets of issue 8

const sections: string[] = [];
const tables: Table[] = [];
let latencies: Latency[] = [];
let startupMedian: number | undefined;
let problems = 0;

const MB150_IN_MIB = 150e6 / 2 ** 20;

/** The targets of issue 8, from what was measured. */
function targets(): string {
  const lines: string[] = [];
  const csv = tables.filter((t) => t.format === "csv");
  const of = (label: string) =>
    csv.flatMap(({ rows, body }) =>
      body.filter((r) => r.consumer.label === label && r.runs.length > 0).map((row) => ({
        rows,
        row,
      }))
    );
  for (const spec of mains) {
    const peaks = of(spec.label).map((
      { rows, row },
    ) => [rows, median(row.runs.map((r) => r.peakMiB))]);
    if (peaks.length === 0) continue;
    const values = peaks.map(([, peak]) => peak);
    const spread = (Math.max(...values) / Math.min(...values) - 1) * 100;
    lines.push(
      `- peak RSS of ${spec.label}: ` +
        peaks.map(([rows, peak]) => `${fixed(peak, 0)} MiB at ${rowsText(rows)} rows`).join(", ") +
        ` (target ≤ 150 MB = ${fixed(MB150_IN_MIB, 0)} MiB: ` +
        `${values.every((p) => p <= MB150_IN_MIB) ? "met" : "NOT met"}` +
        (peaks.length > 1 ? `; spread ${fixed(spread, 0)} %, target ≤ 10 %` : "") + ")",
    );
  }
  const ratios = of(mains[0].label).filter(({ row }) => row.ratios.length > 0);
  if (ratios.length > 0) {
    lines.push(
      `- ${mains[0].label} × raw kafkajs: ` +
        ratios.map(({ rows, row }) => `${fixed(median(row.ratios), 2)} at ${rowsText(rows)} rows`)
          .join(", ") +
        " (target ≥ 0.9)",
    );
  }
  for (const { rate, main } of latencies) {
    const p99 = percentile(main, 99);
    lines.push(
      `- p99 commit → change row at ${count(rate)} rows/s: ${fixed(p99)} ms` +
        (rate === 10_000 ? ` (target ≤ 10 ms: ${p99 <= 10 ? "met" : "NOT met"})` : ""),
    );
  }
  if (startupMedian !== undefined) {
    lines.push(`- start-up, spawn → first change row: ${fixed(startupMedian, 3)} s (reported)`);
  }
  return lines.length === 0 ? "" : `### Targets (issue 8)\n\n${lines.join("\n")}`;
}

const startLoad = Deno.loadavg();
const started = new Date();
const cpu = /model name\s*:\s*(.+)/.exec(await Deno.readTextFile("/proc/cpuinfo").catch(() => ""));
const kcatVersion = /Version (\S+) .*librdkafka (\S+)/.exec(
  new TextDecoder().decode((await new Deno.Command("kcat", { args: ["-V"] }).output()).stdout),
);

const took = (s: number) => s < 60 ? `${Math.round(s)} s` : `${fixed(s / 60)} min`;

function printReport(ending?: string): void {
  const load = (l: number[]) => l.map((x) => fixed(x, 2)).join(" ");
  const report = [
    `## End to end, ${started.toISOString().slice(0, 16).replace("T", " ")} UTC`,
    `Machine: ${navigator.hardwareConcurrency} cores${cpu ? ` (${cpu[1]})` : ""}, ` +
    `${fixed(Deno.systemMemoryInfo().total / 2 ** 30)} GiB; load average ${load(startLoad)} at ` +
    `the start, ${load(Deno.loadavg())} at the end. Deno ${Deno.version.deno}, kcat ` +
    `${kcatVersion?.[1]} (librdkafka ${kcatVersion?.[2]}), ` +
    (broker ? `a Kafka ${KAFKA_VERSION} broker of testing/broker.ts.` : `the broker ${bootstrap}.`),
    `\`${["deno task bench:e2e", ...Deno.args].join(" ")}\`, ` +
    took((Date.now() - started.getTime()) / 1000) +
    (ending ? `. **Ended early: ${ending}**` : ""),
    ...sections,
    targets(),
  ].filter((s) => s !== "").join("\n\n");
  // Commands as one would type them; a fresh group in every run.
  console.log(
    report.replaceAll(bench.deno, "deno").replaceAll(root, "").replace(
      new RegExp(`${GROUP}[0-9a-f-]{36}`, "g"),
      `${GROUP}…`,
    ),
  );
}

let failure: string | undefined;
try {
  for (const [mode, format] of [["throughput", "csv"], ["json", "json"]] as const) {
    if (!modes.includes(mode)) continue;
    for (const rows of sizes) {
      const table = await throughputTable(format, rows);
      tables.push(table);
      sections.push(table.section);
      problems += table.problems;
    }
  }
  if (modes.includes("latency")) {
    const measured = await latency(bench, mains[0], rates, seconds);
    latencies = measured.results;
    sections.push(measured.section);
    problems += measured.problems;
  }
  if (modes.includes("startup")) {
    const measured = await startup(bench, mains[0], Math.max(5, rounds));
    startupMedian = measured.median;
    sections.push(measured.section);
  }
} catch (e) {
  failure = (e as Error).message;
  log(`FAILED: ${failure}`);
} finally {
  printReport(failure);
  await cleanUp();
}
if (failure !== undefined || problems > 0) {
  log(failure ?? `${problems} runs failed or wrote wrong output: see the report`);
}
// Explicitly: a client's retry timer left behind must not keep the benchmark alive.
Deno.exit(failure !== undefined || problems > 0 ? 1 : 0);
