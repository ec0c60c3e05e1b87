/**
 * A uniform random sample of bounded size from a stream of unknown, possibly endless length:
 * reservoir sampling with Li's Algorithm L (ACM TOMS 20(4), 1994), which draws how many items to
 * skip rather than a number per item, so a long stream costs a few random draws per accepted
 * item and nothing per skipped one — the item itself is built only when it is kept.
 *
 * @module
 */

/** A source of uniform numbers in [0, 1), e.g. `Math.random` or a seeded generator's. */
export type Uniform = () => number;

/**
 * At most `capacity` items, each of the `seen` items offered so far equally likely to be among
 * them. Memory is bounded by the capacity, however long the stream.
 *
 * An item may also be removed (a retracted row): its slot stays empty until an accepted item
 * lands in it, so the sample is then a little smaller, and uniform over the items that were not
 * removed only approximately.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { Reservoir } from "./reservoir.ts";
 * const sample = new Reservoir<number>(3, Math.random);
 * for (let i = 0; i < 1_000_000; i++) sample.offer(() => i);
 * assert.equal(sample.items.length, 3); // bounded
 * assert.equal(sample.seen, 1_000_000);
 * ```
 */
export class Reservoir<T> {
  readonly #capacity: number;
  readonly #uniform: Uniform;
  readonly #slots: (T | undefined)[] = [];
  #seen = 0;
  /** Algorithm L's W: the largest of the capacity's uniform keys, as a running draw. */
  #w = 0;
  /** The stream index of the next item to accept, once the reservoir is full. */
  #next = 0;

  /**
   * An empty sample of at most `capacity` items (0: keeps none).
   *
   * @throws {RangeError} when `capacity` is not a whole number.
   */
  constructor(capacity: number, uniform: Uniform) {
    if (!Number.isSafeInteger(capacity) || capacity < 0) {
      throw new RangeError(`a reservoir's capacity must be a whole number, not ${capacity}`);
    }
    this.#capacity = capacity;
    this.#uniform = uniform;
  }

  /** How many items were offered. */
  get seen(): number {
    return this.#seen;
  }

  /** The sampled items, in slot order (a copy). */
  get items(): T[] {
    return this.#slots.filter((item): item is T => item !== undefined);
  }

  /** The item in each slot (undefined: empty), for readers that follow slots. */
  get slots(): readonly (T | undefined)[] {
    return this.#slots;
  }

  /**
   * Offers the next item of the stream; `make` builds it and is called only when it is kept.
   * Returns the slot it went into, or −1.
   */
  offer(make: () => T): number {
    const index = this.#seen++;
    const capacity = this.#capacity;
    if (capacity === 0) return -1;
    if (index < capacity) {
      this.#slots.push(make());
      if (index === capacity - 1) {
        this.#w = Math.exp(Math.log(this.#draw()) / capacity);
        this.#skip(index);
      }
      return index;
    }
    if (index < this.#next) return -1;
    const slot = Math.floor(this.#uniform() * capacity);
    this.#slots[slot] = make();
    this.#w *= Math.exp(Math.log(this.#draw()) / capacity);
    this.#skip(index);
    return slot;
  }

  /** Empties the first slot whose item matches; returns the slot, or −1. */
  remove(match: (item: T) => boolean): number {
    const slot = this.#slots.findIndex((item) => item !== undefined && match(item));
    if (slot >= 0) this.#slots[slot] = undefined;
    return slot;
  }

  /** Sets the index of the next item to accept after the one at `index`. */
  #skip(index: number): void {
    const w = this.#w;
    // log(1 − w) is −0 when w underflows: the next item is then Infinity away, as it should be.
    const gap = Math.floor(Math.log(this.#draw()) / Math.log1p(-w));
    this.#next = index + 1 + (Number.isFinite(gap) ? gap : Number.MAX_SAFE_INTEGER);
  }

  /** A uniform number in (0, 1): never 0, whose logarithm would be −∞. */
  #draw(): number {
    let u = this.#uniform();
    while (u <= 0) u = this.#uniform();
    return u;
  }
}
