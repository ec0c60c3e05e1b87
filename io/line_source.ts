/**
 * A message source over text lines: one message per line of a file or of standard input,
 * delivered in batches (one batch per chunk read), as a Kafka consumer delivers them.
 *
 * @module
 */

import { type MessageBatch, messageBatch } from "../lib/message_batch.ts";

/** How many bytes are read at once: a batch is the lines of one such chunk. */
const CHUNK_BYTES = 1 << 16;

/**
 * Reads `path` (`-` = standard input) as batches of messages, one per line, of partition 0 at
 * offset = line number − 1; a trailing `\r` is dropped; positions read `path:line`
 * (`stdin:line`). A line has no timestamp of its own: each message's timestamp is the time its
 * chunk was read (`Date.now()`).
 *
 * @example
 * ```ts
 * import { readLines } from "./line_source.ts";
 * for await (const batch of readLines("points.txt")) console.log(batch.values.length);
 * ```
 */
export async function* readLines(path: string): AsyncGenerator<MessageBatch> {
  const origin = `${path === "-" ? "stdin" : path}:`;
  const file = path === "-" ? Deno.stdin : await Deno.open(path);
  // One buffer, read into again and again, and a decoder that carries a character cut by a
  // chunk's end over to the next: no stream of chunks is set up, and a chunk's text is dropped
  // as soon as its lines are cut.
  const buffer = new Uint8Array(CHUNK_BYTES);
  const decoder = new TextDecoder();
  let line = 0;
  let rest = "";
  const batch = (lines: string[], cr: boolean): MessageBatch => {
    for (let i = 0; cr && i < lines.length; i++) {
      const text = lines[i];
      if (text.endsWith("\r")) lines[i] = text.slice(0, -1);
    }
    const out = messageBatch(lines, {
      origin,
      lines: true,
      firstOffset: line,
      timestamp: Date.now(),
    });
    line += lines.length;
    return out;
  };
  try {
    for (let read = await file.read(buffer); read !== null; read = await file.read(buffer)) {
      const text = decoder.decode(buffer.subarray(0, read), { stream: true });
      const lines = text.split("\n");
      // The line cut by the last chunk's end: only it is joined (the chunk is not copied whole).
      const cr = rest.includes("\r") || text.includes("\r");
      lines[0] = rest + lines[0];
      rest = lines.pop() ?? "";
      if (lines.length > 0) yield batch(lines, cr);
    }
    rest += decoder.decode();
    if (rest !== "") yield batch([rest], true);
  } finally {
    if (file !== Deno.stdin) file.close();
  }
}
