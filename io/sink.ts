/**
 * A buffered text sink: text is appended in memory and written with one write per flush, so a
 * million commits do not mean millions of write system calls. A file sink holds an exclusive lock
 * on its file for as long as it is open, so that two runs never write one file.
 *
 * @module
 */

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
  readonly #writer: Deno.FsFile | typeof Deno.stdout;
  readonly #encoder = new TextEncoder();
  readonly #seekable: boolean;
  #chunks: string[] = [];
  /** How many bytes the file holds once the buffer is flushed (undefined for a stream). */
  #size: number | undefined;

  private constructor(writer: Deno.FsFile | typeof Deno.stdout, size: number | undefined) {
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
    if (target === "-") return new Sink(Deno.stdout, undefined);
    const info = await Deno.stat(target).catch(() => undefined);
    if (info !== undefined && !info.isFile) {
      return new Sink(await Deno.open(target, { write: true }), undefined);
    }
    const file = await Deno.open(target, { write: true, create: true });
    if (!(await file.tryLock(true))) {
      file.close();
      throw new SinkLockedError(target);
    }
    return new Sink(file, (await file.stat()).size);
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

  /** Appends text to the buffer. */
  append(text: string): void {
    if (text !== "") this.#chunks.push(text);
  }

  /** Writes what the buffer holds. */
  async flush(): Promise<void> {
    if (this.#chunks.length === 0) return;
    let bytes = this.#encoder.encode(this.#chunks.join(""));
    this.#chunks = [];
    if (this.#size !== undefined) this.#size += bytes.length;
    while (bytes.length > 0) bytes = bytes.subarray(await this.#writer.write(bytes));
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
