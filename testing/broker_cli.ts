/**
 * `deno task kafka`: runs the test broker of `testing/broker.ts` in the foreground, prints how to
 * reach it and closes it on Ctrl-C or SIGTERM.
 *
 * @module
 */

import { parseArgs } from "node:util";
import { KAFKA_VERSION, SASL_MECHANISMS, startBroker, USER } from "./broker.ts";

/** The port the project's scripts reach by default (`-b localhost:9092`). */
const DEFAULT_PORT = 9092;

const HELP = `Usage: deno task kafka [--port N] [--timeout-ms MS]

Starts a single-node Apache Kafka ${KAFKA_VERSION} broker (KRaft) from the jars on Maven Central,
in a fresh temp folder, with three listeners on 127.0.0.1: PLAINTEXT on port ${DEFAULT_PORT} (the
scripts' default -b localhost:${DEFAULT_PORT}; another port, said loudly, when ${DEFAULT_PORT} is taken),
SASL_PLAINTEXT and SASL_SSL on free ports (${SASL_MECHANISMS.join(", ")}; user ${USER.username} /
${USER.password}; a self-signed certificate for 127.0.0.1 and localhost, written as PEM).
Runs until Ctrl-C or SIGTERM, then removes the folder.

Needs Java 17+ and, the first time only, Maven to fetch the jars into .cache/kafka/
(apt-get install -y openjdk-17-jre-headless maven).

Options:
  --port N          the PLAINTEXT listener's port (default ${DEFAULT_PORT}; it must be free)
  --timeout-ms MS   how long the broker may take to start (default 60000)
  -h, --help        this help
`;

function usageError(message: string): never {
  console.error(`deno task kafka: ${message}\nTry --help.`);
  Deno.exit(2);
}

/** Whether nothing listens on 127.0.0.1:`port`. */
function portFree(port: number): boolean {
  try {
    Deno.listen({ hostname: "127.0.0.1", port }).close();
    return true;
  } catch {
    return false;
  }
}

/** The PLAINTEXT port: `--port`, else 9092 when free, else any free one (undefined). */
function choosePort(given: string | undefined): number | undefined {
  if (given === undefined) return portFree(DEFAULT_PORT) ? DEFAULT_PORT : undefined;
  const port = Number(given);
  if (!(Number.isInteger(port) && port > 0 && port < 65536)) {
    usageError(`--port must be a TCP port number, not "${given}"`);
  }
  if (!portFree(port)) usageError(`port ${port} on 127.0.0.1 is taken; choose another --port`);
  return port;
}

async function main(args: string[]): Promise<number> {
  let values;
  try {
    ({ values } = parseArgs({
      args,
      options: {
        port: { type: "string" },
        "timeout-ms": { type: "string", default: "60000" },
        help: { type: "boolean", short: "h", default: false },
      },
    }));
  } catch (err) {
    usageError(err instanceof Error ? err.message : String(err));
  }
  if (values.help) {
    console.log(HELP);
    return 0;
  }
  const timeout = values["timeout-ms"];
  if (!/^\d+$/.test(timeout)) usageError(`--timeout-ms must be a whole number, not "${timeout}"`);
  const port = choosePort(values.port);

  // Ctrl-C / SIGTERM stop the broker, also while it is starting.
  const { promise: stopRequested, resolve: requestStop } = Promise.withResolvers<void>();
  for (const s of ["SIGINT", "SIGTERM", "SIGHUP"] as const) Deno.addSignalListener(s, requestStop);

  console.error(`Starting Kafka ${KAFKA_VERSION} (the first run also fetches its jars)…`);
  const t0 = performance.now();
  const starting = startBroker({ plaintextPort: port, startTimeoutMs: Number(timeout) });
  const broker = await Promise.race([starting, stopRequested.then(() => undefined)]);
  if (broker === undefined) {
    console.error("Interrupted; stopping the broker…");
    await (await starting.catch(() => undefined))?.close();
    return 130;
  }
  const seconds = ((performance.now() - t0) / 1000).toFixed(1);
  const { username, password } = broker.user;
  const ca = broker.caPemPath;
  const mechanisms = SASL_MECHANISMS.join(", ");
  console.log(`Kafka ${KAFKA_VERSION} test broker is ready (${seconds} s, pid ${broker.pid})

  PLAINTEXT       ${broker.plaintext}
  SASL_PLAINTEXT  ${broker.saslPlaintext}   (${mechanisms})
  SASL_SSL        ${broker.saslSsl}   (${mechanisms})
  CA certificate  ${ca}
  SASL user       ${username} / ${password}
  broker log      ${broker.logPath}

Examples:
  deno task demo -b ${broker.plaintext}
  KAFKA_BOOTSTRAP_SERVERS=${broker.plaintext} deno task test
  KAFKA_SASL_PASSWORD=${password} deno task start -b ${broker.saslSsl} \\
    -X security.protocol=sasl_ssl -X sasl.mechanism=SCRAM-SHA-256 \\
    -X sasl.username=${username} -X ssl.ca.location=${ca}
  kcat -b ${broker.saslSsl} -X security.protocol=sasl_ssl -X sasl.mechanism=PLAIN \\
    -X sasl.username=${username} -X sasl.password=${password} -X ssl.ca.location=${ca} -L
  (kcat needs librdkafka 2.6.1+ for SCRAM with Kafka 4; Debian 12's 2.0.2 can use PLAIN)

Press Ctrl-C to stop.`);
  if (port === undefined) {
    console.error(`
WARNING: port ${DEFAULT_PORT} on 127.0.0.1 is taken by another process (another broker?), so this
broker listens on ${broker.plaintext} instead. The scripts' default -b localhost:${DEFAULT_PORT}
reaches that other process, NOT this broker: pass

  -b ${broker.plaintext}
`);
  }

  const code = await Promise.race([stopRequested.then(() => undefined), broker.exited]);
  if (code !== undefined) {
    const log = await Deno.readTextFile(broker.logPath).catch(() => "");
    console.error(`The broker exited by itself (code ${code}). Its log ends with:`);
    console.error(log.trimEnd().split("\n").slice(-30).join("\n"));
    await broker.close();
    return 1;
  }
  console.error("Stopping the broker…");
  await broker.close();
  console.error("Stopped; temp folder removed.");
  return 0;
}

if (import.meta.main) {
  try {
    Deno.exit(await main(Deno.args));
  } catch (err) {
    console.error(`deno task kafka: ${err instanceof Error ? err.message : String(err)}`);
    Deno.exit(1);
  }
}
