import assert from "node:assert/strict";
import {
  ddAdd,
  ddDiv,
  ddMul,
  ddSqrt,
  doubleDouble,
  MAX_MAGNITUDE,
  roundedPower,
  split,
  twoProduct,
  twoSum,
} from "../lib/least_squares/double_double.ts";
import { PythonRandom } from "../lib/random.ts";
import { doubleParts } from "./exact.ts";

// ---------------------------------------------------------------------------------------------
// Exact arithmetic: every double is m·2^e with integers m and e ≥ −1074; a fixed-point BigInt of
// unit 2^SHIFT holds sums of doubles, and of products of two doubles, exactly.

/** v·2^-shift as an exact BigInt (shift at most the exponent of v's last bit). */
function fixed(v: number, shift: number): bigint {
  const [m, e] = doubleParts(v);
  if (m === 0n) return 0n;
  assert.ok(e >= shift, `${v} has bits below 2^${shift}`);
  return m << BigInt(e - shift);
}

/** a·b·2^-shift exactly. */
function product(a: number, b: number, shift: number): bigint {
  const [ma, ea] = doubleParts(a);
  const [mb, eb] = doubleParts(b);
  if (ma === 0n || mb === 0n) return 0n;
  assert.ok(ea + eb >= shift);
  return (ma * mb) << BigInt(ea + eb - shift);
}

function abs(v: bigint): bigint {
  return v < 0n ? -v : v;
}

/** The number of significant bits of a double's mantissa (0 for zero). */
function significantBits(v: number): number {
  let [m] = doubleParts(v);
  m = abs(m);
  if (m === 0n) return 0;
  while ((m & 1n) === 0n) m >>= 1n;
  return m.toString(2).length;
}

/** A double of random sign, 53 random bits and an exponent in [lo, hi]. */
function randomDouble(rng: PythonRandom, lo: number, hi: number): number {
  const mantissa = 1 + rng.random();
  const exponent = lo + Math.floor(rng.random() * (hi - lo + 1));
  return (rng.random() < 0.5 ? -1 : 1) * mantissa * 2 ** exponent;
}

const SHIFT = -2200; // below the last bit of any product of two doubles of exponent ≥ −1000

// ---------------------------------------------------------------------------------------------

Deno.test("twoSum: hi is the rounded sum and hi + lo = a + b exactly", () => {
  const rng = new PythonRandom(1);
  const r = doubleDouble();
  for (let i = 0; i < 5000; i++) {
    const a = randomDouble(rng, -60, 60);
    const b = i % 3 === 0 ? -a * (1 + 2 ** -40) : randomDouble(rng, -60, 60);
    twoSum(r, a, b);
    assert.equal(r[0], a + b);
    assert.equal(fixed(r[0], -200) + fixed(r[1], -200), fixed(a, -200) + fixed(b, -200));
    assert.ok(Math.abs(r[1]) <= Math.abs(r[0]) * 2 ** -53, "lo within half an ulp of hi");
  }
});

Deno.test("split: two halves of at most 26 bits that sum to the value", () => {
  const rng = new PythonRandom(2);
  const r = doubleDouble();
  for (let i = 0; i < 5000; i++) {
    const a = randomDouble(rng, -500, 500);
    split(r, a);
    assert.equal(fixed(r[0], -1074) + fixed(r[1], -1074), fixed(a, -1074));
    assert.ok(significantBits(r[0]) <= 26 && significantBits(r[1]) <= 26, `${a}`);
  }
});

Deno.test("twoProduct: hi is the rounded product and hi + lo = a·b exactly", () => {
  const rng = new PythonRandom(3);
  const r = doubleDouble();
  for (let i = 0; i < 5000; i++) {
    const a = randomDouble(rng, -480, 480);
    const b = randomDouble(rng, -480, 480);
    twoProduct(r, a, b);
    assert.equal(r[0], a * b);
    assert.equal(fixed(r[0], SHIFT) + fixed(r[1], SHIFT), product(a, b, SHIFT), `${a} · ${b}`);
  }
  // At the ends of the accepted range: MAX_MAGNITUDE² and the squares of odd mantissas.
  twoProduct(r, MAX_MAGNITUDE, -MAX_MAGNITUDE);
  assert.deepEqual(Array.from(r), [-(2 ** 960), 0]);
  const odd = 1 + 2 ** -52; // (1 + 2^-52)² = 1 + 2^-51 + 2^-104
  twoProduct(r, odd, odd);
  assert.deepEqual(Array.from(r), [1 + 2 ** -51, 2 ** -104]);
});

/** |(hi + lo) − exact| ≤ ulps·2^-104·|exact|, exact a fixed-point BigInt of unit 2^SHIFT. */
function assertClose(r: Float64Array, exact: bigint, ulps: number, what: string): void {
  const got = fixed(r[0], SHIFT) + fixed(r[1], SHIFT);
  const bound = abs(exact) * BigInt(ulps) >> 104n;
  assert.ok(abs(got - exact) <= bound, `${what}: off by ${abs(got - exact)} > ${bound}`);
}

Deno.test("ddAdd and ddMul: within a few 2^-104 of the exact sum and product", () => {
  const rng = new PythonRandom(4);
  const r = doubleDouble();
  for (let i = 0; i < 3000; i++) {
    const ah = randomDouble(rng, -100, 100);
    const al = ah * 2 ** -54 * rng.random();
    const bh = i % 4 === 0 ? -ah * (1 + 2 ** -30 * rng.random()) : randomDouble(rng, -100, 100);
    const bl = bh * 2 ** -54 * rng.random();
    ddAdd(r, ah, al, bh, bl);
    const sum = fixed(ah, SHIFT) + fixed(al, SHIFT) + fixed(bh, SHIFT) + fixed(bl, SHIFT);
    // Accurate addition: relative to the sum, even under cancellation (a little slack for the
    // lo parts' own rounding when the hi parts cancel).
    const got = fixed(r[0], SHIFT) + fixed(r[1], SHIFT);
    const bound = (abs(sum) * 3n >> 104n) +
      ((abs(fixed(al, SHIFT)) + abs(fixed(bl, SHIFT))) >> 52n);
    assert.ok(abs(got - sum) <= bound, `ddAdd ${ah} ${al} ${bh} ${bl}`);

    ddMul(r, ah, al, bh, bl);
    const prod = product(ah, bh, SHIFT) + product(ah, bl, SHIFT) + product(al, bh, SHIFT) +
      product(al, bl, SHIFT);
    assertClose(r, prod, 8, `ddMul ${ah} ${al} ${bh} ${bl}`);
  }
});

Deno.test("ddDiv and ddSqrt: the quotient times the divisor, the root squared, come back", () => {
  const rng = new PythonRandom(5);
  const r = doubleDouble();
  const q = doubleDouble();
  for (let i = 0; i < 3000; i++) {
    const ah = randomDouble(rng, -200, 200);
    const al = ah * 2 ** -54 * rng.random();
    const bh = randomDouble(rng, -200, 200);
    const bl = bh * 2 ** -54 * rng.random();
    ddDiv(q, ah, al, bh, bl);
    assert.equal(q[0], q[0] + q[1], "normalised");
    // (q·b)·2^-SHIFT, exactly, against a·2^-SHIFT: relative error of the quotient.
    const qb = product(q[0], bh, SHIFT) + product(q[0], bl, SHIFT) + product(q[1], bh, SHIFT) +
      product(q[1], bl, SHIFT);
    const a = fixed(ah, SHIFT) + fixed(al, SHIFT);
    assert.ok(abs(qb - a) <= (abs(a) * 8n >> 104n), `ddDiv ${ah} ${al} / ${bh} ${bl}`);

    const v = Math.abs(ah);
    const vl = Math.abs(al);
    ddSqrt(r, v, vl);
    const square = product(r[0], r[0], SHIFT) + 2n * product(r[0], r[1], SHIFT) +
      product(r[1], r[1], SHIFT);
    const target = fixed(v, SHIFT) + fixed(vl, SHIFT);
    assert.ok(abs(square - target) <= (target * 8n >> 104n), `ddSqrt ${v} ${vl}`);
  }
  ddSqrt(r, 0, 0);
  assert.deepEqual(Array.from(r), [0, 0]);
  ddDiv(r, 6, 0, 3, 0);
  assert.deepEqual(Array.from(r), [2, 0]);
});

Deno.test("roundedPower: x^p rounded once to the nearest double", () => {
  const rng = new PythonRandom(6);
  let checked = 0;
  for (let i = 0; i < 400; i++) {
    const x = randomDouble(rng, -8, 8);
    for (let p = 1; p <= 10; p++) {
      const v = roundedPower(x, p);
      // Exact x^p = m^p·2^(e·p); |v − x^p| ≤ ulp(v)/2 with ulp(v) = 2^(exponent of v's last bit).
      const [m, e] = doubleParts(x);
      const [vm, ve] = doubleParts(v);
      const unit = Math.min(e * p, ve - 1);
      const exact = m ** BigInt(p) << BigInt(e * p - unit);
      const got = vm << BigInt(ve - unit);
      const halfUlp = 1n << BigInt(ve - 1 - unit);
      assert.ok(abs(got - exact) <= halfUlp, `${x}^${p} = ${v}`);
      checked++;
    }
  }
  assert.equal(checked, 4000);
  assert.equal(roundedPower(1.3, 3), 2.197);
  assert.equal(roundedPower(-2, 5), -32);
  // Past MAX_MAGNITUDE the chain stops at the first power beyond it.
  assert.equal(roundedPower(2 ** 300, 3), 2 ** 600);
});
