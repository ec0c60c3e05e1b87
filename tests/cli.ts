/** Test helpers: run the project's scripts as a user would, and read the reference run. */

import assert from "node:assert/strict";
import { parse } from "csv-parse/sync";

/** The project's root folder. */
export const ROOT = new URL("..", import.meta.url).pathname;

/** The reference run's folder: the tables of the Pathway article, kept in `examples/reference/`. */
export const REFERENCE_DIR = `${ROOT}examples/reference/`;

/** What a finished command printed. */
export interface Ran {
  code: number;
  stdout: string;
  stderr: string;
}

/** How long {@linkcode sh} lets a command run unless told otherwise, in ms. */
export const SH_TIMEOUT_MS = 120_000;

/** Options of {@linkcode sh}. */
export interface ShOptions {
  /** Kill the command and fail after this many ms (default {@linkcode SH_TIMEOUT_MS}). */
  readonly timeoutMs?: number;
}

/**
 * Runs `sh -c script` in `cwd` and collects its output. The command runs in a session of its
 * own: after `timeoutMs` every process of it (a pipeline's too) is killed, and `sh` rejects with
 * the command and its standard error so far, so that no test waits forever on a child.
 */
export async function sh(
  script: string,
  cwd: string = ROOT,
  options: ShOptions = {},
): Promise<Ran> {
  const timeoutMs = options.timeoutMs ?? SH_TIMEOUT_MS;
  const child = new Deno.Command("setsid", {
    args: ["sh", "-c", script],
    cwd,
    stdin: "null",
    stdout: "piped",
    stderr: "piped",
    env: { NO_COLOR: "1" },
  }).spawn();
  const collect = async (stream: ReadableStream<Uint8Array>, into: string[]) => {
    for await (const chunk of stream.pipeThrough(new TextDecoderStream())) into.push(chunk);
  };
  const stdout: string[] = [];
  const stderr: string[] = [];
  const read = Promise.all([collect(child.stdout, stdout), collect(child.stderr, stderr)]);
  let timer: ReturnType<typeof setTimeout> | undefined;
  const timedOut = new Promise<"timeout">((resolve) => {
    timer = setTimeout(() => resolve("timeout"), timeoutMs);
  });
  const status = await Promise.race([child.status, timedOut]);
  clearTimeout(timer);
  if (status === "timeout") {
    try {
      Deno.kill(-child.pid, "SIGKILL"); // the whole session: sh and everything it started
    } catch {
      // gone already
    }
    await child.status;
    await read.catch(() => {});
    throw new Error(
      `timed out after ${timeoutMs} ms (killed): ${script}\n` +
        `--- its standard error so far ---\n${stderr.join("") || "(empty)"}`,
    );
  }
  await read;
  return { code: status.code, stdout: stdout.join(""), stderr: stderr.join("") };
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
