/**
 * The checkpoint format: what a run keeps with each partition's committed offset so that a later
 * run (or another member of the consumer group) resumes exactly where it stopped. One JSON object
 * per partition, a few hundred bytes for one feature:
 *
 * - the topic-wide part: the header as received, the model, the stream's commit counter (`time`,
 *   the next commit's number), the rows counted and whether a fit was written;
 * - the partition's part: its commits and rows, its exact least-squares state, and whether its
 *   last commit was an autocommit that a following `*COMMIT*` finds nothing left to close;
 * - the writer's part: who wrote the output files (their absolute paths) and their sizes in bytes
 *   at that moment, so that a resumed run cuts rows written after the checkpoint, which it reads
 *   and writes again, and none stands twice.
 *
 * Every partition's checkpoint is committed at once, with the same topic-wide and writer parts,
 * so any one of them says how far the files go.
 *
 * @module
 */

import type { LeastSquaresJSON } from "./least_squares.ts";

/** The version written; others are refused. */
export const CHECKPOINT_VERSION = 3;

/** The size in bytes of each output file; null for standard output or a device. */
export interface FileSizes {
  /** The input log. */
  readonly input: number | null;
  /** The change stream. */
  readonly output: number | null;
  /** The error log. */
  readonly errors: number | null;
}

/** One partition's own part of a checkpoint. */
export interface PartitionPart {
  /** `*COMMIT*`s (and autocommits) the partition closed. */
  readonly commits: number;
  /** Rows it committed. */
  readonly rows: number;
  /** Its exact least-squares state (null before the header). */
  readonly state: LeastSquaresJSON | null;
  /** Its last commit was an autocommit, and a `*COMMIT*` that finds nothing pending closes it. */
  readonly absorb: boolean;
}

/** A whole checkpoint, as kept with one partition's offset. */
export interface CheckpointData {
  /** The format's version. */
  readonly v: typeof CHECKPOINT_VERSION;
  /** The header as received (with `diff` when it named one), null before it arrived. */
  readonly header: readonly string[] | null;
  /** What the run fits, in words (`y on x`), null before the header arrived. */
  readonly model: string | null;
  /** The number of the stream's next commit. */
  readonly time: number;
  /** Rows the stream counted. */
  readonly rows: number;
  /** Whether a fit was written to the change stream (the fit itself is the states'). */
  readonly fitted: boolean;
  /** The partition's part. */
  readonly partition: PartitionPart;
  /** Who wrote the output files: their absolute paths, or absent. */
  readonly writer?: string;
  /** The output files' sizes when the checkpoint was taken, or absent. */
  readonly files?: FileSizes;
}

/**
 * Reads a checkpoint's text. Returns its data, or why it cannot be used (for a person).
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { decodeCheckpoint, encodeCheckpoint } from "./checkpoint.ts";
 * const text = encodeCheckpoint({
 *   v: 3, header: ["x", "y"], model: "y on x", time: 2, rows: 2, fitted: true,
 *   partition: { commits: 2, rows: 2, state: null, absorb: false },
 * });
 * assert.equal((decodeCheckpoint(text) as { time: number }).time, 2);
 * assert.match((decodeCheckpoint("{}") as { problem: string }).problem, /not one of this version/);
 * ```
 */
export function decodeCheckpoint(text: string): CheckpointData | { problem: string } {
  let data: Partial<CheckpointData>;
  try {
    data = JSON.parse(text);
  } catch {
    return { problem: "the checkpoint is not JSON" };
  }
  const part = data?.partition;
  if (
    data?.v !== CHECKPOINT_VERSION || !(data.header === null || Array.isArray(data.header)) ||
    typeof data.time !== "number" || typeof data.rows !== "number" ||
    typeof part !== "object" || part === null || typeof part.commits !== "number" ||
    typeof part.rows !== "number"
  ) {
    return { problem: "the checkpoint is not one of this version of kafka-regression" };
  }
  if (data.files !== undefined && !validSizes(data.files)) {
    return { problem: "the checkpoint's file sizes are damaged" };
  }
  return data as CheckpointData;
}

/**
 * The text of a checkpoint.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { encodeCheckpoint } from "./checkpoint.ts";
 * const text = encodeCheckpoint({
 *   v: 3, header: null, model: null, time: 0, rows: 0, fitted: false,
 *   partition: { commits: 0, rows: 0, state: null, absorb: false },
 * });
 * assert.ok(text.startsWith('{"v":3,'));
 * ```
 */
export function encodeCheckpoint(data: CheckpointData): string {
  return JSON.stringify(data);
}

/**
 * The checkpoint with the writer's part set: who writes the output files and their sizes.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { decodeCheckpoint, encodeCheckpoint, withWriter } from "./checkpoint.ts";
 * const text = encodeCheckpoint({
 *   v: 3, header: null, model: null, time: 0, rows: 0, fitted: false,
 *   partition: { commits: 0, rows: 0, state: null, absorb: false },
 * });
 * const written = withWriter(text, "/data/in.csv", { input: 10, output: 20, errors: null });
 * assert.deepEqual((decodeCheckpoint(written) as { files: unknown }).files,
 *   { input: 10, output: 20, errors: null });
 * ```
 */
export function withWriter(text: string, writer: string, files: FileSizes): string {
  // The text ends with the object's closing brace: the writer's part goes in front of it.
  return `${text.slice(0, -1)},"writer":${JSON.stringify(writer)},"files":${
    JSON.stringify(files)
  }}`;
}

/** How many bytes {@linkcode withWriter} adds, at the most, for a writer of `writer.length`. */
export function writerBytes(writer: string): number {
  return new TextEncoder().encode(JSON.stringify(writer)).length + 128;
}

function validSizes(files: unknown): boolean {
  if (typeof files !== "object" || files === null) return false;
  const sizes = files as Record<string, unknown>;
  const valid = (v: unknown) => v === null || (Number.isSafeInteger(v) && (v as number) >= 0);
  return valid(sizes.input) && valid(sizes.output) && valid(sizes.errors);
}
