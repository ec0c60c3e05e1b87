/**
 * The toolkit's version: deno.json's `version` field.
 *
 * @module
 */

import config from "../deno.json" with { type: "json" };

/**
 * The version, e.g. `0.5.0`.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { VERSION } from "./version.ts";
 * assert.match(VERSION, /^\d+\.\d+\.\d+/);
 * ```
 */
export const VERSION: string = config.version;
