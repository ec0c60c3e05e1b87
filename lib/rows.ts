/**
 * The rows a run writes besides the change stream (see `changelog.ts`): the committed rows of the
 * input log, and the error rows of messages that could not be used.
 *
 * @module
 */

/** A committed row, as the input log shows it. */
export interface InputRow {
  /** The values as received, in column order (without `diff`). */
  readonly values: readonly string[];
  /** The commit number. */
  readonly time: number;
  /** 1: the row was inserted; −1: it retracted an earlier row with these values. */
  readonly diff: 1 | -1;
}

/** A message that could not be used, with where it was and why. */
export interface ErrorRow {
  /** Where: `file:line`, `topic/partition@offset`, or `end of input`. */
  readonly position: string;
  /** Why, for a person. */
  readonly reason: string;
  /** The message as received. */
  readonly raw: string;
}
