import assert from "node:assert/strict";
import { clientProperties } from "../io/kafka/client.ts";
import { explain, KafkaError } from "../io/kafka/errors.ts";
import { LibrdkafkaError } from "../io/kafka/native.ts";
import { resolveSettings } from "../io/kafka/settings.ts";

const scram = resolveSettings({
  "bootstrap.servers": "broker:9093,other:9093",
  "security.protocol": "sasl_ssl",
  "sasl.mechanism": "SCRAM-SHA-256",
  "sasl.username": "alice",
  "sasl.password": "s3cret-pw",
  "ssl.ca.location": "ca.pem",
  "client.id": "me",
  "group.id": "g",
});

Deno.test("the settings are librdkafka's own; the consumer commits only with checkpoints", () => {
  const consumer = clientProperties(scram, "consumer");
  assert.equal(consumer["bootstrap.servers"], "broker:9093,other:9093");
  assert.equal(consumer["client.id"], "me");
  assert.equal(consumer["security.protocol"], "sasl_ssl");
  assert.equal(consumer["sasl.mechanism"], "SCRAM-SHA-256");
  assert.equal(consumer["sasl.username"], "alice");
  assert.equal(consumer["sasl.password"], "s3cret-pw");
  assert.equal(consumer["ssl.ca.location"], "ca.pem");
  assert.equal(consumer["group.id"], "g");
  assert.equal(consumer["session.timeout.ms"], "6000", "the reference's session timeout");
  assert.equal(consumer["enable.auto.commit"], "false");
  assert.equal(consumer["enable.auto.offset.store"], "false");
  const producer = clientProperties(scram, "producer", { "transactional.id": "t" });
  assert.equal(producer["group.id"], undefined);
  assert.equal(producer["enable.idempotence"], "true");
  assert.equal(producer["transactional.id"], "t");
  const plain = clientProperties(resolveSettings({}), "consumer");
  assert.equal(plain["bootstrap.servers"], "localhost:9092");
  assert.equal(plain["security.protocol"], "plaintext");
  assert.equal(plain["sasl.mechanism"], undefined);
  assert.equal(plain["ssl.ca.location"], undefined);
  assert.equal(plain["auto.offset.reset"], "earliest");
  const fetch = clientProperties(
    resolveSettings({ "fetch.max.bytes": "1048576", "max.partition.fetch.bytes": "1024" }),
    "consumer",
  );
  assert.equal(fetch["fetch.max.bytes"], "1048576");
  assert.equal(fetch["max.partition.fetch.bytes"], "1024");
});

Deno.test("librdkafka's failures are explained with what to try, never with the password", () => {
  const cases: [LibrdkafkaError, RegExp, boolean][] = [
    [
      new LibrdkafkaError(
        -195,
        "_TRANSPORT",
        "broker:9093/bootstrap: Connect to ipv4#10.0.0.1:9093 failed: Connection refused",
      ),
      /cannot reach the Kafka broker at broker:9093,other:9093.*deno task kafka/,
      true,
    ],
    [
      new LibrdkafkaError(-187, "_ALL_BROKERS_DOWN", "2/2 brokers are down"),
      /cannot reach the Kafka broker/,
      true,
    ],
    [
      new LibrdkafkaError(
        -169,
        "_AUTHENTICATION",
        "sasl_ssl://broker:9093/bootstrap: SASL authentication error: Authentication failed " +
          "during authentication due to invalid credentials with SASL mechanism SCRAM-SHA-256",
      ),
      /SASL authentication failed at .* for user "alice" \(SCRAM-SHA-256\).*KAFKA_SASL_PASSWORD/,
      false,
    ],
    [
      new LibrdkafkaError(
        -181,
        "_SSL",
        "ssl://broker:9093/bootstrap: SSL handshake failed: error:0A000086:SSL routines::" +
          "certificate verify failed: broker certificate could not be verified",
      ),
      /certificate is not trusted.*ssl\.ca\.location/,
      false,
    ],
    [
      new LibrdkafkaError(
        -195,
        "_TRANSPORT",
        "broker:9093/bootstrap: Disconnected while requesting ApiVersion: might be caused by " +
          "incorrect security.protocol configuration (connecting to a SSL listener?)",
      ),
      /closed the connection at once: is the port or security\.protocol right\?/,
      false,
    ],
    [
      new LibrdkafkaError(29, "TOPIC_AUTHORIZATION_FAILED", "Topic authorization failed"),
      /Kafka at .* failed: TOPIC_AUTHORIZATION_FAILED/,
      false,
    ],
    [
      new LibrdkafkaError(-1, "_UNKNOWN", "something else s3cret-pw"),
      /Kafka at .* failed: _UNKNOWN: something else \*+/,
      true,
    ],
  ];
  for (const [error, pattern, transient] of cases) {
    const explained = explain(error, scram, 'reading topic "t"');
    assert.ok(explained instanceof KafkaError);
    assert.match(explained.message, /^reading topic "t": /);
    assert.match(explained.message, pattern);
    assert.doesNotMatch(explained.message, /s3cret-pw/);
    assert.equal(explained.cause, error);
    assert.equal(explained.transient, transient, error.message);
  }
});
