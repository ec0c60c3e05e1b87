/**
 * The topics of the end-to-end benchmark (`scripts/bench_e2e.ts`): created with one partition and
 * `message.timestamp.type=LogAppendTime` (each message's timestamp is the broker's time of append,
 * whatever the producer batched), filled with kcat, read back with kcat, deleted at the end.
 *
 * @module
 */

import { noisyLine, REFERENCE } from "../../lib/noisy_line.ts";
import { createTopic, deleteTopic, topicOffsets } from "../../testing/topics.ts";
import { shell, spawn, tail, text, within } from "./process.ts";
import { quote } from "./report.ts";

/** The protocol's commit marker. */
export const COMMIT = "*COMMIT*";

/** How long an admin request or a short kcat call may take, ms. */
const SHORT_MS = 60_000;

/** The benchmark's topics on one broker. */
export class Topics {
  readonly #bootstrap: string;
  readonly #timeoutMs: number;
  readonly #created: string[] = [];

  /** Topics on `bootstrap`; a fill may take up to `timeoutMs`. */
  constructor(bootstrap: string, timeoutMs: number) {
    this.#bootstrap = bootstrap;
    this.#timeoutMs = timeoutMs;
  }

  /** Creates `topic` (one partition, LogAppendTime); throws if it exists. */
  async create(topic: string): Promise<void> {
    await createTopic(this.#bootstrap, topic, 1, { "message.timestamp.type": "LogAppendTime" });
    this.#created.push(topic);
  }

  /** Deletes the topics {@linkcode create} made (for a broker that outlives the benchmark). */
  async deleteAll(): Promise<void> {
    for (const topic of this.#created.splice(0)) await deleteTopic(this.#bootstrap, topic);
  }

  /** The kcat command that writes standard input's lines to `topic`, one message each. */
  kcatProducer(topic: string): string {
    return `kcat -P -b ${this.#bootstrap} -t ${topic} -p 0`;
  }

  /** Writes `lines`, one message each. */
  async send(topic: string, lines: readonly string[]): Promise<void> {
    const body = lines.join("\n").replaceAll("'", "'\\''");
    await shell(`printf '%s\\n' '${body}' | ${this.kcatProducer(topic)}`, SHORT_MS, "kcat -P");
  }

  /**
   * Creates `topic` and fills it with the producer's run: the header, then `rows` rows each
   * followed by `*COMMIT*` (`producer`, the command that runs producer.ts, with `--stdout`, piped
   * into kcat). Returns the command.
   */
  async fillCsv(topic: string, rows: number, producer: readonly string[]): Promise<string> {
    await this.create(topic);
    const args = [
      "--stdout",
      "--count",
      String(rows),
      "--interval-ms",
      "0",
      "--header-delay-ms",
      "0",
    ];
    const command = `${quote([...producer, ...args])} | ${this.kcatProducer(topic)}`;
    await shell(command, this.#timeoutMs, `filling ${topic}`);
    await this.#holds(topic, 2 * rows + 1);
    return command;
  }

  /** Creates `topic` and fills it with `rows` JSON rows `{"x":i,"y":…}` (the producer's values). */
  async fillJson(topic: string, rows: number): Promise<void> {
    await this.create(topic);
    const kcat = spawn("sh", {
      args: ["-c", this.kcatProducer(topic)],
      stdin: "piped",
      stdout: "null",
      stderr: "piped",
    });
    const stderr = text(kcat.stderr);
    const writing = (async () => {
      const writer = kcat.stdin.getWriter();
      const encoder = new TextEncoder();
      let chunk: string[] = [];
      for (const [x, y] of noisyLine({ ...REFERENCE, count: rows })) {
        chunk.push(`{"x":${x},"y":${y}}\n`);
        if (chunk.length >= 16384) {
          await writer.write(encoder.encode(chunk.join("")));
          chunk = [];
        }
      }
      await writer.write(encoder.encode(chunk.join("")));
      await writer.close();
      return await kcat.status;
    })();
    const status = await within(writing, this.#timeoutMs, `filling ${topic}`);
    if (!status.success) throw new Error(`kcat -P failed: ${tail(await stderr)}`);
    await this.#holds(topic, rows);
  }

  /** The Kafka timestamps (ms) of the `*COMMIT*` messages of `topic`, in order. */
  async commitStamps(topic: string): Promise<number[]> {
    const kcat = spawn("kcat", {
      args: [
        ...["-C", "-b", this.#bootstrap, "-t", topic, "-p", "0", "-o", "beginning", "-e", "-q"],
        ...["-f", "%T %s\n"],
      ],
      stdout: "piped",
      stderr: "piped",
    });
    const [out, err, status] = await within(
      Promise.all([text(kcat.stdout), text(kcat.stderr), kcat.status]),
      this.#timeoutMs,
      `reading back ${topic}`,
    );
    if (!status.success) throw new Error(`kcat -C ${topic} failed: ${tail(err)}`);
    const stamps: number[] = [];
    for (const line of out.split("\n")) {
      const space = line.indexOf(" ");
      if (line.slice(space + 1) === COMMIT) stamps.push(Number(line.slice(0, space)));
    }
    return stamps;
  }

  /** Throws unless `topic` holds exactly `messages` messages. */
  async #holds(topic: string, messages: number): Promise<void> {
    const offsets = await topicOffsets(this.#bootstrap, topic);
    const held = offsets.reduce((n, p) => n + p.high - p.low, 0);
    if (held !== messages) {
      throw new Error(`${topic} holds ${held} messages after the fill, not ${messages}`);
    }
  }
}
