/**
 * The text of the runner's reports on standard error: the live status line (a terminal), the
 * progress lines (a log) and the summary at exit, with plurals that agree with their numbers.
 *
 * @module
 */

import type { PartitionLag } from "./consumer_lag.ts";
import { fitText } from "./fit_text.ts";

/** The running totals a report shows. */
export interface StatusCounts {
  /** Rows committed. */
  readonly rows: number;
  /** Commits. */
  readonly commits: number;
  /** Messages that could not be used. */
  readonly errors: number;
}

/** Everything the status line shows; each part but the counts is shown when known. */
export interface StatusFacts {
  /** The running totals. */
  readonly counts: StatusCounts;
  /** Committed rows per second, lately. */
  readonly rate?: number;
  /** Consumer lag per partition (Kafka). */
  readonly lag?: readonly PartitionLag[];
  /** The current fit: the change stream's columns and values. */
  readonly fit?: { readonly columns: readonly string[]; readonly values: readonly number[] };
}

/**
 * `count` and the word, singular for exactly 1.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { countOf } from "./status_line.ts";
 * assert.equal(countOf(1, "row"), "1 row");
 * assert.equal(countOf(0, "error"), "0 errors");
 * assert.equal(countOf(2, "batch", "batches"), "2 batches");
 * ```
 */
export function countOf(count: number, singular: string, plural = `${singular}s`): string {
  return `${count} ${count === 1 ? singular : plural}`;
}

/**
 * A rate for people: whole numbers from 100 up, else up to three significant digits with at
 * least one decimal, so that one row a second reads `1.0`, and half a row `0.5`, never `0`.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { formatRate } from "./status_line.ts";
 * assert.equal(formatRate(1), "1.0");
 * assert.equal(formatRate(0.5), "0.5");
 * assert.equal(formatRate(0.0123), "0.0123");
 * assert.equal(formatRate(12.345), "12.3");
 * assert.equal(formatRate(136042.7), "136043");
 * assert.equal(formatRate(0), "0.0");
 * ```
 */
export function formatRate(perSecond: number): string {
  if (perSecond >= 99.95) return String(Math.round(perSecond));
  if (perSecond === 0) return "0.0";
  const text = String(Number(perSecond.toPrecision(3)));
  return text.includes(".") || text.includes("e") ? text : `${text}.0`;
}

/**
 * The line printed at exit: `1 row, 1 commit, 0 errors`.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { summaryLine } from "./status_line.ts";
 * assert.equal(summaryLine({ rows: 1, commits: 1, errors: 0 }), "1 row, 1 commit, 0 errors");
 * assert.equal(summaryLine({ rows: 10, commits: 10, errors: 1 }), "10 rows, 10 commits, 1 error");
 * ```
 */
export function summaryLine(counts: StatusCounts): string {
  return `${countOf(counts.rows, "row")}, ${countOf(counts.commits, "commit")}, ` +
    countOf(counts.errors, "error");
}

/**
 * A progress line for logs (standard error is not a terminal): the summary and the rate.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { progressLine } from "./status_line.ts";
 * assert.equal(
 *   progressLine({ rows: 5, commits: 5, errors: 0 }, 1),
 *   "5 rows, 5 commits, 0 errors (1.0 rows/s)",
 * );
 * ```
 */
export function progressLine(counts: StatusCounts, rate: number): string {
  return `${summaryLine(counts)} (${formatRate(rate)} rows/s)`;
}

/**
 * The lag per partition: `lag 0` for one partition, `lag p0 12, p1 0` for several.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { lagText } from "./status_line.ts";
 * assert.equal(lagText([{ partition: 0, lag: 3 }]), "lag 3");
 * assert.equal(lagText([{ partition: 0, lag: 3 }, { partition: 1, lag: 0 }]), "lag p0 3, p1 0");
 * ```
 */
export function lagText(lag: readonly PartitionLag[]): string {
  if (lag.length === 1) return `lag ${lag[0].lag}`;
  return `lag ${lag.map((p) => `p${p.partition} ${p.lag}`).join(", ")}`;
}

/**
 * The status line, at most `width` characters (cut with `…`): rate, counts, lag, fit.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { statusLine } from "./status_line.ts";
 * const facts = {
 *   counts: { rows: 10, commits: 10, errors: 0 },
 *   rate: 1,
 *   lag: [{ partition: 0, lag: 0 }],
 *   fit: { columns: ["a", "b"], values: [0.0256, 0.9958] },
 * };
 * assert.equal(
 *   statusLine(facts),
 *   "1.0 rows/s │ 10 rows, 10 commits, 0 errors │ lag 0 │ a = 0.0256, b = 0.9958",
 * );
 * assert.equal(statusLine(facts, 20), "1.0 rows/s │ 10 row…");
 * ```
 */
export function statusLine(facts: StatusFacts, width = Infinity): string {
  const parts: string[] = [];
  if (facts.rate !== undefined) parts.push(`${formatRate(facts.rate)} rows/s`);
  parts.push(summaryLine(facts.counts));
  if (facts.lag !== undefined && facts.lag.length > 0) parts.push(lagText(facts.lag));
  if (facts.fit !== undefined) parts.push(fitText(facts.fit.columns, facts.fit.values));
  const line = parts.join(" │ ");
  const chars = [...line];
  if (chars.length <= width) return line;
  return chars.slice(0, Math.max(0, width - 1)).join("") + "…";
}
