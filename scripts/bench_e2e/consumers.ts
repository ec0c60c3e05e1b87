/**
 * The consumers of the end-to-end benchmark's throughput tables (`scripts/bench_e2e.ts`), each a
 * whole process reading a whole topic: the raw kafkajs counter (the yardstick), main.ts as
 * `--main` describes it, kcat and Pathway. Each run is checked: a consumer that stops before the
 * end of the topic fails the run, and a main.ts whose input log misses or doubles rows is said
 * loudly.
 *
 * @module
 */

import { GrowingFile, measured, type Usage, waitUntil } from "./process.ts";
import { commitOf, count, quote } from "./report.ts";

/** What every consumer needs to know of the benchmark. */
export interface Bench {
  /** The broker's PLAINTEXT bootstrap list. */
  readonly bootstrap: string;
  /** The checkout's root, ending in `/`. */
  readonly root: string;
  /** The `deno` that runs the benchmark. */
  readonly deno: string;
  /** The benchmark's temp folder. */
  readonly work: string;
  /** The limit of one run, ms. */
  readonly timeoutMs: number;
}

/** The prefix of the benchmark's consumer groups: a fresh group for every run. */
export const GROUP = "bench-group-";

/** The two kinds of topic: CSV rows each followed by `*COMMIT*`, or marker-less JSON rows. */
export type Format = "csv" | "json";

/** The messages of a topic of `rows` rows: with the header and a `*COMMIT*` each, for CSV. */
export function messagesOf(rows: number, format: Format): number {
  return format === "csv" ? 2 * rows + 1 : rows;
}

/** One measured run of a consumer. */
export interface Run extends Usage {
  /** The command, as a shell line. */
  readonly command: string;
  /** What was wrong with its output, though it read the whole topic. */
  readonly warning?: string;
}

/** A consumer of the throughput tables. */
export interface Consumer {
  /** raw kafkajs is the yardstick of the ratio column. */
  readonly kind: "raw" | "main" | "kcat" | "pathway";
  /** Its row's name. */
  readonly label: string;
  /** Run in the first round only (it is slow). */
  readonly once?: boolean;
  /** Reads all of `topic` (`rows` rows of `format`) once. */
  run(topic: string, rows: number, format: Format): Promise<Run>;
}

// ---------------------------------------------------------------------------------------------
// The yardstick, kcat and Pathway

/** `scripts/raw_consumer.ts` (kafkajs `eachBatch`, counting), with `extra` arguments. */
export function rawConsumer(bench: Bench, extra: readonly string[]): Consumer {
  return {
    kind: "raw",
    label: `raw kafkajs counter${extra.length > 0 ? ` ${extra.join(" ")}` : ""}`,
    async run(topic, rows, format) {
      const messages = messagesOf(rows, format);
      const cmd = [
        ...[bench.deno, "run", "-A", `${bench.root}scripts/raw_consumer.ts`, "-b", bench.bootstrap],
        ...["-t", topic, "--messages", String(messages), ...extra],
      ];
      const r = await measured(cmd, { cwd: bench.work, timeoutMs: bench.timeoutMs });
      const seen = Number(JSON.parse(r.stdout.trim().split("\n").at(-1) ?? "{}").messages);
      if (!(seen >= messages)) {
        throw new Error(`the raw consumer saw ${seen} of ${messages} messages`);
      }
      const warning = seen > messages
        ? `raw kafkajs counter: saw ${count(seen)} messages, ${count(seen - messages)} more ` +
          `than the topic's ${count(messages)}: DOUBLED deliveries`
        : undefined;
      return { ...r, command: quote(cmd), warning };
    },
  };
}

/**
 * `kcat -C` with `extra` arguments from the beginning, to /dev/null, until it has read every
 * message (`-c`; `-e` ends it at the end of the partition, which fails the run: it found fewer).
 */
export function kcatConsumer(bench: Bench, extra: readonly string[] = []): Consumer {
  return {
    kind: "kcat",
    label: `kcat -C${extra.map((a) => ` ${a}`).join("")} to /dev/null`,
    async run(topic, rows, format) {
      const messages = messagesOf(rows, format);
      const cmd = [
        ...["kcat", "-C", "-b", bench.bootstrap, "-t", topic, "-p", "0", "-o", "beginning"],
        ...["-c", String(messages), "-e", ...extra],
      ];
      const r = await measured(cmd, {
        cwd: bench.work,
        stdout: "null",
        timeoutMs: bench.timeoutMs,
      });
      const end = /Reached end of topic.*/.exec(r.stderr);
      if (end !== null) throw new Error(`kcat found fewer than ${messages} messages: ${end[0]}`);
      return { ...r, command: `${quote(cmd)} > /dev/null` };
    },
  };
}

/**
 * Pathway `version` running the article's program (`scripts/pathway_article.py`) with `python`.
 * It runs until stopped: its time ends when its input log holds every row.
 */
export function pathwayConsumer(bench: Bench, python: string, version: string): Consumer {
  const label = `Pathway ${version}, the article's program`;
  return {
    kind: "pathway",
    label,
    once: true,
    async run(topic, rows, format) {
      if (format !== "csv") throw new Error("the article's program reads CSV topics only");
      const dir = await Deno.makeTempDir({ dir: bench.work, prefix: "pathway-" });
      const input = new GrowingFile(`${dir}/regression_input.csv`);
      const cmd = [
        ...[python, `${bench.root}scripts/pathway_article.py`, bench.bootstrap, topic],
        ...[`${GROUP}${crypto.randomUUID()}`, dir],
      ];
      try {
        const r = await measured(cmd, {
          cwd: dir,
          stdout: "null",
          timeoutMs: bench.timeoutMs,
          until: (signal) =>
            waitUntil(async () => await input.lines() >= rows + 1, {
              ms: bench.timeoutMs,
              what: `Pathway's input log to hold ${count(rows)} rows`,
              signal,
            }),
        });
        const logged = await input.lines() - 1;
        const warning = logged > rows
          ? `${label}: its input log holds ${count(logged)} rows, not ${count(rows)}`
          : undefined;
        return { ...r, command: quote(cmd).replace(dir, "DIR"), warning };
      } finally {
        input.close();
        await Deno.remove(dir, { recursive: true });
      }
    },
  };
}

// ---------------------------------------------------------------------------------------------
// main.ts

/** A main.ts run as `--main` describes it. */
export interface MainSpec {
  /** Its row's name. */
  readonly label: string;
  /** More environment variables. */
  readonly env: Record<string, string>;
  /** Flags of `deno run` after `-A`. */
  readonly denoFlags: readonly string[];
  /** The main.ts to run (absolute). */
  readonly script: string;
  /** Its arguments after those the benchmark gives. */
  readonly args: readonly string[];
}

/** Parses a `--main` SPEC: `[NAME=VALUE …] [deno flags …] [PATH/main.ts] [main args …]`. */
export function mainSpec(bench: Bench, text: string): MainSpec {
  const words = text.split(/\s+/).filter((w) => w !== "");
  const env: Record<string, string> = {};
  while (words.length > 0 && /^[A-Za-z_][A-Za-z0-9_]*=/.test(words[0])) {
    const [name, ...rest] = (words.shift() as string).split("=");
    env[name] = rest.join("=");
  }
  const at = words.findIndex((w) => w.endsWith("main.ts"));
  const script = at >= 0 ? words[at] : "main.ts";
  return {
    label: text.trim() === "" ? "main.ts (defaults)" : `main.ts ${text.trim()}`,
    env,
    denoFlags: at >= 0 ? words.slice(0, at) : [],
    script: script.startsWith("/") ? script : `${bench.root}${script}`,
    args: at >= 0 ? words.slice(at + 1) : words,
  };
}

/**
 * The command that runs `spec`'s main.ts on `topic` in a consumer group of its own: the design's
 * `deno run -A main.ts` with the broker, the topic and the group, then `more`, then the spec's
 * own arguments.
 */
export function mainCommand(
  bench: Bench,
  spec: MainSpec,
  topic: string,
  ...more: string[]
): string[] {
  return [
    ...[bench.deno, "run", "-A", ...spec.denoFlags, spec.script, "-b", bench.bootstrap],
    ...["-t", topic, "-X", `group.id=${GROUP}${crypto.randomUUID()}`, ...more, ...spec.args],
  ];
}

/** Marker-less, main.ts exits after this long without a message: not part of the work. */
const IDLE_EXIT_MS = 3000;

/**
 * main.ts as `spec` describes it. CSV: `--max-commits N`, and a run whose change stream ends
 * before commit N − 1 fails (it stopped early). JSON: `--format json --idle-exit-ms 3000`, its
 * wall less those 3 s. Either way its input log must hold exactly N rows, or the run carries a
 * warning.
 */
export function mainConsumer(bench: Bench, spec: MainSpec): Consumer {
  return {
    kind: "main",
    label: spec.label,
    async run(topic, rows, format) {
      const dir = await Deno.makeTempDir({ dir: bench.work, prefix: "main-" });
      const cmd = mainCommand(
        bench,
        spec,
        topic,
        ...format === "csv"
          ? ["--max-commits", String(rows)]
          : ["--format", "json", "--idle-exit-ms", String(IDLE_EXIT_MS)],
      );
      try {
        const r = await measured(cmd, { cwd: dir, env: spec.env, timeoutMs: bench.timeoutMs });
        if (format === "csv") {
          const last = commitOf(await lastLine(`${dir}/regression_output_stream.csv`));
          if (last === undefined || last < rows - 1) {
            throw new Error(
              `${spec.label} exited with its change stream at commit ${last ?? "none"}, not ` +
                `${rows - 1}: it stopped before the end of the topic, so its time is not a run`,
            );
          }
        }
        const logged = await lines(`${dir}/regression_input.csv`) - 1;
        const errors = Math.max(0, await lines(`${dir}/regression_errors.csv`) - 1);
        const off = logged - rows;
        const problems = [
          ...off === 0 ? [] : [
            `its input log holds ${count(logged)} rows, not ${count(rows)}: ` +
            `${count(Math.abs(off))} ${off < 0 ? "MISSING" : "DOUBLED"}`,
          ],
          ...errors === 0 ? [] : [`it wrote ${count(errors)} error rows, on a topic without any`],
        ];
        const warning = problems.length > 0 ? `${spec.label}: ${problems.join("; ")}` : undefined;
        return {
          ...r,
          wall: format === "json" ? r.wall - IDLE_EXIT_MS / 1000 : r.wall,
          command: quote([...Object.entries(spec.env).map(([k, v]) => `${k}=${v}`), ...cmd]),
          warning,
        };
      } finally {
        await Deno.remove(dir, { recursive: true });
      }
    },
  };
}

/** The newline characters of the file at `path` (0 when there is none). */
async function lines(path: string): Promise<number> {
  const file = new GrowingFile(path);
  try {
    return await file.lines();
  } finally {
    file.close();
  }
}

/** The last line of the file at `path` ("" for an empty or missing file). */
async function lastLine(path: string): Promise<string> {
  const file = await Deno.open(path).catch(() => undefined);
  if (file === undefined) return "";
  try {
    const size = (await file.stat()).size;
    const buffer = new Uint8Array(Math.min(size, 4096));
    await file.seek(size - buffer.length, Deno.SeekMode.Start);
    for (let got = 0; got < buffer.length;) {
      got += (await file.read(buffer.subarray(got))) ?? buffer.length;
    }
    return new TextDecoder().decode(buffer).trimEnd().split("\n").at(-1) ?? "";
  } finally {
    file.close();
  }
}
