import assert from "node:assert/strict";
import { type RowSink, Window, type WindowRow, type WindowSpec } from "../lib/window.ts";

// Rows are (x, y) with one regressor; a row "named" n is x = [n], y = 10·n, so that the tests
// read as lists of names.
const row = (n: number): [number[], number] => [[n], 10 * n];
const names = (rows: readonly WindowRow[]) => rows.map((r) => r.x[0]);

/** A sink that keeps the names of the rows it is handed, and checks y goes with x. */
function collector(): RowSink & { gone: number[]; take(): number[] } {
  return {
    gone: [],
    remove(x: Float64Array, y: number) {
      assert.equal(x.length, 1);
      assert.equal(y, 10 * x[0]);
      this.gone.push(x[0]);
    },
    take() {
      return this.gone.splice(0);
    },
  };
}

function push(w: Window, n: number, timestamp?: number): void {
  const [x, y] = row(n);
  w.push(x, y, timestamp);
}

function take(w: Window, n: number, sink: RowSink): boolean {
  const [x, y] = row(n);
  return w.take(x, y, sink);
}

Deno.test("a count window keeps the last N rows; the others leave oldest first", () => {
  const w = new Window({ rows: 3 }, 1);
  const sink = collector();
  assert.equal(w.timed, false);
  for (let i = 0; i < 2; i++) push(w, i);
  assert.equal(w.evict(sink), 0);
  for (let i = 2; i < 7; i++) push(w, i);
  assert.equal(w.evict(sink), 4);
  assert.deepEqual(sink.take(), [0, 1, 2, 3]);
  assert.deepEqual(names(w.rows()), [4, 5, 6]);
  assert.deepEqual(w.rows()[0], { x: [4], y: 40 });
  assert.equal(w.size, 3);
  push(w, 7);
  assert.equal(w.evict(sink), 1);
  assert.deepEqual(sink.take(), [4]);
  assert.equal(w.evict(sink), 0);
  assert.deepEqual(sink.take(), []);
});

Deno.test("a retraction takes the newest matching row; the window is the last N rows left", () => {
  const w = new Window({ rows: 3 }, 1);
  const sink = collector();
  const [a, b, c, d, z] = [1, 2, 3, 4, 26];
  for (const r of [a, b, a, c]) push(w, r);
  assert.equal(take(w, a, sink), true);
  assert.deepEqual(sink.take(), [a], "the row taken is handed to the sink");
  assert.deepEqual(names(w.rows()), [a, b, c]);
  assert.equal(take(w, z, sink), false);
  assert.deepEqual(sink.take(), []);
  assert.equal(w.evict(sink), 0);
  push(w, d);
  assert.equal(w.evict(sink), 1);
  assert.deepEqual(sink.take(), [a], "the older a leaves: the newer one was retracted");
  assert.equal(take(w, a, sink), false, "a row that left cannot be retracted");
  // A row matches only when every number is equal: same x, other y (or the reverse) is not it.
  assert.equal(w.take([b], 10 * b + 1, sink), false);
  assert.equal(w.take([b + 1], 10 * b, sink), false);
  assert.deepEqual(names(w.rows()), [b, c, d]);
});

Deno.test("a time window keeps (clock − ms, clock]; late rows sort in by time", () => {
  const w = new Window({ ms: 100 }, 1);
  const sink = collector();
  const [a, b, c, late, same, tooLate, noTime, nan] = [1, 2, 3, 4, 5, 6, 7, 8];
  assert.equal(w.timed, true);
  push(w, a, 1000);
  push(w, b, 1050);
  push(w, c, 1100);
  assert.equal(w.clock, 1100);
  assert.equal(w.evict(sink), 1);
  assert.deepEqual(sink.take(), [a], "1000 ≤ 1100 − 100 leaves");
  push(w, late, 1020); // older than b, still inside (1000, 1100]
  assert.deepEqual(names(w.rows()), [late, b, c]);
  push(w, same, 1050); // after b: equal times keep their arrival order
  assert.deepEqual(names(w.rows()), [late, b, same, c]);
  assert.deepEqual(w.rows().map((r) => r.timestamp), [1020, 1050, 1050, 1100]);
  push(w, tooLate, 990); // already outside: leaves at the next eviction
  assert.equal(w.clock, 1100, "the clock never goes back");
  assert.equal(w.evict(sink), 1);
  assert.deepEqual(sink.take(), [tooLate]);
  w.advance(1150);
  assert.equal(w.evict(sink), 3);
  assert.deepEqual(sink.take(), [late, b, same]);
  w.advance(1000);
  assert.equal(w.clock, 1150);
  assert.equal(take(w, c, sink), true);
  assert.deepEqual(sink.take(), [c]);
  assert.equal(w.size, 0);
  w.advance(5000);
  assert.equal(w.evict(sink), 0);
  assert.throws(() => push(w, noTime), /needs the timestamp/);
  assert.throws(() => push(w, nan, NaN), /needs the timestamp/);
  assert.equal(w.size, 0, "a refused row is not kept");
});

Deno.test("long runs stay correct across internal compaction", () => {
  const count = new Window({ rows: 100 }, 1);
  const timed = new Window({ ms: 100 }, 1);
  let left = 0;
  let leftTimed = 0;
  const sink = { remove: (x: Float64Array) => assert.equal(x[0], left++) };
  const timedSink = { remove: (x: Float64Array) => assert.equal(x[0], leftTimed++) };
  for (let i = 0; i < 10_000; i++) {
    push(count, i);
    push(timed, i, i);
    count.evict(sink);
    timed.evict(timedSink);
  }
  assert.equal(left, 9900);
  assert.equal(leftTimed, 9900);
  assert.deepEqual(names(count.rows()), Array.from({ length: 100 }, (_, i) => 9900 + i));
  assert.deepEqual(names(timed.rows()), Array.from({ length: 100 }, (_, i) => 9900 + i));
  assert.equal(take(timed, 9950, collector()), true);
  assert.equal(timed.size, 99);
});

Deno.test("a window's length must be positive, and its rows have k ≥ 1 regressors", () => {
  assert.throws(() => new Window({ rows: 0 }, 1), RangeError);
  assert.throws(() => new Window({ rows: 1.5 }, 1), RangeError);
  assert.throws(() => new Window({ ms: 0 }, 1), RangeError);
  assert.throws(() => new Window({ ms: Infinity }, 1), RangeError);
  assert.throws(() => new Window({ rows: 3 }, 0), RangeError);
  assert.throws(() => new Window({ rows: 3 }, 1.5), RangeError);
});

Deno.test("rows of k regressors: every number is kept, handed over and matched", () => {
  const w = new Window({ rows: 2 }, 3);
  const gone: number[][] = [];
  const sink = { remove: (x: Float64Array, y: number) => gone.push([...x, y]) };
  w.push(Float64Array.of(1, 2, 3), 4);
  w.push([1, 2, 3], 5);
  w.push([-0, 2, 3], 4); // -0 === 0: matches a retraction of (0, 2, 3; 4), and stays -0
  assert.equal(w.take([1, 2, 4], 4, sink), false);
  assert.equal(w.take([0, 2, 3], 4, sink), true);
  assert.ok(Object.is(gone[0][0], -0), "the row held is handed over, not the retraction");
  assert.deepEqual(w.rows(), [{ x: [1, 2, 3], y: 4 }, { x: [1, 2, 3], y: 5 }]);
  w.push([7, 8, 9], 10);
  assert.equal(w.evict(sink), 1);
  assert.deepEqual(gone, [[-0, 2, 3, 4], [1, 2, 3, 4]]);
});

/**
 * The window as it was specified, over plain arrays: rows kept in order (by time, then arrival,
 * in a time window), the last N or those later than clock − MS staying, a retraction taking the
 * newest equal row.
 */
class ReferenceWindow {
  rows: { x: number[]; y: number; t: number }[] = [];
  clock = -Infinity;
  constructor(readonly spec: WindowSpec) {}
  advance(t: number) {
    this.clock = Math.max(this.clock, t);
  }
  push(x: number[], y: number, t: number) {
    if (!("ms" in this.spec)) {
      this.rows.push({ x, y, t });
      return;
    }
    this.advance(t);
    let at = this.rows.length;
    while (at > 0 && this.rows[at - 1].t > t) at--;
    this.rows.splice(at, 0, { x, y, t });
  }
  evict(): number[][] {
    const stay = "rows" in this.spec
      ? Math.min(this.rows.length, this.spec.rows)
      : this.rows.filter((r) => r.t > this.clock - (this.spec as { ms: number }).ms).length;
    return this.rows.splice(0, this.rows.length - stay).map((r) => [...r.x, r.y]);
  }
  take(x: number[], y: number): number[] | undefined {
    for (let i = this.rows.length - 1; i >= 0; i--) {
      const r = this.rows[i];
      if (r.y === y && r.x.every((v, j) => v === x[j])) {
        this.rows.splice(i, 1);
        return [...r.x, r.y];
      }
    }
    return undefined;
  }
}

Deno.test("random pushes, retractions, clock moves and evictions: the rows of a reference model", () => {
  let seed = 20_240_601;
  const next = () => (seed = (seed * 48271) % 2147483647) / 2147483647;
  const int = (n: number) => Math.floor(next() * n);
  const specs: WindowSpec[] = [
    { rows: 1 },
    { rows: 7 },
    { rows: 300 },
    { ms: 1 },
    { ms: 50 },
    { ms: 2000 },
  ];
  for (const spec of specs) {
    for (const k of [1, 2]) {
      const w = new Window(spec, k);
      const ref = new ReferenceWindow(spec);
      const gone: number[][] = [];
      const sink = { remove: (x: Float64Array, y: number) => gone.push([...x, y]) };
      let clock = 0;
      // Bursts of pushes (so the buffers grow, move and shrink), few distinct values (so
      // retractions meet duplicates), late and equal timestamps.
      for (let step = 0; step < 3000; step++) {
        const burst = int(10) === 0 ? int(400) : int(4);
        for (let i = 0; i < burst; i++) {
          const x = Array.from({ length: k }, () => int(3));
          const y = int(3);
          const roll = next();
          if (roll < 0.25) {
            const want = ref.take(x, y);
            gone.length = 0;
            assert.equal(w.take(x, y, sink), want !== undefined);
            assert.deepEqual(gone, want === undefined ? [] : [want]);
          } else {
            clock += int(3);
            const t = roll < 0.4 ? clock - int(3000) : clock;
            w.push(x, y, t);
            ref.push(x, y, t);
          }
        }
        if (int(20) === 0) {
          clock += int(3000);
          w.advance(clock);
          ref.advance(clock);
        }
        gone.length = 0;
        const want = ref.evict();
        assert.equal(w.evict(sink), want.length);
        assert.deepEqual(gone, want, `${JSON.stringify(spec)}, k = ${k}, step ${step}`);
        assert.equal(w.size, ref.rows.length);
        assert.equal(w.clock, ref.clock);
        if (step % 50 === 0 || w.size < 10) {
          const rows = ref.rows.map(({ x, y, t }) =>
            "ms" in spec ? { x, y, timestamp: t } : { x, y }
          );
          assert.deepEqual(w.rows(), rows);
        }
      }
    }
  }
});
