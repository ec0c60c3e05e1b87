/**
 * `deno task bench:e2e`: the end-to-end benchmark against a real broker. See `--help` and
 * docs/performance.md.
 *
 * Modes (`--mode`, comma-separated, default `throughput`):
 *
 * - `throughput`: fills a fresh topic with N rows, each followed by `*COMMIT*` (producer.ts
 *   --stdout piped into kcat), then runs each consumer on it as a whole process, interleaved
 *   over `--rounds`, and prints ONE table: rows/s, ratio to the raw kafkajs counter of the same
 *   round, peak RSS and CPU seconds (both from `/usr/bin/time`; a worker is a thread, so the
 *   process's figures cover it).
 * - `json`: the same on a marker-less topic of N JSON rows `{"x":i,"y":…}` (issue 11): main.ts
 *   `--format json --idle-exit-ms 3000`, rows closed by its autocommit.
 * - `latency`: producer.ts `--rate R` live into a topic that main.ts reads; each commit's latency
 *   is the time its first change row reached the output file (seen through a file watcher) minus
 *   the Kafka timestamp of its `*COMMIT*` message. Prints p50/p90/p99/max per rate.
 * - `startup`: from spawning main.ts to its first change row on a 10-row topic, group join
 *   included.
 *
 * Uses KAFKA_BOOTSTRAP_SERVERS or -b when given, else starts a broker (and stops it).
 *
 * @module
 */

import { parseArgs } from "node:util";
import { noisyLine, REFERENCE } from "../lib/noisy_line.ts";
import { type Broker, startBroker } from "../testing/broker.ts";

const HELP = `Usage: deno run -A scripts/bench_e2e.ts [options]     (or: deno task bench:e2e …)

  --mode LIST          throughput, json, latency, startup, or all (default throughput)
  --rows N             rows of the throughput and json topics (default 1000000)
  --rounds R           rounds; consumers run interleaved, round by round (default 1)
  --consumers LIST     of the throughput and json modes: raw, main, kcat, pathway
                       (default raw,main,kcat,pathway; the ratio column needs raw)
  --main=SPEC          a main.ts run to measure, repeatable (default: main.ts with its defaults).
                       SPEC is words: [NAME=VALUE …] [deno flags …] [PATH/main.ts] [main args …],
                       e.g. --main '--v8-flags=--max-semi-space-size=2 main.ts --autocommit-ms 0'
                       or --main=../other-checkout/main.ts to compare checkouts side by side
                       (write --main=SPEC: SPEC may start with a dash; --main= is the defaults)
  --raw ARGS           extra arguments of scripts/raw_consumer.ts (e.g. --max-bytes-per-partition
                       65536)
  --topic NAME         throughput mode: reuse this topic (N rows with *COMMIT*s, as filled here)
  --rates LIST         latency mode: rows/s of the live producer (default 1000,10000)
  --seconds S          latency mode: how long each rate runs (default 10)
  --python PATH        a Python with pathway installed (default python3); pathway is skipped
                       with a note when it cannot be imported
  --timeout-s S        give up on one run after S seconds (default 900)
  -b, --bootstrap-servers HOST:PORT
  -h, --help
`;

const { values } = parseArgs({
  options: {
    mode: { type: "string", default: "throughput" },
    rows: { type: "string", default: "1000000" },
    rounds: { type: "string", default: "1" },
    consumers: { type: "string", default: "raw,main,kcat,pathway" },
    main: { type: "string", multiple: true },
    raw: { type: "string", default: "" },
    topic: { type: "string" },
    rates: { type: "string", default: "1000,10000" },
    seconds: { type: "string", default: "10" },
    python: { type: "string", default: "python3" },
    "timeout-s": { type: "string", default: "900" },
    "bootstrap-servers": { type: "string", short: "b" },
    help: { type: "boolean", short: "h", default: false },
  },
});
if (values.help) {
  console.log(HELP);
  Deno.exit(0);
}

function whole(name: string, text: string): number {
  const n = Number(text);
  if (!Number.isSafeInteger(n) || n <= 0) {
    console.error(`bench_e2e.ts: --${name} must be a whole number > 0, not "${text}"`);
    Deno.exit(2);
  }
  return n;
}

const MODES = ["throughput", "json", "latency", "startup"] as const;
type Mode = typeof MODES[number];
const CONSUMERS = ["raw", "main", "kcat", "pathway"] as const;
type ConsumerKind = typeof CONSUMERS[number];

function list<T extends string>(name: string, text: string, allowed: readonly T[]): T[] {
  const items = text.split(",").map((s) => s.trim()).filter((s) => s !== "");
  for (const item of items) {
    if (!allowed.includes(item as T)) {
      console.error(`bench_e2e.ts: --${name}: "${item}" is not one of ${allowed.join(", ")}`);
      Deno.exit(2);
    }
  }
  return items as T[];
}

const modes: Mode[] = values.mode === "all"
  ? [...MODES]
  : list("mode", values.mode, MODES as readonly Mode[]);
const rows = whole("rows", values.rows);
const rounds = whole("rounds", values.rounds);
const kinds = list("consumers", values.consumers, CONSUMERS as readonly ConsumerKind[]);
const rates = values.rates.split(",").map((r) => whole("rates", r));
const seconds = whole("seconds", values.seconds);
const timeoutMs = whole("timeout-s", values["timeout-s"]) * 1000;
const root = new URL("..", import.meta.url).pathname;
const deno = Deno.execPath();
const decoder = new TextDecoder();
const encoder = new TextEncoder();
const log = (text: string) => console.error(`bench: ${text}`);

/** A main.ts run as `--main` describes it. */
interface MainSpec {
  readonly label: string;
  readonly env: Record<string, string>;
  readonly denoFlags: string[];
  readonly script: string;
  readonly args: string[];
}

function mainSpec(text: string): MainSpec {
  const words = text.split(/\s+/).filter((w) => w !== "");
  const env: Record<string, string> = {};
  while (words.length > 0 && /^[A-Za-z_][A-Za-z0-9_]*=/.test(words[0])) {
    const [name, ...rest] = (words.shift() as string).split("=");
    env[name] = rest.join("=");
  }
  const at = words.findIndex((w) => w.endsWith("main.ts"));
  const denoFlags = at >= 0 ? words.slice(0, at) : [];
  const script = at >= 0 ? words[at] : `${root}main.ts`;
  const args = at >= 0 ? words.slice(at + 1) : words;
  const label = text.trim() === "" ? "main.ts (defaults)" : `main.ts ${text.trim()}`;
  return {
    label,
    env,
    denoFlags,
    script: script.startsWith("/") ? script : `${root}${script}`,
    args,
  };
}

const mains = (values.main ?? [""]).map(mainSpec);
const rawArgs = values.raw.split(/\s+/).filter((w) => w !== "");

/** What `/usr/bin/time` says of one finished process, and our own wall clock. */
interface Usage {
  /** Seconds from spawn to the end (or to the completion the caller waited for). */
  readonly wall: number;
  readonly cpu: number;
  readonly peakMiB: number;
}

const TIME = "/usr/bin/time";

async function haveCommand(command: string): Promise<boolean> {
  return (await new Deno.Command("sh", { args: ["-c", `command -v ${command}`], stdout: "null" })
    .output()).success;
}

/**
 * Runs `cmd` under `/usr/bin/time`. `until`, when given, is awaited instead of the exit; the
 * process is then sent SIGTERM (for a consumer that runs until stopped) and the wall time is the
 * time `until` took.
 */
async function measured(
  cmd: string[],
  options: {
    cwd?: string;
    env?: Record<string, string>;
    stdout?: "null" | "piped";
    until?: (child: Deno.ChildProcess) => Promise<void>;
  } = {},
): Promise<Usage & { stdout: string }> {
  const report = await Deno.makeTempFile({ prefix: "bench-time-" });
  const start = performance.now();
  const child = new Deno.Command(TIME, {
    args: ["-f", "%e %U %S %M", "-o", report, ...cmd],
    cwd: options.cwd ?? root,
    env: options.env,
    stdin: "null",
    stdout: options.stdout ?? "piped",
    stderr: "piped",
  }).spawn();
  const stderr = new Response(child.stderr).text();
  const stdout = options.stdout === "null"
    ? Promise.resolve("")
    : new Response(child.stdout).text();
  const timer = setTimeout(() => terminate(child, "SIGKILL"), timeoutMs);
  let wall: number;
  let status: Deno.CommandStatus;
  try {
    if (options.until !== undefined) {
      await options.until(child);
      wall = (performance.now() - start) / 1000;
      await terminate(child, "SIGTERM");
      status = await child.status;
    } else {
      status = await child.status;
      wall = (performance.now() - start) / 1000;
    }
  } finally {
    clearTimeout(timer);
  }
  const [, user, system, kib] = (await Deno.readTextFile(report)).trim().split("\n").at(-1)!
    .split(" ").map(Number);
  await Deno.remove(report);
  if (!status.success && options.until === undefined) {
    throw new Error(`${cmd.join(" ")} failed (${status.code}):\n${(await stderr).slice(-2000)}`);
  }
  return { wall, cpu: user + system, peakMiB: kib / 1024, stdout: await stdout };
}

/** Sends `signal` to the command that `/usr/bin/time` runs (time itself would die of it). */
async function terminate(child: Deno.ChildProcess, signal: Deno.Signal): Promise<void> {
  let text = "";
  try {
    text = await Deno.readTextFile(`/proc/${child.pid}/task/${child.pid}/children`);
  } catch {
    return; // already gone
  }
  for (const pid of text.trim().split(/\s+/).filter((p) => p !== "").map(Number)) {
    try {
      Deno.kill(pid, signal);
    } catch {
      // gone meanwhile
    }
  }
}

async function shell(script: string): Promise<void> {
  const out = await new Deno.Command("sh", { args: ["-c", script], stderr: "piped" }).output();
  if (!out.success) throw new Error(`${script}: ${decoder.decode(out.stderr)}`);
}

/**
 * Calls `onText` with what is appended to `path` (which may not exist yet) until `done()` says
 * so. Wakes on the file system's change events (and every 50 ms), so that the time a line is
 * seen is within a millisecond or so of its write.
 */
async function follow(
  path: string,
  onText: (text: string, at: number) => void,
  done: () => boolean,
): Promise<void> {
  const watcher = Deno.watchFs(path.slice(0, path.lastIndexOf("/")) || ".", { recursive: false });
  let file: Deno.FsFile | undefined;
  const buffer = new Uint8Array(1 << 20);
  const text = new TextDecoder();
  let closed = false;
  const close = () => {
    if (closed) return;
    closed = true;
    watcher.close();
  };
  // Reads are chained: two at once on one file could hand over its bytes out of order.
  let reading = Promise.resolve();
  const drain = () =>
    reading = reading.then(async () => {
      file ??= await Deno.open(path).catch(() => undefined);
      if (file === undefined) return;
      for (;;) {
        const n = await file.read(buffer);
        if (n === null || n === 0) break;
        onText(text.decode(buffer.subarray(0, n), { stream: true }), performance.now());
      }
      if (done()) close();
    });
  const poll = setInterval(drain, 50); // in case an event is missed, and to notice done()
  try {
    await drain();
    if (!closed) { for await (const _ of watcher) await drain(); }
  } finally {
    clearInterval(poll);
    close();
    await reading;
    file?.close();
  }
}

/** Resolves once `path` holds `lines` newline characters. */
async function waitForLines(path: string, lines: number): Promise<void> {
  let seen = 0;
  await follow(path, (text) => {
    for (let i = text.indexOf("\n"); i >= 0; i = text.indexOf("\n", i + 1)) seen++;
  }, () => seen >= lines);
}

// ---------------------------------------------------------------------------------------------

let broker: Broker | undefined;
let bootstrap = values["bootstrap-servers"] ?? Deno.env.get("KAFKA_BOOTSTRAP_SERVERS");
if (!(await haveCommand(TIME))) {
  console.error(`bench_e2e.ts: ${TIME} is needed (apt-get install time)`);
  Deno.exit(2);
}
const hasKcat = await haveCommand("kcat");
if (!hasKcat) {
  console.error("bench_e2e.ts: kcat is needed to fill topics (apt-get install kcat)");
  Deno.exit(2);
}
if (bootstrap === undefined) {
  log("starting a broker…");
  broker = await startBroker();
  bootstrap = broker.plaintext;
}
const B = bootstrap;

/** The arguments of `deno` that run `spec`'s main.ts on `topic` in a group of its own. */
function mainArgs(spec: MainSpec, topic: string, ...more: string[]): string[] {
  return [
    "run",
    "-A",
    ...spec.denoFlags,
    spec.script,
    "-b",
    B,
    "-t",
    topic,
    "-X",
    `group.id=bench-${crypto.randomUUID()}`,
    ...more,
  ];
}
const work = await Deno.makeTempDir({ prefix: "kafka-regression-bench-" });
const stamp = Date.now();

/** Fills `topic` with the producer's run: header, then `count` rows each with *COMMIT*. */
async function fillCsv(topic: string, count: number): Promise<number> {
  const start = performance.now();
  await shell(
    `"${deno}" run "${root}producer.ts" --stdout --count ${count} --interval-ms 0 ` +
      `--header-delay-ms 0 | kcat -P -b ${B} -t ${topic} -p 0`,
  );
  return (performance.now() - start) / 1000;
}

/** Fills `topic` with `count` JSON rows `{"x":i,"y":…}` (the producer's values), no marker. */
async function fillJson(topic: string, count: number): Promise<number> {
  const start = performance.now();
  const kcat = new Deno.Command("kcat", {
    args: ["-P", "-b", B, "-t", topic, "-p", "0"],
    stdin: "piped",
    stderr: "piped",
  }).spawn();
  const writer = kcat.stdin.getWriter();
  let chunk: string[] = [];
  for (const [x, y] of noisyLine({ ...REFERENCE, count })) {
    chunk.push(`{"x":${x},"y":${y}}\n`);
    if (chunk.length >= 16384) {
      await writer.write(encoder.encode(chunk.join("")));
      chunk = [];
    }
  }
  await writer.write(encoder.encode(chunk.join("")));
  await writer.close();
  const status = await kcat.status;
  if (!status.success) throw new Error(`kcat failed: ${await new Response(kcat.stderr).text()}`);
  return (performance.now() - start) / 1000;
}

async function pathwayUsable(): Promise<string | undefined> {
  try {
    const out = await new Deno.Command(values.python, {
      args: ["-c", "import pathway; print(pathway.__version__)"],
      stdout: "piped",
      stderr: "null",
    }).output();
    if (out.success) return decoder.decode(out.stdout).trim();
  } catch {
    // no such python
  }
  return undefined;
}

/** One consumer of the throughput table. */
interface Consumer {
  readonly label: string;
  run(topic: string, rows: number, format: "csv" | "json"): Promise<Usage>;
}

function rawConsumer(): Consumer {
  return {
    label: `raw kafkajs counter${rawArgs.length > 0 ? ` ${rawArgs.join(" ")}` : ""}`,
    async run(topic, rows, format) {
      const messages = format === "csv" ? 2 * rows + 1 : rows;
      const r = await measured([
        deno,
        "run",
        "-A",
        `${root}scripts/raw_consumer.ts`,
        "-b",
        B,
        "-t",
        topic,
        "--messages",
        String(messages),
        ...rawArgs,
      ]);
      const seen = JSON.parse(r.stdout.trim().split("\n").at(-1) ?? "{}").messages;
      if (seen < messages) throw new Error(`the raw consumer saw ${seen} of ${messages} messages`);
      return r;
    },
  };
}

const IDLE_EXIT_MS = 3000;
/** Runs of main.ts whose input log lacked rows. */
const shortRuns: string[] = [];

function mainConsumer(spec: MainSpec): Consumer {
  return {
    label: spec.label,
    async run(topic, rows, format) {
      const dir = await Deno.makeTempDir({ dir: work, prefix: "main-" });
      const args = format === "csv"
        ? ["--max-commits", String(rows)]
        : ["--format", "json", "--idle-exit-ms", String(IDLE_EXIT_MS)];
      const r = await measured(
        [deno, ...mainArgs(spec, topic, "--progress-ms", "0", ...args, ...spec.args)],
        { cwd: dir, env: spec.env },
      );
      const logged = await countLines(`${dir}/regression_input.csv`) - 1;
      await Deno.remove(dir, { recursive: true });
      if (logged !== rows) {
        // Kept in the table (the figures are still those of the run), but said loudly.
        shortRuns.push(`${spec.label}: logged ${logged} rows, not ${rows}`);
        log(`  WARNING: ${shortRuns.at(-1)}`);
      }
      // Marker-less, it exits after --idle-exit-ms without a message: not part of the work.
      return format === "json" ? { ...r, wall: r.wall - IDLE_EXIT_MS / 1000 } : r;
    },
  };
}

function kcatConsumer(): Consumer {
  return {
    label: "kcat -C to /dev/null",
    run: (topic) =>
      measured(["kcat", "-C", "-b", B, "-t", topic, "-p", "0", "-o", "beginning", "-e", "-q"], {
        stdout: "null",
      }),
  };
}

function pathwayConsumer(version: string): Consumer {
  return {
    label: `Pathway ${version}, the article's program`,
    async run(topic, rows, format) {
      if (format !== "csv") throw new Error("pathway: csv topics only");
      const dir = await Deno.makeTempDir({ dir: work, prefix: "pathway-" });
      const r = await measured([
        values.python,
        `${root}scripts/pathway_article.py`,
        B,
        topic,
        `bench-${crypto.randomUUID()}`,
        dir,
      ], {
        cwd: dir,
        stdout: "null",
        // Pathway runs until stopped: done when its input log holds every row.
        until: () => waitForLines(`${dir}/regression_input.csv`, rows + 1),
      });
      await Deno.remove(dir, { recursive: true });
      return r;
    },
  };
}

async function countLines(path: string): Promise<number> {
  let n = 0;
  const file = await Deno.open(path);
  for await (const chunk of file.readable) {
    for (let i = chunk.indexOf(10); i >= 0; i = chunk.indexOf(10, i + 1)) n++;
  }
  return n;
}

const median = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 === 1 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
};
const k = (n: number) => n >= 10_000 ? `${Math.round(n / 1000)} k` : String(Math.round(n));
const fixed = (n: number, d = 1) => n.toFixed(d);

async function table(title: string, topic: string, format: "csv" | "json", consumers: Consumer[]) {
  const results = new Map<string, Usage[]>(consumers.map((c) => [c.label, []]));
  const ratios = new Map<string, number[]>(consumers.map((c) => [c.label, []]));
  const rawLabel = consumers.find((c) => c.label.startsWith("raw kafkajs"))?.label;
  for (let round = 1; round <= rounds; round++) {
    const walls = new Map<string, number>();
    for (const c of consumers) {
      log(`round ${round}/${rounds}: ${c.label}…`);
      try {
        const u = await c.run(topic, rows, format);
        results.get(c.label)!.push(u);
        walls.set(c.label, u.wall);
        log(
          `  ${fixed(u.wall, 2)} s, ${k(rows / u.wall)} rows/s, ${fixed(u.peakMiB)} MiB, ` +
            `${fixed(u.cpu, 2)} s CPU`,
        );
      } catch (e) {
        log(`  failed: ${(e as Error).message}`);
      }
    }
    const raw = rawLabel === undefined ? undefined : walls.get(rawLabel);
    for (const [label, wall] of walls) if (raw !== undefined) ratios.get(label)!.push(raw / wall);
  }
  console.log(`\n${title}\n`);
  console.log(
    "| consumer | runs | wall s | rows/s | ratio to raw kafkajs | peak RSS MiB | CPU s |",
  );
  console.log("| --- | --: | --: | --: | --: | --: | --: |");
  for (const c of consumers) {
    const us = results.get(c.label)!;
    if (us.length === 0) {
      console.log(`| ${c.label} | 0 | failed | | | | |`);
      continue;
    }
    const wall = median(us.map((u) => u.wall));
    const rs = ratios.get(c.label)!;
    const peaks = us.map((u) => u.peakMiB);
    const peak = us.length > 1
      ? `${fixed(median(peaks), 0)} (${fixed(Math.min(...peaks), 0)}–${
        fixed(Math.max(...peaks), 0)
      })`
      : fixed(peaks[0], 0);
    console.log(
      `| ${c.label} | ${us.length} | ${fixed(wall, 2)} | ${k(rows / wall)} | ` +
        `${rs.length > 0 ? fixed(median(rs), 2) : "–"} | ${peak} | ` +
        `${fixed(median(us.map((u) => u.cpu)), 2)} |`,
    );
  }
  for (const short of shortRuns.splice(0)) console.log(`\nWARNING: ${short}`);
  console.log(
    `\n${rows.toLocaleString("en-US")} rows; median of ${rounds} round(s), run interleaved; ` +
      "ratio = raw kafkajs wall / this wall, pair by pair, median; peak RSS and CPU from " +
      "/usr/bin/time (the process with its threads, the worker included).",
  );
}

async function throughputConsumers(format: "csv" | "json"): Promise<Consumer[]> {
  const consumers: Consumer[] = [];
  for (const kind of kinds) {
    if (kind === "raw") consumers.push(rawConsumer());
    if (kind === "main") consumers.push(...mains.map(mainConsumer));
    if (kind === "kcat") consumers.push(kcatConsumer());
    if (kind === "pathway" && format === "csv") {
      const version = await pathwayUsable();
      if (version === undefined) {
        console.log(
          `(Pathway skipped: \`${values.python} -c "import pathway"\` fails; ` +
            "pip install 'pathway==0.33.*' and pass --python)",
        );
      } else consumers.push(pathwayConsumer(version));
    }
  }
  return consumers;
}

// ---------------------------------------------------------------------------------------------

function percentile(sorted: number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)];
}

/** Kafka timestamps of the `*COMMIT*` messages of `topic`, in order. */
async function commitTimestamps(topic: string): Promise<number[]> {
  const out = await new Deno.Command("kcat", {
    args: ["-C", "-b", B, "-t", topic, "-p", "0", "-o", "beginning", "-e", "-q", "-f", "%T %s\n"],
    stdout: "piped",
    stderr: "piped",
  }).output();
  if (!out.success) throw new Error(`kcat: ${decoder.decode(out.stderr)}`);
  const stamps: number[] = [];
  for (const line of decoder.decode(out.stdout).split("\n")) {
    const space = line.indexOf(" ");
    if (line.slice(space + 1) === "*COMMIT*") stamps.push(Number(line.slice(0, space)));
  }
  return stamps;
}

async function latency(rate: number, spec: MainSpec): Promise<void> {
  const topic = `bench-latency-${rate}-${stamp}`;
  const count = rate * seconds;
  const dir = await Deno.makeTempDir({ dir: work, prefix: "latency-" });
  await shell(`printf 'x,y\\n' | kcat -P -b ${B} -t ${topic} -p 0`); // creates the topic
  const main = new Deno.Command(deno, {
    args: mainArgs(spec, topic, "--progress-ms", "0", ...spec.args),
    cwd: dir,
    env: spec.env,
    stdout: "null",
    stderr: "piped",
  }).spawn();
  const mainErr = new Response(main.stderr).text();
  // Ready once the header went through: the group joined and fetched.
  await waitForLines(`${dir}/regression_input.csv`, 1);
  const seenAt = new Map<number, number>(); // commit number → performance.now() it was seen
  let partial = "";
  let last = -1;
  let stopped = false;
  const wall = performance.timeOrigin;
  // The floor: kcat reading the same topic live, each *COMMIT* timed as it arrives.
  const floor: number[] = [];
  const kcat = new Deno.Command("kcat", {
    args: ["-C", "-b", B, "-t", topic, "-p", "0", "-o", "beginning", "-u", "-q", "-f", "%T %s\n"],
    stdout: "piped",
    stderr: "null",
  }).spawn();
  const floorDone = (async () => {
    let rest = "";
    for await (const chunk of kcat.stdout.pipeThrough(new TextDecoderStream())) {
      const at = wall + performance.now();
      const lines = (rest + chunk).split("\n");
      rest = lines.pop() ?? "";
      for (const line of lines) {
        const space = line.indexOf(" ");
        if (line.slice(space + 1) === "*COMMIT*") floor.push(at - Number(line.slice(0, space)));
      }
    }
  })();
  const watching = follow(`${dir}/regression_output_stream.csv`, (text, at) => {
    const lines = (partial + text).split("\n");
    partial = lines.pop() ?? "";
    for (const line of lines) {
      const fields = line.split(",");
      const time = Number(fields[fields.length - 2]);
      if (Number.isInteger(time) && !seenAt.has(time)) seenAt.set(time, at);
      if (time > last) last = time;
    }
  }, () => stopped || last >= count - 1);
  await new Promise((resolve) => setTimeout(resolve, 500)); // kcat connects
  log(`latency: producer.ts --rate ${rate} for ${count} rows…`);
  // producer.ts sends the header again: main.ts logs it as one error row, nothing else.
  await shell(
    `"${deno}" run -A "${root}producer.ts" -b ${B} -t ${topic} --count ${count} ` +
      `--rate ${rate} --header-delay-ms 0 2>/dev/null`,
  );
  const grace = setTimeout(() => stopped = true, 10_000); // for the last commits to come out
  await watching;
  clearTimeout(grace);
  main.kill("SIGTERM");
  kcat.kill("SIGTERM");
  await Promise.all([main.status, kcat.status, mainErr, floorDone]);
  floor.sort((a, b) => a - b);
  const stamps = await commitTimestamps(topic);
  const latencies: number[] = [];
  for (const [time, at] of seenAt) {
    if (time < stamps.length) latencies.push(wall + at - stamps[time]);
  }
  latencies.sort((a, b) => a - b);
  await Deno.remove(dir, { recursive: true });
  if (latencies.length === 0) {
    console.log(`| ${rate} | 0 of ${count} commits seen | | | | | |`);
    return;
  }
  const floorText = floor.length === 0
    ? "–"
    : `${fixed(percentile(floor, 50))} / ${fixed(percentile(floor, 99))}`;
  console.log(
    `| ${rate.toLocaleString("en-US")} | ${latencies.length} of ${count} | ` +
      `${fixed(percentile(latencies, 50))} | ${fixed(percentile(latencies, 90))} | ` +
      `${fixed(percentile(latencies, 99))} | ${fixed(latencies[latencies.length - 1])} | ` +
      `${floorText} |`,
  );
}

async function startup(spec: MainSpec): Promise<void> {
  const topic = `bench-startup-${stamp}`;
  await fillCsv(topic, 10);
  const firsts: number[] = [];
  for (let round = 1; round <= Math.max(rounds, 3); round++) {
    const dir = await Deno.makeTempDir({ dir: work, prefix: "startup-" });
    const start = performance.now();
    const main = new Deno.Command(deno, {
      args: mainArgs(spec, topic, "--max-commits", "10"),
      cwd: dir,
      env: spec.env,
      stdout: "null",
      stderr: "null",
    }).spawn();
    await waitForLines(`${dir}/regression_output_stream.csv`, 2); // the header and a first fit
    firsts.push((performance.now() - start) / 1000);
    await main.status;
    await Deno.remove(dir, { recursive: true });
  }
  console.log(
    `\nStart-up of ${spec.label} (spawn → first change row, 10-row topic, fresh group): ` +
      `median ${fixed(median(firsts), 2)} s of ${firsts.map((s) => fixed(s, 2)).join(", ")}`,
  );
}

try {
  const cores = navigator.hardwareConcurrency;
  const memory = Deno.systemMemoryInfo();
  console.log(
    `Machine: ${cores} cores, ${fixed(memory.total / 2 ** 30)} GiB; load average ` +
      `${Deno.loadavg().map((l) => fixed(l, 2)).join(" ")} at the start`,
  );
  if (modes.includes("throughput")) {
    let topic = values.topic;
    if (topic === undefined) {
      topic = `bench-${stamp}`;
      log(`producing ${rows} rows (${2 * rows + 1} messages) to ${topic}…`);
      const s = await fillCsv(topic, rows);
      log(`produced in ${fixed(s, 1)} s`);
    }
    await table(
      `Throughput: ${
        rows.toLocaleString("en-US")
      } rows, each followed by *COMMIT* (topic ${topic})`,
      topic,
      "csv",
      await throughputConsumers("csv"),
    );
  }
  if (modes.includes("json")) {
    const topic = `bench-json-${stamp}`;
    log(`producing ${rows} JSON rows to ${topic}…`);
    await fillJson(topic, rows);
    await table(
      `Marker-less JSON: ${rows.toLocaleString("en-US")} rows {"x":i,"y":…}, no *COMMIT*; ` +
        "main.ts --format json --idle-exit-ms 3000 (its wall less those 3 s)",
      topic,
      "json",
      await throughputConsumers("json"),
    );
  }
  if (modes.includes("latency")) {
    const spec = mains[0];
    console.log(
      `\nLatency of ${spec.label}: Kafka timestamp of each *COMMIT* → its first change row in ` +
        `the output file, producer.ts --rate R for ${seconds} s (ms)\n`,
    );
    console.log(
      "| rows/s | commits measured | p50 | p90 | p99 | max | kcat -C live, p50 / p99 (floor) |",
    );
    console.log("| --: | --: | --: | --: | --: | --: | --: |");
    for (const rate of rates) await latency(rate, spec);
  }
  if (modes.includes("startup")) await startup(mains[0]);
} finally {
  await Deno.remove(work, { recursive: true });
  await broker?.close();
}
