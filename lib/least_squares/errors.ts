/**
 * The one error type of the least-squares state: a refused call, with a code that says why.
 *
 * @module
 */

/** Why a {@linkcode LeastSquares} call was refused. */
export type LeastSquaresErrorCode =
  | "remove-from-empty"
  | "dimension-mismatch"
  | "invalid-value"
  | "incompatible-merge"
  | "invalid-snapshot";

/**
 * Thrown by {@linkcode LeastSquares} when a call is refused; the state is then unchanged.
 * `code` says why: `remove-from-empty` (a retraction that would take the count below zero),
 * `dimension-mismatch` (a row whose length is not k, or a k that is not a positive integer),
 * `invalid-value` (a value that is not finite or exceeds {@linkcode MAX_MAGNITUDE} in magnitude),
 * `incompatible-merge` (merging states of different k or intercept option), `invalid-snapshot`
 * (a {@linkcode LeastSquares.fromJSON} argument that is not a state this version wrote).
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { LeastSquaresError } from "./errors.ts";
 * const e = new LeastSquaresError("remove-from-empty", "nothing to remove");
 * assert.ok(e instanceof Error);
 * assert.deepEqual([e.name, e.code, e.message], [
 *   "LeastSquaresError",
 *   "remove-from-empty",
 *   "nothing to remove",
 * ]);
 * ```
 */
export class LeastSquaresError extends Error {
  /** Why the call was refused. */
  readonly code: LeastSquaresErrorCode;

  /** Makes the error for `code` with a message saying what was refused. */
  constructor(code: LeastSquaresErrorCode, message: string) {
    super(message);
    this.name = "LeastSquaresError";
    this.code = code;
  }
}
