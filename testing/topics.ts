/**
 * Topic helpers for tests, on any broker's PLAINTEXT bootstrap list (kafkajs admin client): make a
 * topic with N partitions, delete records below an offset (as retention would, unread or not),
 * read a topic's offsets, delete a topic. Each call connects, acts and disconnects, within 30 s.
 *
 * @example Retention deletes records a consumer has not read yet
 * ```ts
 * await using broker = await testBroker();
 * await createTopic(broker.plaintext, "t", 3);
 * // … produce 10 records to partition 0 …
 * await deleteRecordsBefore(broker.plaintext, "t", 0, 4);
 * assert.deepEqual((await topicOffsets(broker.plaintext, "t"))[0], { partition: 0, low: 4, high: 10 });
 * ```
 *
 * @module
 */

import { type Admin, Kafka, logLevel } from "kafkajs";
import { withTimeout } from "./timeout.ts";

/** The offsets of one partition. */
export interface PartitionOffsets {
  /** Partition number. */
  readonly partition: number;
  /** Offset of the first record still there (the log start offset). */
  readonly low: number;
  /** Offset the next record will get (the high watermark). */
  readonly high: number;
}

const TIME_LIMIT_MS = 30_000;

async function withAdmin<T>(
  brokers: string,
  what: string,
  act: (admin: Admin) => Promise<T>,
): Promise<T> {
  const admin = new Kafka({
    clientId: "kafka-regression-test-topics",
    brokers: brokers.split(","),
    logLevel: logLevel.NOTHING,
    retry: { retries: 3 },
  }).admin();
  const acting = (async () => {
    await admin.connect();
    try {
      return await act(admin);
    } finally {
      await admin.disconnect();
    }
  })();
  return await withTimeout(acting, TIME_LIMIT_MS, `${what} on ${brokers}`);
}

/**
 * Creates `topic` with `partitions` partitions (replication factor 1) and topic `config`
 * (e.g. `message.timestamp.type`), and waits for their leaders. Throws if it exists already.
 *
 * @example
 * ```ts
 * await createTopic(broker.plaintext, "wide", 4);
 * ```
 */
export async function createTopic(
  brokers: string,
  topic: string,
  partitions = 1,
  config: Readonly<Record<string, string>> = {},
): Promise<void> {
  const configEntries = Object.entries(config).map(([name, value]) => ({ name, value }));
  const created = await withAdmin(
    brokers,
    `creating topic ${topic}`,
    (admin) =>
      admin.createTopics({
        topics: [{ topic, numPartitions: partitions, replicationFactor: 1, configEntries }],
        waitForLeaders: true,
      }),
  );
  if (!created) throw new Error(`topic ${topic} exists already on ${brokers}`);
}

/**
 * Deletes the records of `topic`/`partition` below `offset`, as retention would: the log start
 * offset becomes `offset`, and a consumer whose position was below it finds them gone.
 *
 * @example
 * ```ts
 * await deleteRecordsBefore(broker.plaintext, "t", 0, 4); // offsets 0..3 are gone
 * ```
 */
export async function deleteRecordsBefore(
  brokers: string,
  topic: string,
  partition: number,
  offset: number,
): Promise<void> {
  await withAdmin(
    brokers,
    `deleting records of ${topic}/${partition} below ${offset}`,
    async (admin) => {
      await admin.fetchTopicMetadata({ topics: [topic] }); // deleteTopicRecords needs it loaded
      await admin.deleteTopicRecords({ topic, partitions: [{ partition, offset: `${offset}` }] });
    },
  );
}

/**
 * The low and high offsets of each partition of `topic`, by partition number.
 *
 * @example
 * ```ts
 * const [{ low, high }] = await topicOffsets(broker.plaintext, "t");
 * ```
 */
export async function topicOffsets(brokers: string, topic: string): Promise<PartitionOffsets[]> {
  const offsets = await withAdmin(
    brokers,
    `reading the offsets of ${topic}`,
    (admin) => admin.fetchTopicOffsets(topic),
  );
  return offsets
    .map((p) => ({ partition: p.partition, low: Number(p.low), high: Number(p.high) }))
    .sort((a, b) => a.partition - b.partition);
}

/**
 * Deletes `topic`.
 *
 * @example
 * ```ts
 * await deleteTopic(broker.plaintext, "t");
 * ```
 */
export async function deleteTopic(brokers: string, topic: string): Promise<void> {
  await withAdmin(
    brokers,
    `deleting topic ${topic}`,
    (admin) => admin.deleteTopics({ topics: [topic] }),
  );
}
