/**
 * A Mersenne Twister (MT19937) that reproduces CPython's `random` module bit for bit:
 * `random.seed(n)` followed by `random.random()` calls.
 *
 * References: M. Matsumoto and T. Nishimura, "Mersenne Twister: a 623-dimensionally
 * equidistributed uniform pseudo-random number generator", ACM TOMACS 8(1), 1998; CPython's
 * `Modules/_randommodule.c` (`init_by_array` seeding from the absolute value of an integer seed,
 * split into 32-bit words, least significant first; `random_random` builds a 53-bit double from
 * two 32-bit outputs).
 *
 * @module
 */

const N = 624;
const M = 397;
const MATRIX_A = 0x9908b0df;
const UPPER_MASK = 0x80000000;
const LOWER_MASK = 0x7fffffff;

/**
 * A Python-compatible random number generator.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { PythonRandom } from "./random.ts";
 * const rng = new PythonRandom(0);
 * // As Python's random.seed(0); random.random(); random.random()
 * assert.deepEqual([rng.random(), rng.random()], [0.8444218515250481, 0.7579544029403025]);
 * ```
 */
export class PythonRandom {
  readonly #state = new Uint32Array(N);
  #index = N + 1;

  /** Seeds as Python's `random.seed(seed)` does for an integer seed (|seed| ≤ 2^53). */
  constructor(seed: number) {
    if (!Number.isSafeInteger(seed)) {
      throw new RangeError(`seed must be an integer of at most 2^53 in magnitude, got ${seed}`);
    }
    const magnitude = Math.abs(seed);
    const low = magnitude % 0x100000000;
    const high = Math.floor(magnitude / 0x100000000);
    this.#initByArray(high > 0 ? [low, high] : [low]);
  }

  #initGenrand(s: number): void {
    const mt = this.#state;
    mt[0] = s >>> 0;
    for (let i = 1; i < N; i++) {
      const prev = mt[i - 1] ^ (mt[i - 1] >>> 30);
      // 1812433253 * prev, modulo 2^32, split to stay within exact double arithmetic.
      mt[i] = (((((prev & 0xffff0000) >>> 16) * 1812433253) << 16) +
        (prev & 0x0000ffff) * 1812433253 + i) >>> 0;
    }
    this.#index = N;
  }

  #initByArray(key: readonly number[]): void {
    const mt = this.#state;
    this.#initGenrand(19650218);
    let i = 1;
    let j = 0;
    for (let k = Math.max(N, key.length); k > 0; k--) {
      const prev = mt[i - 1] ^ (mt[i - 1] >>> 30);
      mt[i] = ((mt[i] ^ (((((prev & 0xffff0000) >>> 16) * 1664525) << 16) +
        (prev & 0x0000ffff) * 1664525)) + key[j] + j) >>> 0;
      i++;
      j++;
      if (i >= N) {
        mt[0] = mt[N - 1];
        i = 1;
      }
      if (j >= key.length) j = 0;
    }
    for (let k = N - 1; k > 0; k--) {
      const prev = mt[i - 1] ^ (mt[i - 1] >>> 30);
      mt[i] = ((mt[i] ^ (((((prev & 0xffff0000) >>> 16) * 1566083941) << 16) +
        (prev & 0x0000ffff) * 1566083941)) - i) >>> 0;
      i++;
      if (i >= N) {
        mt[0] = mt[N - 1];
        i = 1;
      }
    }
    mt[0] = 0x80000000;
  }

  #twist(): void {
    const mt = this.#state;
    for (let k = 0; k < N; k++) {
      const y = (mt[k] & UPPER_MASK) | (mt[(k + 1) % N] & LOWER_MASK);
      mt[k] = mt[(k + M) % N] ^ (y >>> 1) ^ (y & 1 ? MATRIX_A : 0);
    }
    this.#index = 0;
  }

  /** The next 32-bit output of the generator (Python's `getrandbits(32)`). */
  nextUint32(): number {
    if (this.#index >= N) this.#twist();
    let y = this.#state[this.#index++];
    y ^= y >>> 11;
    y ^= (y << 7) & 0x9d2c5680;
    y ^= (y << 15) & 0xefc60000;
    y ^= y >>> 18;
    return y >>> 0;
  }

  /** A double in [0, 1) with 53 random bits, exactly as Python's `random.random()`. */
  random(): number {
    const a = this.nextUint32() >>> 5;
    const b = this.nextUint32() >>> 6;
    return (a * 67108864 + b) * (1 / 9007199254740992);
  }
}
