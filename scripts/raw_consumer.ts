/**
 * The yardstick of the end-to-end benchmark: kafkajs `eachBatch` reading a topic from the start
 * and only counting messages, configured as main.ts configures it, until it has seen `--messages`.
 * It imports kafkajs directly on purpose: it measures the client, not our adapter. The fetch
 * sizes can be set, to measure their effect on the client alone; it prints how many messages it
 * saw, in how many batches, and its heap at the end.
 *
 * @module
 */

import { Kafka } from "kafkajs";
import { parseArgs } from "node:util";

const { values } = parseArgs({
  options: {
    "bootstrap-servers": { type: "string", short: "b", default: "localhost:9092" },
    topic: { type: "string", short: "t", default: "linear-regression" },
    messages: { type: "string" },
    "max-bytes": { type: "string", default: String(16 << 20) },
    "max-bytes-per-partition": { type: "string", default: String(1 << 20) },
    "min-bytes": { type: "string", default: "1" },
    "max-wait-ms": { type: "string", default: "100" },
  },
});
const wanted = Number(values.messages);
if (!Number.isSafeInteger(wanted) || wanted <= 0) {
  console.error("raw_consumer.ts: --messages N (a whole number > 0) is required");
  Deno.exit(2);
}
const kafka = new Kafka({ brokers: [values["bootstrap-servers"]], logLevel: 0 });
const consumer = kafka.consumer({
  groupId: `raw-${Date.now()}`,
  maxBytes: Number(values["max-bytes"]),
  maxBytesPerPartition: Number(values["max-bytes-per-partition"]),
  minBytes: Number(values["min-bytes"]),
  maxWaitTimeInMs: Number(values["max-wait-ms"]),
});
await consumer.connect();
await consumer.subscribe({ topics: [values.topic], fromBeginning: true });
let seen = 0;
let bytes = 0;
let batches = 0;
let largest = 0;
const done = Promise.withResolvers<void>();
await consumer.run({
  autoCommit: false,
  eachBatch: async ({ batch }) => {
    for (const message of batch.messages) bytes += message.value?.length ?? 0;
    seen += batch.messages.length;
    batches++;
    largest = Math.max(largest, batch.messages.length);
    if (seen >= wanted) done.resolve();
    await Promise.resolve();
  },
});
await done.promise;
const { heapUsed, heapTotal } = Deno.memoryUsage();
await consumer.disconnect();
const MiB = (n: number) => Math.round(n / 2 ** 20);
console.log(JSON.stringify({
  messages: seen,
  bytes,
  batches,
  largestBatch: largest,
  heapUsedMiB: MiB(heapUsed),
  heapTotalMiB: MiB(heapTotal),
}));
