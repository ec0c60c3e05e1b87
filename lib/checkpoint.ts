/**
 * The sizes of the output files, carried in a run's checkpoint beside the pipeline's state, so
 * that a resumed run cuts its files back to what they held at that checkpoint: rows written
 * after it are read and written again by the resumed run, and must not stand in a file twice.
 *
 * @module
 */

/** The size in bytes of each output file at a checkpoint; null for standard output. */
export interface FileSizes {
  readonly input: number | null;
  readonly output: number | null;
  readonly errors: number | null;
}

/** How many bytes {@linkcode withFileSizes} may add to a checkpoint, at the most. */
export const FILE_SIZES_BYTES = 96;

/**
 * The checkpoint (a JSON object's text) with the file sizes added as its field `files`.
 *
 * @example
 * ```ts
 * import { withFileSizes } from "./checkpoint.ts";
 * withFileSizes('{"v":2}', { input: 10, output: 20, errors: null });
 * // '{"v":2,"files":{"input":10,"output":20,"errors":null}}'
 * ```
 */
export function withFileSizes(checkpoint: string, files: FileSizes): string {
  return JSON.stringify({ ...JSON.parse(checkpoint), files });
}

/**
 * The file sizes of a checkpoint, or undefined when it has none (or they are malformed): a
 * resumed run then keeps its files whole.
 *
 * @example
 * ```ts
 * import { fileSizes } from "./checkpoint.ts";
 * fileSizes('{"v":2,"files":{"input":10,"output":20,"errors":null}}'); // { input: 10, ... }
 * ```
 */
export function fileSizes(checkpoint: string): FileSizes | undefined {
  let files: unknown;
  try {
    files = (JSON.parse(checkpoint) as { files?: unknown })?.files;
  } catch {
    return undefined;
  }
  if (typeof files !== "object" || files === null) return undefined;
  const sizes = files as Record<string, unknown>;
  const valid = (v: unknown) => v === null || (Number.isSafeInteger(v) && (v as number) >= 0);
  if (!valid(sizes.input) || !valid(sizes.output) || !valid(sizes.errors)) return undefined;
  return files as FileSizes;
}
