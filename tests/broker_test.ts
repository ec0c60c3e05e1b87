/**
 * The Kafka test broker harness (testing/) against a real broker: one broker start for the main
 * test, then produce + consume with kafkajs over PLAINTEXT, SASL_PLAINTEXT (SCRAM-SHA-256) and
 * SASL_SSL (SCRAM-SHA-256, trusting the harness's CA), a wrong password, kcat if it is installed,
 * a restart on the same ports and data, and the topic helpers. With KAFKA_BOOTSTRAP_SERVERS set,
 * only the PLAINTEXT steps run, against that broker. Every wait has a time limit.
 */

import assert from "node:assert/strict";
import { Kafka, type KafkaConfig, logLevel } from "kafkajs";
import { type Broker, parseJavaMajor, startBroker, testBroker } from "../testing/broker.ts";
import { createTopic, deleteRecordsBefore, deleteTopic, topicOffsets } from "../testing/topics.ts";
import { outputWithin, withTimeout } from "../testing/timeout.ts";
import { ROOT } from "./cli.ts";

/** How long one produce-and-consume may take. */
const STEP_MS = 60_000;

/** A fresh name per call, so steps (and reruns against an external broker) never collide. */
function unique(prefix: string): string {
  return `${prefix}-${crypto.randomUUID().slice(0, 8)}`;
}

function client(config: Omit<KafkaConfig, "clientId" | "logLevel">): Kafka {
  return new Kafka({
    clientId: "broker-test",
    logLevel: logLevel.NOTHING,
    connectionTimeout: 10_000,
    retry: { retries: 5, initialRetryTime: 100 },
    ...config,
  });
}

/** Produces `values` to `topic` (auto-created) with a producer of its own. */
async function produce(kafka: Kafka, topic: string, values: string[]): Promise<void> {
  const producer = kafka.producer({ allowAutoTopicCreation: true });
  await withTimeout(producer.connect(), STEP_MS, `connecting a producer`);
  try {
    await withTimeout(
      producer.send({ topic, messages: values.map((value) => ({ value })) }),
      STEP_MS,
      `producing ${values.length} messages to ${topic}`,
    );
  } finally {
    await producer.disconnect();
  }
}

/** Produces `values` to a new (auto-created) topic and consumes them back from the beginning. */
async function roundTrip(kafka: Kafka, values: string[], topic = unique("t")): Promise<string[]> {
  await produce(kafka, topic, values);
  return await consume(kafka, topic, values.length);
}

/** Reads `count` messages of `topic` from the beginning with a fresh consumer group. */
async function consume(kafka: Kafka, topic: string, count: number): Promise<string[]> {
  const consumer = kafka.consumer({
    groupId: unique("g"),
    sessionTimeout: 10_000,
    heartbeatInterval: 1_000,
    maxWaitTimeInMs: 200,
  });
  const got: string[] = [];
  try {
    await withTimeout(consumer.connect(), STEP_MS, "connecting a consumer");
    await consumer.subscribe({ topic, fromBeginning: true });
    const { promise: done, resolve } = Promise.withResolvers<void>();
    await consumer.run({
      eachMessage: ({ message }) => {
        got.push(message.value?.toString() ?? "");
        if (got.length >= count) resolve();
        return Promise.resolve();
      },
    });
    await withTimeout(done, STEP_MS, `consuming ${count} messages of ${topic}`);
    return got;
  } catch (err) {
    throw new Error(`${err instanceof Error ? err.message : err} (got ${got.length}: ${got})`);
  } finally {
    await consumer.disconnect();
  }
}

/** The librdkafka version kcat is built with, or undefined when kcat is not installed. */
async function kcatLibrdkafka(): Promise<string | undefined> {
  try {
    const out = await new Deno.Command("kcat", {
      args: ["-V"],
      stdout: "piped",
      stderr: "piped",
      signal: AbortSignal.timeout(30_000),
    }).output();
    const text = new TextDecoder().decode(out.stdout) + new TextDecoder().decode(out.stderr);
    return /librdkafka (\d+\.\d+\.\d+)/.exec(text)?.[1] ?? "0.0.0";
  } catch (err) {
    if (err instanceof Deno.errors.NotFound) return undefined;
    throw err;
  }
}

function atLeast(version: string, min: [number, number, number]): boolean {
  const v = version.split(".").map(Number);
  for (let i = 0; i < 3; i++) {
    if ((v[i] ?? 0) !== min[i]) return (v[i] ?? 0) > min[i];
  }
  return true;
}

/** Runs kcat as a producer of `lines` to `topic`; returns its exit code and stderr. */
async function kcatProduce(
  broker: Broker,
  mechanism: string,
  topic: string,
  lines: string[],
): Promise<{ code: number; stderr: string }> {
  const user = broker.user;
  const child = new Deno.Command("kcat", {
    args: [
      ...["-P", "-b", broker.saslSsl, "-t", topic],
      ...["-X", "security.protocol=sasl_ssl", "-X", `sasl.mechanism=${mechanism}`],
      ...["-X", `sasl.username=${user.username}`, "-X", `sasl.password=${user.password}`],
      ...["-X", `ssl.ca.location=${broker.caPemPath}`, "-X", "message.timeout.ms=20000"],
    ],
    stdin: "piped",
    stdout: "piped",
    stderr: "piped",
  }).spawn();
  const writer = child.stdin.getWriter();
  await writer.write(new TextEncoder().encode(lines.map((l) => `${l}\n`).join("")));
  await writer.close();
  const out = await outputWithin(child, STEP_MS, `kcat -P to ${topic} (${mechanism})`);
  return { code: out.code, stderr: new TextDecoder().decode(out.stderr) };
}

Deno.test("parseJavaMajor reads old and new `java -version` formats", () => {
  assert.equal(parseJavaMajor('openjdk version "17.0.15" 2025-04-15'), 17);
  assert.equal(parseJavaMajor('openjdk version "21" 2023-09-19'), 21);
  assert.equal(parseJavaMajor('java version "1.8.0_402"'), 8);
  assert.equal(parseJavaMajor("no java here"), undefined);
});

Deno.test({
  name: "Kafka test broker: PLAINTEXT, SASL_PLAINTEXT and SASL_SSL with SCRAM",
  // kafkajs leaves timers and sockets behind after disconnect().
  sanitizeOps: false,
  sanitizeResources: false,
  async fn(t) {
    const t0 = performance.now();
    const broker = await testBroker();
    console.log(`broker (${broker.kind}) ready in ${Math.round(performance.now() - t0)} ms`);
    const local = broker.kind === "local" ? broker : undefined;
    const sasl = (mechanism: "scram-sha-256", password?: string) => {
      assert(local);
      const user = local.user;
      return { mechanism, username: user.username, password: password ?? user.password };
    };
    try {
      await t.step("PLAINTEXT: produce and consume", async () => {
        const kafka = client({ brokers: [broker.plaintext] });
        const sent = ["one", "two", "three"];
        assert.deepEqual(await roundTrip(kafka, sent), sent);
      });

      await t.step({
        name: "SASL_PLAINTEXT, SCRAM-SHA-256: produce and consume",
        ignore: !local,
        fn: async () => {
          assert(local);
          const kafka = client({ brokers: [local.saslPlaintext], sasl: sasl("scram-sha-256") });
          const sent = ["sasl-1", "sasl-2"];
          assert.deepEqual(await roundTrip(kafka, sent), sent);
        },
      });

      await t.step({
        name: "SASL_SSL, SCRAM-SHA-256, trusting the harness's CA: produce and consume",
        ignore: !local,
        fn: async () => {
          assert(local);
          const ca = await Deno.readTextFile(local.caPemPath);
          assert.match(ca, /^-----BEGIN CERTIFICATE-----/);
          const kafka = client({
            brokers: [local.saslSsl],
            ssl: { ca: [ca] },
            sasl: sasl("scram-sha-256"),
          });
          const sent = ["tls-1", "tls-2"];
          assert.deepEqual(await roundTrip(kafka, sent), sent);
        },
      });

      await t.step({
        name: "SASL_SSL without trusting the CA fails the TLS handshake",
        ignore: !local,
        fn: async () => {
          assert(local);
          const kafka = client({
            brokers: [local.saslSsl],
            ssl: true,
            sasl: sasl("scram-sha-256"),
            retry: { retries: 0 },
          });
          const admin = kafka.admin();
          await assert.rejects(withTimeout(admin.connect(), STEP_MS, "TLS"), (err: Error) => {
            assert.match(err.message, /certificate/);
            return true;
          });
          await admin.disconnect();
        },
      });

      await t.step({
        name: "a wrong password fails with an authentication error",
        ignore: !local,
        fn: async () => {
          assert(local);
          for (const [brokers, ssl] of [[local.saslPlaintext, undefined], [local.saslSsl, true]]) {
            const ca = await Deno.readTextFile(local.caPemPath);
            const kafka = client({
              brokers: [String(brokers)],
              ssl: ssl ? { ca: [ca] } : undefined,
              sasl: sasl("scram-sha-256", "not-the-password"),
              retry: { retries: 0 },
            });
            const producer = kafka.producer();
            await assert.rejects(withTimeout(producer.connect(), STEP_MS, "SASL"), (err: Error) => {
              assert.equal(err.name, "KafkaJSSASLAuthenticationError");
              assert.match(err.message, /Authentication failed/);
              return true;
            });
            await producer.disconnect();
          }
        },
      });

      const librdkafka = await kcatLibrdkafka();
      await t.step({
        name: `kcat (librdkafka ${librdkafka ?? "not installed"}) produces over SASL_SSL`,
        ignore: !local || librdkafka === undefined,
        fn: async () => {
          assert(local && librdkafka);
          // PLAIN works with any librdkafka; the CA and the hostname (127.0.0.1) are verified.
          const topic = unique("kcat");
          const plain = await kcatProduce(local, "PLAIN", topic, ["kcat-1", "kcat-2"]);
          assert.equal(plain.code, 0, plain.stderr);
          // SCRAM: librdkafka < 2.6.1 sends a wrong nonce, which Kafka 4 rejects
          // (confluentinc/librdkafka#4895; Debian 12 ships 2.0.2).
          const scram = await kcatProduce(local, "SCRAM-SHA-256", topic, ["kcat-3"]);
          if (atLeast(librdkafka, [2, 6, 1])) {
            assert.equal(scram.code, 0, scram.stderr);
          } else {
            assert.match(scram.stderr, /Authentication failed/);
          }
          const expected = atLeast(librdkafka, [2, 6, 1])
            ? ["kcat-1", "kcat-2", "kcat-3"]
            : ["kcat-1", "kcat-2"];
          const kafka = client({ brokers: [local.plaintext] });
          assert.deepEqual(await consume(kafka, topic, expected.length), expected);
        },
      });

      await t.step(
        "topic helpers: partitions, deleting records below an offset, deleting",
        async () => {
          const topic = unique("helpers");
          await createTopic(broker.plaintext, topic, 3);
          await assert.rejects(createTopic(broker.plaintext, topic, 3), /exists already/);
          const kafka = client({ brokers: [broker.plaintext] });
          await produce(kafka, topic, Array.from({ length: 10 }, (_, i) => `r${i}`));
          const offsets = await topicOffsets(broker.plaintext, topic);
          assert.deepEqual(offsets.map((p) => p.partition), [0, 1, 2]);
          assert.equal(offsets.reduce((sum, p) => sum + p.high - p.low, 0), 10);
          // Retention: the oldest records go, read or not.
          const fullest = offsets.reduce((a, b) => (b.high > a.high ? b : a));
          const cut = Math.ceil(fullest.high / 2);
          await deleteRecordsBefore(broker.plaintext, topic, fullest.partition, cut);
          const after = await topicOffsets(broker.plaintext, topic);
          assert.deepEqual(after[fullest.partition], { ...fullest, low: cut });
          assert.deepEqual(
            await consume(kafka, topic, 10 - cut).then((got) => got.length),
            10 - cut,
          );
          await deleteTopic(broker.plaintext, topic);
          await assert.rejects(topicOffsets(broker.plaintext, topic));
        },
      );

      await t.step({
        name: "restart: stopped 1 s, same ports, the records are still there, clients carry on",
        ignore: !local,
        fn: async () => {
          assert(local);
          const kafka = client({ brokers: [local.plaintext] });
          const topic = unique("restart");
          const before = Array.from({ length: 10 }, (_, i) => `before-${i}`);
          const producer = kafka.producer({ allowAutoTopicCreation: true });
          await withTimeout(producer.connect(), STEP_MS, "connecting a producer");
          try {
            await withTimeout(
              producer.send({ topic, messages: before.map((value) => ({ value })) }),
              STEP_MS,
              "producing before the restart",
            );
            const pid = local.pid;
            await withTimeout(local.restart({ downMs: 1_000 }), 90_000, "restarting the broker");
            assert.notEqual(local.pid, pid);
            assert.deepEqual(await consume(kafka, topic, 10), before);
            // The producer connected before the restart sends again once the broker is back.
            await withTimeout(
              producer.send({ topic, messages: [{ value: "after-0" }, { value: "after-1" }] }),
              STEP_MS,
              "producing after the restart",
            );
          } finally {
            await producer.disconnect();
          }
          assert.deepEqual(await consume(kafka, topic, 12), [...before, "after-0", "after-1"]);
        },
      });
    } finally {
      const t1 = performance.now();
      await broker.close();
      console.log(`broker closed in ${Math.round(performance.now() - t1)} ms`);
    }

    if (local) {
      await assert.rejects(Deno.stat(local.dir), Deno.errors.NotFound);
      assert.equal(await local.exited, 143, "the JVM stops on SIGTERM");
    }
  },
});

Deno.test({
  name: "Kafka test broker: its folder goes and its JVM stops when the starting process dies",
  ignore: Deno.env.get("KAFKA_BOOTSTRAP_SERVERS") !== undefined,
  async fn() {
    const script = `const b = await (await import("${ROOT}testing/broker.ts")).startBroker();
      console.log(b.dir, b.pid); await new Promise(() => {});`;
    const child = new Deno.Command(Deno.execPath(), {
      args: ["eval", script],
      stdout: "piped",
      stderr: "null",
    }).spawn();
    const reader = child.stdout.getReader();
    let line = "";
    try {
      while (!line.includes("\n")) {
        const { value, done } = await withTimeout(reader.read(), 90_000, "the broker's start");
        if (done) break;
        line += new TextDecoder().decode(value);
      }
    } finally {
      reader.releaseLock();
      child.kill("SIGKILL");
    }
    await withTimeout(child.status, 10_000, "the starting process's death");
    const [dir, pid] = line.trim().split(" ");
    assert.match(dir, /kafka-broker-/, line);
    const gone = async () => {
      try {
        await Deno.stat(dir);
        return false;
      } catch {
        return true;
      }
    };
    const deadline = Date.now() + 30_000;
    while (!(await gone()) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 200));
    assert.ok(await gone(), `${dir} is still there 30 s after its process died`);
    const stat = await Deno.readTextFile(`/proc/${pid}/stat`).catch(() => "");
    assert.ok(stat === "" || /\) [ZX] /.test(stat), `the JVM still runs: ${stat}`);
  },
});

Deno.test({
  name: "Kafka test broker: a port that is taken says so",
  ignore: Deno.env.get("KAFKA_BOOTSTRAP_SERVERS") !== undefined,
  async fn() {
    using taken = Deno.listen({ hostname: "127.0.0.1", port: 0 });
    await assert.rejects(
      withTimeout(
        startBroker({ plaintextPort: taken.addr.port, startTimeoutMs: 30_000 }),
        60_000,
        "a start on a taken port",
      ),
      new RegExp(`did not start: .*\\n.*ports \\(${taken.addr.port}, .* taken by another process`),
    );
  },
});
