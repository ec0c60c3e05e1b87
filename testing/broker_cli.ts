/**
 * `deno task kafka`: runs a real Apache Kafka test broker (see `testing/broker.ts`) in the
 * foreground, prints how to reach it and stops it cleanly on Ctrl-C or SIGTERM.
 *
 * @module
 */

import { parseArgs } from "node:util";
import { DEFAULT_USERS, KAFKA_VERSION, type KafkaUser, startBroker } from "./broker.ts";

const HELP = `Usage: deno run -A testing/broker_cli.ts [options]     (or: deno task kafka [options])

Starts a single-node Apache Kafka ${KAFKA_VERSION} broker (KRaft) from the jars on Maven Central,
in a fresh temp dir, with three listeners on 127.0.0.1 (PLAINTEXT on port 9092 when it is free,
so that the scripts' default -b localhost:9092 finds it; the others on free ports):
  PLAINTEXT, SASL_PLAINTEXT and SASL_SSL (SASL: SCRAM-SHA-256, SCRAM-SHA-512 or PLAIN;
  TLS: a self-signed certificate for 127.0.0.1/localhost, written as a PEM file).
Prints the addresses, then runs until Ctrl-C or SIGTERM, and removes the temp dir.

Needs Java 17+ and, the first time only, Maven to fetch the jars into .cache/kafka/
(apt-get install -y openjdk-17-jre-headless maven).

Options:
  --user NAME:PASSWORD   a SASL user, repeatable (default ${
  DEFAULT_USERS.map((u) => `${u.username}:${u.password}`).join(", ")
})
  --port N               the PLAINTEXT listener's port (default 9092 if free, else any)
  --full-jit             run the broker with the full JIT (slower start, higher throughput)
  --timeout-ms MS        how long to wait for the broker to start (default 90000)
  -h, --help             this help
`;

const OPTIONS = {
  user: { type: "string", multiple: true },
  port: { type: "string" },
  "full-jit": { type: "boolean", default: false },
  "timeout-ms": { type: "string", default: "90000" },
  help: { type: "boolean", short: "h", default: false },
} as const;

function usageError(message: string): never {
  console.error(`testing/broker_cli.ts: ${message}\nTry --help.`);
  Deno.exit(2);
}

function parseUser(text: string): KafkaUser {
  const i = text.indexOf(":");
  if (i <= 0 || i === text.length - 1) usageError(`--user must be NAME:PASSWORD, not "${text}"`);
  return { username: text.slice(0, i), password: text.slice(i + 1) };
}

/** Whether nothing listens on 127.0.0.1:`port` yet. */
function portFree(port: number): boolean {
  try {
    Deno.listen({ hostname: "127.0.0.1", port }).close();
    return true;
  } catch {
    return false;
  }
}

/** Shell-quotes a word if it needs it. */
function sh(word: string): string {
  return /^[\w@%+=:,./-]+$/.test(word) ? word : `'${word.replaceAll("'", `'\\''`)}'`;
}

async function main(args: string[]): Promise<number> {
  let values;
  try {
    ({ values } = parseArgs({ args, options: OPTIONS, strict: true, allowPositionals: false }));
  } catch (err) {
    usageError(err instanceof Error ? err.message : String(err));
  }
  if (values.help) {
    console.log(HELP);
    return 0;
  }
  const given = values.user ?? [];
  const users = given.length > 0 ? given.map(parseUser) : undefined;
  const timeout = values["timeout-ms"];
  if (!/^\d+$/.test(timeout)) usageError(`--timeout-ms must be a whole number, not "${timeout}"`);

  // Stop on Ctrl-C / SIGTERM, also while the broker is still starting.
  let signalled: () => void = () => {};
  const stopRequested = new Promise<void>((resolve) => (signalled = resolve));
  const signals: Deno.Signal[] = ["SIGINT", "SIGTERM", "SIGHUP"];
  for (const s of signals) Deno.addSignalListener(s, () => signalled());

  console.error(`Starting Kafka ${KAFKA_VERSION} (the first run also fetches its jars)…`);
  const t0 = performance.now();
  const port = values.port === undefined
    ? (portFree(9092) ? 9092 : undefined)
    : Number(values.port);
  if (port !== undefined && !(Number.isInteger(port) && port > 0 && port < 65536)) {
    usageError(`--port must be a TCP port number, not "${values.port}"`);
  }
  const starting = startBroker({
    plaintextPort: port,
    users,
    fastJit: !values["full-jit"],
    startTimeoutMs: Number(timeout),
  });
  const first = await Promise.race([starting, stopRequested.then(() => undefined)]);
  if (first === undefined) {
    console.error("Interrupted; stopping the broker…");
    await (await starting.catch(() => undefined))?.stop();
    return 130;
  }
  const broker = first;
  const seconds = ((performance.now() - t0) / 1000).toFixed(1);
  const user = broker.users[0];
  const saslFlags = (mechanism: string) =>
    `-X sasl.mechanism=${mechanism} -X sasl.username=${sh(user.username)} ` +
    `-X sasl.password=${sh(user.password)}`;
  console.log(`Kafka ${broker.kafkaVersion} test broker is ready (${seconds} s, pid ${broker.pid})

  PLAINTEXT       ${broker.plaintext}
  SASL_PLAINTEXT  ${broker.saslPlaintext}   (${broker.mechanisms.join(", ")})
  SASL_SSL        ${broker.saslSsl}   (${broker.mechanisms.join(", ")})
  CA certificate  ${broker.caPemPath}
  SASL users      ${broker.users.map((u) => `${u.username} / ${u.password}`).join(", ")}
  broker log      ${broker.logPath}

Examples:
  KAFKA_BOOTSTRAP_SERVERS=${broker.plaintext} deno task test
  KAFKA_SASL_PASSWORD=${sh(user.password)} deno task start -b ${broker.saslSsl} \\
    -X security.protocol=sasl_ssl -X sasl.mechanism=SCRAM-SHA-256 \\
    -X sasl.username=${sh(user.username)} -X ssl.ca.location=${sh(broker.caPemPath)}
  kcat -b ${broker.saslSsl} -X security.protocol=sasl_ssl ${saslFlags("PLAIN")} \\
    -X ssl.ca.location=${sh(broker.caPemPath)} -L
  (kcat needs librdkafka 2.6.1+ for SCRAM with Kafka 4; Debian 12's 2.0.2 can use PLAIN)

Press Ctrl-C to stop.`);

  const code = await Promise.race([
    stopRequested.then(() => undefined),
    broker.exited,
  ]);
  if (code !== undefined) {
    const log = await Deno.readTextFile(broker.logPath).catch(() => "");
    console.error(`The broker exited by itself (code ${code}). Its log ends with:`);
    console.error(log.trimEnd().split("\n").slice(-30).join("\n"));
    await broker.stop();
    return 1;
  }
  console.error("Stopping the broker…");
  await broker.stop();
  console.error("Stopped; temp dir removed.");
  return 0;
}

if (import.meta.main) {
  try {
    Deno.exit(await main(Deno.args));
  } catch (err) {
    console.error(err instanceof Error ? err.message : String(err));
    Deno.exit(1);
  }
}
