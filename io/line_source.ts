/**
 * A message source over text lines: one message per line of a file or of standard input,
 * delivered in batches (one batch per chunk read), as a Kafka consumer delivers them.
 *
 * @module
 */

import type { Message } from "../lib/protocol.ts";

/**
 * Reads `path` (`-` = standard input) as batches of messages, one per line; a trailing `\r` is
 * dropped; positions read `path:line` (`stdin:line`). A line has no timestamp of its own: each
 * message's `timestamp` is the time its chunk was read (`Date.now()`).
 *
 * @example
 * ```ts
 * import { readLines } from "./line_source.ts";
 * for await (const batch of readLines("points.txt")) console.log(batch.length);
 * ```
 */
export async function* readLines(path: string): AsyncGenerator<Message[]> {
  const name = path === "-" ? "stdin" : path;
  const file = path === "-" ? Deno.stdin : await Deno.open(path);
  let line = 0;
  let rest = "";
  let timestamp = Date.now();
  const toMessage = (text: string): Message => ({
    value: text.endsWith("\r") ? text.slice(0, -1) : text,
    position: `${name}:${++line}`,
    timestamp,
  });
  for await (const chunk of file.readable.pipeThrough(new TextDecoderStream())) {
    timestamp = Date.now();
    const parts = (rest + chunk).split("\n");
    rest = parts.pop() ?? "";
    if (parts.length > 0) yield parts.map(toMessage);
  }
  if (rest !== "") yield [toMessage(rest)];
}
