/**
 * A Kafka topic as a {@linkcode Source}: librdkafka's consumer in a consumer group, its messages
 * as batches per partition, its rebalances as assignment items, and offsets committed only when
 * the runner says, each with its partition's checkpoint as the commit's metadata.
 *
 * @module
 */

import { consumerLag, type PartitionLag } from "../../lib/consumer_lag.ts";
import { type MessageBatch, messageBatch } from "../../lib/message_batch.ts";
import type { Ack, Batch, Restore, Source, SourceItem } from "../source.ts";
import { BatchReader, type MessageError } from "./batch_reader.ts";
import { KafkaClient, within } from "./client.ts";
import { explain, KafkaError, needsPerson } from "./errors.ts";
import {
  cBytes,
  cString,
  Err,
  failure,
  LibrdkafkaError,
  Offset,
  partitionList,
  type PartitionResult,
  readPartitionList,
  setOffsets,
  takeError,
  WakePipe,
} from "./native.ts";
import type { OutputTopic } from "./output_topic.ts";
import type { KafkaSettings } from "./settings.ts";

/** What a {@linkcode KafkaSource} tells its user while it runs (all optional). */
export interface SourceEvents {
  /** librdkafka is fetched, once (see library.ts). */
  fetchingLibrary?(what: string): void;
  /** The topic does not exist yet: the source waits for it. */
  waitingForTopic?(): void;
  /** The connection to the broker was lost: librdkafka tries again. */
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
  /** Start the group over: its offsets are deleted, and it reads from the beginning. */
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

/** How long a group request (committed offsets, a commit) may take. */
const GROUP_MS = 10_000;

/** The group errors a commit meets while the group rebalances or its coordinator moves. */
const REBALANCING: readonly number[] = [
  Err.ILLEGAL_GENERATION,
  Err.UNKNOWN_MEMBER_ID,
  Err.REBALANCE_IN_PROGRESS,
  Err.NOT_COORDINATOR,
  14, // COORDINATOR_LOAD_IN_PROGRESS
  15, // COORDINATOR_NOT_AVAILABLE
  Err.WAIT_COORD,
  Err.STATE,
];

/** A rebalance as librdkafka's callback reported it, applied once the call that served it returned. */
type Change = { readonly assign: readonly number[] } | {
  readonly revoke: readonly number[] | "all";
};

/** What the source knows of a partition whose messages it delivered. */
interface Held {
  /** The offset after the last message delivered (undefined before the first). */
  next: number | undefined;
}

/**
 * A topic as an `AsyncIterable` of items: message batches (what librdkafka's queue holds, a
 * batch per partition, or `[]` when `tickMs` passed without a message) and changes of the
 * partitions this member of the consumer group reads. Asking for the next item means the
 * previous one was handed on.
 *
 * - Offsets are committed only by {@linkcode KafkaSource.acknowledge}, with each partition's
 *   checkpoint as the commit's metadata — with an {@linkcode OutputTopic}, in its transaction
 *   together with the change rows.
 * - After a rebalance, a partition this run still reads keeps its state: librdkafka fetches
 *   again from the committed offset, and the pipeline skips what it took already. A partition
 *   that another member moved on (its committed offset is past what this run read) is restored
 *   from its checkpoint; a partition given to another member is dropped.
 * - Records deleted (by retention) before they were read become an error row naming the range.
 * - librdkafka reconnects by itself after a lost connection; only authentication,
 *   authorisation, TLS and configuration errors end the iteration with an error.
 *
 * @example
 * ```ts ignore
 * const { source, checkpoint } = (await KafkaSource.open(settings, {
 *   topic: "linear-regression",
 *   tickMs: 250,
 * }))!;
 * for await (const item of source.items()) {
 *   // hand the item to the runner, then: await source.acknowledge(acks);
 * }
 * await source.close();
 * ```
 */
export class KafkaSource implements Source {
  readonly #settings: KafkaSettings;
  readonly #topic: string;
  readonly #tickMs: number;
  readonly #events: SourceEvents;
  readonly #output: OutputTopic | undefined;
  #client!: KafkaClient;
  #queue!: Deno.PointerObject;
  #pipe!: WakePipe;
  #reader!: BatchReader;
  /** Errors librdkafka reported through its callback, not yet looked at. */
  #reported: LibrdkafkaError[] = [];
  /** Rebalances reported through the callback, not yet applied. */
  #changes: Change[] = [];
  readonly #held = new Map<number, Held>();
  #assigned = new Set<number>();
  /** With `untilEnd`: the end offset of each partition, seen at the start. */
  #ends: Map<number, number> | undefined;
  /**
   * Partitions the group had no offset for at the start, to be read from the beginning: their
   * first assignment says so, sparing librdkafka's look-up of a missing offset (100 ms).
   */
  readonly #fresh = new Map<number, number>();
  #stopping = false;
  #failure: KafkaError | undefined;
  #lostAt: number | undefined;
  /** An acknowledgement that failed while the connection was lost: sent again when it is back. */
  #owed: readonly Ack[] | undefined;
  #closed = false;

  /** What the source is, for messages. */
  readonly name: string;
  /** Kafka delivers messages no commit closed again to the next run. */
  readonly redelivers = true;

  private constructor(settings: KafkaSettings, options: SourceOptions) {
    this.#settings = settings;
    this.#topic = options.topic;
    this.#tickMs = options.tickMs;
    this.#events = options.events ?? {};
    this.#output = options.output;
    this.name = `topic "${options.topic}"`;
  }

  /**
   * Connects; waits until the topic exists (resolves to undefined if `waitForTopicMs` passes or
   * `signal` aborts first); reads the group's newest checkpoint (or, with `reset`, deletes the
   * group's offsets); and subscribes: reading starts from the committed offsets, else as
   * `auto.offset.reset` says.
   *
   * @throws {KafkaError} when the broker cannot be reached or refuses the client, or the group
   * holds offsets without checkpoints (another tool's group).
   */
  static async open(settings: KafkaSettings, options: SourceOptions): Promise<Opened | undefined> {
    const source = new KafkaSource(settings, options);
    const client = await KafkaClient.open({
      kind: "consumer",
      settings,
      extra: options.reset ? { "auto.offset.reset": "earliest" } : {},
      hooks: {
        error: (error) => source.#reported.push(error),
        rebalance: (code, list) => source.#rebalance(code, list),
      },
      library: { fetching: options.events?.fetchingLibrary },
    });
    source.#client = client;
    const rd = client.rd;
    rd.rd_kafka_poll_set_consumer(client.handle);
    source.#queue = rd.rd_kafka_queue_get_consumer(client.handle)!;
    source.#pipe = new WakePipe(client.native.libc);
    rd.rd_kafka_queue_io_event_enable(source.#queue, source.#pipe.writeFd, cBytes("!"), 1n);
    source.#reader = new BatchReader(client.native, options.topic);
    try {
      const partitions = await source.#waitForTopic(options);
      if (partitions === undefined) {
        await source.close();
        return undefined;
      }
      const ids = Array.from({ length: partitions }, (_, i) => i);
      if (options.untilEnd) {
        const ends = new Map<number, number>();
        for (const partition of ids) {
          const { high } = await source.#answered(
            "reading the end offsets",
            (ms) => client.watermarks(options.topic, partition, ms),
          );
          ends.set(partition, high);
        }
        source.#ends = ends;
      }
      let checkpoint: string | undefined;
      if (options.reset) {
        await source.#reset(ids);
        for (const partition of ids) source.#fresh.set(partition, Offset.BEGINNING);
      } else {
        checkpoint = await source.#newestCheckpoint(ids);
      }
      const list = partitionList(rd, options.topic, [{ partition: -1 }]);
      const code = rd.rd_kafka_subscribe(client.handle, list);
      rd.rd_kafka_topic_partition_list_destroy(list);
      if (code !== 0) {
        throw explain(failure(rd, code), settings, `reading topic "${options.topic}"`);
      }
      return { source, checkpoint, partitions };
    } catch (e) {
      await source.close();
      throw e;
    }
  }

  /**
   * `request`, tried again while no broker answers (see {@linkcode KafkaClient.answered}),
   * serving librdkafka's queue meanwhile for the errors it reports.
   */
  #answered<T>(doing: string, request: (ms: number) => Promise<T>, patienceMs?: number) {
    const serve = () => {
      this.#reader.take(this.#queue);
      return this.#reported.splice(0);
    };
    return this.#client.answered(doing, request, serve, patienceMs);
  }

  /** The topic's partition count once it exists; undefined if the wait was given up. */
  async #waitForTopic(options: SourceOptions): Promise<number | undefined> {
    const started = Date.now();
    const doing = `reading topic "${this.#topic}"`;
    for (let waiting = false;; waiting = true) {
      const count = await this.#answered(
        doing,
        (ms) => this.#client.partitionCount(this.#topic, ms),
      );
      if (count !== undefined && count > 0) return count;
      if (!waiting) options.events?.waitingForTopic?.();
      if (options.signal?.aborted) return undefined;
      if (options.waitForTopicMs !== undefined && Date.now() - started >= options.waitForTopicMs) {
        return undefined;
      }
      await new Promise((resolve) => setTimeout(resolve, 300));
    }
  }

  /** Deletes the group's offsets on the topic: the group starts over. */
  async #reset(partitions: readonly number[]): Promise<void> {
    const group = this.#settings.groupId;
    try {
      await this.#answered(
        `starting group "${group}" over`,
        (ms) => this.#client.deleteGroupOffsets(group, this.#topic, partitions, ms),
      );
    } catch (e) {
      const cause = e instanceof KafkaError ? e.cause : e;
      if (!(cause instanceof LibrdkafkaError)) throw e;
      if (cause.code === 69) return; // GROUP_ID_NOT_FOUND: nothing to start over
      if (cause.code === Err.GROUP_SUBSCRIBED_TO_TOPIC) {
        throw new KafkaError(
          `group "${group}" has members reading topic "${this.#topic}": stop them before ` +
            "--reset (or choose another group with -X group.id=…)",
          { cause },
        );
      }
      throw e;
    }
  }

  /** The group's committed offsets and checkpoints on the topic, per partition. */
  async #committed(partitions: readonly number[]): Promise<Map<number, PartitionResult>> {
    const results = await this.#answered(
      `reading the offsets of group "${this.#settings.groupId}"`,
      (ms) => this.#client.committed(this.#topic, partitions, ms),
      GROUP_MS,
    );
    return new Map(results.map((r) => [r.partition, r]));
  }

  /**
   * The newest checkpoint kept in the metadata of the group's committed offsets on the topic,
   * if any.
   *
   * @throws {KafkaError} when the group holds offsets but no checkpoint (another tool's group).
   */
  async #newestCheckpoint(partitions: readonly number[]): Promise<string | undefined> {
    let best: { time: number; text: string } | undefined;
    let committed = false;
    for (const { partition, offset, metadata } of (await this.#committed(partitions)).values()) {
      committed ||= offset >= 0;
      if (offset < 0 && this.#settings.autoOffsetReset === "earliest") {
        this.#fresh.set(partition, Offset.BEGINNING);
      }
      const time = checkpointTime(metadata);
      if (time === undefined || metadata === undefined) continue;
      if (best === undefined || time > best.time) best = { time, text: metadata };
    }
    if (committed && best === undefined) {
      throw new KafkaError(
        `group "${this.#settings.groupId}" has offsets committed on topic "${this.#topic}" but ` +
          "no kafka-regression checkpoint (another tool's group?): resuming there would miss " +
          "the header and the fit so far. Choose another group (-X group.id=…), or start it " +
          "over (--reset)",
      );
    }
    return best?.text;
  }

  /** librdkafka's rebalance callback: assign as told, note the change, return to the caller. */
  #rebalance(code: number, list: Deno.PointerObject): void {
    const rd = this.#client.rd;
    const handle = this.#client.handle;
    const partitions = readPartitionList(list).map((p) => p.partition);
    const cooperative = cString(rd.rd_kafka_rebalance_protocol(handle)) === "COOPERATIVE";
    let problem: LibrdkafkaError | undefined;
    if (code === Err.ASSIGN_PARTITIONS) {
      if (this.#fresh.size > 0) {
        setOffsets(list, this.#fresh);
        this.#fresh.clear(); // a later assignment asks the group: another member may have moved on
      }
      if (cooperative) problem = takeError(rd, rd.rd_kafka_incremental_assign(handle, list));
      else rd.rd_kafka_assign(handle, list);
      this.#changes.push({ assign: partitions });
    } else {
      if (cooperative) problem = takeError(rd, rd.rd_kafka_incremental_unassign(handle, list));
      else rd.rd_kafka_assign(handle, null);
      this.#changes.push({ revoke: cooperative ? partitions : "all" });
    }
    if (problem !== undefined) this.#reported.push(problem);
    rd.rd_kafka_yield(handle); // the messages taken so far go before the change
  }

  /**
   * A new assignment: partitions given elsewhere leave the fit (their state kept aside);
   * partitions that come back where this run left them keep their state (librdkafka fetches
   * again from the committed offset, and the pipeline skips what it took already); partitions
   * that another member moved on are restored from their checkpoints.
   */
  async #apply(change: Change): Promise<SourceItem> {
    const before = this.#assigned;
    let after: Set<number>;
    if ("assign" in change) after = new Set([...before, ...change.assign]);
    else if (change.revoke === "all") after = new Set();
    else {
      const revoked = change.revoke;
      after = new Set([...before].filter((p) => !revoked.includes(p)));
    }
    const drop = [...before].filter((p) => !after.has(p));
    const added = [...after].filter((p) => !before.has(p)).sort((a, b) => a - b);
    this.#assigned = after;
    const keep: number[] = [];
    const restore: Restore[] = [];
    const committed = added.length > 0 ? await this.#committed(added) : new Map();
    for (const partition of added) {
      const held = this.#held.get(partition);
      const group = committed.get(partition);
      const offset = group?.offset ?? -1;
      const checkpoint = isCheckpoint(group?.metadata) ? group?.metadata : undefined;
      if (held !== undefined && (offset < 0 || held.next === undefined || offset <= held.next)) {
        keep.push(partition);
      } else if (checkpoint !== undefined && offset >= 0) {
        restore.push({ partition, checkpoint, offset });
        this.#held.set(partition, { next: offset });
      } else if (offset >= 0 && this.#settings.enableAutoCommit) {
        throw new KafkaError(
          `group "${this.#settings.groupId}" has an offset committed on ${this.#topic}/` +
            `${partition} without a kafka-regression checkpoint (another tool's group?): ` +
            "resuming there would miss rows. Choose another group (-X group.id=…), or start " +
            "it over (--reset)",
        );
      } else {
        this.#held.set(partition, { next: undefined });
      }
    }
    if (added.length > 0) {
      this.#events.assigned?.(
        [...after].sort((a, b) => a - b),
        restore.map((r) => r.partition),
      );
    }
    return { kind: "assignment", drop, keep, restore };
  }

  /** The batch of `parts` as the runner takes it, with records lost to retention said first. */
  async #batch(parts: readonly MessageBatch[]): Promise<Batch> {
    this.#back();
    const out: MessageBatch[] = [];
    const caughtUp: [number, boolean][] = [];
    for (const part of parts) {
      const partition = part.partition;
      const held = this.#held.get(partition) ?? { next: undefined };
      this.#held.set(partition, held);
      const gap = await this.#deleted(partition, held.next, part.offsets[0]);
      if (gap !== undefined) out.push(gap);
      out.push(part);
      const last = part.offsets[part.offsets.length - 1];
      held.next = Math.max(held.next ?? 0, last + 1);
      const high = this.#client.cachedHigh(this.#topic, partition);
      caughtUp.push([partition, high !== undefined && last + 1 >= high]);
    }
    return { parts: out, now: Date.now(), caughtUp };
  }

  /**
   * An error message for records deleted before they were read: when a partition's batch starts
   * past where its reading stood (or, read from the beginning, past offset 0) and its first
   * offset still held is past that too.
   */
  async #deleted(
    partition: number,
    expected: number | undefined,
    first: number,
  ): Promise<MessageBatch | undefined> {
    const from = expected ?? (this.#settings.autoOffsetReset === "earliest" ? 0 : undefined);
    if (from === undefined || first <= from) return undefined;
    const { low } = await this.#answered(
      "reading the offsets of the topic",
      (ms) => this.#client.watermarks(this.#topic, partition, ms),
      GROUP_MS,
    );
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
    if (this.#assigned.size === 0) return false;
    for (const partition of this.#assigned) {
      const end = ends.get(partition) ?? 0;
      const next = this.#held.get(partition)?.next;
      if (end > 0 && (next === undefined || next < end)) return false;
    }
    return true;
  }

  /** What librdkafka reported: the run ends on what a person must mend, else waits it out. */
  #look(reported: readonly LibrdkafkaError[], messages: readonly MessageError[]): void {
    const doing = `reading topic "${this.#topic}"`;
    for (const error of [...reported, ...messages.map((m) => m.error)]) {
      if (error.code === Err.AUTO_OFFSET_RESET || error.code === Err.PARTITION_EOF) continue;
      if (
        needsPerson(error) || error.code === Err.UNKNOWN_TOPIC_OR_PART ||
        error.code === Err.UNKNOWN_TOPIC
      ) {
        this.#fail(explain(error, this.#settings, doing));
      } else {
        this.#lost(explain(error, this.#settings, doing).message);
      }
    }
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

  /** Ends the iteration after the item being handled. */
  stop(): void {
    this.#stopping = true;
    this.#pipe?.wake();
  }

  /** Items, `[]` batches after `tickMs` of silence; ends after {@linkcode stop}. */
  async *items(): AsyncGenerator<SourceItem> {
    let yielded = Date.now();
    while (!this.#stopping) {
      const taken = this.#reader.take(this.#queue);
      this.#look(this.#reported.splice(0), taken.errors);
      if (this.#stopping) break;
      if (taken.parts.length > 0) {
        yield { kind: "batch", batch: await this.#batch(taken.parts) };
        yielded = Date.now();
      }
      for (const change of this.#changes.splice(0)) {
        if (this.#stopping) break;
        try {
          yield await this.#apply(change);
        } catch (e) {
          if (!(e instanceof KafkaError)) throw e;
          this.#fail(e);
        }
      }
      if (this.#ends !== undefined && this.#reachedEnds()) break;
      if (taken.count > 0 || this.#stopping) continue;
      if (this.#owed !== undefined && this.#lostAt === undefined) {
        await this.acknowledge(this.#owed);
      }
      // Woken by a message, or by an error librdkafka reports; silence is said every tickMs.
      await this.#pipe.wait(Math.max(0, yielded + this.#tickMs - Date.now()));
      if (!this.#stopping && Date.now() - yielded >= this.#tickMs) {
        yield { kind: "batch", batch: { parts: [], now: Date.now() } };
        yielded = Date.now();
      }
    }
    if (this.#failure !== undefined) throw this.#failure;
  }

  /** Per partition read so far, how many messages the topic holds beyond the last one delivered. */
  lag(): PartitionLag[] {
    const high = new Map<number, number>();
    const lastRead = new Map<number, number>();
    for (const [partition, held] of this.#held) {
      const h = this.#client.cachedHigh(this.#topic, partition);
      if (h !== undefined) high.set(partition, h);
      if (held.next !== undefined && held.next > 0) lastRead.set(partition, held.next - 1);
    }
    return consumerLag(high, lastRead);
  }

  /**
   * Commits each partition's offset with its checkpoint as metadata, for the partitions this run
   * still reads. While the connection is lost the commit is kept and sent again once it is back
   * (a later one includes it); only errors that retrying cannot mend are thrown.
   */
  async acknowledge(acks: readonly Ack[], changes: readonly string[] = []): Promise<void> {
    if (this.#output !== undefined) return await this.#publish(this.#output, acks, changes);
    if (!this.#settings.enableAutoCommit || acks.length === 0 || this.#closed) return;
    const mine = acks.filter((a) => this.#assigned.has(a.partition));
    if (mine.length === 0) return;
    const entries = mine.map((a) => ({
      partition: a.partition,
      offset: a.offset,
      metadata: a.checkpoint,
    }));
    try {
      await this.#client.commit(this.#topic, entries, GROUP_MS);
      this.#owed = undefined;
      this.#back();
    } catch (e) {
      if (!(e instanceof LibrdkafkaError)) throw e;
      if (REBALANCING.includes(e.code)) {
        // The group moved on to a new generation: after the rebalance, a later commit of the
        // partitions still held covers this one (those given away are not committed by us).
        this.#owed = acks;
        return;
      }
      const explained = explain(e, this.#settings, `committing offsets of topic "${this.#topic}"`);
      if (!explained.transient) throw explained;
      this.#owed = acks;
      this.#lost(explained.message);
    }
  }

  /**
   * With an output topic: the change rows and the offsets (with their checkpoints) of the
   * partitions this run still reads, in one transaction. A failure ends the run (no retry here:
   * a restart resumes from the last transaction that committed, and fences this one).
   */
  async #publish(output: OutputTopic, acks: readonly Ack[], changes: readonly string[]) {
    const partitions = acks
      .filter((a) => this.#assigned.has(a.partition))
      .map((a) => ({ partition: a.partition, offset: a.offset, metadata: a.checkpoint }));
    if (partitions.length === 0 && changes.length === 0) return;
    await output.publish(changes, {
      groupId: this.#settings.groupId,
      topic: this.#topic,
      partitions,
    });
  }

  /**
   * Commits what is owed, if the connection allows, then leaves the group and lets go of
   * librdkafka (each step bounded: a broker that is gone does not hold the exit).
   */
  async close(): Promise<void> {
    if (this.#closed) return;
    this.stop();
    const bounded = (work: Promise<unknown>) => within(work, 5000);
    if (this.#owed !== undefined && this.#client !== undefined) {
      await bounded(this.acknowledge(this.#owed));
    }
    this.#closed = true;
    if (this.#output !== undefined) await bounded(this.#output.close());
    if (this.#client === undefined) return;
    const rd = this.#client.rd;
    const handle = this.#client.handle;
    if (this.#queue !== undefined) {
      const problem = takeError(rd, rd.rd_kafka_consumer_close_queue(handle, this.#queue));
      const until = Date.now() + 5000;
      while (problem === undefined && !rd.rd_kafka_consumer_closed(handle) && Date.now() < until) {
        this.#reader.take(this.#queue);
        await this.#pipe.wait(50);
      }
      rd.rd_kafka_queue_io_event_enable(this.#queue, -1, null, 0n); // no more writes to the pipe
      rd.rd_kafka_queue_destroy(this.#queue);
    }
    await this.#client.close();
    await this.#pipe?.close();
  }
}

function isCheckpoint(metadata: string | undefined): boolean {
  return checkpointTime(metadata) !== undefined;
}

/** The commit counter of a checkpoint kept as offset metadata, if the metadata is one. */
function checkpointTime(metadata: string | undefined): number | undefined {
  try {
    const time = (JSON.parse(metadata ?? "") as { time?: unknown })?.time;
    return typeof time === "number" ? time : undefined;
  } catch {
    return undefined;
  }
}
