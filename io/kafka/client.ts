/**
 * The Kafka adapter: the only module that imports kafkajs (unmaintained upstream since 2023, so
 * the seam stays narrow). It turns validated {@linkcode KafkaSettings} into a kafkajs client, a
 * topic into an `AsyncIterable` of message batches with explicit acknowledgement, and offers a
 * batched producer. Errors come out as {@linkcode KafkaError}s that say what to do.
 *
 * @module
 */

import type {
  Admin,
  Consumer,
  EachBatchPayload,
  Kafka,
  KafkaConfig,
  PartitionOffset,
  Producer,
} from "kafkajs";
import process from "node:process";
import { consumerLag, type PartitionLag } from "../../lib/consumer_lag.ts";
import { type MessageBatch, messageBatch } from "../../lib/message_batch.ts";
import type { Ack, Restore, Source, SourceItem } from "../source.ts";
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
  } else if (
    /before secure TLS connection|Closed connection|wrong version number|InvalidContentType|corrupt message/i
      .test(all)
  ) {
    message = `${doing}: ${where} closed the connection at once: is the port or ` +
      `security.protocol right? This client speaks ${settings.securityProtocol}; a listener of ` +
      "another protocol (TLS or not, SASL or not) hangs up on it.";
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

/** What a {@linkcode KafkaSource} tells its user while it runs (all optional). */
export interface SourceEvents {
  /** The topic does not exist yet: the source waits for it. */
  waitingForTopic?(): void;
  /** The connection to the broker was lost: the source tries again with backoff. */
  connectionLost?(reason: string): void;
  /** The connection is back after `ms`. */
  connectionBack?(ms: number): void;
  /** Records of a partition were deleted before they were read (an error row says so too). */
  skipped?(partition: number, from: number, to: number): void;
  /** This run now reads these partitions (after a rebalance, or at the start). */
  assigned?(partitions: readonly number[], restored: readonly number[]): void;
}

/** Options of {@linkcode KafkaSource.open}. */
export interface SourceOptions {
  /** The topic to read. */
  readonly topic: string;
  /** An empty batch is yielded after this many milliseconds without a message. */
  readonly tickMs: number;
  /** Start the group over: its offsets go back to the beginning, its checkpoints are ignored. */
  readonly reset?: boolean;
  /** Read up to the end offsets seen at the start, then end. */
  readonly untilEnd?: boolean;
  /** Stop waiting for a topic that does not exist after this long (resolves with no source). */
  readonly waitForTopicMs?: number;
  /** Stops the wait for the topic. */
  readonly signal?: AbortSignal;
  /** What to tell the user. */
  readonly events?: SourceEvents;
  /**
   * Publish the change rows to this topic: each acknowledgement's rows, offsets and checkpoints
   * in one transaction, instead of the plain offset commit. The source closes it.
   */
  readonly output?: OutputTopic;
}

/** What {@linkcode KafkaSource.open} found: the source, and the checkpoint to resume from. */
export interface Opened {
  readonly source: KafkaSource;
  /** The newest checkpoint of the group on the topic, if any (and not `reset`). */
  readonly checkpoint?: string;
  /** How many partitions the topic has. */
  readonly partitions: number;
}

interface Delivery {
  readonly item: SourceItem;
  readonly done: () => void;
}

/** What the source knows of a partition whose messages it delivered. */
interface Held {
  /** The offset after the last message delivered (undefined before the first). */
  next: number | undefined;
}

/**
 * A topic as an `AsyncIterable` of items: message batches (one kafkajs `eachBatch` each, or
 * `[]` when `tickMs` passed without a message) and changes of the partitions this member of the
 * consumer group reads. Asking for the next item means the previous one was handed on.
 *
 * - Offsets are committed only by {@linkcode KafkaSource.acknowledge}, with each partition's
 *   checkpoint as the commit's metadata — with an {@linkcode OutputTopic}, in its transaction
 *   together with the change rows.
 * - After a rebalance, a partition this run still reads keeps its state: kafkajs delivers again
 *   from the committed offset, and the pipeline skips what it already took. A partition that
 *   another member moved on (its committed offset is past what this run read) is restored from
 *   its checkpoint; a partition given to another member is dropped.
 * - Records deleted (by retention) before they were read become an error row naming the range.
 * - A lost connection is retried with backoff (kafkajs restarts the consumer); only
 *   authentication, authorisation and configuration errors end the iteration with an error.
 *
 * @example
 * ```ts ignore
 * const { source, checkpoint } = await KafkaSource.open(settings, undefined, {
 *   topic: "linear-regression",
 *   tickMs: 250,
 * });
 * for await (const item of source.items()) {
 *   // hand the item to the runner, then: await source.acknowledge(acks);
 * }
 * await source.close();
 * ```
 */
export class KafkaSource implements Source {
  readonly #admin: Admin;
  readonly #consumer: Consumer;
  readonly #settings: KafkaSettings;
  readonly #topic: string;
  readonly #tickMs: number;
  readonly #events: SourceEvents;
  readonly #output: OutputTopic | undefined;
  readonly #queue: Delivery[] = [];
  readonly #held = new Map<number, Held>();
  #assigned = new Set<number>();
  /** With `untilEnd`: the end offset of each partition, seen at the start. */
  readonly #ends: Map<number, number> | undefined;
  /** Assignment work in progress: deliveries wait for it. */
  #ready: Promise<void> = Promise.resolve();
  #wake: (() => void) | undefined;
  #current: Delivery | undefined;
  #stopping = false;
  #failure: KafkaError | undefined;
  #lostAt: number | undefined;
  /** An acknowledgement that failed while the connection was lost: sent again when it is back. */
  #owed: readonly Ack[] | undefined;
  /** Per partition, the high watermark of its latest fetch (for the consumer lag). */
  readonly #highWatermarks = new Map<number, string>();

  /** What the source is, for messages. */
  readonly name: string;
  /** Kafka delivers messages no commit closed again to the next run. */
  readonly redelivers = true;

  private constructor(
    kafka: Kafka,
    admin: Admin,
    settings: KafkaSettings,
    options: SourceOptions,
    ends: Map<number, number> | undefined,
  ) {
    this.#admin = admin;
    this.#settings = settings;
    this.#topic = options.topic;
    this.#tickMs = options.tickMs;
    this.#events = options.events ?? {};
    this.#output = options.output;
    this.#ends = ends;
    this.name = `topic "${options.topic}"`;
    this.#consumer = kafka.consumer({
      groupId: settings.groupId,
      // A restart after kill -9 waits for the dead member's session to end: the reference's 6 s.
      sessionTimeout: settings.sessionTimeoutMs ?? 6000,
      heartbeatInterval: settings.heartbeatIntervalMs ?? 1000,
      maxBytes: settings.fetchMaxBytes ?? 16 << 20,
      // 256 KiB batches: 700 → 430 MiB peak on a 1 M-row topic at the same speed as kafkajs's
      // 1 MiB (docs/performance.md); each batch is a few thousand messages.
      maxBytesPerPartition: settings.maxPartitionFetchBytes ?? 256 << 10,
      maxWaitTimeInMs: 100,
      retry: { retries: 5, initialRetryTime: 300, maxRetryTime: 3000 },
    });
  }

  /**
   * Connects; waits until the topic exists (resolves to undefined if `waitForTopicMs` passes or
   * `signal` aborts first); reads the group's newest checkpoint (or, with `reset`, starts the
   * group over); and starts consuming: from the committed offsets, else as
   * `auto.offset.reset` says.
   *
   * @throws {KafkaError} when the broker cannot be reached or refuses the client, or the group
   * holds offsets without checkpoints (another tool's group).
   */
  static async open(
    settings: KafkaSettings,
    ca: string | undefined,
    options: SourceOptions,
  ): Promise<Opened | undefined> {
    const kafka = await client(settings, ca);
    const admin = kafka.admin({ retry: { retries: 3, initialRetryTime: 300 } });
    const topic = options.topic;
    let checkpoint: string | undefined;
    let partitions: number;
    let ends: Map<number, number> | undefined;
    try {
      await admin.connect();
      if (!(await waitForTopic(admin, options))) {
        await admin.disconnect().catch(() => {});
        return undefined;
      }
      const [metadata] = (await admin.fetchTopicMetadata({ topics: [topic] })).topics;
      partitions = metadata?.partitions.length ?? 0;
      if (options.untilEnd) {
        const offsets = await admin.fetchTopicOffsets(topic);
        ends = new Map(offsets.map((o) => [o.partition, Number(o.high)]));
      }
      if (options.reset) {
        await admin.resetOffsets({ groupId: settings.groupId, topic, earliest: true });
      } else {
        checkpoint = await newestCheckpoint(admin, settings, topic);
      }
    } catch (e) {
      await admin.disconnect().catch(() => {});
      throw explain(e, settings, `reading the offsets of group "${settings.groupId}"`);
    }
    const source = new KafkaSource(kafka, admin, settings, options, ends);
    await source.#start(settings.autoOffsetReset === "earliest");
    return { source, checkpoint, partitions };
  }

  async #start(fromBeginning: boolean): Promise<void> {
    const consumer = this.#consumer;
    const { GROUP_JOIN, CRASH } = consumer.events;
    try {
      await consumer.connect();
      await consumer.subscribe({ topics: [this.#topic], fromBeginning });
      consumer.on(GROUP_JOIN, (event) => {
        const assigned = new Set(event.payload.memberAssignment[this.#topic] ?? []);
        this.#ready = this.#ready
          .then(() => this.#assign(assigned))
          .catch((e) => this.#fail(explain(e, this.#settings, `joining group "${this.#groupId}"`)));
      });
      consumer.on(CRASH, (event) => {
        const { error, restart } = event.payload;
        const explained = explain(error, this.#settings, `reading topic "${this.#topic}"`);
        if (restart) this.#lost(explained.message);
        else this.#fail(explained);
      });
      await consumer.run({
        autoCommit: false,
        eachBatchAutoResolve: false,
        eachBatch: (payload) => this.#deliver(payload),
      });
    } catch (e) {
      await consumer.disconnect().catch(() => {});
      await this.#admin.disconnect().catch(() => {});
      throw explain(e, this.#settings, `reading topic "${this.#topic}"`);
    }
  }

  get #groupId(): string {
    return this.#settings.groupId;
  }

  /**
   * A new assignment: partitions given elsewhere leave the fit (their state kept aside);
   * partitions that come back where this run left them keep their state (kafkajs delivers again
   * from the committed offset, and the pipeline skips what it took already); partitions that
   * another member moved on are restored from their checkpoints.
   */
  async #assign(assigned: Set<number>): Promise<void> {
    this.#back();
    const drop = [...this.#assigned].filter((p) => !assigned.has(p));
    this.#assigned = assigned;
    const committed = await this.#committed();
    const keep: number[] = [];
    const restore: Restore[] = [];
    for (const partition of [...assigned].sort((a, b) => a - b)) {
      const held = this.#held.get(partition);
      const group = committed.get(partition);
      const offset = group?.offset ?? -1;
      if (held !== undefined && (offset < 0 || held.next === undefined || offset <= held.next)) {
        keep.push(partition);
      } else if (group?.checkpoint !== undefined && offset >= 0) {
        restore.push({ partition, checkpoint: group.checkpoint, offset });
        this.#held.set(partition, { next: offset });
      } else if (offset >= 0 && this.#settings.enableAutoCommit) {
        throw new KafkaError(
          `group "${this.#groupId}" has an offset committed on ${this.#topic}/${partition} ` +
            "without a kafka-regression checkpoint (another tool's group?): resuming there " +
            "would miss rows. Choose another group (-X group.id=…), or start it over (--reset)",
        );
      } else {
        this.#held.set(partition, { next: undefined });
      }
    }
    this.#enqueue({ kind: "assignment", drop, keep, restore });
    this.#events.assigned?.([...assigned].sort((a, b) => a - b), restore.map((r) => r.partition));
  }

  /** The group's committed offsets and checkpoints on the topic, per partition. */
  async #committed(): Promise<Map<number, { offset: number; checkpoint?: string }>> {
    const [offsets] = await this.#admin.fetchOffsets({
      groupId: this.#groupId,
      topics: [this.#topic],
    });
    const out = new Map<number, { offset: number; checkpoint?: string }>();
    for (const { partition, offset, metadata } of offsets?.partitions ?? []) {
      const checkpoint = isCheckpoint(metadata) ? metadata ?? undefined : undefined;
      out.set(partition, { offset: Number(offset), checkpoint });
    }
    return out;
  }

  /** Hands a kafkajs batch to the iterator and waits until it was taken (or dropped). */
  async #deliver({ batch, resolveOffset, heartbeat }: EachBatchPayload): Promise<void> {
    await this.#ready;
    if (this.#stopping || batch.messages.length === 0) return;
    // A batch fetched before a rebalance took its partition away: the new reader has it.
    if (!this.#assigned.has(batch.partition)) return;
    this.#back();
    const topic = batch.topic;
    const partition = batch.partition;
    const held = this.#held.get(partition) ?? { next: undefined };
    this.#held.set(partition, held);
    const first = Number(batch.messages[0].offset);
    const gap = await this.#deleted(partition, held.next, first);
    const n = batch.messages.length;
    const values: string[] = new Array(n);
    const offsets = new Float64Array(n);
    const timestamps = new Float64Array(n);
    for (let i = 0; i < n; i++) {
      const m = batch.messages[i];
      values[i] = m.value?.toString() ?? "";
      offsets[i] = Number(m.offset);
      timestamps[i] = Number(m.timestamp);
    }
    const parts: MessageBatch[] = [
      ...(gap === undefined ? [] : [gap]),
      { partition, values, offsets, timestamps, origin: `${topic}/${partition}@`, lines: false },
    ];
    const last = Number(batch.lastOffset());
    this.#highWatermarks.set(partition, batch.highWatermark);
    const caughtUp = last + 1 >= Number(batch.highWatermark);
    held.next = Math.max(held.next ?? 0, last + 1);
    const taken = new Promise<void>((done) => {
      this.#enqueue({
        kind: "batch",
        batch: { parts, now: Date.now(), caughtUp: [[partition, caughtUp]] },
      }, done);
    });
    // Waiting here holds kafkajs's fetch loop, which sends the heartbeats: keep them going.
    const beat = setInterval(() => heartbeat().catch(() => {}), 1000);
    try {
      await taken;
    } finally {
      clearInterval(beat);
    }
    // Moves kafkajs's fetch position on; offsets are committed only by acknowledge().
    if (!this.#stopping) resolveOffset(batch.lastOffset());
    if (this.#ends !== undefined && this.#reachedEnds()) this.stop();
  }

  /**
   * An error message for records deleted before they were read: when a partition's batch starts
   * past where its reading stood (or, read from the beginning, past offset 0) and its first
   * offset still held is past that too.
   */
  async #deleted(partition: number, expected: number | undefined, first: number) {
    const from = expected ?? (this.#settings.autoOffsetReset === "earliest" ? 0 : undefined);
    if (from === undefined || first <= from) return undefined;
    const offsets = await this.#admin.fetchTopicOffsets(this.#topic);
    const low = Number(offsets.find((o) => o.partition === partition)?.low ?? 0);
    if (low <= from) return undefined; // a gap of transaction markers or compaction: no loss
    const to = Math.min(low, first) - 1;
    this.#events.skipped?.(partition, from, to);
    const reason = `records ${from} to ${to} of ${this.#topic}/${partition} were deleted ` +
      "(retention) before this group read them: their rows are not in the fit";
    return {
      ...messageBatch([""], {
        partition,
        firstOffset: from,
        origin: `${this.#topic}/${partition}@`,
      }),
      errors: new Map([[0, reason]]),
    };
  }

  /** With `untilEnd`: every partition this run reads is read up to its end offset. */
  #reachedEnds(): boolean {
    const ends = this.#ends!;
    for (const partition of this.#assigned) {
      const end = ends.get(partition) ?? 0;
      const next = this.#held.get(partition)?.next;
      if (end > 0 && (next === undefined || next < end)) return false;
    }
    return true;
  }

  #enqueue(item: SourceItem, done: () => void = () => {}): void {
    this.#queue.push({ item, done });
    this.#wake?.();
  }

  #lost(reason: string): void {
    if (this.#lostAt !== undefined) return;
    this.#lostAt = Date.now();
    this.#events.connectionLost?.(reason);
  }

  #back(): void {
    if (this.#lostAt === undefined) return;
    const ms = Date.now() - this.#lostAt;
    this.#lostAt = undefined;
    this.#events.connectionBack?.(ms);
  }

  #fail(error: KafkaError): void {
    this.#failure ??= error;
    this.stop();
  }

  /** Ends the iteration after the item being handled; undelivered batches are dropped. */
  stop(): void {
    this.#stopping = true;
    this.#wake?.();
  }

  /** Items, `[]` batches after `tickMs` of silence; ends after {@linkcode stop}. */
  async *items(): AsyncGenerator<SourceItem> {
    try {
      while (!this.#stopping) {
        if (this.#queue.length === 0) await this.#wait();
        if (this.#stopping) break;
        const delivery = this.#queue.shift();
        if (delivery === undefined) {
          if (this.#owed !== undefined && this.#lostAt === undefined) {
            await this.acknowledge(this.#owed);
          }
          if (this.#ends !== undefined && this.#assigned.size > 0 && this.#reachedEnds()) break;
          yield { kind: "batch", batch: { parts: [], now: Date.now() } };
          continue;
        }
        this.#current = delivery;
        yield delivery.item;
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

  /** Per partition read so far, how many messages the topic holds beyond the last one delivered. */
  lag(): PartitionLag[] {
    const lastRead = new Map<number, string>();
    for (const [partition, held] of this.#held) {
      if (held.next !== undefined && held.next > 0) lastRead.set(partition, String(held.next - 1));
    }
    return consumerLag(this.#highWatermarks, lastRead);
  }

  /**
   * Commits each partition's offset with its checkpoint as metadata, for the partitions this run
   * still reads. While the connection is lost the commit is kept and sent again once it is back
   * (a later one includes it); only errors that retrying cannot mend are thrown.
   */
  async acknowledge(acks: readonly Ack[], changes: readonly string[] = []): Promise<void> {
    if (this.#output !== undefined) return await this.#publish(this.#output, acks, changes);
    if (!this.#settings.enableAutoCommit || acks.length === 0) return;
    const mine = acks.filter((a) => this.#assigned.has(a.partition));
    if (mine.length === 0) return;
    try {
      await this.#consumer.commitOffsets(mine.map((a) => ({
        topic: this.#topic,
        partition: a.partition,
        offset: String(a.offset),
        metadata: a.checkpoint,
      })));
      this.#owed = undefined;
    } catch (e) {
      if (rebalancing(e)) {
        // The group moved on to a new generation: after the rebalance, a later commit of the
        // partitions still held covers this one (those given away are not committed by us).
        this.#owed = acks;
        return;
      }
      if (!retriable(e)) {
        throw explain(e, this.#settings, `committing offsets of topic "${this.#topic}"`);
      }
      this.#owed = acks;
      this.#lost(explain(e, this.#settings, "committing offsets").message);
    }
  }

  /**
   * With an output topic: the change rows and the offsets (with their checkpoints) of the
   * partitions this run still reads, in one transaction. A failure ends the run (no retry here:
   * a restart resumes from the last transaction that committed, and fences this one).
   */
  async #publish(output: OutputTopic, acks: readonly Ack[], changes: readonly string[]) {
    const partitions: CheckpointOffset[] = acks
      .filter((a) => this.#assigned.has(a.partition))
      .map((a) => ({ partition: a.partition, offset: String(a.offset), metadata: a.checkpoint }));
    if (partitions.length === 0 && changes.length === 0) return;
    await output.publish(changes, {
      groupId: this.#groupId,
      topic: this.#topic,
      partitions,
    });
  }

  /** Commits what is owed, if the connection allows, then leaves the group and disconnects. */
  async close(): Promise<void> {
    this.stop();
    this.#release();
    const bounded = (work: Promise<unknown>) =>
      Promise.race([work.catch(() => {}), new Promise((r) => setTimeout(r, 5000))]);
    if (this.#owed !== undefined) await bounded(this.acknowledge(this.#owed));
    await bounded(this.#consumer.disconnect());
    await bounded(this.#admin.disconnect());
    if (this.#output !== undefined) await bounded(this.#output.close());
  }
}

/** The group errors a commit meets while the group rebalances (kafkajs calls some final). */
const REBALANCE_ERRORS = [
  "ILLEGAL_GENERATION",
  "UNKNOWN_MEMBER_ID",
  "REBALANCE_IN_PROGRESS",
  "NOT_COORDINATOR",
  "COORDINATOR_NOT_AVAILABLE",
  "COORDINATOR_LOAD_IN_PROGRESS",
];

/** Whether a commit failed because the group is rebalancing. */
function rebalancing(error: unknown): boolean {
  for (let e: unknown = error; e instanceof Error; e = e.cause) {
    const type = (e as { type?: unknown }).type;
    if (typeof type === "string" && REBALANCE_ERRORS.includes(type)) return true;
    if (/generation id is not valid|member id is not valid|rebalanc/i.test(e.message)) return true;
  }
  return false;
}

/** Whether a kafkajs error is one that retrying can mend (a connection, a rebalance). */
function retriable(error: unknown): boolean {
  for (let e: unknown = error; e instanceof Error; e = e.cause) {
    if ((e as { retriable?: boolean }).retriable === true) return true;
    if (
      /Connection|ECONNREFUSED|ETIMEDOUT|NumberOfRetriesExceeded|REBALANCE/i.test(
        e.name + e.message,
      )
    ) {
      return true;
    }
  }
  return false;
}

/** Waits until the topic exists; false when `waitForTopicMs` passed or `signal` aborted. */
async function waitForTopic(admin: Admin, options: SourceOptions): Promise<boolean> {
  const started = Date.now();
  for (let waiting = false; !(await admin.listTopics()).includes(options.topic); waiting = true) {
    if (!waiting) options.events?.waitingForTopic?.();
    if (options.signal?.aborted) return false;
    if (options.waitForTopicMs !== undefined && Date.now() - started >= options.waitForTopicMs) {
      return false;
    }
    await new Promise((resolve) => setTimeout(resolve, 300));
  }
  return true;
}

/**
 * The newest checkpoint kept in the metadata of the group's committed offsets on the topic, if
 * any.
 *
 * @throws {KafkaError} when the group holds offsets but no checkpoint (another tool's group).
 */
async function newestCheckpoint(
  admin: Admin,
  settings: KafkaSettings,
  topic: string,
): Promise<string | undefined> {
  const [offsets] = await admin.fetchOffsets({ groupId: settings.groupId, topics: [topic] });
  let best: { time: number; text: string } | undefined;
  let committed = false;
  for (const { offset, metadata } of offsets?.partitions ?? []) {
    committed ||= Number(offset) >= 0;
    const time = checkpointTime(metadata);
    if (time === undefined || metadata === null) continue;
    if (best === undefined || time > best.time) best = { time, text: metadata };
  }
  if (committed && best === undefined) {
    throw new KafkaError(
      `group "${settings.groupId}" has offsets committed on topic "${topic}" but no ` +
        "kafka-regression checkpoint (another tool's group?): resuming there would miss the " +
        "header and the fit so far. Choose another group (-X group.id=…), or start it over " +
        "(--reset)",
    );
  }
  return best?.text;
}

function isCheckpoint(metadata: string | null): boolean {
  return checkpointTime(metadata) !== undefined;
}

/** The commit counter of a checkpoint kept as offset metadata, if the metadata is one. */
function checkpointTime(metadata: string | null): number | undefined {
  try {
    const time = (JSON.parse(metadata ?? "") as { time?: unknown })?.time;
    return typeof time === "number" ? time : undefined;
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

/**
 * An offset to commit with a checkpoint as its metadata. kafkajs's `sendOffsets` is typed with
 * `{ partition, offset }` only, but hands its partitions unchanged to TxnOffsetCommit, whose
 * request carries each partition's `metadata` (kafkajs 2.2.4,
 * `src/protocol/requests/txnOffsetCommit/v0/request.js`): the checkpoint travels in the
 * transaction.
 */
type CheckpointOffset = PartitionOffset & { readonly metadata: string };

/** The offsets a transaction commits: a group's on one topic. */
export interface TransactionOffsets {
  readonly groupId: string;
  readonly topic: string;
  readonly partitions: readonly CheckpointOffset[];
}

/** Options of {@linkcode OutputTopic.open}. */
export interface OutputTopicOptions {
  /** The topic the change rows go to (its partition 0, so that they stay in order). */
  readonly topic: string;
  /** The transactional id (see {@linkcode transactionalId}). */
  readonly transactionalId: string;
}

/**
 * The transactional id of a consumer group reading a topic with `--output-topic`: stable, so that
 * a restarted run fences the one it replaces (whose open transaction the broker then aborts).
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { transactionalId } from "./client.ts";
 * assert.equal(transactionalId("kafka-regression", "linear-regression"),
 *   "kafka-regression/kafka-regression/linear-regression");
 * ```
 */
export function transactionalId(groupId: string, topic: string): string {
  return `kafka-regression/${groupId}/${topic}`;
}

/** How many bytes of change rows one produce request of a transaction carries at most. */
const SEND_BYTES = 256 << 10;

/**
 * The change stream as a Kafka topic, exactly once: kafkajs's transactional producer. Each
 * {@linkcode OutputTopic.publish} is one transaction holding change rows (one message each, in
 * order, to partition 0) and the consumer group's offsets with their checkpoints, so the rows of
 * the input a group committed are in the topic once — for consumers that read with
 * `isolation.level=read_committed`: aborted transactions' rows stay in the log, hidden only
 * from them.
 *
 * Opening it (kafkajs's `connect`: InitProducerId) fences any older producer with the same
 * transactional id and lets the broker finish that one's open transaction (aborted, or committed
 * if its commit had begun) — so a run opens it before it reads the group's offsets.
 *
 * @example
 * ```ts ignore
 * const output = await OutputTopic.open(settings, undefined, {
 *   topic: "fit",
 *   transactionalId: transactionalId(settings.groupId, "linear-regression"),
 * });
 * await output.publish(['{"a":0,"b":1,"time":0,"diff":1}'], undefined);
 * await output.close();
 * ```
 */
export class OutputTopic {
  readonly #producer: Producer;
  readonly #settings: KafkaSettings;
  /** The topic written. */
  readonly topic: string;
  /** The transactional id. */
  readonly transactionalId: string;

  private constructor(producer: Producer, settings: KafkaSettings, options: OutputTopicOptions) {
    this.#producer = producer;
    this.#settings = settings;
    this.topic = options.topic;
    this.transactionalId = options.transactionalId;
  }

  /**
   * Connects the transactional producer, fencing the previous one of the same transactional id.
   *
   * @throws {KafkaError} when the broker cannot be reached, refuses the client, or does not
   * allow transactions (they need `transaction.state.log.*` to fit the cluster).
   */
  static async open(
    settings: KafkaSettings,
    ca: string | undefined,
    options: OutputTopicOptions,
  ): Promise<OutputTopic> {
    const producer = (await client(settings, ca)).producer({
      allowAutoTopicCreation: true,
      transactionalId: options.transactionalId,
      idempotent: true,
      maxInFlightRequests: 1,
      // A transaction's first request often meets the previous one's markers still being
      // written (CONCURRENT_TRANSACTIONS): retrying soon keeps transactions quick.
      retry: { retries: 10, initialRetryTime: 20, maxRetryTime: 2000 },
    });
    try {
      await producer.connect();
    } catch (e) {
      await producer.disconnect().catch(() => {});
      throw explainTransaction(
        e,
        settings,
        options.transactionalId,
        `starting transactions for topic "${options.topic}"`,
      );
    }
    return new OutputTopic(producer, settings, options);
  }

  /**
   * Writes `rows` (JSON texts, in order) and commits `offsets` in one transaction. When it fails
   * before the commit, it is aborted: none of it happened. When the commit itself fails, its
   * outcome is unknown until the next run with this transactional id opens (which settles it
   * either way, and resumes from the offsets that went with the last committed rows).
   *
   * @throws {KafkaError} when the transaction failed; the producer is of no further use.
   */
  async publish(rows: readonly string[], offsets: TransactionOffsets | undefined): Promise<void> {
    const doing = `writing to topic "${this.topic}"`;
    let transaction;
    try {
      transaction = await this.#producer.transaction();
    } catch (e) {
      throw explainTransaction(e, this.#settings, this.transactionalId, doing);
    }
    try {
      for (const chunk of chunks(rows, SEND_BYTES)) {
        await transaction.send({
          topic: this.topic,
          messages: chunk.map((value) => ({ value, partition: 0 })),
        });
      }
      if (offsets !== undefined && offsets.partitions.length > 0) {
        await transaction.sendOffsets({
          consumerGroupId: offsets.groupId,
          topics: [{ topic: offsets.topic, partitions: [...offsets.partitions] }],
        });
      }
    } catch (e) {
      await transaction.abort().catch(() => {});
      throw explainTransaction(
        e,
        this.#settings,
        this.transactionalId,
        `${doing} (the transaction was aborted: a restart writes its rows again, once)`,
      );
    }
    try {
      await transaction.commit();
    } catch (e) {
      throw explainTransaction(
        e,
        this.#settings,
        this.transactionalId,
        `committing a transaction to topic "${this.topic}" (its outcome is settled when the ` +
          "next run with this group opens: it resumes after the rows that made it, once)",
      );
    }
  }

  /** Disconnects. */
  async close(): Promise<void> {
    await this.#producer.disconnect().catch(() => {});
  }
}

/** `rows` in runs of at most `bytes` characters (each run at least one row). */
function* chunks(rows: readonly string[], bytes: number): Generator<string[]> {
  let chunk: string[] = [];
  let size = 0;
  for (const row of rows) {
    if (chunk.length > 0 && size + row.length > bytes) {
      yield chunk;
      chunk = [];
      size = 0;
    }
    chunk.push(row);
    size += row.length;
  }
  if (chunk.length > 0) yield chunk;
}

/** {@linkcode explain}, knowing the transactions' own failures: fenced, not allowed. */
function explainTransaction(
  error: unknown,
  settings: KafkaSettings,
  id: string,
  doing: string,
): KafkaError {
  const all = [error, (error as { cause?: unknown })?.cause]
    .map((e) => `${(e as Error)?.message} ${(e as { type?: unknown })?.type}`).join(" ");
  if (/PRODUCER_FENCED|INVALID_PRODUCER_EPOCH|fenced|epoch/i.test(all)) {
    return new KafkaError(
      `${doing}: another run took over the transactional id "${id}" (the same group reading ` +
        "the same topic, with --output-topic): this one stops. With --output-topic, run one " +
        "instance per consumer group",
      { cause: error },
    );
  }
  if (/TRANSACTIONAL_ID_AUTHORIZATION|Transactional Id authorization/i.test(all)) {
    return new KafkaError(
      `${doing}: the broker does not let this user write transactions as "${id}": grant it ` +
        `WRITE and DESCRIBE on the TransactionalId "${id}" (and WRITE on the output topic)`,
      { cause: error },
    );
  }
  return explain(error, settings, doing);
}
