/**
 * The child processes of the end-to-end benchmark (`scripts/bench_e2e.ts`): every one is
 * registered, so that a benchmark that fails or is stopped leaves none behind ({@linkcode killAll});
 * every wait has a time limit; whole processes are measured under `/usr/bin/time`.
 *
 * @module
 */

import { killTree, withTimeout } from "../../testing/timeout.ts";

/** Says what the benchmark is doing, on standard error (the report goes to standard output). */
export function log(line: string): void {
  console.error(`bench: ${line}`);
}

/** GNU time, for the peak RSS and CPU seconds of a whole process. */
export const TIME = "/usr/bin/time";

const live = new Set<Deno.ChildProcess>();
let stopping = false;

/**
 * Spawns `command` (standard input closed unless asked for) and registers it until it exits.
 * Throws once {@linkcode killAll} was called: the benchmark is stopping.
 */
export function spawn(command: string, options: Deno.CommandOptions): Deno.ChildProcess {
  if (stopping) throw new Error(`not starting ${command}: the benchmark is stopping`);
  const child = new Deno.Command(command, { stdin: "null", ...options }).spawn();
  live.add(child);
  child.status.then(() => live.delete(child), () => live.delete(child));
  return child;
}

/** Kills every registered process that still runs, and its descendants; spawns no more. */
export function killAll(): void {
  stopping = true;
  for (const child of live) killTree(child.pid);
}

/** This moment in ms since the epoch, to a fraction of a ms (as Kafka timestamps count). */
export function now(): number {
  return performance.timeOrigin + performance.now();
}

/** Resolves with `promise`, or rejects with "`what`: no answer after `ms` ms". */
export function within<T>(promise: Promise<T>, ms: number, what: string): Promise<T> {
  return withTimeout(promise, ms, what);
}

/** All of `stream` as text (an empty string for none). */
export function text(stream: ReadableStream<Uint8Array> | null): Promise<string> {
  return stream === null ? Promise.resolve("") : new Response(stream).text();
}

/** The last `lines` lines of `text`, for error messages. */
export function tail(text: string, lines = 15): string {
  return text.trimEnd().split("\n").slice(-lines).join("\n") || "(nothing)";
}

/**
 * Calls `onLine` with each line of `stream` and the time (epoch ms, {@linkcode now}) the chunk
 * holding its end was read: the arrival of the line at this process.
 */
export async function eachLine(
  stream: ReadableStream<Uint8Array>,
  onLine: (line: string, at: number) => void,
): Promise<void> {
  const decoder = new TextDecoder();
  let rest = "";
  for await (const chunk of stream) {
    const at = now();
    const lines = (rest + decoder.decode(chunk, { stream: true })).split("\n");
    rest = lines.pop() ?? "";
    for (const line of lines) onLine(line, at);
  }
  if (rest !== "") onLine(rest, now());
}

/**
 * Resolves once `ready()` holds, asking every 20 ms; rejects after `ms`, when `signal` aborts, or
 * as soon as one of `children` exits (it would never come).
 */
export async function waitUntil(
  ready: () => boolean | Promise<boolean>,
  options: { ms: number; what: string; children?: Deno.ChildProcess[]; signal?: AbortSignal },
): Promise<void> {
  const deadline = performance.now() + options.ms;
  let exited: string | undefined;
  for (const child of options.children ?? []) {
    child.status.then(({ code }) => exited ??= `process ${child.pid} exited (code ${code})`);
  }
  while (!(await ready())) {
    if (options.signal?.aborted) throw new Error(`${options.what}: stopped`);
    if (exited !== undefined) throw new Error(`${options.what}: ${exited} first`);
    if (performance.now() > deadline) {
      throw new Error(`${options.what}: not after ${Math.round(options.ms / 1000)} s`);
    }
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

/** Counts the lines of a file as it grows, reading only what was appended since the last call. */
export class GrowingFile {
  readonly #path: string;
  readonly #buffer = new Uint8Array(1 << 20);
  #file: Deno.FsFile | undefined;
  #lines = 0;

  /** Follows `path` (which need not exist yet). */
  constructor(path: string) {
    this.#path = path;
  }

  /** The newline characters the file holds now. */
  async lines(): Promise<number> {
    this.#file ??= await Deno.open(this.#path).catch(() => undefined);
    if (this.#file === undefined) return 0;
    for (let n = await this.#file.read(this.#buffer); n !== null && n > 0;) {
      for (let i = this.#buffer.indexOf(10); i >= 0 && i < n; i = this.#buffer.indexOf(10, i + 1)) {
        this.#lines++;
      }
      n = await this.#file.read(this.#buffer);
    }
    return this.#lines;
  }

  /** Closes the file. */
  close(): void {
    this.#file?.close();
    this.#file = undefined;
  }
}

/** What `/usr/bin/time` and our clock say of one whole process. */
export interface Usage {
  /** Seconds from spawn to the exit (or to the moment `until` said it was done). */
  readonly wall: number;
  /** User + system CPU seconds, its threads included. */
  readonly cpu: number;
  /** Peak resident set size, MiB. */
  readonly peakMiB: number;
}

/** A measured run: its usage, output and command. */
export interface Measured extends Usage {
  /** Standard output ("" when not piped). */
  readonly stdout: string;
  /** Standard error. */
  readonly stderr: string;
}

/** Options of {@linkcode measured}. */
export interface MeasureOptions {
  /** Working directory. */
  readonly cwd: string;
  /** More environment variables. */
  readonly env?: Record<string, string>;
  /** Standard output: kept (default) or thrown away. */
  readonly stdout?: "piped" | "null";
  /** The limit of the whole run, ms: past it the process is killed and the run fails. */
  readonly timeoutMs: number;
  /**
   * For a process that runs until stopped: resolves when its work is done; the wall time ends
   * there and the process is then sent SIGTERM. The signal aborts when the process exits first
   * (a failure: it stopped before its work was done).
   */
  readonly until?: (signal: AbortSignal) => Promise<void>;
}

/**
 * Runs `cmd` to its end under `/usr/bin/time` and measures it. Throws, saying why and with the end
 * of its standard error, when it exits with a status other than 0, exits before `until`, or
 * runs past the time limit (then it is killed).
 */
export async function measured(cmd: readonly string[], options: MeasureOptions): Promise<Measured> {
  const report = `${options.cwd}/.time-${crypto.randomUUID()}`;
  const start = performance.now();
  const child = spawn(TIME, {
    args: ["-f", "%e %U %S %M", "-o", report, ...cmd],
    cwd: options.cwd,
    env: options.env,
    stdout: options.stdout ?? "piped",
    stderr: "piped",
  });
  const stdout = options.stdout === "null" ? Promise.resolve("") : text(child.stdout);
  const stderr = text(child.stderr);
  const name = cmd.slice(0, 4).join(" ");
  const failed = async (why: string) =>
    new Error(`${name} … ${why}; its standard error ends:\n${tail(await stderr)}`);
  let wall: number;
  let status: Deno.CommandStatus;
  try {
    if (options.until !== undefined) {
      const gone = new AbortController();
      child.status.then(() => gone.abort());
      await within(options.until(gone.signal), options.timeoutMs, `${name} …`).catch(
        async (e: Error) => {
          throw gone.signal.aborted
            ? await failed(`exited (code ${(await child.status).code}) before it was done`)
            : e;
        },
      );
      wall = (performance.now() - start) / 1000;
      terminate(child, "SIGTERM");
      status = await exited(child, 30_000, `${name} … to stop after SIGTERM`);
    } else {
      status = await within(child.status, options.timeoutMs, `${name} … to finish`);
      wall = (performance.now() - start) / 1000;
      if (!status.success) throw await failed(`exited with code ${status.code}`);
    }
  } catch (e) {
    killTree(child.pid);
    await child.status;
    await Deno.remove(report).catch(() => {});
    throw e;
  }
  const [, user, system, kib] = (await Deno.readTextFile(report)).trim().split("\n").at(-1)!
    .split(" ").map(Number);
  await Deno.remove(report);
  return {
    wall,
    cpu: user + system,
    peakMiB: kib / 1024,
    stdout: await stdout,
    stderr: await stderr,
  };
}

/** Sends `signal` to the processes that `/usr/bin/time` runs (time itself would die of it). */
function terminate(child: Deno.ChildProcess, signal: Deno.Signal): void {
  let pids: number[] = [];
  try {
    pids = Deno.readTextFileSync(`/proc/${child.pid}/task/${child.pid}/children`).trim()
      .split(/\s+/).filter((p) => p !== "").map(Number);
  } catch {
    return; // gone already
  }
  for (const pid of pids) {
    try {
      Deno.kill(pid, signal);
    } catch {
      // gone meanwhile
    }
  }
}

/**
 * Waits for `child` to exit, for up to `ms`; then kills it with its descendants and throws
 * "`what`: no answer after `ms` ms".
 */
export async function exited(
  child: Deno.ChildProcess,
  ms: number,
  what: string,
): Promise<Deno.CommandStatus> {
  try {
    return await within(child.status, ms, what);
  } catch (e) {
    killTree(child.pid);
    await child.status;
    throw e;
  }
}

/** Sends `child` SIGTERM and waits for it to exit (SIGKILL after 30 s). */
export async function stop(child: Deno.ChildProcess, what: string): Promise<Deno.CommandStatus> {
  try {
    child.kill("SIGTERM");
  } catch {
    // exited already
  }
  return await exited(child, 30_000, `${what} to stop after SIGTERM`);
}

/**
 * Runs `script` with `sh -c` to its end within `ms`; throws with its standard error when it
 * fails or takes longer (then it is killed, with its pipeline).
 */
export async function shell(script: string, ms: number, what: string): Promise<void> {
  const child = spawn("sh", { args: ["-c", script], stdout: "null", stderr: "piped" });
  const stderr = text(child.stderr);
  const status = await exited(child, ms, what);
  if (!status.success) {
    throw new Error(`${what} failed (code ${status.code}): ${script}\n${tail(await stderr)}`);
  }
}
