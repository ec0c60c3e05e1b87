/**
 * A sliding window over design rows: the last N rows (`{ rows: N }`), or the rows of the last MS
 * milliseconds (`{ ms: MS }`) by their timestamps. It only keeps the rows and hands over the ones
 * that leave; the caller removes them from whatever it computes (the pipeline: from the
 * least-squares state, whose `remove` is exact, so the fit stays that of the rows inside).
 *
 * A time window's clock is the latest timestamp it was shown ({@linkcode Window.advance} or
 * {@linkcode Window.push}); it never goes back. A row stays while its timestamp is later than
 * clock − MS: the window is the half-open interval (clock − MS, clock]. Rows are kept in
 * timestamp order (equal timestamps in arrival order), so a row that arrives late leaves when
 * its own time is up — at once, if it is already older than the window.
 *
 * The rows are numbers in typed arrays, not objects: the k regressors then y of each row, one
 * after the other in a `Float64Array`, and a time window's timestamps in another, the rows inside
 * from a head index to an end index. Nothing is allocated per row: a window of N rows of k
 * features takes about 8·(k + 1) bytes a row (8·(k + 2) with timestamps), up to twice that while
 * the buffers have room to grow into, and rows that leave are handed over in a reused array.
 *
 * @module
 */

/** The length of a window: a number of rows, or a span of time in milliseconds. */
export type WindowSpec = { readonly rows: number } | { readonly ms: number };

/**
 * What takes the rows that leave a window: a least-squares state's `remove`. `x` is the window's
 * scratch array, valid only during the call (copy it to keep it).
 */
export interface RowSink {
  /** Takes the row (x, y). */
  remove(x: Float64Array, y: number): void;
}

/** A row inside a window, copied out by {@linkcode Window.rows}. */
export interface WindowRow {
  /** The k regressors. */
  readonly x: number[];
  /** The target. */
  readonly y: number;
  /** Its timestamp, in a time window only. */
  readonly timestamp?: number;
}

/** The fewest rows the buffers hold room for. */
const MIN_CAPACITY = 16;

/**
 * The design rows (k regressors and y each) inside a sliding window.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { Window } from "./window.ts";
 * const gone: number[][] = [];
 * const sink = { remove: (x: Float64Array, y: number) => gone.push([...x, y]) };
 * const last2 = new Window({ rows: 2 }, 1);
 * last2.push([1], 10);
 * last2.push([2], 20);
 * last2.push([3], 30);
 * assert.equal(last2.evict(sink), 1);
 * assert.deepEqual(gone, [[1, 10]]);
 * assert.deepEqual(last2.rows(), [{ x: [2], y: 20 }, { x: [3], y: 30 }]);
 * const minute = new Window({ ms: 60_000 }, 1);
 * minute.push([1], 10, 1_000);
 * minute.push([2], 20, 30_000);
 * minute.advance(61_000);
 * assert.equal(minute.evict(sink), 1); // 1 000 ≤ 61 000 − 60 000
 * assert.deepEqual(gone[1], [1, 10]);
 * assert.ok(minute.take([2], 20, sink)); // retracted
 * assert.ok(!minute.take([2], 20, sink)); // no such row left
 * assert.equal(minute.size, 0);
 * ```
 */
export class Window {
  /** The window's length. */
  readonly spec: WindowSpec;
  /** The number of regressors of a row. */
  readonly k: number;
  /** The numbers of a row: k regressors, then y. */
  readonly #width: number;
  /** The most rows a count window keeps (∞ for a time window). */
  readonly #rows: number;
  /** A time window's span in ms (∞ for a count window). */
  readonly #ms: number;
  /** The rows' numbers; the rows inside are [#head, #end). */
  #numbers: Float64Array;
  /** How many rows the buffers hold. */
  #capacity = MIN_CAPACITY;
  /** A time window's timestamps, row by row beside #numbers. */
  #times: Float64Array | undefined;
  #head = 0;
  #end = 0;
  #clock = -Infinity;
  /** The regressors of a row handed to a sink, reused. */
  readonly #x: Float64Array;

  /**
   * Makes an empty window of rows of `k` regressors.
   *
   * @throws {RangeError} when the length is not positive, or k is not a whole number ≥ 1.
   */
  constructor(spec: WindowSpec, k: number) {
    if ("rows" in spec) {
      if (!Number.isSafeInteger(spec.rows) || spec.rows < 1) {
        throw new RangeError(`a window holds a whole number of rows ≥ 1, not ${spec.rows}`);
      }
    } else if (!(spec.ms > 0 && Number.isFinite(spec.ms))) {
      throw new RangeError(`a window spans a time > 0 ms, not ${spec.ms}`);
    }
    if (!Number.isSafeInteger(k) || k < 1) {
      throw new RangeError(`a window's rows have a whole number of regressors ≥ 1, not ${k}`);
    }
    this.spec = spec;
    this.k = k;
    this.#width = k + 1;
    this.#rows = "rows" in spec ? spec.rows : Infinity;
    this.#ms = "ms" in spec ? spec.ms : Infinity;
    this.#numbers = new Float64Array(MIN_CAPACITY * this.#width);
    this.#times = "ms" in spec ? new Float64Array(MIN_CAPACITY) : undefined;
    this.#x = new Float64Array(k);
  }

  /** Whether rows leave by time (and so need timestamps). */
  get timed(): boolean {
    return this.#times !== undefined;
  }

  /** The number of rows inside. */
  get size(): number {
    return this.#end - this.#head;
  }

  /** A time window's clock: the latest timestamp shown, −∞ before any. */
  get clock(): number {
    return this.#clock;
  }

  /** The rows inside, oldest first (copies: for tests and inspection, not the hot path). */
  rows(): WindowRow[] {
    const out: WindowRow[] = [];
    const width = this.#width;
    for (let i = this.#head; i < this.#end; i++) {
      const base = i * width;
      const x = Array.from(this.#numbers.subarray(base, base + this.k));
      const y = this.#numbers[base + this.k];
      out.push(this.#times === undefined ? { x, y } : { x, y, timestamp: this.#times[i] });
    }
    return out;
  }

  /** Moves a time window's clock on to `timestamp` (an earlier one changes nothing). */
  advance(timestamp: number): void {
    if (timestamp > this.#clock) this.#clock = timestamp;
  }

  /**
   * Adds the row (x, y) — x's first k numbers are copied — in a time window at its `timestamp`
   * (required there), which also moves the clock on. Nothing leaves before
   * {@linkcode Window.evict}.
   *
   * @throws {RangeError} when a time window is given no finite timestamp.
   */
  push(x: ArrayLike<number>, y: number, timestamp?: number): void {
    // Short, so that the runtime can inline it: the rest is in #slot.
    let at: number;
    if (this.#times === undefined) {
      if (this.#end === this.#capacity) this.#room();
      at = this.#end++;
    } else {
      if (timestamp === undefined || !Number.isFinite(timestamp)) {
        throw new RangeError("a time window needs the timestamp of every row");
      }
      if (timestamp > this.#clock) this.#clock = timestamp;
      at = this.#slot(timestamp);
    }
    const numbers = this.#numbers;
    const k = this.k;
    const base = at * this.#width;
    for (let j = 0; j < k; j++) numbers[base + j] = x[j];
    numbers[base + k] = y;
  }

  /**
   * Hands the rows now outside the window to `sink`, oldest first, and drops them: those beyond
   * the last N rows, or with a timestamp at or before clock − MS. Returns how many left.
   */
  evict(sink: RowSink): number {
    const start = this.#head;
    let stop: number;
    const times = this.#times;
    if (times === undefined) {
      stop = Math.max(start, this.#end - this.#rows);
    } else {
      const cutoff = this.#clock - this.#ms;
      stop = start;
      while (stop < this.#end && times[stop] <= cutoff) stop++;
    }
    for (let i = start; i < stop; i++) {
      sink.remove(this.#read(i), this.#numbers[i * this.#width + this.k]);
      this.#head = i + 1;
    }
    if (stop > start) this.#shrink();
    return stop - start;
  }

  /**
   * Removes the newest row inside equal to (x, y) — every number `===` — handing it to `sink`
   * first (a retraction). Returns whether one was found.
   */
  take(x: ArrayLike<number>, y: number, sink: RowSink): boolean {
    const numbers = this.#numbers;
    const width = this.#width;
    const k = this.k;
    rows: for (let i = this.#end - 1; i >= this.#head; i--) {
      const base = i * width;
      if (numbers[base + k] !== y) continue;
      for (let j = 0; j < k; j++) if (numbers[base + j] !== x[j]) continue rows;
      sink.remove(this.#read(i), numbers[base + k]);
      this.#close(i);
      return true;
    }
    return false;
  }

  /** A time window's slot for a row stamped `stamp`, after every row of its time or earlier. */
  #slot(stamp: number): number {
    if (this.#end === this.#capacity) this.#room(); // (may move the rows, and replace the buffers)
    const times = this.#times!;
    let at = this.#end;
    if (at > this.#head && times[at - 1] > stamp) {
      // Late: binary search from the head.
      let lo = this.#head;
      let hi = at;
      while (lo < hi) {
        const mid = (lo + hi) >>> 1;
        if (times[mid] <= stamp) lo = mid + 1;
        else hi = mid;
      }
      at = this.#open(lo);
    } else {
      this.#end++;
    }
    times[at] = stamp;
    return at;
  }

  /** Copies the regressors of row `i` into the scratch array. */
  #read(i: number): Float64Array {
    const x = this.#x;
    const numbers = this.#numbers;
    for (let j = 0, base = i * this.#width; j < x.length; j++) x[j] = numbers[base + j];
    return x;
  }

  /** Moves the rows on by `by` slots: [from, to) to [from + by, to + by). */
  #shift(from: number, to: number, by: number): void {
    const width = this.#width;
    this.#numbers.copyWithin((from + by) * width, from * width, to * width);
    this.#times?.copyWithin(from + by, from, to);
  }

  /** Opens a free slot for a row before row `at` (the side with fewer rows moves); its index. */
  #open(at: number): number {
    if (this.#head > 0 && at - this.#head < this.#end - at) {
      this.#shift(this.#head, at, -1);
      this.#head--;
      return at - 1;
    }
    this.#shift(at, this.#end, 1);
    this.#end++;
    return at;
  }

  /** Closes the slot of row `i` (the side with fewer rows moves). */
  #close(i: number): void {
    if (i - this.#head < this.#end - 1 - i) {
      this.#shift(this.#head, i, 1);
      this.#head++;
    } else {
      this.#shift(i + 1, this.#end, -1);
      this.#end--;
    }
    if (this.#head === this.#end) this.#head = this.#end = 0;
  }

  /** Makes room for one more row at the end: moves the rows to the start, or grows. */
  #room(): void {
    const capacity = this.#capacity;
    if (this.#end < capacity) return;
    const size = this.size;
    this.#move(2 * size <= capacity ? capacity : 2 * capacity);
  }

  /** Gives back room once the rows take a quarter of it or less. */
  #shrink(): void {
    const capacity = this.#capacity;
    if (capacity > MIN_CAPACITY && 4 * this.size <= capacity) this.#move(capacity / 2);
    else if (this.#head === this.#end) this.#head = this.#end = 0;
  }

  /** Moves the rows inside to the start of buffers of `capacity` rows (new ones if resized). */
  #move(capacity: number): void {
    const width = this.#width;
    const head = this.#head;
    const end = this.#end;
    if (capacity === this.#capacity) {
      this.#shift(head, end, -head);
    } else {
      const numbers = new Float64Array(capacity * width);
      numbers.set(this.#numbers.subarray(head * width, end * width));
      this.#numbers = numbers;
      if (this.#times !== undefined) {
        const times = new Float64Array(capacity);
        times.set(this.#times.subarray(head, end));
        this.#times = times;
      }
      this.#capacity = capacity;
    }
    this.#head = 0;
    this.#end = end - head;
  }
}
