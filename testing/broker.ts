/**
 * A real Apache Kafka broker for tests, run from the jars on Maven Central (no Docker): one KRaft
 * node (broker + controller) on 127.0.0.1 with three client listeners, PLAINTEXT, SASL_PLAINTEXT
 * and SASL_SSL (SCRAM-SHA-256, SCRAM-SHA-512 and PLAIN for {@linkcode USER}; a self-signed
 * certificate for 127.0.0.1 and localhost, exported as PEM), in a fresh temp folder.
 *
 * Needs Java 17+ (`java`, `keytool`; `$JAVA_HOME/bin` first when set) and, the first time only,
 * Maven (`mvn`), which copies the jars named by `testing/pom.xml` into `.cache/kafka/jars`.
 *
 * The folder goes when {@linkcode Broker.close} is called, or else when the process that started
 * the broker exits in any way (a small `sh` guardian waits for its stdin to close, then stops the
 * JVM and removes the folder).
 *
 * @example A broker for a test file; stop it for 5 s mid-test
 * ```ts
 * import { testBroker } from "./testing/broker.ts";
 *
 * await using broker = await testBroker();
 * // … clients on broker.plaintext …
 * if (broker.kind === "local") await broker.restart({ downMs: 5_000 }); // same ports, same data
 * ```
 *
 * @module
 */

import { join } from "node:path";
import { fileURLToPath } from "node:url";

/** The Kafka release that `testing/pom.xml` resolves. */
export const KAFKA_VERSION = "4.1.1";

/** A SASL user of the test broker. */
export interface KafkaUser {
  /** User name. */
  readonly username: string;
  /** Password. */
  readonly password: string;
}

/** The broker's one SASL user, the same for SCRAM-SHA-256, SCRAM-SHA-512 and PLAIN. */
export const USER: KafkaUser = Object.freeze({ username: "alice", password: "alice-secret" });

/** SASL mechanisms that the SASL_PLAINTEXT and SASL_SSL listeners accept. */
export const SASL_MECHANISMS: readonly string[] = Object.freeze([
  "SCRAM-SHA-256",
  "SCRAM-SHA-512",
  "PLAIN",
]);

/** Options of {@linkcode startBroker}. */
export interface BrokerOptions {
  /** The PLAINTEXT listener's port (default: a free one; the other listeners always get free ones). */
  readonly plaintextPort?: number;
  /** How long a start may take before it fails with the broker's log, in ms (default 60 000). */
  readonly startTimeoutMs?: number;
}

/** Options of {@linkcode Broker.restart}. */
export interface RestartOptions {
  /** How long the broker stays down between stop and start, in ms (default 0). */
  readonly downMs?: number;
}

/** A broker from `KAFKA_BOOTSTRAP_SERVERS`: PLAINTEXT only, not ours to stop or restart. */
export interface ExternalBroker extends AsyncDisposable {
  /** Tells it from a {@linkcode Broker}. */
  readonly kind: "external";
  /** The bootstrap list from `KAFKA_BOOTSTRAP_SERVERS`. */
  readonly plaintext: string;
  /** Does nothing. */
  close(): Promise<void>;
}

/** What {@linkcode testBroker} returns; narrow on `kind` for SASL, TLS and restarts. */
export type TestBroker = Broker | ExternalBroker;

const INSTALL_HINT = "install Java 17+ and Maven, e.g. " +
  "`apt-get install -y openjdk-17-jre-headless maven` (Maven fetches the Kafka jars once)";
const HERE = fileURLToPath(new URL(".", import.meta.url));
const POM = join(HERE, "pom.xml");
const LOG4J_CONFIG = join(HERE, "log4j2.properties");
const JARS = join(HERE, "..", ".cache", "kafka", "jars");
const READY_LINE = "Kafka Server started";
const KEYSTORE_PASSWORD = "test-only-keystore";
const STOP_GRACE_MS = 20_000;
// Two start-up tricks, measured with this file on the project's 2-core machine while others used
// it (load 4-6), warm (jars cached), 5 interleaved runs each, median (best):
//                              startBroker()    start() after stop()
//   neither                    9.1 s (5.3 s)    6.6 s (5.7 s)
//   C1 JIT only (JIT_FLAGS)    4.2 s (3.3 s)    3.1 s (2.1 s)
//   C1 JIT + AppCDS (CDS_DIR)  3.9 s (2.5 s)    1.6 s (1.3 s)
// (The harness before this rewrite, with both: 3.5 s (3.3 s); this one also waits until the
// broker serves consumer groups.)
// C1 only: these JVMs run briefly and the full JIT's compiler threads compete for the 2 cores.
const JIT_FLAGS = ["-XX:TieredStopAtLevel=1"];
// AppCDS: the first broker JVM dumps the classes it loaded (-XX:ArchiveClassesAtExit) when it
// stops; later ones map that archive (-XX:SharedArchiveFile) instead of loading and verifying
// those classes from the jars again.
const CDS_DIR = join(HERE, "..", ".cache", "kafka", "cds");

/**
 * Stops the JVM whose pid is in `$1/jvm.pid` and removes the folder `$1`, once its stdin is closed:
 * by {@linkcode Broker.close}, or by the exit of the process that started the broker (even
 * SIGKILL). It ignores the terminal's Ctrl-C and SIGTERM so as to outlive that process.
 */
const GUARDIAN = `trap '' INT TERM HUP
while read -r _; do :; done
if pid=$(cat "$1/jvm.pid" 2>/dev/null); then
  kill -TERM "$pid"; n=0
  while kill -0 "$pid" 2>/dev/null && [ $n -lt 200 ]; do sleep 0.1; n=$((n+1)); done
  kill -KILL "$pid" 2>/dev/null
fi
rm -rf "$1"`;

/**
 * The broker for a test file: an {@linkcode ExternalBroker} when `KAFKA_BOOTSTRAP_SERVERS` is
 * set, else a fresh {@linkcode startBroker}. A start takes a few seconds: one per file, not per step.
 *
 * @example
 * ```ts
 * await using broker = await testBroker();
 * const kafka = new Kafka({ brokers: [broker.plaintext] });
 * ```
 */
export async function testBroker(options: BrokerOptions = {}): Promise<TestBroker> {
  const external = Deno.env.get("KAFKA_BOOTSTRAP_SERVERS")?.trim();
  if (!external) return await startBroker(options);
  const close = () => Promise.resolve();
  return { kind: "external", plaintext: external, close, [Symbol.asyncDispose]: close };
}

/**
 * Starts a fresh broker (see the module's doc) and resolves once it is ready.
 *
 * @throws Error saying what to install when Java 17+ or Maven is missing, or with the broker's
 * log tail when it does not start.
 * @example
 * ```ts
 * const broker = await startBroker({ plaintextPort: 9092 });
 * try {
 *   console.log(broker.plaintext, broker.saslSsl, broker.caPemPath);
 * } finally {
 *   await broker.close();
 * }
 * ```
 */
export async function startBroker(options: BrokerOptions = {}): Promise<Broker> {
  const java = await findJava();
  const { jars, stamp } = await kafkaJars();
  const dir = await Deno.makeTempDir({ prefix: "kafka-broker-" });
  const guardian = new Deno.Command("sh", {
    args: ["-c", GUARDIAN, "kafka-broker-guardian", dir],
    stdin: "piped",
    stdout: "null",
    stderr: "null",
  }).spawn();
  guardian.unref();
  const release = async () => {
    guardian.ref(); // so that the event loop waits for it
    await guardian.stdin.close().catch(() => {});
    await guardian.status;
  };
  try {
    const [free, controller, saslPlaintext, saslSsl] = freePorts(4);
    const ports = { plaintext: options.plaintextPort ?? free, controller, saslPlaintext, saslSsl };
    const configPath = join(dir, "server.properties");
    await Deno.writeTextFile(configPath, serverProperties(dir, ports));
    await Promise.all([makeCertificate(java, dir), formatStorage(java, jars, configPath)]);
    // The archive holds the jars' paths and times: a new fetch or another Java needs a new one.
    const jarsTime = (await Deno.stat(join(jars, ".resolved"))).mtime?.getTime();
    const key = (await sha256(`${java.version}${jars}${stamp}${jarsTime}`)).slice(0, 16);
    const broker = new Broker(
      dir,
      ports,
      {
        java: java.java,
        args: [
          "-Xms256m",
          "-Xmx1g",
          ...JIT_FLAGS,
          ...jvmArgs(jars, dir),
          "kafka.Kafka",
          configPath,
        ],
        archive: join(CDS_DIR, `broker-${key}.jsa`),
      },
      options.startTimeoutMs ?? 60_000,
      release,
    );
    await broker.start();
    return broker;
  } catch (err) {
    await release();
    throw err;
  }
}

// ---------------------------------------------------------------------------------------------
// Prerequisites: Java and the jars

/** Parses the feature version out of `java -version` output ("17.0.15" → 17, "1.8.0" → 8). */
export function parseJavaMajor(versionOutput: string): number | undefined {
  const m = /version "(\d+)(?:\.(\d+))?[^"]*"/.exec(versionOutput);
  if (!m) return undefined;
  return m[1] === "1" && m[2] !== undefined ? Number(m[2]) : Number(m[1]);
}

interface Java {
  readonly java: string;
  readonly keytool: string;
  /** What `java -version` says. */
  readonly version: string;
}

async function findJava(): Promise<Java> {
  const home = Deno.env.get("JAVA_HOME");
  const tool = (name: string) => home ? join(home, "bin", name) : name;
  const java = tool("java");
  const version = await run(java, ["-version"], "Kafka's test broker needs Java 17+");
  const major = parseJavaMajor(version);
  if (major === undefined || major < 17) {
    throw new Error(
      `Kafka's test broker needs Java 17+, but '${java} -version' says:\n${version}\n` +
        INSTALL_HINT,
    );
  }
  return { java, keytool: tool("keytool"), version };
}

/** `<repo>/.cache/kafka/jars`, filled by Maven from `testing/pom.xml` when it is not yet. */
async function kafkaJars(): Promise<{ jars: string; stamp: string }> {
  const stamp = `kafka ${KAFKA_VERSION} pom-sha256 ${await sha256(await Deno.readTextFile(POM))}\n`;
  const stampPath = join(JARS, ".resolved");
  if (await Deno.readTextFile(stampPath).catch(() => "") === stamp) return { jars: JARS, stamp };
  await Deno.remove(JARS, { recursive: true }).catch(() => {});
  console.error(`Fetching the Kafka ${KAFKA_VERSION} jars with Maven into ${JARS} (once)…`);
  await run("mvn", [
    ...["-q", "-B", "-f", POM, "dependency:copy-dependencies", "-DincludeScope=runtime"],
    `-DoutputDirectory=${JARS}`,
  ], "Fetching the Kafka jars from Maven Central needs Maven");
  await Deno.writeTextFile(stampPath, stamp);
  return { jars: JARS, stamp };
}

// ---------------------------------------------------------------------------------------------
// A new broker folder: certificate, config, formatted storage

interface Ports {
  readonly plaintext: number;
  readonly controller: number;
  readonly saslPlaintext: number;
  readonly saslSsl: number;
}

/** `n` distinct TCP ports that were free on 127.0.0.1 a moment ago. */
function freePorts(n: number): number[] {
  const listeners = Array.from(
    { length: n },
    () => Deno.listen({ hostname: "127.0.0.1", port: 0 }),
  );
  const ports = listeners.map((l) => l.addr.port);
  for (const l of listeners) l.close();
  return ports;
}

/** `broker.p12` (an EC key: quick to make) and its certificate as `ca.pem`. */
async function makeCertificate({ keytool }: Java, dir: string): Promise<void> {
  const store = ["-alias", "broker", "-keystore", join(dir, "broker.p12")];
  const secret = ["-storetype", "PKCS12", "-storepass", KEYSTORE_PASSWORD];
  const what = "Making the test broker's certificate needs keytool (part of Java 17+)";
  await run(keytool, [
    ...["-genkeypair", "-noprompt", "-keyalg", "EC", "-groupname", "secp256r1"],
    ...["-validity", "3650", "-dname", "CN=localhost", "-ext", "SAN=ip:127.0.0.1,dns:localhost"],
    ...JIT_FLAGS.map((f) => `-J${f}`),
    ...store,
    ...secret,
  ], what);
  await run(
    keytool,
    ["-exportcert", "-rfc", "-file", join(dir, "ca.pem"), ...store, ...secret],
    what,
  );
}

function serverProperties(dir: string, ports: Ports): string {
  const listeners: [string, number][] = [
    ["PLAINTEXT", ports.plaintext],
    ["SASL_PLAINTEXT", ports.saslPlaintext],
    ["SASL_SSL", ports.saslSsl],
  ];
  const urls = (list: [string, number][]) => list.map(([n, p]) => `${n}://127.0.0.1:${p}`).join();
  const scram = "org.apache.kafka.common.security.scram.ScramLoginModule required;";
  const plain = "org.apache.kafka.common.security.plain.PlainLoginModule required " +
    `user_${USER.username}="${USER.password}";`;
  const props: Record<string, string | number> = {
    "process.roles": "broker,controller",
    "node.id": 1,
    "controller.quorum.bootstrap.servers": `127.0.0.1:${ports.controller}`,
    "controller.listener.names": "CONTROLLER",
    "listeners": urls([...listeners, ["CONTROLLER", ports.controller]]),
    "advertised.listeners": urls(listeners),
    "listener.security.protocol.map": `CONTROLLER:PLAINTEXT,${listeners.map(([n]) => `${n}:${n}`)}`,
    "inter.broker.listener.name": "PLAINTEXT",
    "log.dirs": join(dir, "data"),
    "sasl.enabled.mechanisms": SASL_MECHANISMS.join(),
    ...Object.fromEntries(
      ["sasl_plaintext", "sasl_ssl"].flatMap((listener) =>
        SASL_MECHANISMS.map((m) => [
          `listener.name.${listener}.${m.toLowerCase()}.sasl.jaas.config`,
          m === "PLAIN" ? plain : scram,
        ])
      ),
    ),
    "ssl.keystore.type": "PKCS12",
    "ssl.keystore.location": join(dir, "broker.p12"),
    "ssl.keystore.password": KEYSTORE_PASSWORD,
    "ssl.key.password": KEYSTORE_PASSWORD,
    // Fast tests: a group forms at once, its internal topics are small, sessions may be short.
    "group.initial.rebalance.delay.ms": 0,
    "group.min.session.timeout.ms": 1_000,
    "offsets.topic.num.partitions": 1,
    "offsets.topic.replication.factor": 1,
    "transaction.state.log.replication.factor": 1,
    "transaction.state.log.min.isr": 1,
  };
  return Object.entries(props).map(([k, v]) => `${k}=${v}\n`).join("");
}

function jvmArgs(jars: string, dir: string): string[] {
  return [
    "-cp",
    `${jars}/*`,
    `-Dlog4j2.configurationFile=${LOG4J_CONFIG}`,
    `-Dkafka.logs.dir=${dir}`,
  ];
}

/** Formats the KRaft storage with a random cluster id and the SCRAM credentials of {@linkcode USER}. */
async function formatStorage({ java }: Java, jars: string, configPath: string): Promise<void> {
  const dir = join(configPath, "..");
  const id = crypto.getRandomValues(new Uint8Array(16));
  id[0] &= 0x7f; // so that the base64 text does not start with "-", which looks like an option
  const clusterId = btoa(String.fromCharCode(...id)).replace(/=+$/, "").replaceAll("+", "-")
    .replaceAll("/", "_");
  const scram = ["SCRAM-SHA-256", "SCRAM-SHA-512"].flatMap((m) => [
    "--add-scram",
    `${m}=[name=${USER.username},password=${USER.password}]`,
  ]);
  await run(java, [
    ...JIT_FLAGS,
    ...jvmArgs(jars, dir),
    ...["kafka.tools.StorageTool", "format", "--standalone", "-t", clusterId, "-c", configPath],
    ...scram,
  ], "Formatting the test broker's storage needs Java 17+");
}

// ---------------------------------------------------------------------------------------------
// The broker process

/**
 * A broker started by {@linkcode startBroker}. Its JVM can be stopped and started again on the
 * same ports with the same data ({@linkcode Broker.restart}); {@linkcode Broker.close} ends it.
 */
export class Broker implements AsyncDisposable {
  /** Tells it from an {@linkcode ExternalBroker}. */
  readonly kind = "local";
  /** The SASL user ({@linkcode USER}). */
  readonly user: KafkaUser = USER;
  /** PLAINTEXT bootstrap address, `127.0.0.1:<port>`. */
  readonly plaintext: string;
  /** SASL_PLAINTEXT bootstrap address ({@linkcode SASL_MECHANISMS}). */
  readonly saslPlaintext: string;
  /** SASL_SSL bootstrap address ({@linkcode SASL_MECHANISMS}; TLS trusting `caPemPath`). */
  readonly saslSsl: string;
  /** PEM file of the broker's self-signed certificate (SAN ip:127.0.0.1, dns:localhost). */
  readonly caPemPath: string;
  /** The broker's log file, in {@linkcode Broker.dir}. */
  readonly logPath: string;
  #jvm: Deno.ChildProcess | undefined;
  #exited: Promise<number> = Promise.resolve(0);
  #closing: Promise<void> | undefined;

  /** Use {@linkcode startBroker}. */
  constructor(
    /** The broker's temp folder: config, keystore, data, `server.log`. */
    readonly dir: string,
    private readonly ports: Ports,
    private readonly command: { java: string; args: string[]; archive: string },
    private readonly startTimeoutMs: number,
    private readonly release: () => Promise<void>,
  ) {
    [this.plaintext, this.saslPlaintext, this.saslSsl] = [
      ports.plaintext,
      ports.saslPlaintext,
      ports.saslSsl,
    ].map((port) => `127.0.0.1:${port}`);
    this.caPemPath = join(dir, "ca.pem");
    this.logPath = join(dir, "server.log");
  }

  /** Process id of the running JVM; undefined while stopped. */
  get pid(): number | undefined {
    return this.#jvm?.pid;
  }

  /** Exit code of the current (or last) JVM, once it has exited; 143 after {@linkcode stop}. */
  get exited(): Promise<number> {
    return this.#exited;
  }

  /** Starts the stopped JVM again on the same ports with the same data; resolves when ready. */
  async start(): Promise<void> {
    if (this.#closing) throw new Error(`the test broker in ${this.dir} is closed`);
    if (this.#jvm) return;
    const logStart = (await Deno.stat(this.logPath).catch(() => undefined))?.size ?? 0;
    const { java, args, archive } = this.command;
    const dump = await Deno.stat(archive).then(
      () => undefined,
      () => join(this.dir, "classes.jsa"),
    );
    const cds = dump ? `-XX:ArchiveClassesAtExit=${dump}` : `-XX:SharedArchiveFile=${archive}`;
    const jvm = new Deno.Command(java, {
      args: [cds, ...args],
      cwd: this.dir,
      stdin: "null",
      stdout: "null",
      stderr: "piped",
    }).spawn();
    this.#jvm = jvm;
    const pidFile = join(this.dir, "jvm.pid");
    await Deno.writeTextFile(pidFile, String(jvm.pid));
    const stderr = new Response(jvm.stderr).text();
    this.#exited = jvm.status.then(async ({ code }) => {
      await Deno.remove(pidFile).catch(() => {});
      if (dump && code !== 137) await keepArchive(dump, archive); // 137: SIGKILL, half written
      return code;
    });
    let exitCode: number | undefined;
    this.#exited.then((code) => (exitCode = code));
    const deadline = Date.now() + this.startTimeoutMs;
    let ready = false;
    while (exitCode === undefined && Date.now() < deadline) {
      ready ||= (await this.#logSince(logStart)).includes(READY_LINE);
      if (ready && await groupsReady(this.ports.plaintext).catch(() => false)) return;
      await delay(100);
    }
    await this.stop();
    const log = await this.#logSince(logStart);
    const clash = /Address already in use/.test(log)
      ? `\nOne of its ports (${Object.values(this.ports).join(", ")}) is taken by another process.`
      : "";
    throw new Error(
      `The Kafka test broker in ${this.dir} did not start: ` +
        (exitCode !== undefined
          ? `its JVM exited with code ${exitCode}`
          : `not ready after ${this.startTimeoutMs} ms${
            ready ? " (it serves no groups yet)" : ""
          }`) +
        `.${clash}\n--- ${this.logPath} (end) ---\n${tail(log, 40)}\n` +
        `--- JVM stderr (end) ---\n${tail(await stderr, 20)}`,
    );
  }

  /**
   * Stops the JVM (SIGTERM; SIGKILL after 20 s) and waits for it to exit, KEEPING {@linkcode dir}:
   * {@linkcode start} brings the same broker back. Resolves with the exit code.
   */
  async stop(): Promise<number> {
    const jvm = this.#jvm;
    this.#jvm = undefined;
    const kill = (signal: Deno.Signal) => {
      try {
        jvm?.kill(signal);
      } catch {
        // it has exited already
      }
    };
    if (jvm) {
      kill("SIGTERM");
      const timer = setTimeout(() => kill("SIGKILL"), STOP_GRACE_MS);
      await this.#exited.finally(() => clearTimeout(timer));
    }
    return await this.#exited;
  }

  /**
   * {@linkcode stop}, wait `downMs`, {@linkcode start}: clients cannot reach the broker meanwhile,
   * as when a real one restarts; topics, records, committed offsets and users survive.
   *
   * @example Clients ride out a 5 s outage
   * ```ts
   * await using broker = await startBroker();
   * // … a consumer reads from broker.plaintext …
   * await broker.restart({ downMs: 5_000 });
   * // … and carries on where it was …
   * ```
   */
  async restart({ downMs = 0 }: RestartOptions = {}): Promise<void> {
    await this.stop();
    await delay(downMs);
    await this.start();
  }

  /** Stops the JVM if it runs and removes {@linkcode dir}. Idempotent; `await using` calls it. */
  close(): Promise<void> {
    this.#closing ??= this.stop().then(this.release);
    return this.#closing;
  }

  /** {@linkcode close}. */
  [Symbol.asyncDispose](): Promise<void> {
    return this.close();
  }

  async #logSince(offset: number): Promise<string> {
    const bytes = await Deno.readFile(this.logPath).catch(() => new Uint8Array());
    return new TextDecoder().decode(bytes.subarray(offset));
  }
}

/**
 * Whether the broker serves consumer groups yet. The first group request makes it create and load
 * `__consumer_offsets`, which can take seconds on a busy machine; until then group requests fail
 * with "The coordinator is loading", so the first test to use a group could fail for it. Asks
 * FindCoordinator v1 (which creates the topic) and DescribeGroups v0 (which fails while loading)
 * in Kafka's own protocol: a client library would print warnings of its own.
 */
async function groupsReady(port: number): Promise<boolean> {
  const group = kafkaString("kafka-test-broker-warm-up");
  const found = await kafkaRequest(port, 10, 1, [group, new Uint8Array([0])]); // key type: group
  if (found.getInt16(4) !== 0) return false; // after throttle_time_ms
  const described = await kafkaRequest(port, 15, 0, [new Uint8Array([0, 0, 0, 1]), group]);
  return described.getInt16(4) === 0; // after the groups array's length
}

/** Sends one request (header v1) to the broker at 127.0.0.1:`port`; returns the response body. */
async function kafkaRequest(
  port: number,
  apiKey: number,
  version: number,
  body: Uint8Array[],
): Promise<DataView> {
  const header = new DataView(new ArrayBuffer(12));
  header.setInt16(4, apiKey);
  header.setInt16(6, version);
  header.setInt32(8, 1); // correlation id
  const parts = [new Uint8Array(header.buffer), kafkaString("kafka-test-broker"), ...body];
  const request = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  parts.reduce((at, p) => (request.set(p, at), at + p.length), 0);
  new DataView(request.buffer).setInt32(0, request.length - 4);
  const conn = await Deno.connect({ hostname: "127.0.0.1", port });
  const timer = setTimeout(() => conn.close(), 5_000); // no answer: read() fails
  try {
    for (let sent = 0; sent < request.length;) sent += await conn.write(request.subarray(sent));
    const read = async (n: number) => {
      const bytes = new Uint8Array(n);
      for (let got = 0; got < n;) {
        got += (await conn.read(bytes.subarray(got))) ?? fail("the broker closed the connection");
      }
      return new DataView(bytes.buffer);
    };
    const response = await read((await read(4)).getInt32(0));
    return new DataView(response.buffer, 4); // after the correlation id
  } finally {
    clearTimeout(timer);
    try {
      conn.close();
    } catch {
      // closed by the timer
    }
  }
}

/** A Kafka protocol string: its length (int16), then its UTF-8 bytes. */
function kafkaString(text: string): Uint8Array {
  const bytes = new TextEncoder().encode(text);
  const out = new Uint8Array(2 + bytes.length);
  new DataView(out.buffer).setInt16(0, bytes.length);
  out.set(bytes, 2);
  return out;
}

function fail(message: string): never {
  throw new Error(message);
}

/** Moves the class archive that a JVM dumped at exit into the cache, atomically. */
async function keepArchive(dump: string, archive: string): Promise<void> {
  if (!(await Deno.stat(dump).catch(() => undefined))?.size) return;
  await Deno.mkdir(CDS_DIR, { recursive: true });
  const tmp = `${archive}.${crypto.randomUUID()}.tmp`; // the cache may be on another file system
  await Deno.copyFile(dump, tmp);
  await Deno.rename(tmp, archive);
  await Deno.remove(dump);
}

// ---------------------------------------------------------------------------------------------
// Helpers

/** Runs a command to its end; throws `what`, the command and its output if it fails. */
async function run(cmd: string, args: readonly string[], what: string): Promise<string> {
  let out: Deno.CommandOutput;
  try {
    out = await new Deno.Command(cmd, { args: [...args], stdin: "null" }).output();
  } catch (err) {
    if (!(err instanceof Deno.errors.NotFound)) throw err;
    throw new Error(`${what}, but '${cmd}' was not found on PATH: ${INSTALL_HINT}.`);
  }
  const text = new TextDecoder().decode(out.stdout) + new TextDecoder().decode(out.stderr);
  if (!out.success) {
    throw new Error(
      `${what}: '${cmd} ${args.join(" ")}' failed (exit ${out.code}):\n${tail(text, 40)}`,
    );
  }
  return text;
}

async function sha256(text: string): Promise<string> {
  const hash = await crypto.subtle.digest("SHA-256", new TextEncoder().encode(text));
  return Array.from(new Uint8Array(hash), (b) => b.toString(16).padStart(2, "0")).join("");
}

function delay(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

function tail(text: string, lines: number): string {
  return text.trimEnd().split("\n").slice(-lines).join("\n") || "(empty)";
}
