import assert from "node:assert/strict";
import {
  LeastSquares,
  LeastSquaresError,
  type LeastSquaresFit,
  type LeastSquaresStats,
  RANK_TOLERANCE,
} from "../lib/least_squares.ts";
import { ddAdd, ddDiv, ddMul, doubleDouble } from "../lib/least_squares/double_double.ts";
import { Line } from "../lib/least_squares/line.ts";
import { Moments } from "../lib/least_squares/moments.ts";
import { PythonRandom } from "../lib/random.ts";
import {
  features,
  lre,
  monomialFromShifted,
  NIST_DATASETS,
  type NistName,
  readNistFixture,
  shiftedFeatures,
} from "./nist.ts";
import { doubleParts } from "./exact.ts";

// ---------------------------------------------------------------------------------------------
// Helpers

/** mulberry32: a small deterministic generator of uniform numbers in [0, 1). */
function random(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (s + 0x6d2b79f5) >>> 0;
    let t = s;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

interface Row {
  readonly x: Float64Array;
  readonly y: number;
}

/** n rows of k features with offsets and scales of different sizes and y = a + b·x + noise. */
function randomRows(k: number, n: number, seed: number): Row[] {
  const u = random(seed);
  const rows: Row[] = [];
  for (let i = 0; i < n; i++) {
    const x = new Float64Array(k);
    let y = 3.5;
    for (let j = 0; j < k; j++) {
      x[j] = 10 ** (j % 4) * (j + 1) + (u() - 0.5) * 10 ** ((j % 3) - 1);
      y += (j + 1.25) * x[j];
    }
    rows.push({ x, y: y + (u() - 0.5) });
  }
  return rows;
}

function fitOf(rows: readonly Row[], k: number, intercept = true): LeastSquares {
  const s = new LeastSquares(k, { intercept });
  for (const r of rows) s.add(r.x, r.y);
  return s;
}

function relativeError(a: number, b: number): number {
  if (a === b) return 0;
  return Math.abs(a - b) / Math.max(Math.abs(a), Math.abs(b));
}

/** The largest relative difference over the fit and every statistic. */
function distance(a: LeastSquares, b: LeastSquares): number {
  const fa = a.fit();
  const fb = b.fit();
  const sa = a.stats();
  const sb = b.stats();
  assert.equal(fa.determined, fb.determined);
  assert.equal(sa.n, sb.n);
  let d = Math.max(
    relativeError(fa.intercept, fb.intercept),
    relativeError(sa.r2, sb.r2),
    relativeError(sa.se, sb.se),
    relativeError(sa.seIntercept, sb.seIntercept),
  );
  for (let j = 0; j < a.k; j++) {
    d = Math.max(
      d,
      relativeError(fa.coefficients[j], fb.coefficients[j]),
      relativeError(sa.seCoefficients[j], sb.seCoefficients[j]),
    );
  }
  return d;
}

function assertUndetermined(fit: LeastSquaresFit, stats: LeastSquaresStats, k: number): void {
  assert.equal(fit.determined, false);
  assert.equal(fit.intercept, 0);
  assert.deepEqual([...fit.coefficients], new Array(k).fill(0));
  assert.equal(stats.df, 0);
  assert.equal(stats.r2, 0);
  assert.equal(stats.se, 0);
  assert.equal(stats.seIntercept, 0);
  assert.deepEqual([...stats.seCoefficients], new Array(k).fill(0));
}

function assertNoNaN(s: LeastSquares): void {
  const f = s.fit();
  const t = s.stats();
  for (
    const v of [f.intercept, ...f.coefficients, t.r2, t.se, t.seIntercept, ...t.seCoefficients]
  ) {
    assert.ok(Number.isFinite(v), `non-finite value ${v}`);
  }
}

function shuffled<T>(items: readonly T[], u: () => number): T[] {
  const out = [...items];
  for (let i = out.length - 1; i > 0; i--) {
    const j = Math.floor(u() * (i + 1));
    [out[i], out[j]] = [out[j], out[i]];
  }
  return out;
}

// ---------------------------------------------------------------------------------------------
// NIST StRD: stream every dataset one row at a time, then grade every certified figure.

/** The LRE each dataset must reach on every certified coefficient (the brief's targets). */
const COEFFICIENT_TARGET: Record<NistName, number> = {
  Norris: 12,
  Pontius: 12,
  NoInt1: 12,
  NoInt2: 12,
  Longley: 10,
  Wampler1: 9,
  Wampler2: 9,
  Wampler3: 9,
  Wampler4: 9,
  Wampler5: 6,
  Filip: 7,
};

/**
 * The float64-design limit: the minimum LRE over the certified coefficients of the EXACT
 * least-squares solution of the float64 design (the data parsed to doubles, the powers x^k
 * rounded to doubles), computed in rational arithmetic (Python fractions) when this test was
 * written, capped at 15. No float64-input program can do better on average; the state must come
 * within half a digit of it.
 */
const FLOAT_DESIGN_LIMIT: Record<NistName, number> = {
  Norris: 14.07,
  Pontius: 13.51,
  NoInt1: 14.74,
  NoInt2: 15,
  Longley: 14.62,
  Wampler1: 15,
  Wampler2: 13.2,
  Wampler3: 15,
  Wampler4: 15,
  Wampler5: 15,
  Filip: 7.61,
};

Deno.test("NIST StRD: streamed fits reach the certified values (LRE table)", () => {
  const lines = [
    "| dataset | k | min LRE coef | min LRE SD(coef) | LRE resid SD | LRE R² | target | float64 limit |",
    "| --- | --- | --- | --- | --- | --- | --- | --- |",
  ];
  const failures: string[] = [];
  for (const name of NIST_DATASETS) {
    const data = readNistFixture(name);
    const k = data.degree || data.predictors;
    const state = new LeastSquares(k, { intercept: data.intercept });
    for (let i = 0; i < data.observations; i++) state.add(features(data, i), data.y[i]);
    const fit = state.fit();
    const stats = state.stats();
    assert.equal(fit.determined, true, name);
    const estimates = data.intercept ? [fit.intercept, ...fit.coefficients] : [...fit.coefficients];
    const sds = data.intercept
      ? [stats.seIntercept, ...stats.seCoefficients]
      : [...stats.seCoefficients];
    assert.equal(estimates.length, data.parameters.length, name);
    const coef = data.parameters.map((p, i) => lre(estimates[i], p.estimate));
    const sd = data.parameters.map((p, i) => lre(sds[i], p.sd));
    const rsd = lre(stats.se, data.residualSD);
    const r2 = lre(stats.r2, data.rSquared);
    const minCoef = Math.min(...coef);
    const minSd = Math.min(...sd);
    const target = COEFFICIENT_TARGET[name];
    lines.push(
      `| ${name} | ${k} | ${minCoef.toFixed(2)} | ${minSd.toFixed(2)} | ${rsd.toFixed(2)} | ` +
        `${r2.toFixed(2)} | ${target} | ${FLOAT_DESIGN_LIMIT[name].toFixed(2)} |`,
    );
    // Coefficients: the brief's target, and within half a digit of the float64-design limit.
    if (minCoef < target) failures.push(`${name}: coefficient LRE ${minCoef} < ${target}`);
    if (minCoef < FLOAT_DESIGN_LIMIT[name] - 0.5) {
      failures.push(`${name}: coefficient LRE ${minCoef} below the float64 limit − 0.5`);
    }
    // Statistics: every certified SD, the residual SD and R² meet the same per-dataset target.
    for (const [what, v] of [["SD", minSd], ["residual SD", rsd], ["R²", r2]] as const) {
      if (v < target) failures.push(`${name}: ${what} LRE ${v} < ${target}`);
    }
  }

  // Filip again in the exactly computable, better conditioned basis t = (x + 6)/4, mapped back
  // to the monomial coefficients in double-double: the state is not what limits Filip above.
  const filip = readNistFixture("Filip");
  const shifted = new LeastSquares(filip.degree);
  for (let i = 0; i < filip.observations; i++) {
    shifted.add(shiftedFeatures(filip, i, -6, 4), filip.y[i]);
  }
  const g = shifted.fit();
  const beta = monomialFromShifted([g.intercept, ...g.coefficients], -6, 4);
  const filipShifted = Math.min(...filip.parameters.map((p, i) => lre(beta[i], p.estimate)));
  lines.push(
    `| Filip, basis ((x+6)/4)^j | 10 | ${filipShifted.toFixed(2)} | – | ` +
      `${lre(shifted.stats().se, filip.residualSD).toFixed(2)} | ` +
      `${lre(shifted.stats().r2, filip.rSquared).toFixed(2)} | 10 | 13.85 |`,
  );
  if (filipShifted < 10) failures.push(`Filip (shifted basis): coefficient LRE ${filipShifted}`);

  console.log(`\n${lines.join("\n")}\n`);
  assert.deepEqual(failures, []);
});

// ---------------------------------------------------------------------------------------------
// Properties

Deno.test("add then remove restores the fit", () => {
  for (const k of [1, 3, 6]) {
    const rows = randomRows(k, 200, k);
    const s = fitOf(rows, k);
    const before = s.clone();
    const extra = randomRows(k, 50, 100 + k);
    for (const r of extra) s.add(r.x, r.y);
    assert.notEqual(s.fit().coefficients[0], before.fit().coefficients[0]);
    for (const r of shuffled(extra, random(7))) s.remove(r.x, r.y);
    assert.equal(s.count, 200);
    assert.ok(distance(s, before) <= 1e-14, `k=${k}: ${distance(s, before)}`);
  }
});

Deno.test("merging two halves equals one pass (≤ 1e-12 relative)", () => {
  const cases: [string, Row[], number][] = [];
  for (const k of [1, 4, 8]) cases.push([`random k=${k}`, randomRows(k, 301, 40 + k), k]);
  for (const name of ["Longley", "Wampler4", "Pontius"] as const) {
    const d = readNistFixture(name);
    const rows = d.y.map((y, i) => ({ x: features(d, i), y }));
    cases.push([name, rows, d.degree || d.predictors]);
  }
  for (const [label, rows, k] of cases) {
    const whole = fitOf(rows, k);
    for (const cut of [1, Math.floor(rows.length / 3), rows.length - 1]) {
      const a = fitOf(rows.slice(0, cut), k);
      const b = fitOf(rows.slice(cut), k);
      const ab = a.clone();
      ab.merge(b);
      const ba = b.clone();
      ba.merge(a);
      assert.ok(distance(ab, whole) <= 1e-12, `${label} cut ${cut}: ${distance(ab, whole)}`);
      assert.ok(distance(ba, whole) <= 1e-12, `${label} cut ${cut}: ${distance(ba, whole)}`);
      assert.equal(ab.count, rows.length);
    }
  }
  // Merging with an empty state, into an empty state, and into itself.
  const rows = randomRows(3, 100, 5);
  const s = fitOf(rows, 3);
  const empty = new LeastSquares(3);
  const copy = s.clone();
  copy.merge(empty);
  assert.equal(distance(copy, s), 0);
  empty.merge(s);
  assert.equal(distance(empty, s), 0);
  const doubled = s.clone();
  doubled.merge(doubled);
  assert.equal(doubled.count, 200);
  assert.ok(distance(doubled, fitOf([...rows, ...rows], 3)) <= 1e-12);
});

Deno.test("the order rows arrive in does not matter beyond rounding", () => {
  const u = random(11);
  for (const name of ["Longley", "Filip", "Wampler5", "NoInt1"] as const) {
    const d = readNistFixture(name);
    const rows = d.y.map((y, i) => ({ x: features(d, i), y }));
    const k = d.degree || d.predictors;
    const reference = fitOf(rows, k, d.intercept);
    for (let trial = 0; trial < 5; trial++) {
      const other = fitOf(shuffled(rows, u), k, d.intercept);
      assert.ok(distance(other, reference) <= 1e-12, `${name}: ${distance(other, reference)}`);
    }
  }
});

Deno.test("undetermined systems fit all zeros, never NaN, never a throw", () => {
  const k1 = new LeastSquares(1);
  assertUndetermined(k1.fit(), k1.stats(), 1); // empty
  k1.add([5], 1);
  assertUndetermined(k1.fit(), k1.stats(), 1); // one row, two unknowns
  k1.add([5], 2);
  k1.add([5], 7);
  assertUndetermined(k1.fit(), k1.stats(), 1); // every x equal
  assert.equal(k1.stats().n, 3);
  k1.add([6], 0);
  assert.equal(k1.fit().determined, true);

  // Sliding into a constant x after varying ones, far from the first row.
  const w = new LeastSquares(1);
  for (let i = 0; i < 100; i++) w.add([1e6 + i * 1000], i);
  for (let i = 0; i < 100; i++) w.add([7.25], i % 3);
  for (let i = 0; i < 100; i++) w.remove([1e6 + i * 1000], i);
  assertUndetermined(w.fit(), w.stats(), 1);

  // The same with non-dyadic values: the rounding left in the co-moments by the history
  // (≈ 1e-17 here) must not pass for variance.
  const v = random(1);
  const big = new LeastSquares(1);
  const xs: number[] = [];
  for (let i = 0; i < 1000; i++) {
    xs.push(1e6 * v() + 0.3);
    big.add([xs[i]], v());
  }
  for (let i = 0; i < 100; i++) big.add([0.1], v());
  for (let i = 0; i < 1000; i++) big.remove([xs[i]], 0.5);
  assertUndetermined(big.fit(), big.stats(), 1);

  // Collinear features: exactly, and up to float64 rounding.
  const u = random(3);
  for (const make of [(v: number) => 2 * v, (v: number) => 0.1 * v, (v: number) => v / 3 + 1e3]) {
    const s = new LeastSquares(3);
    for (let i = 0; i < 50; i++) {
      const a = u();
      const b = u() * 100;
      s.add([a, b, make(a)], a + b + u());
    }
    assertUndetermined(s.fit(), s.stats(), 3);
  }

  // Without intercept: one row determines one slope, a zero column does not.
  const origin = new LeastSquares(2, { intercept: false });
  origin.add([1, 0], 2);
  origin.add([2, 0], 4);
  assertUndetermined(origin.fit(), origin.stats(), 2);
  const one = new LeastSquares(1, { intercept: false });
  one.add([2], 3);
  assert.deepEqual(one.fit(), {
    determined: true,
    intercept: 0,
    coefficients: Float64Array.of(1.5),
  });
});

Deno.test("exact fits: df = 0 gives zero standard errors, constant y gives r2 = 0", () => {
  const s = new LeastSquares(2);
  s.add([0, 0], 1);
  s.add([1, 0], 3);
  s.add([0, 1], 4);
  const f = s.fit();
  assert.equal(f.determined, true);
  assert.ok(Math.abs(f.intercept - 1) < 1e-15);
  assert.ok(Math.abs(f.coefficients[0] - 2) < 1e-15 && Math.abs(f.coefficients[1] - 3) < 1e-15);
  const st = s.stats();
  assert.deepEqual([st.df, st.se, st.seIntercept, ...st.seCoefficients], [0, 0, 0, 0, 0]);
  assert.equal(st.r2, 1);
  s.add([1, 1], 6);
  assert.equal(s.stats().r2, 1);
  assert.equal(s.stats().se, 0);

  const flat = new LeastSquares(1);
  for (let i = 0; i < 10; i++) flat.add([i], 4.5);
  assert.deepEqual(flat.fit(), {
    determined: true,
    intercept: 4.5,
    coefficients: Float64Array.of(0),
  });
  assert.equal(flat.stats().r2, 0);
  assert.equal(flat.stats().se, 0);
  assertNoNaN(flat);
});

Deno.test("a retraction below zero is refused with LeastSquaresError", () => {
  const s = new LeastSquares(2);
  assert.throws(
    () => s.remove([1, 2], 3),
    (e: unknown) => e instanceof LeastSquaresError && e.code === "remove-from-empty",
  );
  s.add([1, 2], 3);
  s.remove([1, 2], 3);
  assert.throws(() => s.remove([1, 2], 3), LeastSquaresError);
  assert.equal(s.count, 0);
});

Deno.test("removing every row returns exactly the empty state", () => {
  const k = 3;
  const rows = randomRows(k, 500, 9);
  const s = fitOf(rows, k);
  for (const r of shuffled(rows, random(2))) s.remove(r.x, r.y);
  assert.equal(s.count, 0);
  assertUndetermined(s.fit(), s.stats(), k);
  // Exactly empty: what follows is bit-for-bit what a new state computes.
  const next = randomRows(k, 40, 10);
  const fresh = fitOf(next, k);
  for (const r of next) s.add(r.x, r.y);
  assert.deepEqual(s.fit(), fresh.fit());
  assert.deepEqual(s.stats(), fresh.stats());
});

Deno.test("invalid rows and merges are refused and leave the state unchanged", () => {
  const s = fitOf(randomRows(2, 20, 4), 2);
  const before = s.clone();
  const code = (c: string) => (e: unknown) => e instanceof LeastSquaresError && e.code === c;
  assert.throws(() => s.add([1], 2), code("dimension-mismatch"));
  assert.throws(() => s.add([1, 2, 3], 2), code("dimension-mismatch"));
  assert.throws(() => s.add([1, NaN], 2), code("invalid-value"));
  assert.throws(() => s.add([1, 2], Infinity), code("invalid-value"));
  assert.throws(() => s.add([1e300, 2], 1), code("invalid-value"));
  assert.throws(() => s.remove([1, 2], NaN), code("invalid-value"));
  assert.throws(() => s.merge(new LeastSquares(3)), code("incompatible-merge"));
  assert.throws(
    () => s.merge(new LeastSquares(2, { intercept: false })),
    code("incompatible-merge"),
  );
  assert.throws(() => new LeastSquares(0), code("dimension-mismatch"));
  assert.throws(() => new LeastSquares(1.5), code("dimension-mismatch"));
  assert.equal(distance(s, before), 0);
  assert.equal(s.count, 20);
});

Deno.test("k = 1 on epoch seconds (x ≈ 1.7e9): slope to ≥ 10 significant digits", () => {
  // y = 5 + (x − x₀)/1024 + e with e = (+1, −2, +1)/8 per three consecutive seconds: e sums to 0
  // and is orthogonal to x, so the exact least-squares line is known: slope 1/1024.
  const x0 = 1_700_000_000;
  const e = [0.125, -0.25, 0.125];
  const s = new LeastSquares(1);
  // An unrepresentative first row, retracted later: the shift must follow the data.
  s.add([0], -1e6);
  for (let i = 0; i < 3000; i++) s.add([x0 + i], 5 + i / 1024 + e[i % 3]);
  s.remove([0], -1e6);
  const f = s.fit();
  const slope = 1 / 1024;
  const intercept = 5 - x0 / 1024;
  assert.ok(relativeError(f.coefficients[0], slope) <= 1e-10, `${f.coefficients[0]}`);
  assert.ok(relativeError(f.intercept, intercept) <= 1e-10, `${f.intercept}`);
  // Epoch microseconds (x ≈ 1.7e15, spread 3e3): without the shift by a data row the sums of
  // squares would be ≈ 1e34 and their rounding alone ≈ 1e-5 of the centred co-moment.
  const us = 1_700_000_000_000_000;
  const m = new LeastSquares(1);
  for (let i = 0; i < 3000; i++) m.add([us + i], 5 + i / 1024 + e[i % 3]);
  assert.ok(relativeError(m.fit().coefficients[0], slope) <= 1e-12, `${m.fit().coefficients[0]}`);
  assert.ok(relativeError(m.fit().intercept, 5 - us / 1024) <= 1e-12, `${m.fit().intercept}`);
  // And a sliding window over the same kind of stream, far from where it started.
  const w = new LeastSquares(1);
  const W = 999;
  const y = (i: number) => 5 + i / 1024 + e[i % 3];
  for (let i = 0; i < W; i++) w.add([x0 + i], y(i));
  // 200 001 − 999 steps: the last window starts at a multiple of 3, where e is orthogonal to x.
  for (let i = W; i < 200_001; i++) {
    w.add([x0 + i], y(i));
    w.remove([x0 + i - W], y(i - W));
  }
  const g = w.fit();
  assert.ok(relativeError(g.coefficients[0], slope) <= 1e-12, `${g.coefficients[0]}`);
  assert.ok(relativeError(g.intercept, intercept) <= 1e-12, `${g.intercept}`);
});

Deno.test("sliding windows stepped 1e7 (k = 1) and 1e5 (k = 4) times match a fresh fit", () => {
  for (const [k, steps] of [[1, 10_000_000], [4, 100_000]] as const) {
    const W = 1000;
    const u = random(17 + k);
    // The window's rows live in one buffer, overwritten in place: no allocation per step.
    const ring = new Float64Array(W * k);
    const ringY = new Float64Array(W);
    const next = new Float64Array(k);
    const make = (t: number, into: Float64Array): number => {
      into[0] = 1.7e9 + t; // epoch-like, drifting away from the first row
      for (let j = 1; j < k; j++) into[j] = 100 * j + u() * 10 * j;
      let yv = 5 + 2.5e-4 * t;
      for (let j = 1; j < k; j++) yv += j * into[j];
      return yv + (u() - 0.5);
    };
    const s = new LeastSquares(k);
    for (let t = 0; t < W; t++) {
      const row = ring.subarray(t * k, (t + 1) * k);
      ringY[t] = make(t, row);
      s.add(row, ringY[t]);
    }
    for (let t = W; t < W + steps; t++) {
      const slot = t % W;
      const old = ring.subarray(slot * k, (slot + 1) * k);
      const y = make(t, next);
      s.add(next, y);
      s.remove(old, ringY[slot]);
      old.set(next);
      ringY[slot] = y;
    }
    const rows: Row[] = Array.from({ length: W }, (_, i) => ({
      x: ring.slice(i * k, (i + 1) * k),
      y: ringY[i],
    }));
    const fresh = fitOf(rows, k);
    const d = distance(s, fresh);
    assert.ok(d <= 1e-12, `k=${k}: drift ${d}`);
    assert.equal(s.count, W);
  }
});

Deno.test("no intercept: uncentred R² and the NIST conventions", () => {
  const s = new LeastSquares(1, { intercept: false });
  for (const [x, y] of [[4, 3], [5, 4], [6, 4]]) s.add([x], y);
  const f = s.fit();
  assert.equal(f.intercept, 0);
  assert.ok(relativeError(f.coefficients[0], 0.727272727272727) < 1e-14);
  assert.ok(relativeError(s.stats().r2, 0.993348115299335) < 1e-14);
  assert.equal(s.stats().seIntercept, 0);
  assert.equal(s.stats().df, 2);
});

Deno.test("clone is independent and fit results are fresh arrays", () => {
  const s = fitOf(randomRows(2, 30, 8), 2);
  const c = s.clone();
  c.add([1, 2], 3);
  assert.equal(s.count, 30);
  assert.equal(c.count, 31);
  const f = s.fit();
  f.coefficients[0] = 12345;
  assert.notEqual(s.fit().coefficients[0], 12345);
  assertNoNaN(s);
});

// ---------------------------------------------------------------------------------------------
// k = 1, the pipeline's default fit y ≈ a + b·x: the checks of the former Welford state.

type Point = [number, number];

/** Two-pass least squares: means first, then centred sums. */
function twoPass(points: readonly Point[]): { a: number; b: number } {
  const n = points.length;
  const mx = points.reduce((s, [x]) => s + x, 0) / n;
  const my = points.reduce((s, [, y]) => s + y, 0) / n;
  let sxx = 0;
  let sxy = 0;
  for (const [x, y] of points) {
    sxx += (x - mx) * (x - mx);
    sxy += (x - mx) * (y - my);
  }
  const b = sxy / sxx;
  return { a: my - b * mx, b };
}

function line(points: readonly Point[]): LeastSquares {
  const s = new LeastSquares(1);
  for (const [x, y] of points) s.add([x], y);
  return s;
}

/** The fit as { a, b }. */
function ab(s: LeastSquares): { a: number; b: number } {
  const f = s.fit();
  return { a: f.intercept, b: f.coefficients[0] };
}

function randomPoints(seed: number, n: number, x0 = 0, xScale = 100): Point[] {
  const rng = new PythonRandom(seed);
  return Array.from({ length: n }, () => {
    const x = x0 + rng.random() * xScale;
    return [x, 3 - 0.25 * (x - x0) + rng.random()];
  });
}

Deno.test("k = 1: the fit equals two-pass least squares on random data", () => {
  for (let seed = 1; seed <= 20; seed++) {
    const points = randomPoints(seed, 2 + seed * 7);
    const expected = twoPass(points);
    const fit = ab(line(points));
    assert.ok(relativeError(fit.b, expected.b) <= 1e-12, `slope, seed ${seed}`);
    assert.ok(relativeError(fit.a, expected.a) <= 1e-12, `intercept, seed ${seed}`);
  }
});

Deno.test("k = 1: x near 1.7e9 keeps the slope where raw sums lose it", () => {
  // Exact data on the line y = 2 + 0.5·(x − x0): the slope is 0.5 exactly.
  const x0 = 1.7e9;
  const exact: Point[] = Array.from({ length: 1000 }, (_, i) => [x0 + i, 2 + 0.5 * i]);
  assert.equal(ab(line(exact)).b, 0.5);
  // Noisy data, against the two-pass reference.
  const points = randomPoints(7, 5000, x0, 3600);
  const b = ab(line(points)).b;
  assert.ok(relativeError(b, twoPass(points).b) <= 1e-10, `${b} vs ${twoPass(points).b}`);
  // The raw-sums formula fails here; the test would catch a state that used it.
  const n = exact.length;
  const [sx, sy, sxx, sxy] = exact.reduce(
    ([a, b, c, d], [x, y]) => [a + x, b + y, c + x * x, d + x * y],
    [0, 0, 0, 0],
  );
  const naive = (n * sxy - sx * sy) / (n * sxx - sx * sx);
  assert.ok(Math.abs(naive - 0.5) > 1e-6, `raw sums unexpectedly accurate: ${naive}`);
});

Deno.test("k = 1: merging two halves equals one pass, also far from the origin", () => {
  for (const seed of [5, 6, 7]) {
    const points = randomPoints(seed, 301, seed === 7 ? 1.7e9 : 0);
    const left = line(points.slice(0, 120));
    left.merge(line(points.slice(120)));
    const whole = line(points);
    assert.equal(left.count, whole.count);
    assert.ok(distance(left, whole) <= 1e-12, `seed ${seed}: ${distance(left, whole)}`);
  }
  const empty = new LeastSquares(1);
  empty.merge(line([[1, 2], [3, 5]]));
  assert.deepEqual(ab(empty), { a: 0.5, b: 1.5 });
});

Deno.test("k = 1: fewer than two distinct x fit a = 0, b = 0, as the reference", () => {
  assert.deepEqual(ab(new LeastSquares(1)), { a: 0, b: 0 });
  assert.deepEqual(ab(line([[1, 5]])), { a: 0, b: 0 });
  assert.deepEqual(ab(line([[2, 5], [2, 7], [2, -1]])), { a: 0, b: 0 });
  const r = line([[2, 5], [3, 7]]);
  r.remove([3], 7);
  assert.deepEqual(ab(r), { a: 0, b: 0 });
  assert.equal(r.fit().determined, false);
  assert.deepEqual(ab(line([[2, 5], [3, 7]])), { a: 1, b: 2 });
  assert.throws(
    () => new LeastSquares(1).remove([1], 2),
    (e: unknown) => e instanceof LeastSquaresError && e.code === "remove-from-empty",
  );
});

// ---------------------------------------------------------------------------------------------
// Serialization (the pipeline's checkpoint)

Deno.test("toJSON/fromJSON restore the state exactly; the state continues bit for bit", () => {
  for (const [k, intercept] of [[1, true], [4, true], [3, false]] as const) {
    const rows = randomRows(k, 300, 30 + k);
    const s = new LeastSquares(k, { intercept });
    // Far from the first row and with some removals, so that the shift moved and the low parts
    // of the double-double sums are not zero.
    for (const r of rows.slice(0, 200)) s.add(r.x, r.y * 1e3 + 1.7e9);
    for (const r of rows.slice(0, 50)) s.remove(r.x, r.y * 1e3 + 1.7e9);
    const text = JSON.stringify(s);
    const copy = LeastSquares.fromJSON(JSON.parse(text));
    assert.equal(JSON.stringify(copy), text);
    assert.deepEqual(copy.fit(), s.fit());
    assert.deepEqual(copy.stats(), s.stats());
    for (const r of rows.slice(200)) {
      s.add(r.x, r.y);
      copy.add(r.x, r.y);
    }
    for (const r of rows.slice(50, 150)) {
      s.remove(r.x, r.y * 1e3 + 1.7e9);
      copy.remove(r.x, r.y * 1e3 + 1.7e9);
    }
    assert.deepEqual(copy.fit(), s.fit());
    assert.deepEqual(copy.stats(), s.stats());
    assert.equal(JSON.stringify(copy), JSON.stringify(s));
  }
  // The size depends on k alone (and the digits of n).
  const length = (k: number) => JSON.stringify(new LeastSquares(k)).length;
  const data = (s: LeastSquares) => s.toJSON().data.length;
  assert.equal(data(new LeastSquares(6)), data(fitOf(randomRows(6, 20, 1), 6)));
  assert.ok(length(1) < 300 && length(15) < 3900 && length(16) > 4096, `${length(16)}`);
});

Deno.test("fromJSON refuses what is not a serialized state", () => {
  const good = JSON.parse(JSON.stringify(fitOf(randomRows(2, 10, 3), 2)));
  const refused = (value: unknown, why: RegExp) =>
    assert.throws(
      () => LeastSquares.fromJSON(value),
      (e: unknown) =>
        e instanceof LeastSquaresError && e.code === "invalid-snapshot" && why.test(e.message),
    );
  refused(null, /not an object/);
  refused({ ...good, k: 0 }, /k/);
  refused({ ...good, intercept: "yes" }, /boolean/);
  refused({ ...good, n: -1 }, /\bn\b/);
  refused({ ...good, data: "!!" }, /base64/);
  refused({ ...good, k: 3 }, /k = 3 needs/);
  const nan = new Uint8Array(8 * 27); // k = 2: 5·3 + 3·4 numbers
  new DataView(nan.buffer).setFloat64(0, NaN, true);
  refused({ ...good, data: btoa(String.fromCharCode(...nan)) }, /not finite/);
  assert.equal(LeastSquares.fromJSON(good).count, 10);
});

Deno.test("fitValues is fit() as one plain array: intercept first, zeros while undetermined", () => {
  // (k = 1 with an intercept has a closed form of its own: tested against exact fractions below.)
  const rng = new PythonRandom(21);
  for (const [k, intercept] of [[1, false], [3, true], [2, false]] as const) {
    const state = new LeastSquares(k, { intercept });
    const expectedLength = k + (intercept ? 1 : 0);
    assert.deepEqual(state.fitValues(), new Array(expectedLength).fill(0));
    for (let i = 0; i < 20; i++) {
      const x = Array.from({ length: k }, () => rng.random() * 10);
      state.add(x, 1 + x.reduce((s, v, j) => s + (j + 2) * v, 0) + rng.random());
      const fit = state.fit();
      const values = state.fitValues();
      assert.ok(Array.isArray(values));
      assert.deepEqual(
        values,
        intercept ? [fit.intercept, ...fit.coefficients] : [...fit.coefficients],
      );
    }
  }
});

/** A double as an exact fraction num/den (den a power of two). */
function exact(v: number): [bigint, bigint] {
  const [mantissa, shift] = doubleParts(v);
  return shift >= 0 ? [mantissa << BigInt(shift), 1n] : [mantissa, 1n << BigInt(-shift)];
}

/** Whether |v − p/q| ≤ |v|·ε (about one unit in the last place), exactly. */
function withinUlp(v: number, [p, q]: [bigint, bigint]): boolean {
  const [vp, vq] = exact(v);
  const [up, uq] = exact(Math.abs(v) * Number.EPSILON || Number.MIN_VALUE);
  const diff = vp * q - p * vq; // (v − p/q)·vq·q
  const abs = diff < 0n ? -diff : diff;
  const sign = q < 0n ? -1n : 1n;
  return abs * uq * sign <= up * vq * q * sign;
}

Deno.test("k = 1: the closed-form line is within |v|·ε of exact least squares and of the solve", () => {
  const rng = new PythonRandom(8);
  let checked = 0;
  for (let trial = 0; trial < 150; trial++) {
    const x0 = [0, 1.7e9, 1e-3, -5e5][trial % 4];
    const scale = [1, 1e-6, 1e6, 100][(trial >> 2) % 4];
    const state = new LeastSquares(1);
    const points: [number, number][] = [];
    for (let i = 0; i < 12; i++) {
      const x = x0 + scale * Math.floor(rng.random() * 10);
      const y = 3 + 2 * (x - x0) + rng.random();
      points.push([x, y]);
      state.add([x], y);
      if (rng.random() < 0.3) {
        const [px, py] = points.shift()!;
        state.remove([px], py);
      }
      const [a, b] = state.fitValues();
      const fit = state.fit();
      // Exact: with sums over rationals, b = (nΣxy − ΣxΣy) / (nΣx² − (Σx)²), a = (Σy − bΣx)/n.
      const xs = points.map(([px]) => exact(px));
      const ys = points.map(([, py]) => exact(py));
      const den = xs.reduce((d, [, q]) => d * q / gcd(d, q), 1n) *
        ys.reduce((d, [, q]) => d * q / gcd(d, q), 1n);
      const X = xs.map(([p, q]) => p * (den / q));
      const Y = ys.map(([p, q]) => p * (den / q));
      const n = BigInt(points.length);
      const sx = X.reduce((s, v) => s + v, 0n);
      const sy = Y.reduce((s, v) => s + v, 0n);
      const sxx = X.reduce((s, v) => s + v * v, 0n);
      const sxy = X.reduce((s, v, j) => s + v * Y[j], 0n);
      const d = n * sxx - sx * sx;
      if (d === 0n) {
        assert.deepEqual([a, b], [0, 0]);
        continue;
      }
      const bNum = n * sxy - sx * sy; // b = bNum / d
      const aNum = sy * d - bNum * sx; // a = aNum / (n·d·den)
      assert.ok(withinUlp(b, [bNum, d]), `b = ${b}, trial ${trial}, row ${i}`);
      assert.ok(withinUlp(a, [aNum, n * d * den]), `a = ${a}, trial ${trial}, row ${i}`);
      assert.ok(Math.abs(b - fit.coefficients[0]) <= 2 * Number.EPSILON * Math.abs(b));
      assert.ok(
        Math.abs(a - fit.intercept) <= 2 * Number.EPSILON * Math.abs(a) || a === fit.intercept,
      );
      checked++;
    }
  }
  assert.ok(checked > 1000, `${checked} fits checked`);
});

function gcd(a: bigint, b: bigint): bigint {
  while (b !== 0n) [a, b] = [b, a % b];
  return a < 0n ? -a : a;
}

Deno.test("k = 1: the closed-form line keeps the state's zeros while x is constant", () => {
  const state = new LeastSquares(1);
  assert.deepEqual(state.fitValues(), [0, 0]);
  state.add([5], 1);
  state.add([5], 3);
  assert.deepEqual(state.fitValues(), [0, 0]);
  state.add([6], 4);
  assert.deepEqual(state.fitValues(), [-8, 2]);
  state.remove([6], 4);
  assert.deepEqual(state.fitValues(), [0, 0], "a removal back to one x is undetermined again");
  assert.equal(state.fit().determined, false);
});

/**
 * The line as the double-double operations of double_double.ts compute it, called: what
 * lib/least_squares/line.ts writes out, operation for operation.
 */
function lineByCalls(mo: Moments): [number, number] {
  const n = mo.n;
  if (n < 2) return [0, 0];
  const r = doubleDouble();
  const { sumHi, sumLo, crossHi, crossLo } = mo;
  ddDiv(r, sumHi[0], sumLo[0], n, 0);
  const [mxH, mxL] = r;
  ddDiv(r, sumHi[1], sumLo[1], n, 0);
  const [myH, myL] = r;
  ddMul(r, sumHi[0], sumLo[0], mxH, mxL);
  ddAdd(r, crossHi[0], crossLo[0], -r[0], -r[1]);
  const [cxxH, cxxL] = r;
  const noise = mo.noise(0);
  if (!(cxxH > 16 * noise) || !(Math.max(RANK_TOLERANCE, 65536 * (noise / cxxH)) < 1)) {
    return [0, 0];
  }
  ddMul(r, sumHi[0], sumLo[0], myH, myL);
  ddAdd(r, crossHi[1], crossLo[1], -r[0], -r[1]);
  ddDiv(r, r[0], r[1], cxxH, cxxL);
  const [bH, bL] = r;
  ddAdd(r, mxH, mxL, mo.shift[0], 0);
  ddMul(r, bH, bL, r[0], r[1]);
  const [bxH, bxL] = r;
  ddAdd(r, myH, myL, mo.shift[1], 0);
  ddAdd(r, r[0], r[1], -bxH, -bxL);
  return [r[0] + r[1], bH + bL];
}

Deno.test("k = 1: the written-out line gives the double-double calls' results bit for bit", () => {
  const rng = new PythonRandom(31);
  let compared = 0;
  for (let trial = 0; trial < 400; trial++) {
    const x0 = [0, 1.7e9, 1e-3, -5e5, 1e15][trial % 5];
    const scale = [1, 1e-6, 1e6, 100, 1e-12][(trial >> 3) % 5];
    const window = 2 + Math.floor(rng.random() * 50);
    const moments = new Moments(1, true);
    const line = new Line();
    const held: [number, number][] = [];
    for (let i = 0; i < 300; i++) {
      const x = x0 + scale * (rng.random() < 0.2 ? Math.floor(rng.random() * 3) : rng.random());
      const y = (rng.random() - 0.5) * 10 ** Math.floor(rng.random() * 12 - 6) + 3 * (x - x0);
      moments.update([x], y);
      held.push([x, y]);
      if (held.length > window) {
        const [ox, oy] = held.shift()!;
        moments.revert([ox], oy);
      }
      const [a, b] = line.values(moments);
      const [ea, eb] = lineByCalls(moments);
      assert.ok(Object.is(a, ea) && Object.is(b, eb), `${a},${b} vs ${ea},${eb}`);
      compared++;
    }
  }
  assert.ok(compared >= 100_000);
});
