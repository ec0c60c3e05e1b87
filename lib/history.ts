/**
 * A bounded history of an endless series that still spans all of it: when full, it keeps every
 * other entry and from then on records every other one offered, so it always holds between half
 * and all of its capacity, evenly spread from the first entry to the latest.
 *
 * @module
 */

/**
 * Entries of a series, thinned to at most `capacity`, evenly over the whole series.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { History } from "./history.ts";
 * const history = new History<number>(4);
 * for (let i = 0; i < 10; i++) history.push(i);
 * assert.deepEqual(history.items, [0, 4, 8]);
 * assert.equal(history.offered, 10);
 * ```
 */
export class History<T> {
  readonly #capacity: number;
  #items: T[] = [];
  #stride = 1;
  #offered = 0;

  /**
   * An empty history of at most `capacity` entries.
   *
   * @throws {RangeError} when `capacity` is below 2.
   */
  constructor(capacity: number) {
    if (!Number.isSafeInteger(capacity) || capacity < 2) {
      throw new RangeError(`a history keeps at least 2 entries, not ${capacity}`);
    }
    this.#capacity = capacity;
  }

  /** How many entries were offered. */
  get offered(): number {
    return this.#offered;
  }

  /** The entries kept, oldest first. */
  get items(): readonly T[] {
    return this.#items;
  }

  /** Offers the next entry of the series; returns whether it was kept. */
  push(item: T): boolean {
    if (this.#offered++ % this.#stride !== 0) return false;
    this.#keep(item);
    return true;
  }

  /**
   * Keeps `item`, offered to another history of the same capacity that kept it: a copy that
   * takes only the entries its original kept holds the same entries as the original.
   */
  mirror(item: T): void {
    this.#offered++;
    this.#keep(item);
  }

  #keep(item: T): void {
    this.#items.push(item);
    if (this.#items.length > this.#capacity) {
      this.#items = this.#items.filter((_, i) => i % 2 === 0);
      this.#stride *= 2;
    }
  }
}
