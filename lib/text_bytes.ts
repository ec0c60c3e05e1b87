/**
 * Text written straight as UTF-8 bytes into one growing buffer, which is cleared and reused
 * batch after batch: the files' text of a run is written here piece by piece — a message's
 * stretch, a number, a comma — so that no string of a batch's lines is built, kept until the
 * batch ends, flattened and then encoded. ASCII is written byte by byte; the rest by
 * `TextEncoder.encodeInto` (a lone surrogate becomes U+FFFD); tests/text_bytes_test.ts checks the
 * whole against `TextEncoder` on random text.
 *
 * @module
 */

/** 10^0 … 10^16, exactly: the digits of a whole number below 2^53 are at most 16. */
const POWERS_OF_TEN = Float64Array.from({ length: 17 }, (_, i) => 10 ** i);

const decoder = new TextDecoder();
const encoder = new TextEncoder();

/**
 * UTF-8 bytes, appended.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { TextBytes } from "./text_bytes.ts";
 * const out = new TextBytes();
 * out.text("x,é");
 * out.text("[12]", 1, 3);
 * out.int(-305);
 * assert.equal(out.length, 10); // é takes two bytes
 * assert.equal(out.textOf(0, out.length), "x,é12-305");
 * const copy = new TextBytes();
 * copy.append(out);
 * copy.bytes(Uint8Array.of(0x21));
 * assert.equal(copy.textOf(0, copy.length), "x,é12-305!");
 * out.clear();
 * assert.equal(out.length, 0);
 * ```
 */
export class TextBytes {
  #bytes: Uint8Array;
  #length = 0;

  /** An empty text, with room for `capacity` bytes before it grows. */
  constructor(capacity = 4096) {
    this.#bytes = new Uint8Array(capacity);
  }

  /** How many bytes were written. */
  get length(): number {
    return this.#length;
  }

  /** Takes the bytes written into {@linkcode TextBytes.reserve}'s buffer up to `length`. */
  set length(length: number) {
    this.#length = length;
  }

  /**
   * Room for `n` more bytes: the buffer, to write them into from {@linkcode TextBytes.length} on
   * (then set the length past them) — for a writer of many small pieces, which checks the room
   * once rather than for each.
   */
  reserve(n: number): Uint8Array {
    return this.#room(n);
  }

  /** The bytes written: a view, valid until the next write or {@linkcode TextBytes.clear}. */
  view(): Uint8Array {
    return this.#bytes.subarray(0, this.#length);
  }

  /** The bytes from `start` to `end` (exclusive) as text. */
  textOf(start: number, end: number): string {
    return decoder.decode(this.#bytes.subarray(start, end));
  }

  /** Forgets what was written (and keeps the buffer). */
  clear(): void {
    this.#length = 0;
  }

  /** Appends `text` from `start` to `end` (exclusive; default: all of it) as UTF-8. */
  text(text: string, start = 0, end: number = text.length): void {
    // At most 3 bytes per UTF-16 unit (a surrogate pair: 4 for 2).
    const bytes = this.#room(3 * (end - start));
    let p = this.#length;
    for (let i = start; i < end; i++) {
      const c = text.charCodeAt(i);
      if (c >= 0x80) {
        this.#length = p;
        this.#wide(text, i, end);
        return;
      }
      bytes[p++] = c;
    }
    this.#length = p;
  }

  /** Appends a whole number of magnitude below 2^53 in decimal, as `String` writes it. */
  int(value: number): void {
    this.#length = putInt(this.#room(17), this.#length, value);
  }

  /** Appends what `other` holds. */
  append(other: TextBytes): void {
    const n = other.#length;
    const bytes = this.#room(n);
    const from = other.#bytes;
    const p = this.#length;
    // A line's values are a few dozen bytes: a loop costs less than a view to copy from.
    if (n > 64) bytes.set(from.subarray(0, n), p);
    else for (let i = 0; i < n; i++) bytes[p + i] = from[i];
    this.#length = p + n;
  }

  /** Appends `bytes` (UTF-8 already). */
  bytes(bytes: Uint8Array): void {
    this.#room(bytes.length).set(bytes, this.#length);
    this.#length += bytes.length;
  }

  /** Appends `text` from `start` to `end`, which holds characters beyond ASCII. */
  #wide(text: string, start: number, end: number): void {
    const piece = text.slice(start, end);
    // At most 3 bytes per UTF-16 unit (a surrogate pair: 4 for 2).
    const bytes = this.#room(3 * piece.length);
    this.#length += encoder.encodeInto(piece, bytes.subarray(this.#length)).written;
  }

  /** The buffer, with room for `n` more bytes after what was written. */
  #room(n: number): Uint8Array {
    const need = this.#length + n;
    if (need > this.#bytes.length) {
      const bytes = new Uint8Array(Math.max(need, 2 * this.#bytes.length));
      bytes.set(this.#bytes.subarray(0, this.#length));
      this.#bytes = bytes;
    }
    return this.#bytes;
  }
}

/**
 * Writes a whole number of magnitude below 2^53 in decimal, as `String` writes it, into `bytes`
 * at `at` (room for 17 bytes); returns where it ends.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { putInt } from "./text_bytes.ts";
 * const bytes = new Uint8Array(17);
 * const end = putInt(bytes, 0, -(2 ** 40));
 * assert.equal(new TextDecoder().decode(bytes.subarray(0, end)), "-1099511627776");
 * ```
 */
export function putInt(bytes: Uint8Array, at: number, value: number): number {
  let p = at;
  let v = value;
  if (v < 0) {
    bytes[p++] = 45; // -
    v = -v;
  }
  let digits = 1;
  while (digits < 16 && v >= POWERS_OF_TEN[digits]) digits++;
  const end = p + digits;
  let q = end;
  if (v < 0x80000000) {
    // A small integer: integer arithmetic.
    do {
      const next = (v / 10) | 0;
      bytes[--q] = 48 + v - 10 * next;
      v = next;
    } while (v > 0);
  } else {
    do {
      const r = v % 10;
      bytes[--q] = 48 + r;
      v = (v - r) / 10;
    } while (v > 0);
  }
  return end;
}
