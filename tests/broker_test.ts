/**
 * The Kafka test broker harness (testing/broker.ts) against a real broker: one broker start for the
 * whole file, then produce + consume with kafkajs over PLAINTEXT, SASL_PLAINTEXT (SCRAM-SHA-256)
 * and SASL_SSL (SCRAM-SHA-256, trusting the harness's CA), a wrong password, and kcat if it is
 * installed. With KAFKA_BOOTSTRAP_SERVERS set, only the PLAINTEXT steps run, against that broker.
 */

import assert from "node:assert/strict";
import { Kafka, type KafkaConfig, logLevel } from "kafkajs";
import { type Broker, parseJavaMajor, testBroker } from "../testing/broker.ts";

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

/** Produces `values` to a new (auto-created) topic and consumes them back from the beginning. */
async function roundTrip(kafka: Kafka, values: string[], topic = unique("t")): Promise<string[]> {
  const producer = kafka.producer({ allowAutoTopicCreation: true });
  await producer.connect();
  try {
    await producer.send({ topic, messages: values.map((value) => ({ value })) });
  } finally {
    await producer.disconnect();
  }
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
  await consumer.connect();
  try {
    await consumer.subscribe({ topic, fromBeginning: true });
    const got: string[] = [];
    const { promise: done, resolve } = Promise.withResolvers<void>();
    await consumer.run({
      eachMessage: ({ message }) => {
        got.push(message.value?.toString() ?? "");
        if (got.length >= count) resolve();
        return Promise.resolve();
      },
    });
    let timer: ReturnType<typeof setTimeout> | undefined;
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(
        () => reject(new Error(`timed out: got ${got.length} of ${count} from ${topic}`)),
        30_000,
      );
    });
    try {
      await Promise.race([done, timeout]);
    } finally {
      clearTimeout(timer);
    }
    return got;
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
  const user = broker.users[0];
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
    signal: AbortSignal.timeout(60_000),
  }).spawn();
  const writer = child.stdin.getWriter();
  await writer.write(new TextEncoder().encode(lines.map((l) => `${l}\n`).join("")));
  await writer.close();
  const out = await child.output();
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
      const user = local.users[0];
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
          await assert.rejects(admin.connect(), (err: Error) => {
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
            await assert.rejects(producer.connect(), (err: Error) => {
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
    } finally {
      const t1 = performance.now();
      await broker.stop();
      console.log(`broker stopped in ${Math.round(performance.now() - t1)} ms`);
    }

    if (local) {
      await assert.rejects(Deno.stat(local.dir), Deno.errors.NotFound);
      assert.equal(await local.exited, 143, "the JVM stops on SIGTERM");
    }
  },
});
