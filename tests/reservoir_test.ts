import assert from "node:assert/strict";
import { History } from "../lib/history.ts";
import { PythonRandom } from "../lib/random.ts";
import { Reservoir } from "../lib/reservoir.ts";

const uniform = (seed: number) => {
  const random = new PythonRandom(seed);
  return () => random.random();
};

Deno.test("reservoir: bounded on an endless stream; builds only the items it keeps", () => {
  const sample = new Reservoir<{ i: number }>(100, uniform(1));
  let built = 0;
  for (let i = 0; i < 2_000_000; i++) {
    sample.offer(() => {
      built++;
      return { i };
    });
  }
  assert.equal(sample.items.length, 100);
  assert.equal(sample.slots.length, 100);
  assert.equal(sample.seen, 2_000_000);
  // Algorithm L keeps about k·(1 + ln(n/k)) items in all: ≈ 1,000 here, not 2 million.
  assert.ok(built < 3000, `built ${built}`);
});

Deno.test("reservoir: every item is equally likely to be in the sample", () => {
  const n = 20;
  const k = 5;
  const trials = 20_000;
  const hits = new Array(n).fill(0);
  const random = uniform(7);
  for (let t = 0; t < trials; t++) {
    const sample = new Reservoir<number>(k, random);
    for (let i = 0; i < n; i++) sample.offer(() => i);
    for (const i of sample.items) hits[i]++;
  }
  const expected = trials * k / n; // 5000
  // Binomial standard deviation ≈ 61: 5 of them.
  for (const [i, h] of hits.entries()) {
    assert.ok(Math.abs(h - expected) < 310, `item ${i}: ${h} vs ${expected}`);
  }
});

Deno.test("reservoir: a long stream's sample is spread over all of it", () => {
  const sample = new Reservoir<number>(1000, uniform(3));
  const n = 1_000_000;
  for (let i = 0; i < n; i++) sample.offer(() => i);
  const mean = sample.items.reduce((s, v) => s + v, 0) / 1000;
  // The mean of 1000 uniform draws from [0, n): n/2 ± 5·n/√12/√1000.
  assert.ok(Math.abs(mean - n / 2) < 5 * n / Math.sqrt(12) / Math.sqrt(1000), String(mean));
  const lateQuarter = sample.items.filter((v) => v >= 0.75 * n).length;
  assert.ok(lateQuarter > 200 && lateQuarter < 300, String(lateQuarter));
});

Deno.test("reservoir: removal empties a slot; capacity 0 keeps nothing", () => {
  const sample = new Reservoir<number>(3, uniform(0));
  for (let i = 0; i < 3; i++) sample.offer(() => i);
  assert.equal(sample.remove((v) => v === 1), 1);
  assert.deepEqual(sample.items, [0, 2]);
  assert.equal(sample.remove((v) => v === 9), -1);
  const none = new Reservoir<number>(0, uniform(0));
  assert.equal(none.offer(() => 1), -1);
  assert.deepEqual(none.items, []);
  assert.throws(() => new Reservoir(-1, Math.random), RangeError);
});

Deno.test("history: bounded, evenly thinned, from the first entry on", () => {
  const history = new History<number>(100);
  for (let i = 0; i < 1_000_000; i++) history.push(i);
  const items = history.items;
  assert.ok(items.length > 50 && items.length <= 100, String(items.length));
  assert.equal(items[0], 0);
  const gaps = new Set(items.slice(1).map((v, i) => v - items[i]));
  assert.equal(gaps.size, 1); // even spacing
  assert.ok(items[items.length - 1] > 1_000_000 - 2 * [...gaps][0]);
});
