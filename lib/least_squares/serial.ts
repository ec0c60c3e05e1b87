/**
 * The serialized form of a least-squares state: its {@linkcode Moments}, exactly, as JSON.
 *
 * @module
 */

import { LeastSquaresError } from "./errors.ts";
import { Moments } from "./moments.ts";

/**
 * The serialized form of a {@linkcode LeastSquares} state, from {@linkcode LeastSquares.toJSON}:
 * exact (every accumulator's 64 bits, so a restored state continues bit for bit as the original)
 * and compact — its length depends on k alone: 8·(5(k + 1) + (k + 1)(k + 2)) bytes of `data`,
 * base64-encoded (172 characters at k = 1, 972 at k = 6, 4172 at k = 16), plus ≈ 80.
 */
export interface LeastSquaresJSON {
  /** The number of features. */
  readonly k: number;
  /** Whether the model has an intercept. */
  readonly intercept: boolean;
  /** The number of rows held. */
  readonly n: number;
  /** Updates since the shift was last checked. */
  readonly since: number;
  /** Whether the shift z₀ has been set (by the first row). */
  readonly shifted: boolean;
  /**
   * The arrays z₀, Σd (hi, lo), Σddᵀ (hi, lo, packed upper triangle) and the rounding bounds of
   * both, as little-endian float64, base64-encoded.
   */
  readonly data: string;
}

/**
 * The serialized form of `moments`.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { Moments } from "./moments.ts";
 * import { decode, encode } from "./serial.ts";
 * const moments = new Moments(1, true);
 * moments.update([1], 2);
 * moments.update([2], 3.5);
 * const json = encode(moments);
 * assert.deepEqual([json.k, json.intercept, json.n, json.since, json.shifted], [1, true, 2, 2, true]);
 * assert.equal(json.data.length, 172);
 * const back = decode(JSON.parse(JSON.stringify(json)));
 * assert.deepEqual(back.arrays(), moments.arrays());
 * ```
 */
export function encode(moments: Moments): LeastSquaresJSON {
  const arrays = moments.arrays();
  const bytes = new Uint8Array(8 * arrays.reduce((total, a) => total + a.length, 0));
  const view = new DataView(bytes.buffer);
  let offset = 0;
  for (const a of arrays) {
    for (let i = 0; i < a.length; i++, offset += 8) view.setFloat64(offset, a[i], true);
  }
  let binary = "";
  for (let i = 0; i < bytes.length; i++) binary += String.fromCharCode(bytes[i]);
  return {
    k: moments.k,
    intercept: moments.intercept,
    n: moments.n,
    since: moments.since,
    shifted: moments.shifted,
    data: btoa(binary),
  };
}

/**
 * The moments that {@linkcode encode} serialized (parsed from JSON or not).
 *
 * @throws {LeastSquaresError} `invalid-snapshot` when `json` is not such a state: a field is
 * missing or of the wrong type, or `data` does not hold the arrays of k features.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { LeastSquaresError } from "./errors.ts";
 * import { decode } from "./serial.ts";
 * assert.throws(
 *   () => decode({ k: 1, intercept: true, n: 0, since: 0, shifted: false, data: "AAAA" }),
 *   (e) => e instanceof LeastSquaresError && e.code === "invalid-snapshot",
 * );
 * ```
 */
export function decode(json: unknown): Moments {
  const bad = (why: string) =>
    new LeastSquaresError("invalid-snapshot", `not a serialized least-squares state: ${why}`);
  if (typeof json !== "object" || json === null) throw bad("not an object");
  const o = json as Partial<Record<keyof LeastSquaresJSON, unknown>>;
  const { k, intercept, n, since, shifted, data } = o;
  if (typeof k !== "number" || !Number.isInteger(k) || k < 1 || k > 1024) throw bad("k");
  if (typeof intercept !== "boolean" || typeof shifted !== "boolean") {
    throw bad("intercept or shifted is not a boolean");
  }
  if (typeof n !== "number" || !Number.isSafeInteger(n) || n < 0) throw bad("n");
  if (typeof since !== "number" || !Number.isInteger(since) || since < 0) throw bad("since");
  if (typeof data !== "string") throw bad("data is not a string");
  let binary: string;
  try {
    binary = atob(data);
  } catch {
    throw bad("data is not base64");
  }
  const moments = new Moments(k, intercept);
  const arrays = moments.arrays();
  const length = 8 * arrays.reduce((total, a) => total + a.length, 0);
  if (binary.length !== length) {
    throw bad(`data holds ${binary.length} bytes, k = ${k} needs ${length}`);
  }
  const bytes = new Uint8Array(length);
  for (let i = 0; i < length; i++) bytes[i] = binary.charCodeAt(i);
  const view = new DataView(bytes.buffer);
  let offset = 0;
  for (const a of arrays) {
    for (let i = 0; i < a.length; i++, offset += 8) {
      const v = view.getFloat64(offset, true);
      if (!Number.isFinite(v)) throw bad("data holds a value that is not finite");
      a[i] = v;
    }
  }
  moments.restore(n, since, shifted);
  return moments;
}
