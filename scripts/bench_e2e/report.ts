/**
 * The figures of the end-to-end benchmark (`scripts/bench_e2e.ts`): order statistics, number
 * formats, and markdown tables padded as `deno fmt` pads them, ready to paste into
 * docs/performance.md.
 *
 * @module
 */

/** The median of `xs` (the mean of the middle two for an even count); NaN for none. */
export function median(xs: readonly number[]): number {
  if (xs.length === 0) return NaN;
  const s = [...xs].sort((a, b) => a - b);
  const mid = s.length >> 1;
  return s.length % 2 === 1 ? s[mid] : (s[mid - 1] + s[mid]) / 2;
}

/**
 * The nearest-rank `p`th percentile of `sorted` (ascending): the smallest value with at least
 * p % of the values at or below it. p = 100 is the maximum; NaN for none.
 */
export function percentile(sorted: readonly number[], p: number): number {
  if (sorted.length === 0) return NaN;
  const rank = Math.ceil((p / 100) * sorted.length);
  return sorted[Math.min(sorted.length - 1, Math.max(0, rank - 1))];
}

/** `n` with `digits` decimals; "–" for NaN. */
export function fixed(n: number, digits = 1): string {
  return Number.isNaN(n) ? "–" : n.toFixed(digits);
}

/** A rate, short: "389 k" from 10 000 up, "9.5 k" from 1 000, else whole. */
export function rate(n: number): string {
  if (n >= 10_000) return `${Math.round(n / 1000)} k`;
  if (n >= 1_000) return `${(n / 1000).toFixed(1)} k`;
  return String(Math.round(n));
}

/** A count with thousands separators: 1,000,000. */
export function count(n: number): string {
  return n.toLocaleString("en-US");
}

/** A row count, short: "1 M", "10 M", "100 k", else with separators. */
export function rows(n: number): string {
  if (n >= 1_000_000 && n % 1_000_000 === 0) return `${n / 1_000_000} M`;
  if (n >= 1_000 && n % 1_000 === 0) return `${n / 1_000} k`;
  return count(n);
}

/** "min / median" of `xs`, with `digits` decimals. */
export function minMedian(xs: readonly number[], digits = 2): string {
  return `${fixed(Math.min(...xs), digits)} / ${fixed(median(xs), digits)}`;
}

/** "median (min–max)" of `xs`, whole; just the value when there is one. */
export function medianRange(xs: readonly number[]): string {
  if (xs.length === 1) return fixed(xs[0], 0);
  return `${fixed(median(xs), 0)} (${fixed(Math.min(...xs), 0)}–${fixed(Math.max(...xs), 0)})`;
}

/** How a column is aligned: left (text) or right (figures). */
export type Align = "left" | "right";

/**
 * A markdown table with its columns padded to one width, as `deno fmt` writes them.
 *
 * @example
 * ```ts
 * import { markdownTable } from "./report.ts";
 * markdownTable(["consumer", "s"], ["left", "right"], [["kcat", "2.1"]]);
 * // | consumer |   s |
 * // | -------- | --: |
 * // | kcat     | 2.1 |
 * ```
 */
export function markdownTable(
  headers: readonly string[],
  align: readonly Align[],
  body: readonly (readonly string[])[],
): string {
  const all = [headers, ...body];
  const widths = headers.map((_, i) =>
    Math.max(3, ...all.map((row) => [...(row[i] ?? "")].length))
  );
  const pad = (text: string, i: number) => {
    const room = " ".repeat(widths[i] - [...text].length);
    return align[i] === "right" ? room + text : text + room;
  };
  const line = (row: readonly string[]) =>
    `| ${headers.map((_, i) => pad(row[i] ?? "", i)).join(" | ")} |`;
  const rule = `| ${
    widths.map((w, i) => align[i] === "right" ? `${"-".repeat(w - 1)}:` : "-".repeat(w)).join(
      " | ",
    )
  } |`;
  return [line(headers), rule, ...body.map(line)].join("\n");
}

/** `argv` as a shell command line, each word quoted when it needs to be. */
export function quote(argv: readonly string[]): string {
  return argv.map((word) =>
    /^[\w@%+=:,./-]+$/.test(word) ? word : `'${word.replaceAll("'", "'\\''")}'`
  ).join(" ");
}

/** A section of the report: its title, table, paragraphs and the commands that were run. */
export function section(
  title: string,
  table: string,
  paragraphs: readonly string[],
  commands: readonly string[],
): string {
  const list = commands.map((c) => `- ${c}`).join("\n");
  return [`### ${title}`, table, ...paragraphs, commands.length > 0 ? `Commands:\n\n${list}` : ""]
    .filter((s) => s !== "").join("\n\n");
}

/**
 * The commit number of a change-stream row of main.ts's CSV output (`…,time,diff`): its `time`
 * column. Undefined for the header or anything else.
 */
export function commitOf(line: string): number | undefined {
  const end = line.lastIndexOf(",");
  if (end < 0) return undefined;
  const start = line.lastIndexOf(",", end - 1);
  const text = line.slice(start + 1, end);
  if (!/^\d+$/.test(text)) return undefined;
  return Number(text);
}

/**
 * Latencies (ms, ascending) of the commits seen: for commit i, when its first change row arrived
 * (`seen`, epoch ms) minus the Kafka timestamp of the i-th `*COMMIT*` (`stamps`). Commits not
 * seen are left out (the caller reports how many were seen); a commit number past the stamps is
 * a bug of the run, so it throws.
 */
export function latencies(seen: ReadonlyMap<number, number>, stamps: readonly number[]): number[] {
  const out: number[] = [];
  for (const [commit, at] of seen) {
    if (commit >= stamps.length) {
      throw new Error(
        `commit ${commit} was written but the topic holds ${stamps.length} \`*COMMIT*\` messages: ` +
          "the output does not belong to this topic, or commits are numbered differently",
      );
    }
    out.push(at - stamps[commit]);
  }
  return out.sort((a, b) => a - b);
}
