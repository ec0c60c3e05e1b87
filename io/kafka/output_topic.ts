/**
 * The change stream as a Kafka topic, exactly once: librdkafka's transactional producer writes
 * each batch's change rows and commits the consumer group's offsets (with their checkpoints) in
 * one transaction.
 *
 * @module
 */

import { KafkaClient } from "./client.ts";
import { explain, KafkaError } from "./errors.ts";
import {
  cBytes,
  LibrdkafkaError,
  type PartitionEntry,
  partitionList,
  takeError,
} from "./native.ts";
import { enqueue } from "./producer.ts";
import type { KafkaSettings } from "./settings.ts";

/** The offsets a transaction commits: a group's on one topic, with their checkpoints. */
export interface TransactionOffsets {
  readonly groupId: string;
  readonly topic: string;
  readonly partitions: readonly PartitionEntry[];
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
 * import { transactionalId } from "./output_topic.ts";
 * assert.equal(transactionalId("kafka-regression", "linear-regression"),
 *   "kafka-regression/kafka-regression/linear-regression");
 * ```
 */
export function transactionalId(groupId: string, topic: string): string {
  return `kafka-regression/${groupId}/${topic}`;
}

/** How long a transaction's steps may take (librdkafka's `transaction.timeout.ms` is 60 s). */
const TRANSACTION_MS = 30_000;

/**
 * Each {@linkcode OutputTopic.publish} is one transaction holding change rows (one message each,
 * in order, to partition 0) and the consumer group's offsets with their checkpoints, so the rows
 * of the input a group committed are in the topic once — for consumers that read with
 * `isolation.level=read_committed`: aborted transactions' rows stay in the log, hidden only from
 * them.
 *
 * Opening it (`rd_kafka_init_transactions`) fences any older producer with the same
 * transactional id and lets the broker finish that one's open transaction (aborted, or committed
 * if its commit had begun) — so a run opens it before it reads the group's offsets.
 *
 * @example
 * ```ts ignore
 * const output = await OutputTopic.open(settings, {
 *   topic: "fit",
 *   transactionalId: transactionalId(settings.groupId, "linear-regression"),
 * });
 * await output.publish(['{"a":0,"b":1,"time":0,"diff":1}'], undefined);
 * await output.close();
 * ```
 */
export class OutputTopic {
  readonly #client: KafkaClient;
  readonly #rkt: Deno.PointerObject;
  /** The topic written. */
  readonly topic: string;
  /** The transactional id. */
  readonly transactionalId: string;

  private constructor(client: KafkaClient, options: OutputTopicOptions) {
    this.#client = client;
    this.topic = options.topic;
    this.transactionalId = options.transactionalId;
    this.#rkt = client.rd.rd_kafka_topic_new(client.handle, cBytes(options.topic), null)!;
  }

  /**
   * Makes the transactional producer, fencing the previous one of the same transactional id.
   *
   * @throws {KafkaError} when the broker cannot be reached, refuses the client, or does not
   * allow transactions (they need `transaction.state.log.*` to fit the cluster).
   */
  static async open(settings: KafkaSettings, options: OutputTopicOptions): Promise<OutputTopic> {
    const client = await KafkaClient.open({
      kind: "producer",
      settings,
      extra: { "transactional.id": options.transactionalId },
    });
    const doing = `starting transactions for topic "${options.topic}"`;
    try {
      await client.answered(doing, (ms) => client.connected(ms), () => client.events().errors);
      const failed = takeError(
        client.rd,
        await client.request(client.rd.rd_kafka_init_transactions(client.handle, TRANSACTION_MS)),
      );
      if (failed !== undefined) {
        throw explainTransaction(failed, settings, options.transactionalId, doing);
      }
    } catch (e) {
      await client.close();
      throw e;
    }
    return new OutputTopic(client, options);
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
    const client = this.#client;
    const rd = client.rd;
    const settings = client.settings;
    const id = this.transactionalId;
    const doing = `writing to topic "${this.topic}"`;
    let failed = takeError(rd, rd.rd_kafka_begin_transaction(client.handle));
    if (failed !== undefined) throw explainTransaction(failed, settings, id, doing);
    try {
      for (let at = 0; at < rows.length;) {
        at += enqueue(rd, this.#rkt, 0, rows.slice(at));
        if (at < rows.length) {
          // librdkafka's queue is full: let it send some first.
          await client.request(rd.rd_kafka_flush(client.handle, 100));
        }
      }
      if (offsets !== undefined && offsets.partitions.length > 0) {
        const list = partitionList(rd, offsets.topic, offsets.partitions);
        const group = rd.rd_kafka_consumer_group_metadata_new(cBytes(offsets.groupId))!;
        try {
          failed = takeError(
            rd,
            await client.request(
              rd.rd_kafka_send_offsets_to_transaction(client.handle, list, group, TRANSACTION_MS),
            ),
          );
        } finally {
          rd.rd_kafka_consumer_group_metadata_destroy(group);
          rd.rd_kafka_topic_partition_list_destroy(list);
        }
        if (failed !== undefined) throw failed;
      }
    } catch (e) {
      takeError(
        rd,
        await client.request(rd.rd_kafka_abort_transaction(client.handle, TRANSACTION_MS)),
      );
      if (!(e instanceof LibrdkafkaError)) throw e;
      throw explainTransaction(
        e,
        settings,
        id,
        `${doing} (the transaction was aborted: a restart writes its rows again, once)`,
      );
    }
    failed = takeError(
      rd,
      await client.request(rd.rd_kafka_commit_transaction(client.handle, TRANSACTION_MS)),
    );
    client.events();
    if (failed !== undefined) {
      throw explainTransaction(
        failed,
        settings,
        id,
        `committing a transaction to topic "${this.topic}" (its outcome is settled when the ` +
          "next run with this group opens: it resumes after the rows that made it, once)",
      );
    }
  }

  /** Lets go of the producer. */
  async close(): Promise<void> {
    this.#client.rd.rd_kafka_topic_destroy(this.#rkt);
    await this.#client.close();
  }
}

/** {@linkcode explain}, knowing the transactions' own failures: fenced, not allowed. */
function explainTransaction(
  error: LibrdkafkaError | KafkaError,
  settings: KafkaSettings,
  id: string,
  doing: string,
): KafkaError {
  if (error instanceof KafkaError) return error;
  const all = `${error.codeName} ${error.message}`;
  if (/PRODUCER_FENCED|INVALID_PRODUCER_EPOCH|_FENCED|fenced|epoch/i.test(all)) {
    return new KafkaError(
      `${doing}: another run took over the transactional id "${id}" (the same group reading ` +
        "the same topic, with --output-topic): this one stops. With --output-topic, run one " +
        "instance per consumer group",
      { cause: error },
    );
  }
  if (/TRANSACTIONAL_ID_AUTHORIZATION/i.test(all)) {
    return new KafkaError(
      `${doing}: the broker does not let this user write transactions as "${id}": grant it ` +
        `WRITE and DESCRIBE on the TransactionalId "${id}" (and WRITE on the output topic)`,
      { cause: error },
    );
  }
  return explain(error, settings, doing);
}
