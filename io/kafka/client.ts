/**
 * The Kafka adapter: the only module that imports kafkajs (unmaintained upstream since 2023, so
 * the seam stays narrow). It turns validated {@linkcode KafkaSettings} into a kafkajs client, a
 * topic into an `AsyncIterable` of message batches with explicit acknowledgement, and offers a
 * batched producer. Errors come out as {@linkcode KafkaError}s that say what to do.
 *
 * @module
 */

import type { Consumer, EachBatchPayload, Kafka, KafkaConfig, Producer } from "kafkajs";
import process from "node:process";
import type { Message } from "../../lib/protocol.ts";
import type { KafkaSettings } from "./settings.ts";

// kafkajs sometimes schedules a timer with a negative delay (it fires at once, as intended);
// Deno's Node layer then prints a TimeoutNegativeWarning on stderr. Only that warning is muted.
const emitWarning = process.emitWarning;
process.emitWarning = function (warning: string | Error, ...rest: unknown[]): void {
  const type = typeof rest[0] === "string" ? rest[0] : (rest[0] as { type?: string })?.type;
  if (type === "TimeoutNegativeWarning") return;
  (emitWarning as (...args: unknown[]) => void).call(process, warning, ...rest);
} as typeof process.emitWarning;

let kafkajs: Promise<typeof import("kafkajs")> | undefined;

/**
 * kafkajs, loaded on first use. It reads a few environment variables (NODE_ENV, KAFKAJS_*) when
 * it loads, which would make Deno ask for env permissions the user never meant to give; so
 * `process.env` first becomes a view that answers only for variables Deno may already read.
 */
function loadKafkajs(): Promise<typeof import("kafkajs")> {
  if (kafkajs === undefined) {
    const env = process.env;
    const readable = (name: string) =>
      Deno.permissions.querySync({ name: "env", variable: name }).state === "granted";
    // The target is a plain object: a Proxy's invariant checks would otherwise query the real
    // environment for every name.
    process.env = new Proxy({}, {
      get: (_, name) => typeof name === "string" && readable(name) ? env[name] : undefined,
      has: (_, name) => typeof name === "string" && readable(name) && name in env,
    });
    kafkajs = import("kafkajs");
  }
  return kafkajs;
}

async function client(settings: KafkaSettings, ca: string | undefined): Promise<Kafka> {
  const { Kafka } = await loadKafkajs();
  return new Kafka(kafkaConfig(settings, ca));
}

/** A Kafka failure explained for a person: what happened, where, and what to try. */
export class KafkaError extends Error {
  /**
   * Whether trying again later may succeed: the broker could not be reached or was not ready
   * (an outage, a restart, a leader election). False for authentication, authorisation, TLS,
   * permission and configuration failures, which only the user can fix.
   */
  readonly transient: boolean;

  /** Makes the error; `cause` keeps kafkajs's own error for debugging. */
  constructor(message: string, options?: { cause?: unknown; transient?: boolean }) {
    super(message, { cause: options?.cause });
    this.name = "KafkaError";
    this.transient = options?.transient ?? false;
  }
}

/**
 * The kafkajs configuration of `settings`; `ca` is the PEM text of `ssl.ca.location`, read by the
 * caller. kafkajs logs nothing: failures reach the caller as {@linkcode KafkaError}s.
 */
export function kafkaConfig(settings: KafkaSettings, ca?: string): KafkaConfig {
  const tls = settings.securityProtocol === "ssl" || settings.securityProtocol === "sasl_ssl";
  const config: KafkaConfig = {
    clientId: settings.clientId,
    brokers: [...settings.brokers],
    ssl: tls ? (ca !== undefined ? { ca: [ca] } : true) : false,
    logLevel: 0, // NOTHING
    connectionTimeout: 5000,
    retry: { retries: 3, initialRetryTime: 300, maxRetryTime: 3000 },
  };
  if (settings.sasl !== undefined) {
    const { username, password } = settings.sasl;
    const mechanism = settings.sasl.mechanism;
    config.sasl = mechanism === "PLAIN"
      ? { mechanism: "plain", username, password }
      : mechanism === "SCRAM-SHA-256"
      ? { mechanism: "scram-sha-256", username, password }
      : { mechanism: "scram-sha-512", username, password };
  }
  return config;
}

/** Kafka errors that trying again cannot cure: authorisation, bad requests, configuration. */
const FATAL =
  /AUTHORIZATION|Not authorized|INVALID_|TOO_LARGE|UNSUPPORTED|POLICY_VIOLATION|ServerDoesNotSupportApiKey|NotImplemented|InvariantViolation/i;

/**
 * Explains a kafkajs failure: the broker address, the user (never the password), and what to
 * try.
 */
export function explain(error: unknown, settings: KafkaSettings, doing: string): KafkaError {
  if (error instanceof KafkaError) return error;
  const texts: string[] = [];
  for (let e: unknown = error; e instanceof Error && texts.length < 8; e = e.cause) {
    const { code, type } = e as { code?: unknown; type?: unknown };
    texts.push(`${e.name}: ${e.message}`, String(code ?? ""), String(type ?? ""));
    const original = (e as { originalError?: unknown }).originalError;
    if (original instanceof Error) texts.push(`${original.name}: ${original.message}`);
  }
  const all = texts.join(" | ");
  const where = settings.brokers.join(",");
  const password = settings.sasl?.password;
  const safe = (text: string) => password ? text.replaceAll(password, "********") : text;
  let message: string;
  let transient = false;
  if (/SASL|[Aa]uthentication failed|SaslAuthenticate|Authentication/.test(all)) {
    message = `${doing}: SASL authentication failed at ${where} for user ` +
      `"${settings.sasl?.username}" (${settings.sasl?.mechanism}). Check sasl.username and the ` +
      `password (KAFKA_SASL_PASSWORD or -X sasl.password=…), and sasl.mechanism.`;
  } else if (/certificate|UnknownIssuer|self[- ]signed|CERT_|TLS|tls|handshake/i.test(all)) {
    message = `${doing}: the TLS connection to ${where} failed: the broker's certificate is not ` +
      `trusted (or not for this address). Point ssl.ca.location at the PEM file of the CA that ` +
      `signed it (-X ssl.ca.location=ca.pem).`;
  } else if (
    /ECONNREFUSED|Connection refused|ConnectionRefused|ENOTFOUND|EHOSTUNREACH|Connection timeout|ETIMEDOUT|Connection error|Failed to connect|NotFound|dns error/i
      .test(all)
  ) {
    message = `${doing}: cannot reach the Kafka broker at ${where}. Is Kafka running there, and ` +
      `is security.protocol right? For a local broker to try with, run: deno task kafka`;
    transient = true;
  } else if (/NotCapable|Requires net access|PermissionDenied/.test(all)) {
    message = `${doing}: Deno has no permission to connect to ${where}: run with ` +
      `--allow-net (e.g. --allow-net=${
        settings.brokers.join(",")
      } plus the brokers it advertises).`;
  } else {
    message = `${doing}: Kafka at ${where} failed: ${texts[0] ?? String(error)}`;
    transient = !FATAL.test(all);
  }
  return new KafkaError(safe(message), { cause: error, transient });
}

/** Options of {@linkcode KafkaSource.open}. */
export interface SourceOptions {
  /** The topic to read. */
  readonly topic: string;
  /** An empty batch is yielded after this many milliseconds without a message. */
  readonly tickMs: number;
  /** Called once if the topic does not exist yet: the source waits for it. */
  readonly onWaitingForTopic?: () => void;
  /** Called with the topic's partition count when it has more than one. */
  readonly onManyPartitions?: (count: number) => void;
}

/** Where a delivered batch stands: see {@linkcode KafkaSource.mark}. */
export interface AckPoint {
  /** The batch's partition; undefined for the empty batch of a tick. */
  readonly partition?: number;
  /** The offsets of the batch's messages. */
  readonly offsets: readonly string[];
  /** Per partition, the offset of the last message delivered, this batch included. */
  readonly consumed: ReadonlyMap<number, string>;
}

interface Delivery {
  readonly partition: number;
  readonly offsets: readonly string[];
  readonly messages: Message[];
  readonly done: () => void;
}

/**
 * A topic as an `AsyncIterable` of message batches (one kafkajs `eachBatch` each, or `[]` when
 * `tickMs` passed without a message). Asking for the next batch means the previous one was
 * processed. Offsets are committed only by {@linkcode KafkaSource.acknowledge}: up to a
 * `*COMMIT*` message, so that rows still pending are read again after a restart, with the
 * pipeline's checkpoint as the offset commit's metadata.
 *
 * @example
 * ```ts ignore
 * const { source, checkpoint } = await KafkaSource.open(settings, undefined, {
 *   topic: "linear-regression",
 *   tickMs: 250,
 * });
 * for await (const batch of source) {
 *   const point = source.mark();
 *   // process the batch, then: await source.acknowledge(point, lastCommitIndex, newCheckpoint);
 * }
 * await source.close();
 * ```
 */
export class KafkaSource implements AsyncIterable<Message[]> {
  readonly #consumer: Consumer;
  readonly #settings: KafkaSettings;
  readonly #topic: string;
  readonly #tickMs: number;
  readonly #queue: Delivery[] = [];
  #wake: (() => void) | undefined;
  #current: Delivery | undefined;
  #stopping = false;
  #failure: KafkaError | undefined;
  /** Per partition, the offset of the last message delivered. */
  readonly #consumed = new Map<number, string>();

  private constructor(consumer: Consumer, settings: KafkaSettings, options: SourceOptions) {
    this.#consumer = consumer;
    this.#settings = settings;
    this.#topic = options.topic;
    this.#tickMs = options.tickMs;
  }

  /**
   * Connects, reads the group's checkpoint (the metadata of its committed offsets, if any) and
   * starts consuming: from the committed offsets, else as `auto.offset.reset` says.
   *
   * @throws {KafkaError} when the broker cannot be reached or refuses the client.
   */
  static async open(
    settings: KafkaSettings,
    ca: string | undefined,
    options: SourceOptions,
  ): Promise<{ source: KafkaSource; checkpoint?: string }> {
    const kafka = await client(settings, ca);
    const checkpoint = await readCheckpoint(kafka, settings, options);
    const consumer = kafka.consumer({
      groupId: settings.groupId,
      sessionTimeout: settings.sessionTimeoutMs,
      heartbeatInterval: settings.heartbeatIntervalMs,
      maxBytes: 16 << 20,
      maxWaitTimeInMs: 100,
    });
    const source = new KafkaSource(consumer, settings, options);
    try {
      await consumer.connect();
      await consumer.subscribe({
        topics: [options.topic],
        fromBeginning: settings.autoOffsetReset === "earliest",
      });
      consumer.on(consumer.events.CRASH, (event) => {
        source.#fail(explain(event.payload.error, settings, `reading topic "${options.topic}"`));
      });
      await consumer.run({
        autoCommit: false,
        eachBatchAutoResolve: false,
        eachBatch: (payload) => source.#deliver(payload),
      });
    } catch (e) {
      await consumer.disconnect().catch(() => {});
      throw explain(e, settings, `reading topic "${options.topic}"`);
    }
    return { source, checkpoint };
  }

  /** Hands a kafkajs batch to the iterator and waits until it was processed (or dropped). */
  async #deliver({ batch, resolveOffset }: EachBatchPayload): Promise<void> {
    if (this.#stopping || batch.messages.length === 0) return;
    const topic = batch.topic;
    const partition = batch.partition;
    await new Promise<void>((done) => {
      this.#queue.push({
        partition,
        offsets: batch.messages.map((m) => m.offset),
        messages: batch.messages.map((m) => ({
          value: m.value?.toString() ?? "",
          position: `${topic}/${partition}@${m.offset}`,
          timestamp: Number(m.timestamp),
        })),
        done,
      });
      this.#wake?.();
    });
    // Moves kafkajs's fetch position on; offsets are committed only by acknowledge().
    if (!this.#stopping) resolveOffset(batch.lastOffset());
  }

  #fail(error: KafkaError): void {
    this.#failure ??= error;
    this.stop();
  }

  /** Ends the iteration after the batch being processed; undelivered batches are dropped. */
  stop(): void {
    this.#stopping = true;
    this.#wake?.();
  }

  /** Batches of messages, `[]` after `tickMs` of silence; ends after {@linkcode stop}. */
  async *[Symbol.asyncIterator](): AsyncGenerator<Message[]> {
    try {
      while (!this.#stopping) {
        if (this.#queue.length === 0) await this.#wait();
        if (this.#stopping) break;
        const delivery = this.#queue.shift();
        if (delivery === undefined) {
          yield [];
          continue;
        }
        this.#current = delivery;
        this.#consumed.set(delivery.partition, delivery.offsets[delivery.offsets.length - 1]);
        yield delivery.messages;
        this.#current = undefined;
        delivery.done();
      }
    } finally {
      this.#release();
    }
    if (this.#failure !== undefined) throw this.#failure;
  }

  /** Waits for a delivery, {@linkcode stop}, or `tickMs`. */
  #wait(): Promise<void> {
    return new Promise<void>((resolve) => {
      const timer = setTimeout(() => {
        this.#wake = undefined;
        resolve();
      }, this.#tickMs);
      this.#wake = () => {
        clearTimeout(timer);
        this.#wake = undefined;
        resolve();
      };
    });
  }

  /** Lets kafkajs go on from every delivery still held (they are not acknowledged). */
  #release(): void {
    this.#current?.done();
    this.#current = undefined;
    for (const delivery of this.#queue.splice(0)) delivery.done();
  }

  /**
   * Where the batch just yielded stands (`[]` batches too), for a later
   * {@linkcode KafkaSource.acknowledge}: batches may be acknowledged after the next ones were
   * delivered.
   */
  mark(): AckPoint {
    const current = this.#current;
    return {
      partition: current?.partition,
      offsets: current?.offsets ?? [],
      consumed: new Map(this.#consumed),
    };
  }

  /**
   * Commits the offsets that a `*COMMIT*` covers, with `checkpoint` as metadata: in the batch at
   * `point`, up to and including its message `index` (−1: all of it, e.g. after an autocommit);
   * in other partitions, every message delivered before it.
   */
  async acknowledge(point: AckPoint, index: number, checkpoint: string): Promise<void> {
    if (!this.#settings.enableAutoCommit) return;
    const next = (offset: string) => String(BigInt(offset) + 1n);
    const offsets = new Map<number, string>();
    for (const [partition, offset] of point.consumed) offsets.set(partition, next(offset));
    if (point.partition !== undefined && index >= 0) {
      offsets.set(point.partition, next(point.offsets[index]));
    }
    try {
      await this.#consumer.commitOffsets(
        [...offsets].map(([partition, offset]) => ({
          topic: this.#topic,
          partition,
          offset,
          metadata: checkpoint,
        })),
      );
    } catch (e) {
      throw explain(e, this.#settings, `committing offsets of topic "${this.#topic}"`);
    }
  }

  /** Disconnects from the broker. */
  async close(): Promise<void> {
    this.stop();
    this.#release();
    await this.#consumer.disconnect().catch(() => {});
  }
}

/**
 * Waits until the topic exists, then reads the checkpoint kept in the metadata of the group's
 * committed offsets, if any.
 */
async function readCheckpoint(
  kafka: Kafka,
  settings: KafkaSettings,
  options: SourceOptions,
): Promise<string | undefined> {
  const topic = options.topic;
  const admin = kafka.admin();
  try {
    await admin.connect();
    for (let waiting = false; !(await admin.listTopics()).includes(topic); waiting = true) {
      if (!waiting) options.onWaitingForTopic?.();
      await new Promise((resolve) => setTimeout(resolve, 300));
    }
    const [metadata] = (await admin.fetchTopicMetadata({ topics: [topic] })).topics;
    const partitions = metadata?.partitions.length ?? 0;
    if (partitions > 1) options.onManyPartitions?.(partitions);
    if (!settings.enableAutoCommit) return undefined;
    const [offsets] = await admin.fetchOffsets({ groupId: settings.groupId, topics: [topic] });
    let best: { commits: number; text: string } | undefined;
    let committed = false;
    for (const { offset, metadata } of offsets?.partitions ?? []) {
      committed ||= Number(offset) >= 0;
      const commits = checkpointCommits(metadata);
      if (commits === undefined || metadata === null) continue;
      if (best === undefined || commits > best.commits) best = { commits, text: metadata };
    }
    if (committed && best === undefined) {
      throw new KafkaError(
        `group "${settings.groupId}" has offsets committed on topic "${topic}" but no ` +
          "kafka-regression checkpoint (another tool's group?): resuming there would miss the " +
          "header and the fit so far. Choose another group: -X group.id=…",
      );
    }
    return best?.text;
  } catch (e) {
    throw explain(e, settings, `reading the offsets of group "${settings.groupId}"`);
  } finally {
    await admin.disconnect().catch(() => {});
  }
}

/** The commit counter of a checkpoint kept as offset metadata, if the metadata is one. */
function checkpointCommits(metadata: string | null): number | undefined {
  try {
    const commits = (JSON.parse(metadata ?? "") as { commits?: unknown })?.commits;
    return typeof commits === "number" ? commits : undefined;
  } catch {
    return undefined;
  }
}

/**
 * A producer that sends text messages to one partition of a topic, in batches. It is kafkajs's
 * idempotent producer (one request in flight): the broker keeps the producer's id and sequence
 * numbers, so a batch sent again after a failure whose answer was lost — with this same producer,
 * before any other batch — is written once, and batches stay in order.
 *
 * @example
 * ```ts ignore
 * const producer = await KafkaProducer.open(settings, undefined);
 * await producer.send("linear-regression", ["x,y"]);
 * await producer.close();
 * ```
 */
export class KafkaProducer {
  readonly #producer: Producer;
  readonly #settings: KafkaSettings;

  private constructor(producer: Producer, settings: KafkaSettings) {
    this.#producer = producer;
    this.#settings = settings;
  }

  /**
   * Connects a producer.
   *
   * @throws {KafkaError} when the broker cannot be reached or refuses the client.
   */
  static async open(settings: KafkaSettings, ca: string | undefined): Promise<KafkaProducer> {
    const producer = (await client(settings, ca)).producer({
      allowAutoTopicCreation: true,
      idempotent: true,
      maxInFlightRequests: 1,
      // kafkajs's idempotent default is to retry forever inside send(); a few quick retries
      // here, and the caller decides how long an outage may last (see KafkaError.transient).
      retry: { retries: 3, initialRetryTime: 200, maxRetryTime: 1000 },
    });
    try {
      await producer.connect();
    } catch (e) {
      await producer.disconnect().catch(() => {});
      throw explain(e, settings, "connecting the producer");
    }
    return new KafkaProducer(producer, settings);
  }

  /**
   * Sends `values`, in order, to `partition` of `topic`, in one request. After a failure that
   * is {@linkcode KafkaError.transient}, sending the same `values` again writes them once.
   *
   * @throws {KafkaError} when the request failed.
   */
  async send(topic: string, values: readonly string[], partition = 0): Promise<void> {
    try {
      await this.#producer.send({
        topic,
        messages: values.map((value) => ({ value, partition })),
      });
    } catch (e) {
      throw explain(e, this.#settings, `sending to topic "${topic}"`);
    }
  }

  /** Disconnects. */
  async close(): Promise<void> {
    await this.#producer.disconnect().catch(() => {});
  }
}
