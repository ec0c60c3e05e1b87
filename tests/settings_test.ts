import assert from "node:assert/strict";
import {
  describeSettings,
  parseAssignment,
  resolveSettings,
  SettingsError,
  settingsFromObject,
} from "../io/kafka/settings.ts";
import { resolveKafka } from "../io/kafka/options.ts";
import { deno, sh } from "./cli.ts";

Deno.test("defaults: localhost:9092, plaintext, earliest, auto commit", () => {
  const s = resolveSettings({});
  assert.deepEqual(s.brokers, ["localhost:9092"]);
  assert.equal(s.securityProtocol, "plaintext");
  assert.equal(s.autoOffsetReset, "earliest");
  assert.equal(s.enableAutoCommit, true);
  assert.equal(s.sasl, undefined);
});

Deno.test("the reference's rdkafka_settings dictionary is understood", () => {
  const s = resolveSettings(settingsFromObject({
    "bootstrap.servers": "server-address:9092",
    "security.protocol": "sasl_ssl",
    "sasl.mechanism": "SCRAM-SHA-256",
    "group.id": "$GROUP_NAME",
    "session.timeout.ms": "6000",
    "sasl.username": "username",
    "sasl.password": "********",
  }, "settings.json"));
  assert.deepEqual(s.brokers, ["server-address:9092"]);
  assert.equal(s.securityProtocol, "sasl_ssl");
  assert.deepEqual(s.sasl, {
    mechanism: "SCRAM-SHA-256",
    username: "username",
    password: "********",
  });
  assert.equal(s.groupId, "$GROUP_NAME");
  assert.equal(s.sessionTimeoutMs, 6000);
  assert.equal(describeSettings(s), "server-address:9092 (sasl_ssl SCRAM-SHA-256 as username)");
});

Deno.test("values are case-insensitive where librdkafka's are; JSON numbers and booleans work", () => {
  const s = resolveSettings(settingsFromObject({
    "security.protocol": "SASL_PLAINTEXT",
    "sasl.mechanisms": "scram-sha-512",
    "sasl.username": "u",
    "sasl.password": "p",
    "heartbeat.interval.ms": 500,
    "enable.auto.commit": false,
    "auto.offset.reset": "LATEST",
    "bootstrap.servers": "a:1, b:2,[::1]:3",
  }, "f"));
  assert.equal(s.sasl?.mechanism, "SCRAM-SHA-512");
  assert.equal(s.heartbeatIntervalMs, 500);
  assert.equal(s.enableAutoCommit, false);
  assert.equal(s.autoOffsetReset, "latest");
  assert.deepEqual(s.brokers, ["a:1", "b:2", "[::1]:3"]);
});

Deno.test("unknown keys and bad values are refused, naming the key, never the password", () => {
  const refused = (given: Record<string, string>, key: string, pattern: RegExp) => {
    assert.throws(() => resolveSettings(given), (e: unknown) => {
      assert.ok(e instanceof SettingsError);
      assert.equal(e.key, key);
      assert.match(e.message, pattern);
      assert.doesNotMatch(e.message, /hunter2/);
      return true;
    });
  };
  refused(
    { "sasl.mechanims": "PLAIN" },
    "sasl.mechanims",
    /unknown setting "sasl\.mechanims" \(did you mean "sasl\.mechanism/,
  );
  refused({ "fetch.wait.max.ms": "5" }, "fetch.wait.max.ms", /unknown setting/);
  refused({ "security.protocol": "tls" }, "security.protocol", /must be one of plaintext, ssl/);
  refused(
    { "security.protocol": "sasl_ssl", "sasl.mechanism": "GSSAPI", "sasl.password": "hunter2" },
    "sasl.mechanism",
    /PLAIN, SCRAM-SHA-256, SCRAM-SHA-512/,
  );
  refused(
    { "security.protocol": "sasl_ssl", "sasl.mechanism": "PLAIN", "sasl.password": "hunter2" },
    "sasl.username",
    /needs sasl\.username/,
  );
  refused(
    { "security.protocol": "sasl_ssl", "sasl.mechanism": "PLAIN", "sasl.username": "u" },
    "sasl.password",
    /KAFKA_SASL_PASSWORD/,
  );
  refused(
    { "bootstrap.servers": "localhost" },
    "bootstrap.servers",
    /"localhost" is not host:port/,
  );
  refused({ "bootstrap.servers": " , " }, "bootstrap.servers", /empty/);
  refused({ "session.timeout.ms": "6s" }, "session.timeout.ms", /positive whole number/);
  refused({ "enable.auto.commit": "yes" }, "enable.auto.commit", /true, false/);
});

Deno.test("-X key=value and --settings objects", () => {
  assert.deepEqual(parseAssignment("sasl.password=a=b"), ["sasl.password", "a=b"]);
  assert.throws(() => parseAssignment("security.protocol"), /-X takes key=value/);
  assert.throws(() => settingsFromObject([1], "s.json"), /s\.json must hold a JSON object/);
  assert.throws(
    () => settingsFromObject({ a: null }, "s.json"),
    /"a" must be a string, number or boolean/,
  );
});

Deno.test("a typo of a secret key (-X sasl.pasword=hunter2) never shows the value", async () => {
  const [key, value] = parseAssignment("sasl.pasword=hunter2");
  assert.throws(() => resolveSettings({ [key]: value }), (e: unknown) => {
    assert.ok(e instanceof SettingsError);
    assert.equal(e.key, "sasl.pasword");
    assert.match(e.message, /unknown setting "sasl\.pasword" \(did you mean "sasl\.password"\?\)/);
    assert.ok(!e.message.includes("hunter2"), e.message);
    return true;
  });
  // The same through the option layer both scripts use, and through main.ts's command line.
  await assert.rejects(resolveKafka({ set: ["sasl.pasword=hunter2"] }), (e: unknown) => {
    assert.ok(e instanceof SettingsError);
    assert.ok(!e.message.includes("hunter2"), e.message);
    return true;
  });
  const ran = await sh(`${deno("main.ts")} -X sasl.pasword=hunter2 --output -`);
  assert.equal(ran.code, 2, ran.stderr);
  assert.match(ran.stderr, /did you mean "sasl\.password"/);
  assert.ok(!(ran.stdout + ran.stderr).includes("hunter2"), ran.stderr);
});
