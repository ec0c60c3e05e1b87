/**
 * A buffered text sink: text is appended in memory and written with one write per flush, so a
 * million commits do not mean millions of write system calls.
 *
 * @module
 */

/** Where a sink writes: a file path, or `-` for standard output. */
export type SinkTarget = string;

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
  readonly #writer: Deno.FsFile | typeof Deno.stdout;
  readonly #encoder = new TextEncoder();
  #chunks: string[] = [];

  /** Whether the sink starts empty (a new or truncated file, or standard output). */
  readonly fresh: boolean;

  private constructor(writer: Deno.FsFile | typeof Deno.stdout, fresh: boolean) {
    this.#writer = writer;
    this.fresh = fresh;
  }

  /**
   * Opens `target` for writing: `-` is standard output, anything else a file path, truncated
   * unless `append` is set and the file already holds something.
   */
  static async open(target: SinkTarget, append = false): Promise<Sink> {
    if (target === "-") return new Sink(Deno.stdout, true);
    const size = append ? await Deno.stat(target).then((s) => s.size, () => 0) : 0;
    const resume = size > 0;
    const file = await Deno.open(target, {
      write: true,
      create: true,
      truncate: !resume,
      append: resume,
    });
    return new Sink(file, !resume);
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
    while (bytes.length > 0) bytes = bytes.subarray(await this.#writer.write(bytes));
  }

  /** Flushes, and closes the file (standard output stays open). */
  async close(): Promise<void> {
    await this.flush();
    if (this.#writer !== Deno.stdout) this.#writer.close();
  }
}
