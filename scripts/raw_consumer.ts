/**
 * The yardstick of the end-to-end benchmark: kafkajs `eachBatch` reading a topic from the start
 * and only counting messages, configured as main.ts configures it, until it has seen `--messages`.
 * It imports kafkajs directly on purpose: it measures the client, not our adapter.
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
  maxBytes: 16 << 20,
  maxWaitTimeInMs: 100,
});
await consumer.connect();
await consumer.subscribe({ topics: [values.topic], fromBeginning: true });
let seen = 0;
let bytes = 0;
const done = Promise.withResolvers<void>();
await consumer.run({
  autoCommit: false,
  eachBatch: async ({ batch }) => {
    for (const message of batch.messages) bytes += message.value?.length ?? 0;
    seen += batch.messages.length;
    if (seen >= wanted) done.resolve();
    await Promise.resolve();
  },
});
await done.promise;
await consumer.disconnect();
console.log(JSON.stringify({ messages: seen, bytes }));
