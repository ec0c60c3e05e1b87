/**
 * The throughput tables of the end-to-end benchmark (`scripts/bench_e2e.ts`): each consumer
 * reads one whole topic as a whole process, the consumers interleaved round by round, and one
 * markdown table sums them up.
 *
 * @module
 */

import type { Consumer, Format, Run } from "./consumers.ts";
import { log } from "./process.ts";
import {
  count,
  fixed,
  markdownTable,
  median,
  medianRange,
  minMedian,
  rate,
  rows as rowsText,
  section,
} from "./report.ts";

/** A consumer's runs in one table. */
export interface Row {
  /** The consumer. */
  readonly consumer: Consumer;
  /** Its measured runs. */
  readonly runs: Run[];
  /** The raw counter's wall / its wall, one per round where both ran. */
  readonly ratios: number[];
  /** Why its other runs failed. */
  readonly failures: string[];
}

/** One throughput table. */
export interface Table {
  /** The topic's kind. */
  readonly format: Format;
  /** Its rows. */
  readonly rows: number;
  /** One row per consumer. */
  readonly body: readonly Row[];
  /** The report's section: title, table, notes, commands. */
  readonly section: string;
  /** Runs that failed or whose output was wrong. */
  readonly problems: number;
}

/**
 * Runs `consumers` on `topic` (`rows` rows of `format`, filled by `fill`) over `rounds` rounds,
 * interleaved; `notes` go under the table.
 */
export async function throughput(
  consumers: readonly Consumer[],
  options: {
    format: Format;
    rows: number;
    topic: string;
    fill: string;
    rounds: number;
    notes: readonly string[];
  },
): Promise<Table> {
  const { format, rows, rounds } = options;
  const body: Row[] = consumers.map((consumer) => ({
    consumer,
    runs: [],
    ratios: [],
    failures: [],
  }));
  for (let round = 1; round <= rounds; round++) {
    const walls = new Map<Row, number>();
    for (const row of body) {
      if (row.consumer.once && round > 1) continue;
      log(`${rowsText(rows)} ${format}, round ${round}/${rounds}: ${row.consumer.label}…`);
      try {
        const run = await row.consumer.run(options.topic, rows, format);
        row.runs.push(run);
        walls.set(row, run.wall);
        log(
          `  ${fixed(run.wall, 2)} s, ${rate(rows / run.wall)} rows/s, ${fixed(run.peakMiB)} MiB,` +
            ` ${fixed(run.cpu, 2)} s CPU${run.warning ? `\n  WARNING: ${run.warning}` : ""}`,
        );
      } catch (e) {
        row.failures.push(`round ${round}: ${(e as Error).message}`);
        log(`  FAILED: ${(e as Error).message}`);
      }
    }
    const raw = [...walls].find(([row]) => row.consumer.kind === "raw")?.[1];
    if (raw !== undefined) { for (const [row, wall] of walls) row.ratios.push(raw / wall); }
  }
  const failures = body.flatMap((r) =>
    r.failures.map((f) => `**FAILED** ${r.consumer.label}, ${f}`)
  );
  const warnings = body.flatMap((r) => r.runs.flatMap((run) => run.warning ? [run.warning] : []));
  const what = format === "csv"
    ? `${count(rows)} rows, each followed by \`*COMMIT*\` (${count(2 * rows + 1)} messages)`
    : `${count(rows)} marker-less JSON rows`;
  return {
    format,
    rows,
    body,
    problems: failures.length + warnings.length,
    section: section(
      `Throughput: ${what}`,
      table(body, rows),
      [
        `${rounds} round${rounds === 1 ? "" : "s"}, the consumers interleaved in each; rows/s ` +
        "from the median wall; × raw kafkajs: the raw counter's wall / this wall in the same " +
        "round, median over rounds; peak RSS (median, min–max) and CPU seconds (median) from " +
        "/usr/bin/time, threads included" +
        (body.some((r) => r.consumer.once) ? "; Pathway in round 1 only." : ".") +
        (format === "json" ? " main.ts --format json --idle-exit-ms 3000, its wall less 3 s." : ""),
        ...options.notes,
        ...failures,
        ...warnings.map((w) => `**WARNING** ${w}`),
      ],
      [
        `fill: \`${options.fill}\``,
        ...body.filter((r) => r.runs.length > 0).map((r) =>
          `${r.consumer.label}: \`${r.runs[0].command}\``
        ),
      ],
    ),
  };
}

function table(body: readonly Row[], rows: number): string {
  const headers = ["consumer", "runs", "wall s (min / median)", "rows/s", "× raw kafkajs"];
  return markdownTable(
    [...headers, "peak RSS MiB", "CPU s"],
    ["left", "right", "right", "right", "right", "right", "right"],
    body.map(({ consumer, runs, ratios, failures }) => {
      const tried = runs.length + failures.length;
      if (runs.length === 0) return [consumer.label, `0 of ${tried}`, "FAILED"];
      const walls = runs.map((r) => r.wall);
      return [
        consumer.label,
        (runs.length < tried ? `${runs.length} of ${tried}` : `${runs.length}`) +
        (runs.some((r) => r.warning) ? " ⚠" : ""),
        minMedian(walls),
        rate(rows / median(walls)),
        ratios.length > 0 ? fixed(median(ratios), 2) : "–",
        medianRange(runs.map((r) => r.peakMiB)),
        fixed(median(runs.map((r) => r.cpu)), 2),
      ];
    }),
  );
}
