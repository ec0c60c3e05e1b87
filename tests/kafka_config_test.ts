import assert from "node:assert/strict";
import { explain, kafkaConfig, KafkaError } from "../io/kafka/client.ts";
import { resolveSettings } from "../io/kafka/settings.ts";

const scram = resolveSettings({
  "bootstrap.servers": "broker:9093,other:9093",
  "security.protocol": "sasl_ssl",
  "sasl.mechanism": "SCRAM-SHA-256",
  "sasl.username": "alice",
  "sasl.password": "s3cret-pw",
  "client.id": "me",
});

Deno.test("librdkafka settings map onto kafkajs's configuration", () => {
  const config = kafkaConfig(scram, "PEM");
  assert.deepEqual(config.brokers, ["broker:9093", "other:9093"]);
  assert.equal(config.clientId, "me");
  assert.deepEqual(config.ssl, { ca: ["PEM"] });
  assert.deepEqual(config.sasl, {
    mechanism: "scram-sha-256",
    username: "alice",
    password: "s3cret-pw",
  });
  assert.equal(kafkaConfig(scram).ssl, true, "TLS with the system's CAs when no ssl.ca.location");
  const plain = kafkaConfig(resolveSettings({}));
  assert.equal(plain.ssl, false);
  assert.equal(plain.sasl, undefined);
  assert.deepEqual(plain.brokers, ["localhost:9092"]);
  const sasl512 = kafkaConfig(resolveSettings({
    "security.protocol": "sasl_plaintext",
    "sasl.mechanism": "scram-sha-512",
    "sasl.username": "u",
    "sasl.password": "p",
  }));
  assert.equal(sasl512.ssl, false);
  assert.equal(sasl512.sasl?.mechanism, "scram-sha-512");
  assert.equal(kafkaConfig(resolveSettings({ "security.protocol": "ssl" })).ssl, true);
});

Deno.test("kafkajs failures are explained with what to try, never with the password", () => {
  const failure = (name: string, message: string, code?: string) =>
    Object.assign(new Error(message), { name, code });
  const cases: [Error, RegExp][] = [
    [
      failure(
        "KafkaJSNumberOfRetriesExceeded",
        "Connection error: connect ECONNREFUSED 127.0.0.1:1",
      ),
      /cannot reach the Kafka broker at broker:9093,other:9093.*deno task kafka/,
    ],
    [
      failure(
        "KafkaJSSASLAuthenticationError",
        "SASL SCRAM SHA256 authentication failed: s3cret-pw",
      ),
      /SASL authentication failed at .* for user "alice" \(SCRAM-SHA-256\).*KAFKA_SASL_PASSWORD/,
    ],
    [
      failure("KafkaJSConnectionError", "self-signed certificate", "SELF_SIGNED_CERT_IN_CHAIN"),
      /certificate is not trusted.*ssl\.ca\.location/,
    ],
    [failure("Error", "something else s3cret-pw"), /Kafka at .* failed: Error: something else \*+/],
  ];
  for (const [error, pattern] of cases) {
    const explained = explain(error, scram, 'reading topic "t"');
    assert.ok(explained instanceof KafkaError);
    assert.match(explained.message, /^reading topic "t": /);
    assert.match(explained.message, pattern);
    assert.doesNotMatch(explained.message, /s3cret-pw/);
    assert.equal(explained.cause, error);
  }
});
