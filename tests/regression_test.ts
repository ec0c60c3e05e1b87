import assert from "node:assert/strict";
import { EmptyRegressionError, Regression, UNDETERMINED } from "../lib/regression.ts";
import { PythonRandom } from "../lib/random.ts";

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

function stateOf(points: readonly Point[]): Regression {
  const r = new Regression();
  for (const [x, y] of points) r.add(x, y);
  return r;
}

function randomPoints(seed: number, n: number, x0 = 0, xScale = 100): Point[] {
  const rng = new PythonRandom(seed);
  return Array.from({ length: n }, () => {
    const x = x0 + rng.random() * xScale;
    return [x, 3 - 0.25 * (x - x0) + rng.random()];
  });
}

function assertClose(actual: number, expected: number, relative: number, what: string) {
  const error = Math.abs(actual - expected) / Math.max(Math.abs(expected), Number.MIN_VALUE);
  assert.ok(error <= relative, `${what}: ${actual} vs ${expected}, relative error ${error}`);
}

Deno.test("the fit equals two-pass least squares on random data", () => {
  for (let seed = 1; seed <= 20; seed++) {
    const points = randomPoints(seed, 2 + seed * 7);
    const expected = twoPass(points);
    const fit = stateOf(points).fit();
    assertClose(fit.b, expected.b, 1e-12, `slope, seed ${seed}`);
    assertClose(fit.a, expected.a, 1e-12, `intercept, seed ${seed}`);
  }
});

Deno.test("x near 1.7e9 (epoch seconds) keeps the slope to 10 significant digits", () => {
  // Exact data on the line y = 2 + 0.5·(x − x0): the slope is 0.5 exactly.
  const x0 = 1.7e9;
  const exact: Point[] = Array.from({ length: 1000 }, (_, i) => [x0 + i, 2 + 0.5 * i]);
  assertClose(stateOf(exact).fit().b, 0.5, 1e-10, "slope of exact line");
  // Noisy data, against the two-pass reference.
  const points = randomPoints(7, 5000, x0, 3600);
  assertClose(stateOf(points).fit().b, twoPass(points).b, 1e-10, "slope of noisy data");
  // The raw-sums formula fails here; the test would catch a state that used it.
  const n = exact.length;
  const [sx, sy, sxx, sxy] = exact.reduce(
    ([a, b, c, d], [x, y]) => [a + x, b + y, c + x * x, d + x * y],
    [0, 0, 0, 0],
  );
  const naive = (n * sxy - sx * sy) / (n * sxx - sx * sx);
  assert.ok(Math.abs(naive - 0.5) > 1e-6, `raw sums unexpectedly accurate: ${naive}`);
});

Deno.test("add then remove restores the state", () => {
  const points = randomPoints(3, 200);
  const base = stateOf(points.slice(0, 100));
  const r = stateOf(points.slice(0, 100));
  for (const [x, y] of points.slice(100)) r.add(x, y);
  for (const [x, y] of points.slice(100).reverse()) r.remove(x, y);
  assert.equal(r.count, base.count);
  assertClose(r.fit().b, base.fit().b, 1e-12, "slope");
  assertClose(r.fit().a, base.fit().a, 1e-12, "intercept");
  assertClose(r.cxx, base.cxx, 1e-12, "cxx");
});

Deno.test("removing every point gives exactly the empty state", () => {
  const points = randomPoints(4, 50);
  const r = stateOf(points);
  for (const [x, y] of points) r.remove(x, y);
  assert.deepEqual({ ...r }, { ...new Regression() });
  assert.deepEqual(r.fit(), UNDETERMINED);
});

Deno.test("removing from an empty state is refused", () => {
  assert.throws(() => new Regression().remove(1, 2), EmptyRegressionError);
});

Deno.test("merging two halves equals one pass", () => {
  for (const seed of [5, 6, 7]) {
    const points = randomPoints(seed, 301, seed === 7 ? 1.7e9 : 0);
    const left = stateOf(points.slice(0, 120));
    left.merge(stateOf(points.slice(120)));
    const whole = stateOf(points);
    assert.equal(left.count, whole.count);
    assertClose(left.fit().b, whole.fit().b, 1e-12, "slope");
    assertClose(left.fit().a, whole.fit().a, 1e-12, "intercept");
    assertClose(left.cyy, whole.cyy, 1e-12, "cyy");
  }
  const empty = new Regression();
  empty.merge(stateOf([[1, 2], [3, 5]]));
  assert.deepEqual(empty.fit(), { a: 0.5, b: 1.5 });
});

Deno.test("fewer than two distinct x: a = 0, b = 0, as the reference", () => {
  assert.deepEqual(new Regression().fit(), UNDETERMINED);
  assert.deepEqual(stateOf([[1, 5]]).fit(), UNDETERMINED);
  assert.deepEqual(stateOf([[2, 5], [2, 7], [2, -1]]).fit(), UNDETERMINED);
  const r = stateOf([[2, 5], [3, 7]]);
  r.remove(3, 7);
  assert.deepEqual(r.fit(), UNDETERMINED);
  assert.deepEqual(stateOf([[2, 5], [3, 7]]).fit(), { a: 1, b: 2 });
});
