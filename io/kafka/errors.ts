/**
 * Kafka failures explained for a person: what happened, where, and what to try — from
 * librdkafka's error codes and texts, never with the password in them.
 *
 * @module
 */

import type { LibrdkafkaError } from "./native.ts";
import type { KafkaSettings } from "./settings.ts";

/** A Kafka failure explained for a person: what happened, where, and what to try. */
export class KafkaError extends Error {
  /**
   * Whether trying again later may succeed: the broker could not be reached or was not ready
   * (an outage, a restart, a leader election). False for authentication, authorisation, TLS,
   * permission and configuration failures, which only the user can fix.
   */
  readonly transient: boolean;

  /** Makes the error; `cause` keeps librdkafka's own report for debugging. */
  constructor(message: string, options?: { cause?: unknown; transient?: boolean }) {
    super(message, { cause: options?.cause });
    this.name = "KafkaError";
    this.transient = options?.transient ?? false;
  }
}

/** The kinds of failure a person acts on differently, most telling first. */
export type FailureKind = "authentication" | "protocol" | "tls" | "unreachable" | "other";

/**
 * What kind of failure librdkafka reported: a refused sign-in, a listener of another protocol
 * (TLS or not), an untrusted certificate, a broker out of reach, or something else.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { failureKind } from "./errors.ts";
 * import { LibrdkafkaError } from "./native.ts";
 * const refused = new LibrdkafkaError(-195, "_TRANSPORT",
 *   "127.0.0.1:1/bootstrap: Connect to ipv4#127.0.0.1:1 failed: Connection refused");
 * assert.equal(failureKind(refused), "unreachable");
 * const wrong = new LibrdkafkaError(-169, "_AUTHENTICATION",
 *   "SASL authentication error: Authentication failed");
 * assert.equal(failureKind(wrong), "authentication");
 * ```
 */
export function failureKind(f: LibrdkafkaError): FailureKind {
  const text = `${f.codeName} ${f.message}`;
  if (/AUTHENTICATION|SASL authentication|Authentication failed/i.test(text)) {
    return "authentication";
  }
  if (
    /incorrect security\.protocol|connecting to a (SSL|PLAINTEXT) (broker )?listener|wrong version number|packet length too long|record layer failure|http request|unexpected eof while reading/i
      .test(text)
  ) {
    return "protocol";
  }
  if (/certificate|self[- ]signed|unable to get local issuer|SSL handshake/i.test(text)) {
    return "tls";
  }
  if (
    /_TRANSPORT|_ALL_BROKERS_DOWN|_RESOLVE|_TIMED_OUT|Connection refused|Connect to|resolve|timed out/i
      .test(text)
  ) {
    return "unreachable";
  }
  return "other";
}

/** Whether a failure is one a person must mend (retrying cannot). */
export function needsPerson(f: LibrdkafkaError): boolean {
  const kind = failureKind(f);
  return kind === "authentication" || kind === "protocol" || kind === "tls" || f.fatal === true ||
    /AUTHORIZATION|_FATAL|_INVALID_ARG|UNSUPPORTED|POLICY_VIOLATION/.test(f.codeName);
}

/**
 * Explains a librdkafka failure met while `doing` something: the broker address, the user (never
 * the password), and what to try.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { explain } from "./errors.ts";
 * import { LibrdkafkaError } from "./native.ts";
 * import { resolveSettings } from "./settings.ts";
 * const settings = resolveSettings({ "bootstrap.servers": "127.0.0.1:1" });
 * const down = new LibrdkafkaError(-187, "_ALL_BROKERS_DOWN", "1/1 brokers are down");
 * const error = explain(down, settings, 'reading topic "t"');
 * assert.match(error.message, /cannot reach the Kafka broker at 127\.0\.0\.1:1/);
 * assert.equal(error.transient, true);
 * ```
 */
export function explain(f: LibrdkafkaError, settings: KafkaSettings, doing: string): KafkaError {
  const where = settings.brokers.join(",");
  const password = settings.sasl?.password;
  const safe = (text: string) => password ? text.replaceAll(password, "********") : text;
  let message: string;
  let transient = false;
  switch (failureKind(f)) {
    case "authentication":
      message = `${doing}: SASL authentication failed at ${where} for user ` +
        `"${settings.sasl?.username}" (${settings.sasl?.mechanism}). Check sasl.username and the ` +
        `password (KAFKA_SASL_PASSWORD or -X sasl.password=…), and sasl.mechanism.`;
      break;
    case "protocol":
      message = `${doing}: ${where} closed the connection at once: is the port or ` +
        `security.protocol right? This client speaks ${settings.securityProtocol}; a listener of ` +
        "another protocol (TLS or not, SASL or not) hangs up on it.";
      break;
    case "tls":
      message = `${doing}: the TLS connection to ${where} failed: the broker's certificate is ` +
        "not trusted (or not for this address). Point ssl.ca.location at the PEM file of the CA " +
        `that signed it (-X ssl.ca.location=ca.pem). (${f.message})`;
      break;
    case "unreachable":
      message =
        `${doing}: cannot reach the Kafka broker at ${where}. Is Kafka running there, and ` +
        "is security.protocol right? For a local broker to try with, run: deno task kafka";
      transient = true;
      break;
    default:
      message = `${doing}: Kafka at ${where} failed: ${f.codeName}: ${f.message}`;
      transient = !needsPerson(f);
  }
  return new KafkaError(safe(message), { cause: f, transient });
}
