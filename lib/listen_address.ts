/**
 * `--serve [HOST:]PORT`: where the live page listens.
 *
 * @module
 */

/** A host and port to listen on. */
export interface ListenAddress {
  /** The host name or address to listen on. */
  readonly hostname: string;
  /** The port (0: any free one). */
  readonly port: number;
}

/** The host when none is named: this machine only. */
export const DEFAULT_HOST = "127.0.0.1";

/**
 * Reads `[HOST:]PORT` (an IPv6 host in brackets: `[::1]:8080`); port 0 lets the system choose.
 * Returns what is wrong, for a person, if it is not an address.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { parseListenAddress } from "./listen_address.ts";
 * assert.deepEqual(parseListenAddress("8080"), { hostname: "127.0.0.1", port: 8080 });
 * assert.deepEqual(parseListenAddress("0.0.0.0:80"), { hostname: "0.0.0.0", port: 80 });
 * assert.deepEqual(parseListenAddress("[::1]:0"), { hostname: "::1", port: 0 });
 * assert.match(String((parseListenAddress("localhost") as { problem: string }).problem), /PORT/);
 * ```
 */
export function parseListenAddress(text: string): ListenAddress | { problem: string } {
  const match = /^(?:(\[[^\]]+\]|[^:]+):)?(\d+)$/.exec(text);
  const port = Number(match?.[2]);
  if (match === null || !Number.isInteger(port) || port > 65535) {
    return {
      problem: `\`serve\` takes [HOST:]PORT (e.g. 8080 or 0.0.0.0:8080; port 0: any free port), ` +
        `not "${text}"`,
    };
  }
  const host = match[1] ?? DEFAULT_HOST;
  return { hostname: host.startsWith("[") ? host.slice(1, -1) : host, port };
}

/**
 * The address as a URL for a browser.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { addressUrl } from "./listen_address.ts";
 * assert.equal(addressUrl({ hostname: "::1", port: 8080 }), "http://[::1]:8080/");
 * assert.equal(addressUrl({ hostname: "0.0.0.0", port: 80 }), "http://127.0.0.1:80/");
 * ```
 */
export function addressUrl(address: ListenAddress): string {
  const host = address.hostname === "0.0.0.0"
    ? "127.0.0.1"
    : address.hostname === "::"
    ? "[::1]"
    : address.hostname.includes(":")
    ? `[${address.hostname}]`
    : address.hostname;
  return `http://${host}:${address.port}/`;
}
