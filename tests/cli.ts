/** Test helpers: run the project's scripts as a user would, and read the reference run. */

import assert from "node:assert/strict";
import { parse } from "csv-parse/sync";
import { outputWithin } from "../testing/timeout.ts";

/** The project's root folder. */
export const ROOT = new URL("..", import.meta.url).pathname;

/** The reference run's folder (`../shared/reference/` beside the repository). */
export const REFERENCE_DIR = new URL("../../shared/reference/", import.meta.url).pathname;

/** What a finished command printed. */
export interface Ran {
  code: number;
  stdout: string;
  stderr: string;
}

/**
 * Runs `sh -c script` in `cwd` and collects its output; after `timeoutMs` (default 2 minutes) it
 * kills the shell and what it started, and throws.
 */
export async function sh(script: string, cwd: string = ROOT, timeoutMs = 120_000): Promise<Ran> {
  const child = new Deno.Command("sh", {
    args: ["-c", script],
    cwd,
    stdin: "null",
    stdout: "piped",
    stderr: "piped",
    env: { NO_COLOR: "1" },
  }).spawn();
  const output = await outputWithin(child, timeoutMs, `sh -c '${script}' in ${cwd}`);
  const text = new TextDecoder();
  return {
    code: output.code,
    stdout: text.decode(output.stdout),
    stderr: text.decode(output.stderr),
  };
}

/** The shell words that run a script of the project with Deno. */
export function deno(script: string, permissions = "-A"): string {
  return `"${Deno.execPath()}" run -q ${permissions} "${ROOT}${script}"`;
}

/**
 * Asserts that a change stream equals the expected one: the same rows within each time (order
 * inside a time is not significant), numbers within `relative` tolerance.
 */
export function assertSameChangeStream(actual: string, expected: string, relative = 1e-12) {
  const rows = (text: string) => parse(text, { columns: true }) as Record<string, string>[];
  const a = rows(actual);
  const e = rows(expected);
  assert.deepEqual(Object.keys(a[0] ?? {}), Object.keys(e[0] ?? {}), "columns");
  assert.equal(a.length, e.length, "row count");
  const key = (r: Record<string, string>) => `${r.time}/${r.diff}`;
  const byKey = new Map(e.map((r) => [key(r), r]));
  assert.equal(byKey.size, e.length, "expected stream has one row per (time, diff)");
  for (const row of a) {
    const want = byKey.get(key(row));
    assert.ok(want, `unexpected row ${JSON.stringify(row)}`);
    for (const [column, value] of Object.entries(want)) {
      const got = Number(row[column]);
      const exp = Number(value);
      const error = exp === 0 ? Math.abs(got) : Math.abs(got - exp) / Math.abs(exp);
      assert.ok(error <= relative, `time ${row.time} ${column}: ${got} vs ${exp} (${error})`);
    }
    byKey.delete(key(row));
  }
}

/** Runs `body` in a fresh temporary folder, removed afterwards whatever happens. */
export async function inDir<T>(body: (dir: string) => Promise<T>): Promise<T> {
  const dir = await Deno.makeTempDir({ prefix: "kafka-regression-test-" });
  try {
    return await body(dir);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
}
