/**
 * librdkafka's idempotent producer: text messages to one partition of a topic, in order, each
 * written once — also across an outage, which librdkafka rides out by itself for up to
 * `message.timeout.ms` (5 minutes), sending what it holds again once the broker is back.
 *
 * @module
 */

import { KafkaClient } from "./client.ts";
import { explain, KafkaError, needsPerson } from "./errors.ts";
import { cBytes, type LibrdkafkaError, MSG_F_COPY, type Rd } from "./native.ts";
import type { KafkaSettings } from "./settings.ts";

const encoder = new TextEncoder();

/** `rd_kafka_message_t`'s size, and the byte offsets of its payload, len and err fields. */
const MESSAGE = { size: 72, payload: 24, len: 32 };

/**
 * Hands `values` to librdkafka for `partition` of the topic `rkt`, in order (`rd_kafka_produce_batch`,
 * librdkafka copying each payload). Returns how many it took: fewer when its queue is full
 * (then the caller waits for deliveries and hands over the rest).
 */
export function enqueue(
  rd: Rd,
  rkt: Deno.PointerObject,
  partition: number,
  values: readonly string[],
): number {
  if (values.length === 0) return 0;
  const payloads = values.map((value) => encoder.encode(value));
  let total = 0;
  for (const p of payloads) total += p.length;
  const bytes = new Uint8Array(Math.max(1, total));
  const messages = new Uint8Array(MESSAGE.size * values.length);
  const view = new DataView(messages.buffer);
  const base = BigInt(Deno.UnsafePointer.value(Deno.UnsafePointer.of(bytes)));
  let at = 0;
  for (let i = 0; i < payloads.length; i++) {
    bytes.set(payloads[i], at);
    view.setBigUint64(MESSAGE.size * i + MESSAGE.payload, base + BigInt(at), true);
    view.setBigUint64(MESSAGE.size * i + MESSAGE.len, BigInt(payloads[i].length), true);
    at += payloads[i].length;
  }
  return rd.rd_kafka_produce_batch(rkt, partition, MSG_F_COPY, messages, values.length);
}

/** What a {@linkcode KafkaProducer} tells its user while it waits (all optional). */
export interface ProducerEvents {
  /** librdkafka is fetched, once. */
  fetchingLibrary?(what: string): void;
  /** No broker answers: librdkafka keeps the messages and tries again. */
  connectionLost?(reason: string): void;
  /** Messages are delivered again, after `ms`. */
  connectionBack?(ms: number): void;
}

/**
 * A producer that sends text messages to one partition of a topic. librdkafka's idempotent
 * producer: the broker keeps the producer's id and sequence numbers, so what librdkafka sends
 * again after an answer was lost is written once, and messages stay in order.
 *
 * @example
 * ```ts ignore
 * const producer = await KafkaProducer.open(settings);
 * await producer.send("linear-regression", ["x,y"]);
 * await producer.close();
 * ```
 */
export class KafkaProducer {
  readonly #client: KafkaClient;
  readonly #events: ProducerEvents;
  readonly #topics = new Map<string, Deno.PointerObject>();
  #lostAt: number | undefined;

  private constructor(client: KafkaClient, events: ProducerEvents) {
    this.#client = client;
    this.#events = events;
  }

  /**
   * Makes the producer and checks that a broker answers (the address, the protocol and the
   * credentials are right).
   *
   * @throws {KafkaError} when no broker answers, or one refuses the client.
   */
  static async open(settings: KafkaSettings, events: ProducerEvents = {}): Promise<KafkaProducer> {
    const client = await KafkaClient.open({
      kind: "producer",
      settings,
      library: { fetching: events.fetchingLibrary },
    });
    try {
      await client.answered(
        "connecting the producer",
        (ms) => client.connected(ms),
        () => client.events().errors,
      );
    } catch (e) {
      await client.close();
      throw e;
    }
    return new KafkaProducer(client, events);
  }

  /**
   * Sends `values`, in order, to `partition` of `topic`, and resolves once the broker has them
   * all. While no broker answers it waits (and says so), as long as librdkafka keeps the
   * messages (`message.timeout.ms`).
   *
   * @throws {KafkaError} when messages could not be delivered, or the producer failed.
   */
  async send(topic: string, values: readonly string[], partition = 0): Promise<void> {
    const rd = this.#client.rd;
    const rkt = this.#topic(topic);
    const doing = `sending to topic "${topic}"`;
    for (let at = 0; at < values.length;) {
      at += enqueue(rd, rkt, partition, values.slice(at));
      if (at < values.length) await this.#delivered(doing, 100); // librdkafka's queue is full
    }
    while (!(await this.#delivered(doing, 500)));
  }

  /**
   * Waits up to `ms` for every message handed over to be delivered; true when they are.
   *
   * @throws {KafkaError} when a message could not be delivered or the producer failed.
   */
  async #delivered(doing: string, ms: number): Promise<boolean> {
    const client = this.#client;
    const code = await client.request(client.rd.rd_kafka_flush(client.handle, ms));
    const { errors, undelivered } = client.events();
    const failed: LibrdkafkaError | undefined = undelivered[0] ??
      errors.find((e) => e.fatal || needsPerson(e));
    if (failed !== undefined) throw explain(failed, client.settings, doing);
    if (errors.length > 0 && this.#lostAt === undefined) {
      this.#lostAt = Date.now();
      this.#events.connectionLost?.(explain(errors[0], client.settings, doing).message);
    }
    if (code !== 0) return false;
    if (this.#lostAt !== undefined) {
      this.#events.connectionBack?.(Date.now() - this.#lostAt);
      this.#lostAt = undefined;
    }
    return true;
  }

  #topic(name: string): Deno.PointerObject {
    let rkt = this.#topics.get(name);
    if (rkt === undefined) {
      rkt = this.#client.rd.rd_kafka_topic_new(this.#client.handle, cBytes(name), null)!;
      this.#topics.set(name, rkt);
    }
    return rkt;
  }

  /** Lets go of librdkafka (messages not yet delivered are dropped: send waits for them). */
  async close(): Promise<void> {
    for (const rkt of this.#topics.values()) this.#client.rd.rd_kafka_topic_destroy(rkt);
    this.#topics.clear();
    await this.#client.close();
  }
}

export { KafkaError };
