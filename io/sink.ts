/**
 * A buffered text sink: text is appended in memory, as UTF-8 into one buffer that is reused, and
 * written with one write per flush, so a million commits do not mean millions of write system
 * calls, nor a new buffer each time. A file sink holds an exclusive lock
 * on its file for as long as it is open, so that two runs never write one file.
 *
 * @module
 */

import { TextBytes } from "../lib/text_bytes.ts";

/** Where a sink writes: a file path, or `-` for standard output. */
export type SinkTarget = string;

/** Another process (or another sink of this one) holds the lock on an output file. */
export class SinkLockedError extends Error {
  /** The file. */
  readonly path: string;

  /** Makes the error for `path`. */
  constructor(path: string) {
    super(`${path} is being written by another run (it holds the file's lock)`);
    this.name = "SinkLockedError";
    this.path = path;
  }
}

const CLOSED = "was closed by its reader (broken pipe): nothing more can be written to it";

/**
 * The reader of a sink's pipe went away (`main.ts --output - | head -3`): the sink can take no
 * more. Not a failure of the run: a Unix tool stops quietly, with status 0, when this happens.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { SinkClosedError } from "./sink.ts";
 * const error = new SinkClosedError("-");
 * assert.match(error.message, /^standard output was closed by its reader/);
 * assert.ok(error instanceof SinkClosedError);
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
 * Buffered writes to a file or standard output.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { Sink } from "./sink.ts";
 * const path = await Deno.makeTempFile();
 * const sink = await Sink.open(path);
 * await sink.keep(0);
 * sink.append("a,é\n");
 * await sink.flush();
 * assert.equal(sink.size, 5); // bytes of UTF-8, not characters
 * await sink.close();
 * await Deno.remove(path);
 * ```
 */
export class Sink {
  readonly #target: SinkTarget;
  readonly #writer: Deno.FsFile | typeof Deno.stdout;
  readonly #seekable: boolean;
  readonly #buffer = new TextBytes(1 << 16);
  #closed = false;
  /** How many bytes the file holds once the buffer is flushed (undefined for a stream). */
  #size: number | undefined;

  private constructor(
    target: SinkTarget,
    writer: Deno.FsFile | typeof Deno.stdout,
    size: number | undefined,
  ) {
    this.#target = target;
    this.#writer = writer;
    this.#size = size;
    this.#seekable = size !== undefined;
  }

  /**
   * Opens `target` for writing, keeping what it holds until {@linkcode Sink.keep} says how much
   * of it to keep: `-` is standard output; a device or pipe (`/dev/null`, a FIFO) is written as
   * it is, never cut; anything else is a file, created if missing, and locked.
   *
   * @throws {SinkLockedError} when another run holds the file's lock.
   */
  static async open(target: SinkTarget): Promise<Sink> {
    if (target === "-") return new Sink(target, Deno.stdout, undefined);
    const file = await Deno.open(target, { write: true, create: true });
    const info = await file.stat();
    // A device or a pipe (/dev/null, a FIFO): written to as it is, never cut.
    if (!info.isFile) return new Sink(target, file, undefined);
    if (!(await file.tryLock(true))) {
      file.close();
      throw new SinkLockedError(target);
    }
    return new Sink(target, file, (await file.stat()).size);
  }

  /** Whether the sink is a file, which can be cut back and whose size is known. */
  get seekable(): boolean {
    return this.#seekable;
  }

  /** Whether nothing was written to it yet (a stream always starts fresh). */
  get fresh(): boolean {
    return this.#size === undefined || this.#size === 0;
  }

  /** How many bytes the file holds once the buffer is flushed (undefined for a stream). */
  get size(): number | undefined {
    return this.#size;
  }

  /** Cuts the file back to its first `bytes` bytes (0: empties it); appends after them. */
  async keep(bytes: number): Promise<void> {
    if (!this.#seekable) return;
    const file = this.#writer as Deno.FsFile;
    const kept = Math.min(bytes, this.#size ?? 0);
    await file.truncate(kept);
    await file.seek(kept, Deno.SeekMode.Start);
    this.#size = kept;
  }

  /**
   * Whether the reader of the sink's pipe went away: see {@linkcode SinkClosedError}. Text
   * appended since is dropped.
   */
  get closed(): boolean {
    return this.#closed;
  }

  /** Appends text (or its UTF-8 bytes) to the buffer; not while a flush is under way. */
  append(text: string | Uint8Array): void {
    if (this.#closed) return;
    if (typeof text === "string") this.#buffer.text(text);
    else this.#buffer.bytes(text);
  }

  /**
   * Writes what the buffer holds.
   *
   * @throws {SinkClosedError} when the reader of the pipe went away (once; the sink is then
   * {@linkcode Sink.closed} and later flushes do nothing).
   */
  async flush(): Promise<void> {
    if (this.#buffer.length === 0 || this.#closed) return;
    let bytes = this.#buffer.view();
    if (this.#size !== undefined) this.#size += bytes.length;
    try {
      while (bytes.length > 0) bytes = bytes.subarray(await this.#writer.write(bytes));
    } catch (e) {
      if (!(e instanceof Deno.errors.BrokenPipe)) {
        const where = this.#target === "-" ? "standard output" : this.#target;
        throw new Error(`cannot write ${where}: ${(e as Error).message}`, { cause: e });
      }
      this.#closed = true;
      throw new SinkClosedError(this.#target, { cause: e });
    } finally {
      this.#buffer.clear();
    }
  }

  /** Flushes, and closes the file (standard output stays open). */
  async close(): Promise<void> {
    try {
      await this.flush();
    } finally {
      if (this.#writer !== Deno.stdout) this.#writer.close();
    }
  }
}
