/**
 * `deno task demo`: the reference run over Kafka in one command. Uses the broker at
 * localhost:9092 (or `-b HOST:PORT`) when one answers there, on a topic of its own that it deletes
 * at the end (also after Ctrl-C), else starts a throwaway one with the project's harness; then
 * runs the producer and the runner together and prints the change stream of the fit as it grows,
 * while main.ts serves the live page of the fit (`--serve`).
 *
 * @module
 */

import { parseArgs } from "node:util";
import { type Broker, startBroker } from "../testing/broker.ts";
import { deleteTopic } from "../testing/topics.ts";
import { addressUrl, parseListenAddress } from "../lib/listen_address.ts";
import { librdkafkaPath } from "../io/kafka/library.ts";

const HELP =
  `Usage: deno task demo [-b HOST:PORT] [--count N] [--interval-ms MS] [--serve [HOST:]PORT]

Runs producer.ts and main.ts together over Kafka and prints the change stream of the fit as it
grows; main.ts serves the live page of the fit at the address printed (--serve; default: a free
port of 127.0.0.1). Uses the broker at localhost:9092 (or -b) if one answers, on a topic of its own that it
deletes at the end; else starts a throwaway broker (Apache Kafka from Maven Central jars, which
needs Java 17+ and, the first time, Maven to download them) and removes it after.
Outputs: regression_input.csv, regression_output_stream.csv and regression_errors.csv here.
`;

const { values } = parseArgs({
  options: {
    "bootstrap-servers": { type: "string", short: "b", default: "localhost:9092" },
    count: { type: "string", default: "10" },
    "interval-ms": { type: "string", default: "500" },
    serve: { type: "string" },
    help: { type: "boolean", short: "h", default: false },
  },
});
if (values.help) {
  console.log(HELP);
  Deno.exit(0);
}

// The live page: on the port asked for, else on a free one, so that its address is known here.
let serve = values.serve;
if (serve === undefined) {
  const probe = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  serve = `127.0.0.1:${(probe.addr as Deno.NetAddr).port}`;
  probe.close();
}
const address = parseListenAddress(serve);
if ("problem" in address) {
  console.error(`demo: ${address.problem.replace("`serve`", "--serve")}`);
  Deno.exit(2);
}
console.error(`demo: watch the fit live at ${addressUrl(address)}`);

async function answers(address: string): Promise<boolean> {
  const colon = address.lastIndexOf(":");
  try {
    const connection = await Deno.connect({
      hostname: address.slice(0, colon),
      port: Number(address.slice(colon + 1)),
    });
    connection.close();
    return true;
  } catch {
    return false;
  }
}

const root = new URL("..", import.meta.url).pathname;
let broker: Broker | undefined;
let bootstrap = values["bootstrap-servers"];
let topic = "linear-regression";
if (await answers(bootstrap)) {
  // Someone else's broker: a topic of our own, so as not to mix with what is there.
  topic = `linear-regression-demo-${Date.now()}`;
  console.error(`demo: using the broker at ${bootstrap}, topic ${topic}`);
} else {
  console.error(
    `demo: no broker answers at ${bootstrap}; starting a throwaway Apache Kafka ` +
      "(the first time, Maven downloads its jars: a minute or two)…",
  );
  try {
    broker = await startBroker();
  } catch (err) {
    console.error(`demo: cannot start a Kafka broker: ${err instanceof Error ? err.message : err}`);
    console.error(`demo: or use a broker of yours: deno task demo -b HOST:PORT`);
    Deno.exit(1);
  }
  bootstrap = broker.plaintext;
  console.error(`demo: broker ready at ${bootstrap}`);
}

// librdkafka, fetched here the first time, so that producer and runner do not both fetch it.
try {
  await librdkafkaPath({ fetching: (what) => console.error(`demo: ${what}`) });
} catch (e) {
  console.error(`demo: ${e instanceof Error ? e.message : e}`);
  await broker?.close();
  Deno.exit(1);
}

const deno = Deno.execPath();
const runner = new Deno.Command(deno, {
  args: [
    "run",
    "-A",
    `${root}main.ts`,
    "-b",
    bootstrap,
    "-t",
    topic,
    "-X",
    `group.id=demo-${Date.now()}`,
    "--max-commits",
    values.count,
    "--output",
    "-",
    "--serve",
    serve,
  ],
  stdout: "piped",
  stderr: "inherit",
}).spawn();
// The change stream goes to the terminal as it grows, and to its file, as main.ts would write it.
const [toTerminal, toFile] = runner.stdout.tee();
const shown = Promise.all([
  toTerminal.pipeTo(Deno.stdout.writable, { preventClose: true }),
  Deno.open("regression_output_stream.csv", { write: true, create: true, truncate: true })
    .then((file) => toFile.pipeTo(file.writable)),
]);
const producer = new Deno.Command(deno, {
  args: [
    "run",
    "-A",
    `${root}producer.ts`,
    "-b",
    bootstrap,
    "-t",
    topic,
    "--count",
    values.count,
    "--header-delay-ms",
    "1000",
    "--interval-ms",
    values["interval-ms"],
  ],
  stdout: "inherit",
  stderr: "inherit",
}).spawn();

const stop = () => {
  for (const child of [runner, producer]) {
    try {
      child.kill("SIGINT");
    } catch { /* already gone */ }
  }
};
Deno.addSignalListener("SIGINT", stop);
const [produced, ran] = await Promise.all([producer.status, runner.status, shown]);
Deno.removeSignalListener("SIGINT", stop);
if (broker) {
  await broker.close();
} else {
  try {
    await deleteTopic(bootstrap, topic);
    console.error(`demo: deleted topic ${topic}`);
  } catch (err) {
    console.error(
      `demo: could not delete topic ${topic}: ${err instanceof Error ? err.message : err}`,
    );
  }
}
console.error(
  ran.success && produced.success
    ? "demo: done; the tables are in regression_input.csv and regression_output_stream.csv"
    : `demo: failed (producer exit ${produced.code}, runner exit ${ran.code})`,
);
Deno.exit(ran.success && produced.success ? 0 : 1);
