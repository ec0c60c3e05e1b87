/**
 * librdkafka-style client settings (`bootstrap.servers`, `security.protocol`, `sasl.*`, …) as
 * kcat and the reference's Python dictionary write them: validated, typed, and ready for the
 * Kafka adapter. Pure: the caller reads files and the environment.
 *
 * @module
 */

import { distance } from "fastest-levenshtein";

/** `security.protocol` values. */
export type SecurityProtocol = "plaintext" | "ssl" | "sasl_plaintext" | "sasl_ssl";

/** `sasl.mechanism` values. */
export type SaslMechanism = "PLAIN" | "SCRAM-SHA-256" | "SCRAM-SHA-512";

/** Validated settings; only the keys that were given, apart from the defaults. */
export interface KafkaSettings {
  /** `bootstrap.servers`: `host:port` addresses. */
  readonly brokers: readonly string[];
  /** `client.id`. */
  readonly clientId: string;
  /** `security.protocol`. */
  readonly securityProtocol: SecurityProtocol;
  /** `sasl.mechanism` with `sasl.username` and `sasl.password`, for the SASL protocols. */
  readonly sasl?: {
    readonly mechanism: SaslMechanism;
    readonly username: string;
    readonly password: string;
  };
  /** `ssl.ca.location`: a PEM file of trusted certificates (default: the system's). */
  readonly caLocation?: string;
  /** `group.id` (consumer). */
  readonly groupId: string;
  /** `session.timeout.ms` (consumer). */
  readonly sessionTimeoutMs?: number;
  /** `heartbeat.interval.ms` (consumer). */
  readonly heartbeatIntervalMs?: number;
  /** `auto.offset.reset`: where a group with no committed offset starts. Default earliest. */
  readonly autoOffsetReset: "earliest" | "latest";
  /** `enable.auto.commit`: commit offsets at all. Default true. */
  readonly enableAutoCommit: boolean;
  /** `fetch.max.bytes` (consumer): the most bytes one fetch returns. */
  readonly fetchMaxBytes?: number;
  /** `max.partition.fetch.bytes` (consumer): the most bytes of one partition in a fetch. */
  readonly maxPartitionFetchBytes?: number;
}

/** A setting that is unknown or has an invalid value. */
export class SettingsError extends Error {
  /** The key at fault. */
  readonly key: string;

  /** Makes the error for `key`, with a message saying what is wrong. */
  constructor(key: string, message: string) {
    super(message);
    this.name = "SettingsError";
    this.key = key;
  }
}

/** The defaults, as `key → value` text. */
export const DEFAULTS: Readonly<Record<string, string>> = {
  "bootstrap.servers": "localhost:9092",
  "client.id": "kafka-regression",
  "security.protocol": "plaintext",
  "group.id": "kafka-regression",
  "auto.offset.reset": "earliest",
  "enable.auto.commit": "true",
};

/** The keys this tool understands. */
export const KEYS: readonly string[] = [
  "bootstrap.servers",
  "client.id",
  "security.protocol",
  "sasl.mechanism",
  "sasl.mechanisms",
  "sasl.username",
  "sasl.password",
  "ssl.ca.location",
  "group.id",
  "session.timeout.ms",
  "heartbeat.interval.ms",
  "auto.offset.reset",
  "enable.auto.commit",
  "fetch.max.bytes",
  "max.partition.fetch.bytes",
];

const PROTOCOLS: readonly SecurityProtocol[] = ["plaintext", "ssl", "sasl_plaintext", "sasl_ssl"];
const MECHANISMS: readonly SaslMechanism[] = ["PLAIN", "SCRAM-SHA-256", "SCRAM-SHA-512"];

/**
 * Parses kcat-style `key=value` text (the argument of `-X`).
 *
 * @example
 * ```ts
 * import { parseAssignment } from "./settings.ts";
 * parseAssignment("sasl.mechanism=SCRAM-SHA-256"); // ["sasl.mechanism", "SCRAM-SHA-256"]
 * ```
 */
export function parseAssignment(text: string): [string, string] {
  const eq = text.indexOf("=");
  if (eq <= 0) {
    throw new SettingsError(
      text,
      `-X takes key=value, e.g. -X security.protocol=sasl_ssl; got "${text}"`,
    );
  }
  return [text.slice(0, eq).trim(), text.slice(eq + 1)];
}

/**
 * Reads a settings object, e.g. the JSON of `--settings FILE` (the reference's `rdkafka_settings`
 * dictionary): string, number or boolean values.
 */
export function settingsFromObject(object: unknown, source: string): Record<string, string> {
  if (typeof object !== "object" || object === null || Array.isArray(object)) {
    throw new SettingsError(source, `${source} must hold a JSON object of librdkafka settings`);
  }
  const out: Record<string, string> = {};
  for (const [key, value] of Object.entries(object)) {
    if (!["string", "number", "boolean"].includes(typeof value)) {
      throw new SettingsError(key, `${source}: "${key}" must be a string, number or boolean`);
    }
    out[key] = String(value);
  }
  return out;
}

/**
 * Validates librdkafka-style settings, merged over {@linkcode DEFAULTS}. Unknown keys and invalid
 * values throw a {@linkcode SettingsError} naming the key (never the password's value).
 *
 * @example
 * ```ts
 * import { resolveSettings } from "./settings.ts";
 * const s = resolveSettings({
 *   "bootstrap.servers": "127.0.0.1:9093",
 *   "security.protocol": "SASL_SSL",
 *   "sasl.mechanism": "SCRAM-SHA-256",
 *   "sasl.username": "alice",
 *   "sasl.password": "alice-secret",
 * });
 * s.sasl?.mechanism; // "SCRAM-SHA-256"
 * ```
 */
export function resolveSettings(given: Readonly<Record<string, string>>): KafkaSettings {
  for (const key of Object.keys(given)) {
    if (!KEYS.includes(key)) {
      const near = closest(key, KEYS);
      throw new SettingsError(
        key,
        `unknown setting "${key}"${near ? ` (did you mean "${near}"?)` : ""}; ` +
          `known: ${KEYS.join(", ")}`,
      );
    }
  }
  if (given["sasl.mechanism"] !== undefined && given["sasl.mechanisms"] !== undefined) {
    throw new SettingsError("sasl.mechanisms", "give sasl.mechanism or sasl.mechanisms, not both");
  }
  const s: Record<string, string> = { ...DEFAULTS, ...given };
  const brokers = s["bootstrap.servers"].split(",").map((b) => b.trim()).filter((b) => b !== "");
  for (const broker of brokers) {
    if (!/^(\[[0-9a-fA-F:.]+\]|[^:\s\[\]]+):\d{1,5}$/.test(broker)) {
      throw new SettingsError(
        "bootstrap.servers",
        `bootstrap.servers: "${broker}" is not host:port`,
      );
    }
  }
  if (brokers.length === 0) {
    throw new SettingsError("bootstrap.servers", "bootstrap.servers is empty");
  }
  const securityProtocol = oneOf(
    "security.protocol",
    s["security.protocol"].toLowerCase(),
    PROTOCOLS,
  );
  const mechanismText = s["sasl.mechanism"] ?? s["sasl.mechanisms"];
  const mechanismKey = s["sasl.mechanism"] !== undefined ? "sasl.mechanism" : "sasl.mechanisms";
  let sasl: KafkaSettings["sasl"];
  if (securityProtocol.startsWith("sasl_")) {
    const mechanism = oneOf(mechanismKey, (mechanismText ?? "").toUpperCase(), MECHANISMS);
    const username = s["sasl.username"];
    const password = s["sasl.password"];
    if (username === undefined || username === "") {
      throw new SettingsError(
        "sasl.username",
        `security.protocol=${securityProtocol} needs sasl.username`,
      );
    }
    if (password === undefined) {
      throw new SettingsError(
        "sasl.password",
        `security.protocol=${securityProtocol} needs sasl.password ` +
          "(set KAFKA_SASL_PASSWORD, or -X sasl.password=…)",
      );
    }
    sasl = { mechanism, username, password };
  }
  return {
    brokers,
    clientId: s["client.id"],
    securityProtocol,
    sasl,
    caLocation: s["ssl.ca.location"],
    groupId: s["group.id"],
    sessionTimeoutMs: optionalMs(s, "session.timeout.ms"),
    heartbeatIntervalMs: optionalMs(s, "heartbeat.interval.ms"),
    autoOffsetReset: oneOf(
      "auto.offset.reset",
      s["auto.offset.reset"].toLowerCase(),
      [
        "earliest",
        "latest",
      ] as const,
    ),
    enableAutoCommit: oneOf(
      "enable.auto.commit",
      s["enable.auto.commit"].toLowerCase(),
      [
        "true",
        "false",
      ] as const,
    ) === "true",
    fetchMaxBytes: optionalPositive(s, "fetch.max.bytes", "bytes"),
    maxPartitionFetchBytes: optionalPositive(s, "max.partition.fetch.bytes", "bytes"),
  };
}

/** The settings as text for a log line, the password masked. */
export function describeSettings(settings: KafkaSettings): string {
  const sasl = settings.sasl ? ` ${settings.sasl.mechanism} as ${settings.sasl.username}` : "";
  return `${settings.brokers.join(",")} (${settings.securityProtocol}${sasl})`;
}

function oneOf<T extends string>(key: string, value: string, allowed: readonly T[]): T {
  if (!(allowed as readonly string[]).includes(value)) {
    throw new SettingsError(key, `${key} must be one of ${allowed.join(", ")}; got "${value}"`);
  }
  return value as T;
}

function optionalMs(s: Record<string, string>, key: string): number | undefined {
  return optionalPositive(s, key, "milliseconds");
}

function optionalPositive(
  s: Record<string, string>,
  key: string,
  unit: string,
): number | undefined {
  const text = s[key];
  if (text === undefined) return undefined;
  const value = Number(text);
  if (!/^\d+$/.test(text.trim()) || !Number.isSafeInteger(value) || value <= 0) {
    throw new SettingsError(
      key,
      `${key} must be a positive whole number of ${unit}; got "${text}"`,
    );
  }
  return value;
}

/** The known key nearest to `key` by edit distance, if it is near enough to be a typo. */
function closest(key: string, keys: readonly string[]): string | undefined {
  let best: string | undefined;
  let bestDistance = Math.max(3, Math.floor(key.length / 4)) + 1;
  for (const candidate of keys) {
    const d = distance(key.toLowerCase(), candidate);
    if (d < bestDistance) {
      best = candidate;
      bestDistance = d;
    }
  }
  return best;
}
