/**
 * A message source over text lines: one message per line of a file or of standard input,
 * delivered in batches (one batch per chunk read), as a Kafka consumer delivers them.
 *
 * @module
 */

import { type MessageBatch, messageBatch } from "../lib/message_batch.ts";

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
  let line = 0;
  let rest = "";
  const batch = (lines: string[]): MessageBatch => {
    for (let i = 0; i < lines.length; i++) {
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
  for await (const chunk of file.readable.pipeThrough(new TextDecoderStream())) {
    const parts = (rest + chunk).split("\n");
    rest = parts.pop() ?? "";
    if (parts.length > 0) yield batch(parts);
  }
  if (rest !== "") yield batch([rest]);
}
