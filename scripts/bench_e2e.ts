/**
 * `deno task bench:e2e`: the end-to-end benchmark against a real broker. Fills a fresh topic
 * with N rows, each followed by `*COMMIT*` (producer.ts --stdout piped into kcat, which is
 * faster than kafkajs's producer; producer.ts over Kafka when kcat is missing), then times, as whole processes on the
 * same topic: (a) a raw kafkajs `eachBatch` consumer that only counts the messages, and (b)
 * main.ts running the regression and writing its three files. Prints rows/s of each and the
 * ratio b/a. Uses KAFKA_BOOTSTRAP_SERVERS or -b when given, else starts a broker.
 *
 * @module
 */

import { parseArgs } from "node:util";
import { type Broker, startBroker } from "../testing/broker.ts";

const { values } = parseArgs({
  options: {
    rows: { type: "string", default: "1000000" },
    "bootstrap-servers": { type: "string", short: "b" },
  },
});
const rows = Number(values.rows);
const root = new URL("..", import.meta.url).pathname;
const deno = Deno.execPath();

let broker: Broker | undefined;
let bootstrap = values["bootstrap-servers"] ?? Deno.env.get("KAFKA_BOOTSTRAP_SERVERS");
if (bootstrap === undefined) {
  console.error("bench: starting a broker…");
  broker = await startBroker();
  bootstrap = broker.plaintext;
}

async function timed(what: string, args: string[], cwd = root): Promise<number> {
  const start = performance.now();
  const out = await new Deno.Command(deno, { args, cwd, stdout: "piped", stderr: "piped" })
    .output();
  const seconds = (performance.now() - start) / 1000;
  if (!out.success) {
    console.error(new TextDecoder().decode(out.stderr));
    throw new Error(`${what} failed with exit code ${out.code}`);
  }
  return seconds;
}

async function timedShell(script: string): Promise<number> {
  const start = performance.now();
  const out = await new Deno.Command("sh", { args: ["-c", script], stderr: "piped" }).output();
  if (!out.success) throw new Error(`${script}: ${new TextDecoder().decode(out.stderr)}`);
  return (performance.now() - start) / 1000;
}

const topic = `bench-${Date.now()}`;
const dir = await Deno.makeTempDir({ prefix: "kafka-regression-bench-" });
try {
  console.error(`bench: producing ${rows} rows (${2 * rows + 1} messages) to ${topic}…`);
  const generate = `"${deno}" run "${root}producer.ts" --stdout --count ${rows} ` +
    "--interval-ms 0 --header-delay-ms 0";
  const hasKcat = await new Deno.Command("sh", { args: ["-c", "command -v kcat"] }).output()
    .then((o) => o.success);
  const produce = hasKcat
    ? await timedShell(`${generate} | kcat -P -b ${bootstrap} -t ${topic} -p 0`)
    : await timed("producer", [
      "run",
      "-A",
      `${root}producer.ts`,
      "-b",
      bootstrap,
      "-t",
      topic,
      "--count",
      String(rows),
      "--interval-ms",
      "0",
      "--header-delay-ms",
      "0",
    ]);
  console.error(`bench: produced in ${produce.toFixed(1)} s; (a) raw kafkajs consumer…`);
  const raw = await timed("raw consumer", [
    "run",
    "-A",
    `${root}scripts/raw_consumer.ts`,
    "-b",
    bootstrap,
    "-t",
    topic,
    "--messages",
    String(2 * rows + 1),
  ]);
  console.error(`bench: (b) main.ts…`);
  const main = await timed("main.ts", [
    "run",
    "-A",
    `${root}main.ts`,
    "-b",
    bootstrap,
    "-t",
    topic,
    "--max-commits",
    String(rows),
    "-X",
    `group.id=bench-${topic}`,
  ], dir);
  const lines = (await Deno.readTextFile(`${dir}/regression_input.csv`)).split("\n").length - 2;
  if (lines !== rows) throw new Error(`main.ts logged ${lines} rows, expected ${rows}`);
  const rate = (seconds: number) => Math.round(rows / seconds).toLocaleString("en-US");
  console.log(`rows: ${rows.toLocaleString("en-US")} (each followed by *COMMIT*)`);
  console.log(
    `fill (${hasKcat ? "kcat" : "producer.ts"}): ${produce.toFixed(2)} s, ${rate(produce)} rows/s`,
  );
  console.log(`(a) raw kafkajs:    ${raw.toFixed(2)} s, ${rate(raw)} rows/s`);
  console.log(`(b) main.ts:        ${main.toFixed(2)} s, ${rate(main)} rows/s`);
  console.log(`ratio (b)/(a):      ${(raw / main).toFixed(2)}`);
} finally {
  await Deno.remove(dir, { recursive: true });
  await broker?.close();
}
