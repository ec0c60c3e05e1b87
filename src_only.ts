import { KafkaSource } from "./io/kafka/kafka_source.ts";
import { resolveSettings } from "./io/kafka/settings.ts";
const [topic, want, ...extra] = Deno.args;
const settings = resolveSettings({
  "bootstrap.servers": "127.0.0.1:39092",
  "group.id": `so-${Date.now()}`,
});
const opened = (await KafkaSource.open(settings, { topic, tickMs: 250, untilEnd: true }))!;
let n = 0;
const t0 = performance.now();
for await (const item of opened.source.items()) {
  if (item.kind === "batch") { for (const p of item.batch.parts) n += p.values.length; }
  if (n >= Number(want)) break;
}
console.log(
  n,
  Math.round(performance.now() - t0),
  "ms",
  Math.round(Deno.memoryUsage().rss / 2 ** 20),
  "MiB rss",
  Math.round(Deno.memoryUsage().heapTotal / 2 ** 20),
  "heap",
);
const t1 = performance.now();
await opened.source.close();
console.log("close", Math.round(performance.now() - t1), "ms");
