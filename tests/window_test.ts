import assert from "node:assert/strict";
import { Window } from "../lib/window.ts";

Deno.test("a count window keeps the last N rows; the others leave oldest first", () => {
  const w = new Window<number>({ rows: 3 });
  assert.equal(w.timed, false);
  for (let i = 0; i < 2; i++) w.push(i);
  assert.deepEqual(w.evict(), []);
  for (let i = 2; i < 7; i++) w.push(i);
  assert.deepEqual(w.evict(), [0, 1, 2, 3]);
  assert.deepEqual(w.items(), [4, 5, 6]);
  assert.equal(w.size, 3);
  w.push(7);
  assert.deepEqual(w.evict(), [4]);
  assert.deepEqual(w.evict(), []);
});

Deno.test("a retraction takes the newest matching row; the window is the last N rows left", () => {
  const w = new Window<string>({ rows: 3 });
  for (const r of ["a", "b", "a", "c"]) w.push(r);
  assert.equal(w.take((r) => r === "a"), "a");
  assert.deepEqual(w.items(), ["a", "b", "c"]);
  assert.equal(w.take((r) => r === "z"), undefined);
  assert.deepEqual(w.evict(), []);
  w.push("d");
  assert.deepEqual(w.evict(), ["a"]);
  assert.equal(w.take((r) => r === "a"), undefined, "a row that left cannot be retracted");
});

Deno.test("a time window keeps (clock − ms, clock]; late rows sort in by time", () => {
  const w = new Window<string>({ ms: 100 });
  assert.equal(w.timed, true);
  w.push("a", 1000);
  w.push("b", 1050);
  w.push("c", 1100);
  assert.equal(w.clock, 1100);
  assert.deepEqual(w.evict(), ["a"], "1000 ≤ 1100 − 100 leaves");
  w.push("late", 1020); // older than b, still inside (1000, 1100]
  assert.deepEqual(w.items(), ["late", "b", "c"]);
  w.push("same", 1050); // after b: equal times keep their arrival order
  assert.deepEqual(w.items(), ["late", "b", "same", "c"]);
  w.push("too late", 990); // already outside: leaves at the next eviction
  assert.equal(w.clock, 1100, "the clock never goes back");
  assert.deepEqual(w.evict(), ["too late"]);
  w.advance(1150);
  assert.deepEqual(w.evict(), ["late", "b", "same"]);
  w.advance(1000);
  assert.equal(w.clock, 1150);
  assert.deepEqual(w.take((r) => r === "c"), "c");
  assert.equal(w.size, 0);
  w.advance(5000);
  assert.deepEqual(w.evict(), []);
  assert.throws(() => w.push("no time"), /needs the timestamp/);
  assert.throws(() => w.push("NaN", NaN), /needs the timestamp/);
});

Deno.test("long runs stay correct across internal compaction", () => {
  const count = new Window<number>({ rows: 100 });
  const timed = new Window<number>({ ms: 100 });
  let left = 0;
  let leftTimed = 0;
  for (let i = 0; i < 10_000; i++) {
    count.push(i);
    timed.push(i, i);
    for (const gone of count.evict()) assert.equal(gone, left++);
    for (const gone of timed.evict()) assert.equal(gone, leftTimed++);
  }
  assert.deepEqual(count.items(), Array.from({ length: 100 }, (_, i) => 9900 + i));
  assert.deepEqual(timed.items(), Array.from({ length: 100 }, (_, i) => 9900 + i));
  assert.equal(timed.take((r) => r === 9950), 9950);
  assert.equal(timed.size, 99);
});

Deno.test("a window's length must be positive", () => {
  assert.throws(() => new Window({ rows: 0 }), RangeError);
  assert.throws(() => new Window({ rows: 1.5 }), RangeError);
  assert.throws(() => new Window({ ms: 0 }), RangeError);
  assert.throws(() => new Window({ ms: Infinity }), RangeError);
});
