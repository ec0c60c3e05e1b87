/**
 * Throughput of {@linkcode LeastSquares} for k = 1, 4, 16: add-only, a sliding window (add one
 * row, remove the row that leaves the window), and add + fit per row (what a stream that reports
 * every row does). Every iteration processes a batch of BATCH rows, so updates per second are
 * BATCH × iter/s (× 2 for the sliding window: one add and one remove per row).
 *
 * Run: deno bench bench/regression_bench.ts
 *
 * @module
 */
import { LeastSquares } from "../lib/least_squares.ts";
import { PythonRandom } from "../lib/random.ts";

/** Rows per benchmark iteration. */
const BATCH = 1000;
/** The sliding window's length. */
const WINDOW = 1000;

/** A pre-generated stream of rows (views into one buffer: no allocation while timing). */
interface Stream {
  readonly x: Float64Array[];
  readonly y: Float64Array;
}

function stream(k: number, rows: number, seed: number): Stream {
  const rng = new PythonRandom(seed);
  const u = () => rng.random();
  const buffer = new Float64Array(rows * k);
  const x: Float64Array[] = [];
  const y = new Float64Array(rows);
  for (let i = 0; i < rows; i++) {
    const row = buffer.subarray(i * k, (i + 1) * k);
    row[0] = 1.7e9 + i; // epoch seconds
    for (let j = 1; j < k; j++) row[j] = 10 * j + u();
    let v = 3 + 1e-3 * i;
    for (let j = 1; j < k; j++) v += j * row[j];
    y[i] = v + u() - 0.5;
    x.push(row);
  }
  return { x, y };
}

for (const k of [1, 4, 16]) {
  const rows = 65_536;
  const data = stream(k, rows, k);
  const mask = rows - 1;

  const adder = new LeastSquares(k);
  let a = 0;
  Deno.bench(`add, k=${k} (${BATCH} updates/iter)`, { group: `k=${k}`, baseline: true }, () => {
    for (let i = 0; i < BATCH; i++, a++) adder.add(data.x[a & mask], data.y[a & mask]);
  });

  const window = new LeastSquares(k);
  for (let i = 0; i < WINDOW; i++) window.add(data.x[i], data.y[i]);
  let t = WINDOW;
  Deno.bench(
    `sliding window ${WINDOW}, k=${k} (${BATCH} adds + ${BATCH} removes/iter)`,
    { group: `k=${k}` },
    () => {
      for (let i = 0; i < BATCH; i++, t++) {
        window.add(data.x[t & mask], data.y[t & mask]);
        window.remove(data.x[(t - WINDOW) & mask], data.y[(t - WINDOW) & mask]);
      }
    },
  );

  const reporter = new LeastSquares(k);
  for (let i = 0; i < 2 * k + 2; i++) reporter.add(data.x[i], data.y[i]);
  let r = 2 * k + 2;
  let sink = 0;
  Deno.bench(`add + fit per row, k=${k} (${BATCH} rows/iter)`, { group: `k=${k}` }, () => {
    for (let i = 0; i < BATCH; i++, r++) {
      reporter.add(data.x[r & mask], data.y[r & mask]);
      sink += reporter.fit().coefficients[0];
    }
    if (sink === 42.4242) console.log(sink);
  });
}
