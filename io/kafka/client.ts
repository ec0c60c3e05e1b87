/**
 * One librdkafka client (`rd_kafka_t`), consumer or producer, made from validated settings: its
 * configuration, the callbacks librdkafka serves on the JavaScript thread, and the requests that
 * only wait for a reply (metadata, watermarks, committed offsets, commits, deleting a group's
 * offsets), made off the JavaScript thread.
 *
 * @module
 */

import { type LibraryEvents, librdkafkaPath } from "./library.ts";
import {
  bufferString,
  cBytes,
  cString,
  EventType,
  failure,
  Kind,
  LibrdkafkaError,
  loadNative,
  type Native,
  type PartitionEntry,
  partitionList,
  type PartitionResult,
  type Rd,
  readPartitionList,
  takeError,
} from "./native.ts";
import { explain, needsPerson } from "./errors.ts";
import { type KafkaSettings, SettingsError } from "./settings.ts";

/** How long one attempt of a request to the broker may take before it is tried again. */
const ATTEMPT_MS = 1000;
/** How long the first answer from the cluster may take before the broker is called unreachable. */
export const CONNECT_MS = 5000;

/**
 * How far a consumer fetches ahead: enough to keep the pipeline fed, little memory (librdkafka's
 * defaults, 100,000 messages and 64 MiB, hold ≈ 40 MB more on a topic of small messages).
 */
const QUEUED = { messages: 20_000, kbytes: 8 * 1024 };

/**
 * librdkafka's configuration of `settings` for a client of `kind`: the settings as given (they
 * are librdkafka's own), the defaults this tool relies on, and `extra` on top.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { clientProperties } from "./client.ts";
 * import { resolveSettings } from "./settings.ts";
 * const settings = resolveSettings({ "bootstrap.servers": "broker:9093", "group.id": "g" });
 * const consumer = clientProperties(settings, "consumer");
 * assert.equal(consumer["bootstrap.servers"], "broker:9093");
 * assert.equal(consumer["group.id"], "g");
 * assert.equal(consumer["enable.auto.commit"], "false"); // offsets go with our checkpoints
 * assert.equal(clientProperties(settings, "producer")["group.id"], undefined);
 * ```
 */
export function clientProperties(
  settings: KafkaSettings,
  kind: keyof typeof Kind,
  extra: Readonly<Record<string, string>> = {},
): Record<string, string> {
  const p: Record<string, string> = {
    "bootstrap.servers": settings.brokers.join(","),
    "client.id": settings.clientId,
    "security.protocol": settings.securityProtocol,
    // A broker that is gone for good is said within seconds, not retried for minutes.
    "socket.connection.setup.timeout.ms": "10000",
  };
  if (settings.sasl !== undefined) {
    p["sasl.mechanism"] = settings.sasl.mechanism;
    p["sasl.username"] = settings.sasl.username;
    p["sasl.password"] = settings.sasl.password;
  }
  if (settings.caLocation !== undefined) p["ssl.ca.location"] = settings.caLocation;
  if (kind === "consumer") {
    Object.assign(p, {
      "group.id": settings.groupId,
      // A restart after kill -9 waits for the dead member's session to end: the reference's 6 s.
      "session.timeout.ms": String(settings.sessionTimeoutMs ?? 6000),
      "heartbeat.interval.ms": String(settings.heartbeatIntervalMs ?? 1000),
      "auto.offset.reset": settings.autoOffsetReset,
      // Offsets are committed by the source only, each with its partition's checkpoint.
      "enable.auto.commit": "false",
      "enable.auto.offset.store": "false",
      "fetch.wait.max.ms": "100",
      "queued.min.messages": String(QUEUED.messages),
      "queued.max.messages.kbytes": String(QUEUED.kbytes),
      // When the queue is full, fetch again as soon as it drains (librdkafka waits 1 s).
      "fetch.queue.backoff.ms": "5",
    });
    if (settings.fetchMaxBytes !== undefined) {
      p["fetch.max.bytes"] = String(settings.fetchMaxBytes);
      // librdkafka wants message.max.bytes (1 MB, a producer's bound) no larger.
      p["message.max.bytes"] = String(Math.max(1000, Math.min(1_000_000, settings.fetchMaxBytes)));
    }
    if (settings.maxPartitionFetchBytes !== undefined) {
      p["max.partition.fetch.bytes"] = String(settings.maxPartitionFetchBytes);
    }
  }
  if (kind === "producer") {
    Object.assign(p, {
      // Written once and in order, also when a request is sent again after a lost answer.
      "enable.idempotence": "true",
      "linger.ms": "1",
      // Delivery reports (as events) only for messages that could not be delivered.
      "delivery.report.only.error": "true",
    });
  }
  return { ...p, ...extra };
}

/**
 * Waits for `work` to settle, or `ms`, whichever comes first (its failure is not thrown): for
 * steps of a shutdown that a broker gone away must not hold up. True when `work` settled.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { within } from "./client.ts";
 * assert.equal(await within(new Promise(() => {}), 10), false);
 * assert.equal(await within(Promise.reject(new Error("no")), 10), true);
 * ```
 */
export async function within(work: Promise<unknown>, ms: number): Promise<boolean> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const late = new Promise<false>((resolve) => timer = setTimeout(() => resolve(false), ms));
  try {
    return await Promise.race([work.then(() => true, () => true), late]);
  } finally {
    clearTimeout(timer);
  }
}

/**
 * What a consumer tells its owner, from inside the calls that serve its queue (on the JavaScript
 * thread). A producer has no hooks: it reports through events ({@linkcode KafkaClient.events}),
 * since librdkafka may wait for its deliveries off the JavaScript thread.
 */
export interface ClientHooks {
  /** An error librdkafka reported (it goes on trying unless the error is fatal). */
  error?(error: LibrdkafkaError): void;
  /**
   * A consumer's rebalance: `code` is `ASSIGN_PARTITIONS` or `REVOKE_PARTITIONS` (or an error),
   * `list` the partitions. The hook must assign (see librdkafka's `rebalance_cb`).
   */
  rebalance?(code: number, list: Deno.PointerObject): void;
}

/** What {@linkcode KafkaClient.open} takes. */
export interface ClientOptions {
  readonly kind: keyof typeof Kind;
  readonly settings: KafkaSettings;
  /** librdkafka properties on top of the settings'. */
  readonly extra?: Readonly<Record<string, string>>;
  readonly hooks?: ClientHooks;
  /** What fetching the library says, if it must be fetched. */
  readonly library?: LibraryEvents;
}

/** A partition's low and high watermark offsets. */
export interface Watermarks {
  readonly low: number;
  readonly high: number;
}

/**
 * An `rd_kafka_t`. Requests that wait for the broker resolve or reject with a
 * {@linkcode LibrdkafkaError}; the owner explains them.
 */
export class KafkaClient {
  /** librdkafka's functions. */
  readonly rd: Rd;
  /** The loaded libraries. */
  readonly native: Native;
  /** The handle. */
  readonly handle: Deno.PointerObject;
  /** The settings it was made with. */
  readonly settings: KafkaSettings;
  readonly #callbacks: { close(): void }[];
  readonly #low = new BigInt64Array(1);
  readonly #high = new BigInt64Array(1);
  /** A producer's main queue, where its events go. */
  #main: Deno.PointerObject | undefined;
  /** Requests running off the JavaScript thread: the handle lives until they end. */
  readonly #requests = new Set<Promise<unknown>>();
  #destroyed = false;

  private constructor(
    native: Native,
    handle: Deno.PointerObject,
    settings: KafkaSettings,
    callbacks: { close(): void }[],
  ) {
    this.native = native;
    this.rd = native.rd;
    this.handle = handle;
    this.settings = settings;
    this.#callbacks = callbacks;
  }

  /**
   * Makes the client (fetching librdkafka first if this machine has none yet). librdkafka logs
   * nothing: what goes wrong reaches {@linkcode ClientHooks.error}.
   *
   * @throws {SettingsError} when librdkafka refuses a setting.
   * @throws {NativeLibraryError} when librdkafka cannot be had.
   */
  static async open(options: ClientOptions): Promise<KafkaClient> {
    const native = loadNative(await librdkafkaPath(options.library));
    const rd = native.rd;
    const { settings, hooks = {} } = options;
    const conf = rd.rd_kafka_conf_new()!;
    const errstr = new Uint8Array(512);
    const password = settings.sasl?.password;
    for (
      const [key, value] of Object.entries(clientProperties(settings, options.kind, options.extra))
    ) {
      if (
        rd.rd_kafka_conf_set(conf, cBytes(key), cBytes(value), errstr, BigInt(errstr.length)) !== 0
      ) {
        rd.rd_kafka_conf_destroy(conf);
        const why = bufferString(errstr);
        throw new SettingsError(key, password ? why.replaceAll(password, "********") : why);
      }
    }
    rd.rd_kafka_conf_set_log_cb(conf, null);
    const callbacks: { close(): void }[] = [];
    if (options.kind === "producer") {
      rd.rd_kafka_conf_set_events(conf, EventType.DR | EventType.ERROR);
    } else {
      const error = new Deno.UnsafeCallback(
        { parameters: ["pointer", "i32", "pointer", "pointer"], result: "void" } as const,
        (_rk, code, reason) => hooks.error?.(failure(rd, code, cString(reason))),
      );
      callbacks.push(error);
      rd.rd_kafka_conf_set_error_cb(conf, error.pointer);
    }
    if (hooks.rebalance !== undefined) {
      const rebalance = new Deno.UnsafeCallback(
        { parameters: ["pointer", "i32", "pointer", "pointer"], result: "void" } as const,
        (_rk, code, list) => hooks.rebalance!(code, list!),
      );
      callbacks.push(rebalance);
      rd.rd_kafka_conf_set_rebalance_cb(conf, rebalance.pointer);
    }
    const handle = rd.rd_kafka_new(Kind[options.kind], conf, errstr, BigInt(errstr.length));
    if (handle === null) {
      rd.rd_kafka_conf_destroy(conf);
      for (const callback of callbacks) callback.close();
      throw new SettingsError("librdkafka", bufferString(errstr));
    }
    return new KafkaClient(native, handle, settings, callbacks);
  }

  /** Keeps `request` (a call running off the JavaScript thread) known while it runs. */
  #track<T>(request: Promise<T>): Promise<T> {
    this.#requests.add(request);
    const forget = () => this.#requests.delete(request);
    request.then(forget, forget);
    return request;
  }

  /**
   * `request` (given how long one attempt may take), tried again while no broker answers, until
   * `patienceMs` passed; an error reported meanwhile (`serve` serves the client's queue and
   * returns them) that a person must mend — a refused sign-in, an untrusted certificate, the
   * wrong protocol — ends it at once.
   *
   * @throws {KafkaError} explaining the failure, as met while `doing`.
   */
  async answered<T>(
    doing: string,
    request: (timeoutMs: number) => Promise<T>,
    serve: () => readonly LibrdkafkaError[],
    patienceMs = CONNECT_MS,
  ): Promise<T> {
    const started = Date.now();
    for (;;) {
      let failed: LibrdkafkaError;
      try {
        return await request(Math.min(ATTEMPT_MS, patienceMs));
      } catch (e) {
        if (!(e instanceof LibrdkafkaError)) throw e;
        failed = e;
      }
      const reported = serve();
      const mend = reported.find(needsPerson) ?? (needsPerson(failed) ? failed : undefined);
      if (mend !== undefined) throw explain(mend, this.settings, doing);
      if (Date.now() - started >= patienceMs) {
        throw explain(reported.at(-1) ?? failed, this.settings, doing);
      }
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
  }

  /**
   * Asks a broker for the cluster's metadata: that one answers proves the address, the
   * protocol and the credentials.
   *
   * @throws {LibrdkafkaError} when no broker answered within `timeoutMs`.
   */
  async connected(timeoutMs: number): Promise<void> {
    await this.#metadata(null, timeoutMs, () => undefined);
  }

  /**
   * The number of partitions of `topic`, or undefined when it does not exist.
   *
   * @throws {LibrdkafkaError} when no broker answered within `timeoutMs`.
   */
  async partitionCount(topic: string, timeoutMs: number): Promise<number | undefined> {
    const rd = this.rd;
    const rkt = rd.rd_kafka_topic_new(this.handle, cBytes(topic), null)!;
    try {
      return await this.#metadata(rkt, timeoutMs, (view) => {
        // rd_kafka_metadata_t: broker_cnt, brokers, topic_cnt, topics (each 32 bytes: name,
        // partition_cnt, partitions, err).
        if (view.getInt32(16) < 1) return undefined;
        const topics = new Deno.UnsafePointerView(view.getPointer(24)!);
        const err = topics.getInt32(24);
        if (err !== 0) {
          if (err === 3 || err === -188) return undefined; // UNKNOWN_TOPIC_OR_PART, _UNKNOWN_TOPIC
          throw failure(rd, err);
        }
        return topics.getInt32(8);
      });
    } finally {
      rd.rd_kafka_topic_destroy(rkt);
    }
  }

  /** The cluster's metadata (of one topic, or of none), read by `read`. */
  async #metadata<T>(
    rkt: Deno.PointerValue,
    timeoutMs: number,
    read: (view: Deno.UnsafePointerView) => T,
  ): Promise<T> {
    const rd = this.rd;
    const out = new BigUint64Array(1);
    const code = await this.#track(
      rd.rd_kafka_metadata(this.handle, 0, rkt, new Uint8Array(out.buffer), timeoutMs),
    );
    if (code !== 0) throw failure(rd, code);
    const metadata = Deno.UnsafePointer.create(out[0])!;
    try {
      return read(new Deno.UnsafePointerView(metadata));
    } finally {
      rd.rd_kafka_metadata_destroy(metadata);
    }
  }

  /**
   * A partition's watermarks, asked of its leader.
   *
   * @throws {LibrdkafkaError} when the broker did not answer within `timeoutMs`.
   */
  async watermarks(topic: string, partition: number, timeoutMs: number): Promise<Watermarks> {
    const low = new BigInt64Array(1);
    const high = new BigInt64Array(1);
    const code = await this.#track(this.rd.rd_kafka_query_watermark_offsets(
      this.handle,
      cBytes(topic),
      partition,
      new Uint8Array(low.buffer),
      new Uint8Array(high.buffer),
      timeoutMs,
    ));
    if (code !== 0) throw failure(this.rd, code);
    return { low: Number(low[0]), high: Number(high[0]) };
  }

  /** A partition's high watermark as of the latest fetch, if one was made (no request). */
  cachedHigh(topic: string, partition: number): number | undefined {
    const code = this.rd.rd_kafka_get_watermark_offsets(
      this.handle,
      cBytes(topic),
      partition,
      new Uint8Array(this.#low.buffer),
      new Uint8Array(this.#high.buffer),
    );
    const high = Number(this.#high[0]);
    return code === 0 && high >= 0 ? high : undefined;
  }

  /**
   * The group's committed offsets (with their metadata) of `partitions` of `topic`.
   *
   * @throws {LibrdkafkaError} when the group coordinator did not answer within `timeoutMs`.
   */
  async committed(
    topic: string,
    partitions: readonly number[],
    timeoutMs: number,
  ): Promise<PartitionResult[]> {
    const rd = this.rd;
    const list = partitionList(rd, topic, partitions.map((partition) => ({ partition })));
    try {
      const code = await this.#track(rd.rd_kafka_committed(this.handle, list, timeoutMs));
      if (code !== 0) throw failure(rd, code);
      return readPartitionList(list);
    } finally {
      rd.rd_kafka_topic_partition_list_destroy(list);
    }
  }

  /**
   * Commits `entries` (offsets with their metadata) for the group.
   *
   * @throws {LibrdkafkaError} when the commit failed, for the whole or for a partition, or no
   * answer came within `timeoutMs`.
   */
  async commit(
    topic: string,
    entries: readonly PartitionEntry[],
    timeoutMs: number,
  ): Promise<void> {
    const rd = this.rd;
    const list = partitionList(rd, topic, entries);
    const queue = rd.rd_kafka_queue_new(this.handle)!;
    try {
      const code = rd.rd_kafka_commit_queue(this.handle, list, queue, null, null);
      if (code !== 0) throw failure(rd, code);
      const event = await this.#track(rd.rd_kafka_queue_poll(queue, timeoutMs));
      if (event === null) throw failure(rd, -185); // _TIMED_OUT
      try {
        const err = rd.rd_kafka_event_error(event);
        if (err !== 0) throw failure(rd, err, cString(rd.rd_kafka_event_error_string(event)));
      } finally {
        rd.rd_kafka_event_destroy(event);
      }
    } finally {
      rd.rd_kafka_queue_destroy(queue);
      rd.rd_kafka_topic_partition_list_destroy(list);
    }
  }

  /**
   * Deletes the group's committed offsets of `partitions` of `topic` (the group must have no
   * member reading the topic).
   *
   * @throws {LibrdkafkaError} when the broker refused, or did not answer within `timeoutMs`.
   */
  async deleteGroupOffsets(
    group: string,
    topic: string,
    partitions: readonly number[],
    timeoutMs: number,
  ): Promise<void> {
    const rd = this.rd;
    const list = partitionList(rd, topic, partitions.map((partition) => ({ partition })));
    const request = rd.rd_kafka_DeleteConsumerGroupOffsets_new(cBytes(group), list)!;
    const queue = rd.rd_kafka_queue_new(this.handle)!;
    try {
      const requests = new BigUint64Array([BigInt(Deno.UnsafePointer.value(request))]);
      rd.rd_kafka_DeleteConsumerGroupOffsets(
        this.handle,
        new Uint8Array(requests.buffer),
        1n,
        null,
        queue,
      );
      const event = await this.#track(rd.rd_kafka_queue_poll(queue, timeoutMs));
      if (event === null) throw failure(rd, -185); // _TIMED_OUT
      try {
        const err = rd.rd_kafka_event_error(event);
        if (err !== 0) throw failure(rd, err, cString(rd.rd_kafka_event_error_string(event)));
        const result = rd.rd_kafka_event_DeleteConsumerGroupOffsets_result(event);
        const count = new BigUint64Array(1);
        const groups = rd.rd_kafka_DeleteConsumerGroupOffsets_result_groups(
          result,
          new Uint8Array(count.buffer),
        );
        for (let i = 0; i < Number(count[0]) && groups !== null; i++) {
          const group = new Deno.UnsafePointerView(groups).getPointer(8 * i);
          const problem = takeError(rd, rd.rd_kafka_group_result_error(group));
          if (problem !== undefined) throw problem;
          for (const p of readPartitionList(rd.rd_kafka_group_result_partitions(group))) {
            if (p.err !== 0) throw failure(rd, p.err);
          }
        }
      } finally {
        rd.rd_kafka_event_destroy(event);
      }
    } finally {
      rd.rd_kafka_queue_destroy(queue);
      rd.rd_kafka_DeleteConsumerGroupOffsets_destroy(request);
      rd.rd_kafka_topic_partition_list_destroy(list);
    }
  }

  /**
   * A producer's events since the last call: errors librdkafka reported (it goes on trying
   * unless one is fatal), and messages it could not deliver.
   */
  events(): { errors: LibrdkafkaError[]; undelivered: LibrdkafkaError[] } {
    const rd = this.rd;
    this.#main ??= rd.rd_kafka_queue_get_main(this.handle)!;
    const errors: LibrdkafkaError[] = [];
    const undelivered: LibrdkafkaError[] = [];
    for (let event = rd.rd_kafka_queue_poll_now(this.#main, 0); event !== null;) {
      const type = rd.rd_kafka_event_type(event);
      if (type === EventType.ERROR) {
        const code = rd.rd_kafka_event_error(event);
        errors.push(
          new LibrdkafkaError(
            code,
            cString(rd.rd_kafka_err2name(code)),
            cString(rd.rd_kafka_event_error_string(event)),
            { fatal: rd.rd_kafka_event_error_is_fatal(event) !== 0 },
          ),
        );
      } else if (type === EventType.DR) {
        for (let m = rd.rd_kafka_event_message_next(event); m !== null;) {
          const code = new Deno.UnsafePointerView(m).getInt32(0);
          if (code !== 0) undelivered.push(failure(rd, code));
          m = rd.rd_kafka_event_message_next(event);
        }
      }
      rd.rd_kafka_event_destroy(event);
      event = rd.rd_kafka_queue_poll_now(this.#main, 0);
    }
    return { errors, undelivered };
  }

  /**
   * Runs `call` (one of librdkafka's functions that only waits, run off the JavaScript thread)
   * and keeps the handle alive until it returns.
   */
  request<T>(call: Promise<T>): Promise<T> {
    return this.#track(call);
  }

  /**
   * Lets go of the handle once the requests still running end (a consumer is closed first by
   * its owner). A request that does not end within `ms` keeps the handle: the process exits
   * without destroying it rather than pull it from under the request.
   */
  async close(ms = 15_000): Promise<void> {
    if (this.#destroyed) return;
    await within(Promise.allSettled([...this.#requests]), ms);
    if (this.#requests.size > 0) return;
    this.#destroy();
  }

  #destroy(): void {
    if (this.#destroyed) return;
    this.#destroyed = true;
    if (this.#main !== undefined) this.rd.rd_kafka_queue_destroy(this.#main);
    this.rd.rd_kafka_destroy(this.handle);
    for (const callback of this.#callbacks) callback.close();
  }
}

export { LibrdkafkaError };
