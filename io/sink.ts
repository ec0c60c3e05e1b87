/**
 * A buffered text sink: text is appended in memory and written with one write per flush, so a
 * million commits do not mean millions of write system calls.
 *
 * @module
 */

/** Where a sink writes: a file path, or `-` for standard output. */
export type SinkTarget = string;

const CLOSED = "was closed by its reader (broken pipe): nothing more can be written to it";

/**
 * The reader of a sink's pipe went away (`main.ts --output - | head -3`): the sink can take no
 * more. Not a failure of the run: a Unix tool stops quietly, with status 0, when this happens.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { isSinkClosed, SinkClosedError } from "./sink.ts";
 * const error = new SinkClosedError("-");
 * assert.match(error.message, /^standard output was closed by its reader/);
 * assert.ok(isSinkClosed(error));
 * assert.ok(isSinkClosed(new Error(error.message))); // as it arrives from a worker
 * ```
 */
export class SinkClosedError extends Error {
  /** The sink's target. */
  readonly target: SinkTarget;

  /** Makes the error for `target`; `cause` keeps the write's own error. */
  constructor(target: SinkTarget, options?: { cause?: unknown }) {
    super(`${target === "-" ? "standard output" : target} ${CLOSED}`, options);
    this.name = "SinkClosedError";
    this.target = target;
  }
}

/**
 * Whether `error` is a {@linkcode SinkClosedError} — also when it crossed a worker boundary as
 * an `Error` with only its message kept.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { isSinkClosed } from "./sink.ts";
 * assert.equal(isSinkClosed(new Error("No space left on device (os error 28)")), false);
 * ```
 */
export function isSinkClosed(error: unknown): boolean {
  return error instanceof SinkClosedError ||
    (error instanceof Error && error.message.endsWith(CLOSED));
}

/**
 * Buffered writes to a file (created or truncated) or standard output.
 *
 * @example
 * ```ts
 * import { Sink } from "./sink.ts";
 * const sink = await Sink.open("-");
 * sink.append("a,b,time,diff\n");
 * await sink.flush();
 * ```
 */
export class Sink {
  readonly #target: SinkTarget;
  readonly #writer: Deno.FsFile | typeof Deno.stdout;
  readonly #encoder = new TextEncoder();
  #chunks: string[] = [];
  #closed = false;

  /** Whether the sink starts empty (a new or truncated file, or standard output). */
  readonly fresh: boolean;
  /** How many bytes the file holds once the buffer is flushed (undefined for standard output). */
  #size: number | undefined;
  /** How many bytes a resumed file was missing, if it was shorter than its checkpoint. */
  readonly missing: number;

  private constructor(
    target: SinkTarget,
    writer: Deno.FsFile | typeof Deno.stdout,
    size: number | undefined,
    missing = 0,
  ) {
    this.#target = target;
    this.#writer = writer;
    this.#size = size;
    this.fresh = size === undefined || size === 0;
    this.missing = missing;
  }

  /**
   * Opens `target` for writing: `-` is standard output, a device or pipe is written as it is,
   * anything else is a file path. A file is
   * truncated, unless `resumeAt` is given: then it keeps its first `resumeAt` bytes — what a run
   * had written when it checkpointed, so that rows written after that checkpoint, which the
   * resumed run writes again, are not there twice — and is appended to. `Infinity` keeps it
   * whole.
   */
  static async open(target: SinkTarget, resumeAt?: number): Promise<Sink> {
    if (target === "-") return new Sink(target, Deno.stdout, undefined);
    const info = await Deno.stat(target).catch(() => undefined);
    if (info !== undefined && !info.isFile) {
      // A device or a pipe (/dev/null, a FIFO): written to as it is, never cut.
      return new Sink(target, await Deno.open(target, { write: true }), undefined);
    }
    const size = resumeAt === undefined ? 0 : info?.size ?? 0;
    const keep = Math.min(size, resumeAt ?? 0);
    const file = await Deno.open(target, { write: true, create: true });
    await file.truncate(keep);
    await file.seek(keep, Deno.SeekMode.Start);
    const missing = resumeAt !== undefined && Number.isFinite(resumeAt) ? resumeAt - keep : 0;
    return new Sink(target, file, keep, missing);
  }

  /** How many bytes the file holds once the buffer is flushed (undefined for standard output). */
  get size(): number | undefined {
    return this.#size;
  }

  /**
   * Whether the reader of the sink's pipe went away: see {@linkcode SinkClosedError}. Text
   * appended since is dropped.
   */
  get closed(): boolean {
    return this.#closed;
  }

  /** Appends text to the buffer. */
  append(text: string): void {
    if (text !== "" && !this.#closed) this.#chunks.push(text);
  }

  /**
   * Writes what the buffer holds.
   *
   * @throws {SinkClosedError} when the reader of the pipe went away (once; the sink is then
   * {@linkcode Sink.closed} and later flushes do nothing).
   */
  async flush(): Promise<void> {
    if (this.#chunks.length === 0 || this.#closed) return;
    let bytes = this.#encoder.encode(this.#chunks.join(""));
    this.#chunks = [];
    if (this.#size !== undefined) this.#size += bytes.length;
    try {
      while (bytes.length > 0) bytes = bytes.subarray(await this.#writer.write(bytes));
    } catch (e) {
      if (!(e instanceof Deno.errors.BrokenPipe)) throw e;
      this.#closed = true;
      throw new SinkClosedError(this.#target, { cause: e });
    }
  }

  /** Flushes, and closes the file (standard output stays open). */
  async close(): Promise<void> {
    await this.flush();
    if (this.#writer !== Deno.stdout) this.#writer.close();
  }
}
