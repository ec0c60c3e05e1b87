/**
 * A real Apache Kafka test broker, run from the jars on Maven Central (no Docker, no download
 * site): one combined KRaft node (broker + controller) on 127.0.0.1 with three client listeners —
 * PLAINTEXT, SASL_PLAINTEXT and SASL_SSL (SCRAM-SHA-256, SCRAM-SHA-512 and PLAIN) — in a fresh
 * temp dir that {@linkcode Broker.stop} removes.
 *
 * Needs Java 17+ (`java`, `keytool`) and, the first time only, Maven (`mvn`) to fill the jar
 * cache `.cache/kafka/jars` from `testing/pom.xml`.
 *
 * This module imports no Kafka client: readiness is taken from the broker's own log line
 * "Kafka Server started" plus a TCP connect to the PLAINTEXT port.
 *
 * @module
 */

import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

/** The Kafka release that `testing/pom.xml` resolves. */
export const KAFKA_VERSION = "4.1.1";

/** A SASL user of the test broker (SCRAM and PLAIN share the same users and passwords). */
export interface KafkaUser {
  /** User name: letters, digits, `.`, `_`, `-` and `@` only. */
  readonly username: string;
  /** Password: printable ASCII without spaces, `,`, `"`, `\`, `[` or `]`. */
  readonly password: string;
}

/** The SASL user the broker gets unless {@linkcode BrokerOptions.users} says otherwise. */
export const DEFAULT_USERS: readonly KafkaUser[] = Object.freeze([
  Object.freeze({ username: "alice", password: "alice-secret" }),
]);

/** SASL mechanisms enabled on the SASL_PLAINTEXT and SASL_SSL listeners. */
export const SASL_MECHANISMS: readonly string[] = Object.freeze([
  "SCRAM-SHA-256",
  "SCRAM-SHA-512",
  "PLAIN",
]);

const SCRAM_MECHANISMS = ["SCRAM-SHA-256", "SCRAM-SHA-512"] as const;

/** Options of {@linkcode startBroker}. All are optional. */
export interface BrokerOptions {
  /** SASL users to create (default {@linkcode DEFAULT_USERS}: alice / alice-secret). */
  readonly users?: readonly KafkaUser[];
  /** Jar cache folder (default `<repo>/.cache/kafka`); the jars go to `<cacheDir>/jars`. */
  readonly cacheDir?: string;
  /** How long to wait for "Kafka Server started", in ms (default 90 000). */
  readonly startTimeoutMs?: number;
  /** How long `stop()` waits after SIGTERM before SIGKILL, in ms (default 5 000). */
  readonly stopGraceMs?: number;
  /** JVM heap flags (default `["-Xmx512m", "-Xms256m"]`). */
  readonly heap?: readonly string[];
  /**
   * Start faster by running the JVMs with the C1 JIT only (`-XX:TieredStopAtLevel=1`): about
   * 1–2 s less per start, but lower peak throughput. Default true; set false to measure
   * throughput.
   */
  readonly fastJit?: boolean;
  /**
   * Use an AppCDS archive of the broker's classes (`-XX:SharedArchiveFile`), kept in
   * `<cacheDir>/cds/` and made by the first run that lacks one (its `stop()` then takes a few
   * seconds longer while the JVM writes it). Saves 1–3 s per start. Default true.
   */
  readonly classDataSharing?: boolean;
  /** The PLAINTEXT listener's port (default: a free one; the others are always free ones). */
  readonly plaintextPort?: number;
  /** Extra `key=value` lines for server.properties; they override the harness's own keys. */
  readonly serverProperties?: Readonly<Record<string, string | number | boolean>>;
}

/** A broker started by {@linkcode startBroker}. */
export interface Broker extends AsyncDisposable {
  /** Discriminates a harness-started broker from an {@linkcode ExternalBroker}. */
  readonly kind: "local";
  /** Bootstrap address of the PLAINTEXT listener, `127.0.0.1:<port>`. */
  readonly plaintext: string;
  /** Bootstrap address of the SASL_PLAINTEXT listener (SCRAM-SHA-256/512, PLAIN). */
  readonly saslPlaintext: string;
  /** Bootstrap address of the SASL_SSL listener (SCRAM-SHA-256/512, PLAIN; self-signed TLS). */
  readonly saslSsl: string;
  /** PEM file of the broker's self-signed certificate (SAN ip:127.0.0.1, dns:localhost). */
  readonly caPemPath: string;
  /** The SASL users (the same for every mechanism). */
  readonly users: readonly KafkaUser[];
  /** SASL mechanisms the SASL listeners accept. */
  readonly mechanisms: readonly string[];
  /** The broker's log4j log file (inside {@linkcode Broker.dir}). */
  readonly logPath: string;
  /** The broker's temp dir (config, keystore, data, logs); removed by `stop()`. */
  readonly dir: string;
  /** Process id of the broker JVM. */
  readonly pid: number;
  /** The KRaft cluster id. */
  readonly clusterId: string;
  /** Kafka version that runs. */
  readonly kafkaVersion: string;
  /** Resolves with the JVM's exit code once it has exited, for whatever reason. */
  readonly exited: Promise<number>;
  /**
   * Stops the broker: SIGTERM, SIGKILL after `stopGraceMs`, waits for the JVM to exit and removes
   * {@linkcode Broker.dir}. Idempotent.
   */
  stop(): Promise<void>;
}

/**
 * A broker that the harness did not start (from `KAFKA_BOOTSTRAP_SERVERS`): only a PLAINTEXT
 * bootstrap list is known, so the SASL fields are `undefined` and SASL tests should be skipped.
 */
export interface ExternalBroker extends AsyncDisposable {
  /** Discriminates an external broker from a harness-started {@linkcode Broker}. */
  readonly kind: "external";
  /** The bootstrap list from `KAFKA_BOOTSTRAP_SERVERS`, e.g. `host1:9092,host2:9092`. */
  readonly plaintext: string;
  /** Unknown for an external broker. */
  readonly saslPlaintext?: undefined;
  /** Unknown for an external broker. */
  readonly saslSsl?: undefined;
  /** Unknown for an external broker. */
  readonly caPemPath?: undefined;
  /** Unknown for an external broker. */
  readonly users?: undefined;
  /** Unknown for an external broker. */
  readonly logPath?: undefined;
  /** Does nothing: the broker is not ours to stop. */
  stop(): Promise<void>;
}

/** What {@linkcode testBroker} returns. Narrow on `kind` before using SASL fields. */
export type TestBroker = Broker | ExternalBroker;

/** The prerequisites found by {@linkcode checkPrerequisites}. */
export interface Prerequisites {
  /** The `java` executable used. */
  readonly java: string;
  /** The `keytool` executable used. */
  readonly keytool: string;
  /** Java feature version, e.g. 17. */
  readonly javaMajor: number;
  /** The full `java -version` text. */
  readonly javaVersion: string;
}

const INSTALL_HINT =
  "install them with: apt-get install -y openjdk-17-jre-headless maven (any Java 17+ works)";

const HERE = dirname(fileURLToPath(import.meta.url));
const POM_PATH = join(HERE, "pom.xml");
const LOG4J_CONFIG_PATH = join(HERE, "log4j2.properties");
const DEFAULT_CACHE_DIR = join(HERE, "..", ".cache", "kafka");
const STAMP_FILE = ".resolved";
const READY_LINE = "Kafka Server started";
const PID_PREFIX = "kafka-harness-pid ";

/**
 * Runs the broker JVM under a small sh watchdog. The watchdog reads one line from its stdin,
 * which is a pipe from this Deno process: "stop" asks for a graceful stop; end-of-file without
 * it means the Deno process is gone (even by SIGKILL), and then the watchdog also removes the
 * temp dir. Either way it sends SIGTERM, then SIGKILL after the grace period. Terminal Ctrl-C is
 * ignored by the whole subtree: the Deno side decides when to stop. Once the JVM has exited, a
 * class-data-sharing archive it wrote at exit is moved into place, unless it was SIGKILLed
 * (exit 137), which can leave half a file.
 * Arguments: $1 temp dir, $2 grace in tenths of a second, $3 the CDS archive the JVM writes
 * ("" for none), $4 where that archive goes, then the java command line.
 */
const WATCHDOG_SCRIPT = `
trap '' INT
dir=$1; grace=$2; cds_tmp=$3; cds_final=$4; shift 4
exec 3<&0
"$@" </dev/null 3<&- &
child=$!
echo "${PID_PREFIX}$child"
(
  trap '' TERM HUP
  if read -r _cmd; then asked=1; else asked=0; fi
  if kill -0 "$child" 2>/dev/null; then
    kill -TERM "$child" 2>/dev/null
    n=0
    while kill -0 "$child" 2>/dev/null && [ "$n" -lt "$grace" ]; do sleep 0.1; n=$((n+1)); done
    kill -KILL "$child" 2>/dev/null
  fi
  if [ "$asked" = 0 ]; then sleep 1; rm -rf "$dir"; fi
) <&3 >/dev/null 2>&1 &
exec 3<&-
wait "$child"
code=$?
if [ -n "$cds_tmp" ]; then
  if [ "$code" -ne 137 ] && [ -s "$cds_tmp" ]; then mv -f "$cds_tmp" "$cds_final"; fi
  rm -f "$cds_tmp"
fi
exit "$code"
`;

// ---------------------------------------------------------------------------------------------
// Prerequisites

interface RunResult {
  readonly code: number;
  readonly stdout: string;
  readonly stderr: string;
}

async function run(
  cmd: string,
  args: readonly string[],
  opts: { cwd?: string; what: string },
): Promise<RunResult> {
  let out: Deno.CommandOutput;
  try {
    out = await new Deno.Command(cmd, {
      args: [...args],
      cwd: opts.cwd,
      stdin: "null",
      stdout: "piped",
      stderr: "piped",
    }).output();
  } catch (err) {
    if (err instanceof Deno.errors.NotFound) {
      throw new Error(`${opts.what}: '${cmd}' was not found on PATH; ${INSTALL_HINT}`);
    }
    throw err;
  }
  const dec = new TextDecoder();
  return { code: out.code, stdout: dec.decode(out.stdout), stderr: dec.decode(out.stderr) };
}

function must(res: RunResult, what: string): RunResult {
  if (res.code !== 0) {
    throw new Error(`${what} failed (exit ${res.code}):\n${tail(res.stdout + res.stderr, 40)}`);
  }
  return res;
}

function javaTool(name: string): string {
  const home = Deno.env.get("JAVA_HOME");
  if (home) {
    const candidate = join(home, "bin", name);
    try {
      if (Deno.statSync(candidate).isFile) return candidate;
    } catch {
      // fall back to PATH
    }
  }
  return name;
}

/** Parses the feature version out of `java -version` output ("17.0.15" → 17, "1.8.0" → 8). */
export function parseJavaMajor(versionOutput: string): number | undefined {
  const m = /version "(\d+)(?:\.(\d+))?[^"]*"/.exec(versionOutput);
  if (!m) return undefined;
  const first = Number(m[1]);
  return first === 1 && m[2] !== undefined ? Number(m[2]) : first;
}

/**
 * Checks that Java 17+ (`java`, `keytool`; `$JAVA_HOME/bin` first if set) is installed.
 * Throws an Error that says what to install otherwise. Maven is checked only when the jar cache
 * needs filling (see {@linkcode resolveKafkaJars}).
 */
export async function checkPrerequisites(): Promise<Prerequisites> {
  const java = javaTool("java");
  const keytool = javaTool("keytool");
  const res = await run(java, ["-version"], { what: "Java 17+ is needed for the Kafka broker" });
  const major = parseJavaMajor(res.stderr + res.stdout);
  if (res.code !== 0 || major === undefined) {
    throw new Error(
      `'${java} -version' failed or was not understood:\n${res.stderr}\n${INSTALL_HINT}`,
    );
  }
  if (major < 17) {
    throw new Error(`Kafka ${KAFKA_VERSION} needs Java 17+, found Java ${major}; ${INSTALL_HINT}`);
  }
  return { java, keytool, javaMajor: major, javaVersion: res.stderr.trim() };
}

// ---------------------------------------------------------------------------------------------
// Jars

async function sha256Hex(data: Uint8Array): Promise<string> {
  const digest = await crypto.subtle.digest("SHA-256", data as Uint8Array<ArrayBuffer>);
  return Array.from(new Uint8Array(digest), (b) => b.toString(16).padStart(2, "0")).join("");
}

async function readTextOrUndefined(path: string): Promise<string | undefined> {
  try {
    return await Deno.readTextFile(path);
  } catch (err) {
    if (err instanceof Deno.errors.NotFound) return undefined;
    throw err;
  }
}

async function removeQuietly(path: string): Promise<void> {
  for (let i = 0; i < 5; i++) {
    try {
      await Deno.remove(path, { recursive: true });
      return;
    } catch (err) {
      if (err instanceof Deno.errors.NotFound) return;
      // a concurrent `rm -rf` of the watchdog can race us: try again
      await delay(100);
    }
  }
  await Deno.remove(path, { recursive: true }).catch(() => {});
}

/**
 * Makes sure `<cacheDir>/jars` holds the broker's jars and returns that folder. Runs
 * `mvn -q -B -f testing/pom.xml dependency:copy-dependencies -DincludeScope=runtime` only when the
 * stamp file `<cacheDir>/jars/.resolved` is missing or was written for another pom.xml.
 */
export async function resolveKafkaJars(
  cacheDir: string = DEFAULT_CACHE_DIR,
): Promise<string> {
  const jarsDir = join(cacheDir, "jars");
  const stamp = `kafka ${KAFKA_VERSION} pom-sha256 ${await sha256Hex(
    await Deno.readFile(POM_PATH),
  )}\n`;
  if ((await readTextOrUndefined(join(jarsDir, STAMP_FILE))) === stamp) return jarsDir;

  await Deno.mkdir(cacheDir, { recursive: true });
  const tmp = await Deno.makeTempDir({ dir: cacheDir, prefix: "jars-resolving-" });
  try {
    const res = await run("mvn", [
      "-q",
      "-B",
      "-f",
      POM_PATH,
      "dependency:copy-dependencies",
      "-DincludeScope=runtime",
      `-DoutputDirectory=${tmp}`,
    ], { what: "Maven is needed to fetch the Kafka jars from Maven Central" });
    must(res, "Resolving the Kafka jars with Maven");
    let count = 0;
    for await (const e of Deno.readDir(tmp)) if (e.name.endsWith(".jar")) count++;
    if (count < 10) throw new Error(`Maven copied only ${count} jars into ${tmp}`);
    await Deno.writeTextFile(join(tmp, STAMP_FILE), stamp);
    // Swap the new folder in; another process may have done the same meanwhile.
    if ((await readTextOrUndefined(join(jarsDir, STAMP_FILE))) === stamp) return jarsDir;
    const old = `${jarsDir}-old-${crypto.randomUUID()}`;
    await Deno.rename(jarsDir, old).catch(() => {});
    try {
      await Deno.rename(tmp, jarsDir);
    } catch (err) {
      if ((await readTextOrUndefined(join(jarsDir, STAMP_FILE))) !== stamp) throw err;
    }
    await removeQuietly(old);
    return jarsDir;
  } finally {
    await removeQuietly(tmp);
  }
}

// ---------------------------------------------------------------------------------------------
// Helpers

function delay(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

function tail(text: string, lines: number): string {
  return text.trimEnd().split("\n").slice(-lines).join("\n");
}

/** Reserves `n` distinct free TCP ports on 127.0.0.1 (listen on port 0, read it, close). */
function freePorts(n: number): number[] {
  const listeners: Deno.TcpListener[] = [];
  try {
    for (let i = 0; i < n; i++) {
      listeners.push(Deno.listen({ hostname: "127.0.0.1", port: 0, transport: "tcp" }));
    }
    return listeners.map((l) => l.addr.port);
  } finally {
    for (const l of listeners) l.close();
  }
}

/** A random Kafka cluster id: 16 random bytes, base64url without padding, not starting with "-". */
function randomClusterId(): string {
  for (;;) {
    const bytes = crypto.getRandomValues(new Uint8Array(16));
    const id = btoa(String.fromCharCode(...bytes)).replaceAll("+", "-").replaceAll("/", "_")
      .replace(/=+$/, "");
    if (!id.startsWith("-")) return id;
  }
}

function randomSecret(): string {
  return Array.from(crypto.getRandomValues(new Uint8Array(16)), (b) => b.toString(16)).join("");
}

const USERNAME_RE = /^[A-Za-z0-9._@-]+$/;
const PASSWORD_RE = /^[\x21\x23-\x2b\x2d-\x5a\x5e-\x7e]+$/; // printable, minus space , " \ [ ]

function validateUsers(users: readonly KafkaUser[]): KafkaUser[] {
  if (users.length === 0) throw new Error("startBroker: at least one SASL user is needed");
  const seen = new Set<string>();
  return users.map(({ username, password }) => {
    if (!USERNAME_RE.test(username)) {
      throw new Error(`startBroker: bad user name ${JSON.stringify(username)} (${USERNAME_RE})`);
    }
    if (!PASSWORD_RE.test(password)) {
      throw new Error(
        `startBroker: bad password for ${username}: use printable ASCII without space , " \\ [ ]`,
      );
    }
    if (seen.has(username)) throw new Error(`startBroker: duplicate user ${username}`);
    seen.add(username);
    return Object.freeze({ username, password });
  });
}

/** Escapes a value for a Java .properties file. */
function propValue(v: string): string {
  return v.replaceAll("\\", "\\\\").replaceAll("\n", "\\n");
}

interface Ports {
  readonly plaintext: number;
  readonly controller: number;
  readonly saslPlaintext: number;
  readonly saslSsl: number;
}

function serverProperties(
  dir: string,
  ports: Ports,
  users: readonly KafkaUser[],
  keystore: { path: string; password: string },
  extra: Readonly<Record<string, string | number | boolean>>,
): string {
  const h = "127.0.0.1";
  const scram = "org.apache.kafka.common.security.scram.ScramLoginModule required;";
  const plain = `org.apache.kafka.common.security.plain.PlainLoginModule required ${
    users.map((u) => `user_${u.username}="${u.password}"`).join(" ")
  };`;
  const props: Record<string, string | number | boolean> = {
    "process.roles": "broker,controller",
    "node.id": 1,
    "controller.quorum.bootstrap.servers": `${h}:${ports.controller}`,
    "listeners": [
      `PLAINTEXT://${h}:${ports.plaintext}`,
      `CONTROLLER://${h}:${ports.controller}`,
      `SASL_PLAINTEXT://${h}:${ports.saslPlaintext}`,
      `SASL_SSL://${h}:${ports.saslSsl}`,
    ].join(","),
    "advertised.listeners": [
      `PLAINTEXT://${h}:${ports.plaintext}`,
      `SASL_PLAINTEXT://${h}:${ports.saslPlaintext}`,
      `SASL_SSL://${h}:${ports.saslSsl}`,
    ].join(","),
    "controller.listener.names": "CONTROLLER",
    "inter.broker.listener.name": "PLAINTEXT",
    "listener.security.protocol.map":
      "PLAINTEXT:PLAINTEXT,CONTROLLER:PLAINTEXT,SASL_PLAINTEXT:SASL_PLAINTEXT,SASL_SSL:SASL_SSL",
    "log.dirs": join(dir, "data"),
    "num.partitions": 1,
    "default.replication.factor": 1,
    "auto.create.topics.enable": true,
    "offsets.topic.replication.factor": 1,
    "offsets.topic.num.partitions": 1,
    "transaction.state.log.replication.factor": 1,
    "transaction.state.log.min.isr": 1,
    "transaction.state.log.num.partitions": 1,
    "share.coordinator.state.topic.replication.factor": 1,
    "share.coordinator.state.topic.min.isr": 1,
    "share.coordinator.state.topic.num.partitions": 1,
    "group.initial.rebalance.delay.ms": 0,
    "sasl.enabled.mechanisms": SASL_MECHANISMS.join(","),
    "listener.name.sasl_plaintext.scram-sha-256.sasl.jaas.config": scram,
    "listener.name.sasl_plaintext.scram-sha-512.sasl.jaas.config": scram,
    "listener.name.sasl_plaintext.plain.sasl.jaas.config": plain,
    "listener.name.sasl_ssl.scram-sha-256.sasl.jaas.config": scram,
    "listener.name.sasl_ssl.scram-sha-512.sasl.jaas.config": scram,
    "listener.name.sasl_ssl.plain.sasl.jaas.config": plain,
    "listener.name.sasl_ssl.ssl.keystore.type": "PKCS12",
    "listener.name.sasl_ssl.ssl.keystore.location": keystore.path,
    "listener.name.sasl_ssl.ssl.keystore.password": keystore.password,
    "listener.name.sasl_ssl.ssl.key.password": keystore.password,
    ...extra,
  };
  return "# Written by testing/broker.ts\n" +
    Object.entries(props).map(([k, v]) => `${k}=${propValue(String(v))}`).join("\n") + "\n";
}

// ---------------------------------------------------------------------------------------------
// Process handling

/** Keeps the last `max` characters written to it. */
class TailBuffer {
  #text = "";
  constructor(private readonly max: number) {}
  push(s: string): void {
    this.#text = (this.#text + s).slice(-this.max);
  }
  get text(): string {
    return this.#text;
  }
}

/** Reads a stream to its end into `buf`; calls `onPid` when the watchdog's pid line shows. */
async function drain(
  stream: ReadableStream<Uint8Array>,
  buf: TailBuffer,
  onPid?: (pid: number) => void,
): Promise<void> {
  const dec = new TextDecoder();
  let pending = "";
  try {
    for await (const chunk of stream) {
      const s = dec.decode(chunk, { stream: true });
      if (!onPid) {
        buf.push(s);
        continue;
      }
      pending += s;
      let nl: number;
      while (onPid && (nl = pending.indexOf("\n")) >= 0) {
        const line = pending.slice(0, nl);
        pending = pending.slice(nl + 1);
        if (line.startsWith(PID_PREFIX)) {
          onPid(Number(line.slice(PID_PREFIX.length)));
          onPid = undefined;
        } else {
          buf.push(`${line}\n`);
        }
      }
      if (!onPid) {
        buf.push(pending);
        pending = "";
      }
    }
  } catch {
    // stream closed
  }
  buf.push(pending);
}

/** True while `pid` is a live (non-zombie) process. Linux: reads /proc. */
function processAlive(pid: number): boolean {
  try {
    const stat = Deno.readTextFileSync(`/proc/${pid}/stat`);
    const state = stat.slice(stat.lastIndexOf(")") + 2, stat.lastIndexOf(")") + 3);
    return state !== "Z" && state !== "X";
  } catch {
    return false;
  }
}

async function tcpReachable(port: number): Promise<boolean> {
  try {
    const conn = await Deno.connect({ hostname: "127.0.0.1", port });
    conn.close();
    return true;
  } catch {
    return false;
  }
}

async function readLogTail(path: string, lines: number): Promise<string> {
  return tail((await readTextOrUndefined(path)) ?? "(no broker log)", lines);
}

class StartError extends Error {
  constructor(message: string, readonly portClash: boolean) {
    super(message);
  }
}

// ---------------------------------------------------------------------------------------------
// startBroker

/**
 * Starts a fresh single-node Kafka broker (KRaft, broker + controller) in a new temp dir and
 * resolves once it is ready ("Kafka Server started" in its log and its PLAINTEXT port accepts).
 *
 * Listeners, all on 127.0.0.1 with free ports: PLAINTEXT, SASL_PLAINTEXT and SASL_SSL (SASL with
 * SCRAM-SHA-256, SCRAM-SHA-512 or PLAIN for {@linkcode BrokerOptions.users}), plus the
 * CONTROLLER listener that clients do not use. Topics are auto-created with 1 partition.
 *
 * If the Deno process exits without calling `stop()` (even when killed), a watchdog stops the
 * JVM and removes the temp dir.
 *
 * @throws Error when Java 17+ or Maven is missing (saying what to install), when Maven cannot
 * fetch the jars, or when the broker does not become ready in time (with its log tail).
 */
export async function startBroker(options: BrokerOptions = {}): Promise<Broker> {
  const users = validateUsers(options.users ?? DEFAULT_USERS);
  const prereq = await checkPrerequisites();
  const cacheDir = options.cacheDir ?? DEFAULT_CACHE_DIR;
  const jarsDir = await resolveKafkaJars(cacheDir);
  // A port picked by listen(0) can be taken by someone else before Kafka binds it: retry.
  for (let attempt = 1;; attempt++) {
    try {
      return await startOnce(options, users, prereq, cacheDir, jarsDir);
    } catch (err) {
      if (err instanceof StartError && err.portClash && attempt < 3) continue;
      throw err;
    }
  }
}

/** Where the AppCDS archive for this Java and these jars lives. */
async function cdsArchivePath(
  cacheDir: string,
  jarsDir: string,
  prereq: Prerequisites,
  fastJit: boolean,
): Promise<string> {
  const stamp = (await readTextOrUndefined(join(jarsDir, STAMP_FILE))) ?? "";
  const key = await sha256Hex(
    new TextEncoder().encode([prereq.java, prereq.javaVersion, stamp, fastJit].join("\n")),
  );
  return join(cacheDir, "cds", `broker-${key.slice(0, 16)}.jsa`);
}

/** Removes `*.tmp` files older than an hour (left by runs that were killed mid-way). */
async function sweepStaleTmp(dir: string): Promise<void> {
  for await (const e of Deno.readDir(dir)) {
    if (!e.isFile || !e.name.endsWith(".tmp")) continue;
    const path = join(dir, e.name);
    const mtime = (await Deno.stat(path).catch(() => undefined))?.mtime?.getTime() ?? Date.now();
    if (Date.now() - mtime > 3_600_000) await Deno.remove(path).catch(() => {});
  }
}

async function exists(path: string): Promise<boolean> {
  try {
    await Deno.stat(path);
    return true;
  } catch {
    return false;
  }
}

async function startOnce(
  options: BrokerOptions,
  users: readonly KafkaUser[],
  prereq: Prerequisites,
  cacheDir: string,
  jarsDir: string,
): Promise<Broker> {
  const startTimeoutMs = options.startTimeoutMs ?? 90_000;
  const fastJit = options.fastJit ?? true;
  const dir = await Deno.makeTempDir({ prefix: "kafka-broker-" });
  const logPath = join(dir, "server.log");
  const configPath = join(dir, "server.properties");
  const caPemPath = join(dir, "ca.pem");
  const keystore = { path: join(dir, "broker.p12"), password: randomSecret() };
  const clusterId = randomClusterId();
  const [free, controller, saslPlaintext, saslSsl] = freePorts(4);
  const plaintext = options.plaintextPort ?? free;
  const ports: Ports = { plaintext, controller, saslPlaintext, saslSsl };

  // Class data sharing: use the archive if there is one, else have this run write one at exit.
  let cdsFlags: string[] = [];
  let cdsDump: { tmp: string; final: string } | undefined;
  if (options.classDataSharing ?? true) {
    const archive = await cdsArchivePath(cacheDir, jarsDir, prereq, fastJit);
    if (await exists(archive)) {
      cdsFlags = [`-XX:SharedArchiveFile=${archive}`];
    } else {
      await Deno.mkdir(dirname(archive), { recursive: true });
      await sweepStaleTmp(dirname(archive));
      cdsDump = { tmp: `${archive}.${crypto.randomUUID()}.tmp`, final: archive };
    }
  }
  // Writing the archive at exit takes a few seconds: give that run's stop() more time.
  const stopGraceMs = Math.max(options.stopGraceMs ?? 5_000, cdsDump ? 30_000 : 0);
  const jitFlags = fastJit ? ["-XX:TieredStopAtLevel=1"] : [];
  const jvmCommon = [
    ...jitFlags,
    "-cp",
    `${jarsDir}/*`,
    `-Dlog4j2.configurationFile=${LOG4J_CONFIG_PATH}`,
    `-Dkafka.logs.dir=${dir}`,
    "-Djava.awt.headless=true",
  ];

  let started = false;
  try {
    await Deno.writeTextFile(
      configPath,
      serverProperties(dir, ports, users, keystore, options.serverProperties ?? {}),
    );

    const keytool = async (what: string, args: string[]) =>
      must(
        await run(prereq.keytool, [
          "-J-XX:TieredStopAtLevel=1",
          ...args,
          ...["-alias", "broker", "-storetype", "PKCS12", "-keystore", keystore.path],
          ...["-storepass", keystore.password],
        ], { what: "keytool (part of Java) is needed" }),
        `keytool ${what}`,
      );
    const makeCert = async () => {
      // An EC key: much quicker to generate than RSA, and every TLS client here supports it.
      await keytool("-genkeypair", [
        ...["-genkeypair", "-noprompt", "-keyalg", "EC", "-groupname", "secp256r1"],
        ...["-validity", "3650", "-dname", "CN=localhost"],
        ...["-ext", "SAN=ip:127.0.0.1,dns:localhost", "-keypass", keystore.password],
      ]);
      await keytool("-exportcert", ["-exportcert", "-rfc", "-file", caPemPath]);
    };
    const format = async () => {
      const scram = users.flatMap((u) =>
        SCRAM_MECHANISMS.flatMap((m) => [
          "--add-scram",
          `${m}=[name=${u.username},password=${u.password}]`,
        ])
      );
      must(
        await run(prereq.java, [
          ...cdsFlags,
          ...jvmCommon,
          ...["kafka.tools.StorageTool", "format", "--standalone"],
          ...["-t", clusterId, "-c", configPath, ...scram],
        ], { cwd: dir, what: "Java 17+ is needed for the Kafka broker" }),
        "kafka-storage format",
      );
    };
    await Promise.all([makeCert(), format()]);

    const child = new Deno.Command("sh", {
      args: [
        ...["-c", WATCHDOG_SCRIPT, "kafka-broker-watchdog"],
        ...[dir, String(Math.ceil(stopGraceMs / 100)), cdsDump?.tmp ?? "", cdsDump?.final ?? ""],
        prereq.java,
        ...(options.heap ?? ["-Xmx512m", "-Xms256m"]),
        ...["-XX:+UseG1GC", "-XX:MaxGCPauseMillis=20", "-XX:+ExplicitGCInvokesConcurrent"],
        "-XX:+ExitOnOutOfMemoryError",
        ...(cdsDump ? [`-XX:ArchiveClassesAtExit=${cdsDump.tmp}`] : cdsFlags),
        ...jvmCommon,
        ...["kafka.Kafka", configPath],
      ],
      cwd: dir,
      stdin: "piped",
      stdout: "piped",
      stderr: "piped",
    }).spawn();
    const stdin = child.stdin.getWriter();
    const consoleTail = new TailBuffer(16_384);
    let javaPid = 0;
    const pidSeen = new Promise<void>((resolve) => {
      drain(child.stdout, consoleTail, (pid) => {
        javaPid = pid;
        resolve();
      }).then(() => resolve());
    });
    drain(child.stderr, consoleTail);
    const exited = child.status.then((s) => s.code);
    let watchdogDone = false;
    exited.then(() => (watchdogDone = true));

    let stopping: Promise<void> | undefined;
    const stop = (): Promise<void> => {
      stopping ??= (async () => {
        try {
          await stdin.write(new TextEncoder().encode("stop\n"));
        } catch {
          // the watchdog is gone already
        }
        await stdin.close().catch(() => {});
        const deadline = Date.now() + stopGraceMs + 10_000;
        let timer: ReturnType<typeof setTimeout> | undefined;
        await Promise.race([
          exited,
          new Promise<void>((resolve) => (timer = setTimeout(resolve, stopGraceMs + 10_000))),
        ]);
        clearTimeout(timer);
        // The watchdog has exited; make sure the JVM has too (e.g. after a terminal signal).
        while (javaPid > 0 && processAlive(javaPid) && Date.now() < deadline) await delay(100);
        if (javaPid > 0 && processAlive(javaPid)) {
          try {
            Deno.kill(javaPid, "SIGKILL");
          } catch {
            // already gone
          }
          for (let i = 0; i < 50 && processAlive(javaPid); i++) await delay(100);
        }
        if (!watchdogDone) {
          try {
            child.kill("SIGKILL");
          } catch {
            // already gone
          }
        }
        await exited.catch(() => {});
        if (cdsDump) await removeQuietly(cdsDump.tmp); // the watchdog has moved it if complete
        await removeQuietly(dir);
      })();
      return stopping;
    };

    // Wait for readiness.
    await pidSeen;
    const deadline = Date.now() + startTimeoutMs;
    let ready = false;
    while (Date.now() < deadline) {
      if (watchdogDone) break;
      const log = await readTextOrUndefined(logPath);
      if (log?.includes(READY_LINE) && await tcpReachable(plaintext)) {
        ready = true;
        break;
      }
      await delay(100);
    }
    if (!ready) {
      const log = await readLogTail(logPath, 60);
      const why = watchdogDone
        ? `the broker exited with code ${await exited}`
        : `the broker was not ready after ${startTimeoutMs} ms`;
      const clash = /BindException|Address already in use/.test(log + consoleTail.text);
      await stop();
      throw new StartError(
        `Kafka ${KAFKA_VERSION} test broker failed to start: ${why}.\n` +
          `--- broker log (tail) ---\n${log}\n` +
          `--- console (tail) ---\n${tail(consoleTail.text, 20) || "(empty)"}`,
        clash,
      );
    }

    started = true;
    const broker: Broker = {
      kind: "local",
      plaintext: `127.0.0.1:${plaintext}`,
      saslPlaintext: `127.0.0.1:${saslPlaintext}`,
      saslSsl: `127.0.0.1:${saslSsl}`,
      caPemPath,
      users,
      mechanisms: SASL_MECHANISMS,
      logPath,
      dir,
      pid: javaPid,
      clusterId,
      kafkaVersion: KAFKA_VERSION,
      exited,
      stop,
      [Symbol.asyncDispose]: stop,
    };
    return Object.freeze(broker);
  } finally {
    if (!started) await removeQuietly(dir);
  }
}

// ---------------------------------------------------------------------------------------------
// testBroker

/**
 * The broker for tests: if `KAFKA_BOOTSTRAP_SERVERS` is set, an {@linkcode ExternalBroker} for it
 * (PLAINTEXT only, `stop()` does nothing); otherwise a fresh {@linkcode startBroker}.
 * Start one per test file, not per test step: a start takes several seconds.
 */
export async function testBroker(options: BrokerOptions = {}): Promise<TestBroker> {
  const external = Deno.env.get("KAFKA_BOOTSTRAP_SERVERS")?.trim();
  if (external) {
    const noop = () => Promise.resolve();
    return Object.freeze(
      {
        kind: "external",
        plaintext: external,
        stop: noop,
        [Symbol.asyncDispose]: noop,
      } satisfies ExternalBroker,
    );
  }
  return await startBroker(options);
}
