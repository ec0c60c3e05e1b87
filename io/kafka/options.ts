/**
 * The Kafka options both scripts share — `-b`, `-t`, `-X key=value` (as kcat), `--settings FILE`
 * and the password from `KAFKA_SASL_PASSWORD` — and their resolution into settings, reading the
 * files and the environment they name.
 *
 * @module
 */

import { KafkaError } from "./errors.ts";
import { NativeLibraryError } from "./native.ts";
import {
  type KafkaSettings,
  parseAssignment,
  resolveSettings,
  SettingsError,
  settingsFromObject,
} from "./settings.ts";

/** The environment variable that may hold `sasl.password`. */
export const PASSWORD_VARIABLE = "KAFKA_SASL_PASSWORD";

/** The default topic, as the reference. */
export const DEFAULT_TOPIC = "linear-regression";

/** `parseArgs` options of the Kafka settings. */
export const KAFKA_OPTIONS = {
  "bootstrap-servers": { type: "string", short: "b" },
  topic: { type: "string", short: "t", default: DEFAULT_TOPIC },
  set: { type: "string", short: "X", multiple: true, default: [] as string[] },
  settings: { type: "string" },
} as const;

/** The help text of {@linkcode KAFKA_OPTIONS}. */
export const KAFKA_HELP = `Kafka:
  -b, --bootstrap-servers HOST:PORT[,…]   the brokers (default localhost:9092)
  -t, --topic NAME       the topic (default ${DEFAULT_TOPIC})
  -X, --set KEY=VALUE    a librdkafka setting, repeatable: bootstrap.servers, client.id,
                         security.protocol (plaintext, ssl, sasl_plaintext, sasl_ssl),
                         sasl.mechanism (PLAIN, SCRAM-SHA-256, SCRAM-SHA-512), sasl.username,
                         sasl.password, ssl.ca.location, group.id, session.timeout.ms,
                         heartbeat.interval.ms, auto.offset.reset (earliest, latest),
                         enable.auto.commit, fetch.max.bytes, max.partition.fetch.bytes
  --settings FILE        a JSON object of such settings (e.g. the reference's rdkafka_settings);
                         -X and -b override it
  The password may come from the environment variable ${PASSWORD_VARIABLE} instead, so that it
  stays out of shell history; it is never printed.`;

/** The parsed values of {@linkcode KAFKA_OPTIONS}. */
export interface KafkaOptionValues {
  /** `-b`: overrides `bootstrap.servers`. */
  readonly "bootstrap-servers"?: string;
  /** Each `-X key=value`, in order. */
  readonly set: readonly string[];
  /** `--settings`: the path of a JSON object of settings. */
  readonly settings?: string;
}

/**
 * Resolves the Kafka options: the settings file, then each `-X`, then `-b`, then the password
 * from {@linkcode PASSWORD_VARIABLE} when none was given; checks that `ssl.ca.location` can be
 * read.
 *
 * @throws {SettingsError} naming the key or file at fault.
 */
export async function resolveKafka(values: KafkaOptionValues): Promise<KafkaSettings> {
  const given: Record<string, string> = {};
  if (values.settings !== undefined) {
    let text: string;
    try {
      text = await Deno.readTextFile(values.settings);
    } catch (e) {
      throw new SettingsError(
        "--settings",
        `cannot read --settings ${values.settings}: ${(e as Error).message}`,
      );
    }
    let object: unknown;
    try {
      object = JSON.parse(text);
    } catch (e) {
      throw new SettingsError(
        "--settings",
        `--settings ${values.settings} is not JSON: ${(e as Error).message}`,
      );
    }
    Object.assign(given, settingsFromObject(object, values.settings));
  }
  for (const assignment of values.set) {
    const [key, value] = parseAssignment(assignment);
    given[key] = value;
  }
  if (values["bootstrap-servers"] !== undefined) {
    given["bootstrap.servers"] = values["bootstrap-servers"];
  }
  if (given["sasl.password"] === undefined) {
    const permission = await Deno.permissions.query({ name: "env", variable: PASSWORD_VARIABLE });
    const password = permission.state === "granted" ? Deno.env.get(PASSWORD_VARIABLE) : undefined;
    if (password !== undefined) given["sasl.password"] = password;
  }
  const settings = resolveSettings(given);
  if (settings.caLocation === undefined) return settings;
  try {
    await Deno.readTextFile(settings.caLocation);
    return settings;
  } catch (e) {
    throw new SettingsError(
      "ssl.ca.location",
      `cannot read ssl.ca.location ${settings.caLocation}: ${(e as Error).message}`,
    );
  }
}

/** Whether `error` is one {@linkcode reportKafkaFailure} reports. */
export function isKafkaFailure(error: unknown): error is Error {
  return error instanceof SettingsError || error instanceof KafkaError ||
    error instanceof NativeLibraryError;
}

/**
 * Reports a failure to set up or use Kafka on standard error, prefixed by `script`, and returns
 * the exit status: 2 for settings the user must correct, 1 for Kafka failures (and a librdkafka
 * that cannot be had). Anything else is a bug and is thrown again.
 */
export function reportKafkaFailure(script: string, error: unknown): number {
  if (!isKafkaFailure(error)) throw error;
  console.error(`${script}: ${error.message}`);
  return error instanceof SettingsError ? 2 : 1;
}
