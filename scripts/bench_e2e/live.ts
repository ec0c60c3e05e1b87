/**
 * The live measurements of the end-to-end benchmark (`scripts/bench_e2e.ts`): latency (commit →
 * change row, producer.ts --rate R live) and start-up (spawn → first change row). main.ts writes
 * its change stream to a pipe (`--output -`) and the benchmark stamps each line as it arrives.
 *
 * @module
 */

import { type Bench, mainCommand, type MainSpec } from "./consumers.ts";
import {
  eachLine,
  exited,
  GrowingFile,
  log,
  now,
  spawn,
  stop,
  tail,
  text,
  waitUntil,
} from "./process.ts";
import {
  commitOf,
  count,
  fixed,
  latencies,
  markdownTable,
  median,
  percentile,
  quote,
  section,
} from "./report.ts";
import { COMMIT, type Topics } from "./topics.ts";

/** The benchmark, with its topics and the tag that makes its topic names unique. */
export interface LiveBench extends Bench {
  /** The benchmark's topics. */
  readonly topics: Topics;
  /** Ends the names of the topics it makes. */
  readonly tag: string;
}

/** main.ts on a topic, its change stream on a pipe. */
interface OnPipe {
  readonly child: Deno.ChildProcess;
  /** Commit number → when its first change row arrived (epoch ms). */
  readonly seen: Map<number, number>;
  /** Resolves once main.ts exited and its output is read. */
  readonly ended: Promise<{ status: Deno.CommandStatus; stderr: string }>;
  readonly command: string;
}

function mainOnPipe(
  bench: Bench,
  spec: MainSpec,
  topic: string,
  cwd: string,
  more: string[],
): OnPipe {
  const cmd = mainCommand(bench, spec, topic, ...more, "--output", "-");
  const child = spawn(bench.deno, {
    args: cmd.slice(1),
    cwd,
    env: spec.env,
    stdout: "piped",
    stderr: "piped",
  });
  const seen = new Map<number, number>();
  const ended = Promise.all([
    child.status,
    text(child.stderr),
    eachLine(child.stdout, (line, at) => {
      const commit = commitOf(line);
      if (commit !== undefined && !seen.has(commit)) seen.set(commit, at);
    }),
  ]).then(([status, stderr]) => ({ status, stderr }));
  return { child, seen, ended, command: quote(cmd) };
}

// ---------------------------------------------------------------------------------------------
// Latency

/** The latencies of one rate. */
export interface Latency {
  /** Rows/s asked of the producer. */
  readonly rate: number;
  /** Rows/s it reached, by the broker's timestamps. */
  readonly achieved: number;
  /** Commits sent. */
  readonly commits: number;
  /** main.ts's latency of each commit seen, ms, ascending. */
  readonly main: number[];
  /** kcat's, likewise. */
  readonly floor: number[];
}

/**
 * For each of `rates`: producer.ts --rate R for `seconds` into a fresh LogAppendTime topic that
 * main.ts and kcat -C read live. The latency of commit i: when its first change row arrived here
 * minus the broker's timestamp of the i-th `*COMMIT*`; kcat's: when that `*COMMIT*` arrived here.
 */
export async function latency(
  bench: LiveBench,
  spec: MainSpec,
  rates: readonly number[],
  seconds: number,
): Promise<{ results: Latency[]; section: string; problems: number }> {
  const results: Latency[] = [];
  const problems: string[] = [];
  let commands: string[] = [];
  for (const r of rates) {
    try {
      const { result, commands: used, warning } = await oneRate(bench, spec, r, seconds);
      results.push(result);
      commands = used;
      if (warning !== undefined) problems.push(`**WARNING** at ${count(r)} rows/s: ${warning}`);
      for (const [who, n] of [[spec.label, result.main.length], ["kcat", result.floor.length]]) {
        if (n !== result.commits) {
          problems.push(
            `**WARNING** at ${count(r)} rows/s, ${who} showed ${count(Number(n))} of ` +
              `${count(result.commits)} commits`,
          );
        }
      }
    } catch (e) {
      problems.push(`**FAILED** at ${count(r)} rows/s: ${(e as Error).message}`);
      log(`  FAILED: ${(e as Error).message}`);
    }
  }
  const figures = (xs: number[]) => [50, 90, 99, 100].map((p) => fixed(percentile(xs, p)));
  const seen = (n: number, of: number) => `${count(n)} of ${count(of)}`;
  const table = markdownTable(
    ["rows/s (achieved)", "consumer", "commits seen", "p50", "p90", "p99", "max"],
    ["right", "left", "right", "right", "right", "right", "right"],
    results.flatMap(({ rate, achieved, commits, main, floor }) => [
      [`${count(rate)} (${count(Math.round(achieved))})`, spec.label, seen(main.length, commits)]
        .concat(figures(main)),
      ["", "kcat -C (the floor)", seen(floor.length, commits), ...figures(floor)],
    ]),
  );
  const how = "Each commit: the broker's time of append of its `*COMMIT*` (the topic has " +
    "message.timestamp.type=LogAppendTime, so the producer's own batching is not counted) → " +
    "the arrival here of its first change row, read from main.ts's `--output -` pipe. The " +
    "floor: kcat -C reading the same topic live, each `*COMMIT*` timed on arrival the same way " +
    `(broker → client → pipe). producer.ts --rate R for ${seconds} s; the rate achieved is ` +
    "the broker's. Kafka timestamps are whole ms, so the figures are up to 1 ms high.";
  return {
    results,
    problems: problems.length,
    section: section(
      "Latency: commit → change row, live (ms)",
      table,
      [how, ...problems],
      commands,
    ),
  };
}

async function oneRate(
  bench: LiveBench,
  spec: MainSpec,
  rate: number,
  seconds: number,
): Promise<{ result: Latency; commands: string[]; warning?: string }> {
  const topic = `bench-latency-${rate}-${bench.tag}`;
  const commits = rate * seconds;
  await bench.topics.create(topic);
  await bench.topics.send(topic, ["x,y"]); // so that both readers are seen reading first
  const dir = await Deno.makeTempDir({ dir: bench.work, prefix: "latency-" });
  const main = mainOnPipe(bench, spec, topic, dir, []);
  const floor: number[] = [];
  let kcatReads = false;
  const kcatCmd = [
    ...["kcat", "-C", "-b", bench.bootstrap, "-t", topic, "-p", "0", "-o", "beginning"],
    ...["-u", "-q", "-f", "%T %s\n"],
  ];
  const kcat = spawn("kcat", { args: kcatCmd.slice(1), stdout: "piped", stderr: "null" });
  const kcatRead = eachLine(kcat.stdout, (line, at) => {
    const space = line.indexOf(" ");
    const message = line.slice(space + 1);
    if (message === COMMIT) floor.push(at - Number(line.slice(0, space)));
    else if (message === "x,y") kcatReads = true;
  });
  const inputLog = new GrowingFile(`${dir}/regression_input.csv`);
  const producerCmd = [
    ...[bench.deno, "run", "-A", `${bench.root}producer.ts`, "-b", bench.bootstrap, "-t", topic],
    ...["--count", String(commits), "--rate", String(rate), "--header-delay-ms", "0"],
  ];
  try {
    await waitUntil(async () => kcatReads && await inputLog.lines() >= 1, {
      ms: 60_000,
      what: "main.ts and kcat to read the header",
      children: [main.child, kcat],
    });
    log(`latency: producer.ts --rate ${rate}, ${count(commits)} rows…`);
    // producer.ts sends the header again: an error row for main.ts, not a commit.
    const producer = spawn(bench.deno, {
      args: producerCmd.slice(1),
      stdout: "null",
      stderr: "piped",
    });
    const producerErr = text(producer.stderr);
    const status = await exited(producer, seconds * 3000 + 60_000, "producer.ts --rate");
    if (!status.success) throw new Error(`producer.ts failed: ${tail(await producerErr)}`);
    // The last commits come out, or are counted as not seen.
    await waitUntil(() => main.seen.has(commits - 1) && floor.length >= commits, {
      ms: 10_000,
      what: "the last commit",
      children: [main.child],
    }).catch((e) => log(`  ${e.message}`));
  } finally {
    inputLog.close();
    await Promise.all([stop(main.child, "main.ts"), stop(kcat, "kcat")]);
    await Promise.all([main.ended, kcatRead]);
    await Deno.remove(dir, { recursive: true });
  }
  const { status, stderr } = await main.ended;
  const warning = status.success ? undefined : `${spec.label} ended with code ${status.code} ` +
    `when stopped (SIGTERM), not 0 as the design says: ${tail(stderr, 3)}`;
  const stamps = await bench.topics.commitStamps(topic);
  if (stamps.length !== commits) {
    throw new Error(`${topic} holds ${stamps.length} \`*COMMIT*\` messages, not ${commits}`);
  }
  return {
    result: {
      rate,
      achieved: (commits - 1) / ((stamps[commits - 1] - stamps[0]) / 1000),
      commits,
      main: latencies(main.seen, stamps),
      floor: floor.sort((a, b) => a - b),
    },
    warning,
    commands: [
      `${spec.label}: \`${main.command}\``,
      `kcat: \`${quote(kcatCmd).replace("\n", "\\n")}\``,
      `producer: \`${quote(producerCmd)}\``,
    ],
  };
}

// ---------------------------------------------------------------------------------------------
// Start-up

/**
 * `runs` times: main.ts --max-commits 10 on a 10-row topic in a fresh group; the time from its
 * spawn to the arrival of its first change row, and to its exit. A run that does not reach
 * commit 9 and exit 0 within a minute fails.
 */
export async function startup(
  bench: LiveBench,
  spec: MainSpec,
  runs: number,
): Promise<{ median: number; section: string }> {
  const topic = `bench-startup-${bench.tag}`;
  await bench.topics.fillCsv(topic, 10, [bench.deno, "run", `${bench.root}producer.ts`]);
  const firsts: number[] = [];
  const exits: number[] = [];
  let command = "";
  for (let run = 1; run <= runs; run++) {
    const dir = await Deno.makeTempDir({ dir: bench.work, prefix: "startup-" });
    const start = now();
    const main = mainOnPipe(bench, spec, topic, dir, ["--max-commits", "10"]);
    command = main.command;
    await exited(main.child, 60_000, "main.ts on the 10-row topic");
    const end = now();
    const { status, stderr } = await main.ended;
    await Deno.remove(dir, { recursive: true });
    const last = Math.max(-1, ...main.seen.keys());
    if (!status.success || last !== 9) {
      throw new Error(
        `main.ts on the 10-row topic exited with code ${status.code} after commit ${last} of 9: ` +
          tail(stderr),
      );
    }
    firsts.push((Math.min(...main.seen.values()) - start) / 1000);
    exits.push((end - start) / 1000);
    log(`start-up ${run}/${runs}: first change row after ${fixed(firsts.at(-1)!, 3)} s`);
  }
  const range = `${fixed(Math.min(...firsts), 3)}–${fixed(Math.max(...firsts), 3)}`;
  return {
    median: median(firsts),
    section: section(
      "Start-up: spawn → first change row, 10-row topic, a fresh group (join included)",
      markdownTable(
        ["main.ts", "runs", "first change row s, median (min–max)", "exit s, median"],
        ["left", "right", "right", "right"],
        [[
          spec.label,
          String(runs),
          `${fixed(median(firsts), 3)} (${range})`,
          fixed(median(exits), 3),
        ]],
      ),
      ["Exit: after its 10th commit, the group left."],
      [`\`${command}\``],
    ),
  };
}
