/**
 * A sliding window over rows: the last N rows (`{ rows: N }`), or the rows of the last MS
 * milliseconds (`{ ms: MS }`) by their timestamps. It only keeps the rows and says which ones
 * leave; the caller removes them from whatever it computes (the pipeline: from the
 * least-squares state, whose `remove` is exact, so the fit stays that of the rows inside).
 *
 * A time window's clock is the latest timestamp it was shown ({@linkcode Window.advance} or
 * {@linkcode Window.push}); it never goes back. A row stays while its timestamp is later than
 * clock − MS: the window is the half-open interval (clock − MS, clock]. Rows are kept in
 * timestamp order (equal timestamps in arrival order), so a row that arrives late leaves when
 * its own time is up — at once, if it is already older than the window.
 *
 * @module
 */

/** The length of a window: a number of rows, or a span of time in milliseconds. */
export type WindowSpec = { readonly rows: number } | { readonly ms: number };

/**
 * The rows inside a sliding window.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { Window } from "./window.ts";
 * const last2 = new Window<string>({ rows: 2 });
 * last2.push("a");
 * last2.push("b");
 * last2.push("c");
 * assert.deepEqual(last2.evict(), ["a"]);
 * assert.deepEqual(last2.items(), ["b", "c"]);
 * const minute = new Window<string>({ ms: 60_000 });
 * minute.push("p", 1_000);
 * minute.push("q", 30_000);
 * minute.advance(61_000);
 * assert.deepEqual(minute.evict(), ["p"]); // 1 000 ≤ 61 000 − 60 000
 * assert.equal(minute.take((row) => row === "q"), "q"); // retracted
 * assert.equal(minute.size, 0);
 * ```
 */
export class Window<T> {
  /** The window's length. */
  readonly spec: WindowSpec;
  #items: T[] = [];
  #times: number[] = [];
  #head = 0;
  #clock = -Infinity;

  /** Makes an empty window. @throws {RangeError} when the length is not positive. */
  constructor(spec: WindowSpec) {
    if ("rows" in spec) {
      if (!Number.isSafeInteger(spec.rows) || spec.rows < 1) {
        throw new RangeError(`a window holds a whole number of rows ≥ 1, not ${spec.rows}`);
      }
    } else if (!(spec.ms > 0 && Number.isFinite(spec.ms))) {
      throw new RangeError(`a window spans a time > 0 ms, not ${spec.ms}`);
    }
    this.spec = spec;
  }

  /** Whether rows leave by time (and so need timestamps). */
  get timed(): boolean {
    return "ms" in this.spec;
  }

  /** The number of rows inside. */
  get size(): number {
    return this.#items.length - this.#head;
  }

  /** A time window's clock: the latest timestamp shown, −∞ before any. */
  get clock(): number {
    return this.#clock;
  }

  /** The rows inside, oldest first (a copy). */
  items(): T[] {
    return this.#items.slice(this.#head);
  }

  /** Moves a time window's clock on to `timestamp` (an earlier one changes nothing). */
  advance(timestamp: number): void {
    if (timestamp > this.#clock) this.#clock = timestamp;
  }

  /**
   * Adds a row; in a time window at its `timestamp` (required there), which also moves the clock
   * on. Nothing leaves before {@linkcode Window.evict}.
   *
   * @throws {RangeError} when a time window is given no finite timestamp.
   */
  push(item: T, timestamp?: number): void {
    if (!("ms" in this.spec)) {
      this.#items.push(item);
      return;
    }
    if (timestamp === undefined || !Number.isFinite(timestamp)) {
      throw new RangeError("a time window needs the timestamp of every row");
    }
    this.advance(timestamp);
    const times = this.#times;
    let at = times.length;
    if (at > this.#head && times[at - 1] > timestamp) {
      // Late: after the last row of its time or earlier (binary search from the head).
      let lo = this.#head;
      let hi = times.length;
      while (lo < hi) {
        const mid = (lo + hi) >>> 1;
        if (times[mid] <= timestamp) lo = mid + 1;
        else hi = mid;
      }
      at = lo;
    }
    this.#items.splice(at, 0, item);
    times.splice(at, 0, timestamp);
  }

  /**
   * Removes and returns the rows now outside the window, oldest first: beyond the last N rows,
   * or with a timestamp at or before clock − MS.
   */
  evict(): T[] {
    const start = this.#head;
    if ("rows" in this.spec) {
      this.#head = Math.max(start, this.#items.length - this.spec.rows);
    } else {
      const cutoff = this.#clock - this.spec.ms;
      while (this.#head < this.#times.length && this.#times[this.#head] <= cutoff) this.#head++;
    }
    const gone = this.#items.slice(start, this.#head);
    if (this.#head > 1024 && 2 * this.#head > this.#items.length) this.#compact();
    return gone;
  }

  /**
   * Removes the newest row that `matches` (a retraction) and returns it, or undefined when no
   * row inside matches.
   */
  take(matches: (item: T) => boolean): T | undefined {
    for (let i = this.#items.length - 1; i >= this.#head; i--) {
      const item = this.#items[i];
      if (!matches(item)) continue;
      this.#items.splice(i, 1);
      if (this.timed) this.#times.splice(i, 1);
      return item;
    }
    return undefined;
  }

  #compact(): void {
    this.#items = this.#items.slice(this.#head);
    if (this.timed) this.#times = this.#times.slice(this.#head);
    this.#head = 0;
  }
}
