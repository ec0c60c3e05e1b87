import assert from "node:assert/strict";
import { PythonRandom } from "../lib/random.ts";
import { TextBytes } from "../lib/text_bytes.ts";

const rng = new PythonRandom(23);
const below = (n: number) => Math.floor(rng.random() * n);
/** Pieces of UTF-16: ASCII, 2- and 3-byte characters, pairs, and surrogates alone. */
const UNITS = [
  "a",
  ",",
  '"',
  "\n",
  "é",
  "ß",
  "∑",
  "日",
  "😀",
  "\ud83d",
  "\ude00",
  "\u0000",
  "\uffff",
];

Deno.test("text is written as TextEncoder writes it, lone surrogates and all", () => {
  const encoder = new TextEncoder();
  for (let trial = 0; trial < 20_000; trial++) {
    const text = Array.from({ length: below(12) }, () => UNITS[below(UNITS.length)]).join("");
    const start = below(text.length + 1);
    const end = start + below(text.length - start + 1);
    const out = new TextBytes(below(8));
    out.text("<");
    out.text(text, start, end);
    assert.deepEqual(
      out.view(),
      encoder.encode("<" + text.slice(start, end)),
      JSON.stringify([text, start, end]),
    );
  }
});

Deno.test("whole numbers are written as String writes them", () => {
  const out = new TextBytes(1);
  const numbers = [0, 1, -1, 9, 10, 99, 100, 1e15 - 1, 1e15, 2 ** 53 - 1, -(2 ** 53 - 1)];
  for (let trial = 0; trial < 10_000; trial++) {
    numbers.push(Math.floor(rng.random() * 10 ** below(17)) * (below(2) === 0 ? 1 : -1));
  }
  for (const n of numbers) {
    out.clear();
    out.int(n);
    assert.equal(out.textOf(0, out.length), String(n));
  }
});
