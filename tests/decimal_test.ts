import assert from "node:assert/strict";
import { parseNumber, readDecimal } from "../lib/decimal.ts";
import { PythonRandom } from "../lib/random.ts";

/** The grammar, as a regular expression: what readDecimal accepts, and nothing else. */
const DECIMAL = /^[+-]?(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?$/;

/** What readDecimal must return for `text`: Number()'s value of a decimal, else NaN. */
const expected = (text: string) => DECIMAL.test(text) ? Number(text) : NaN;

const rng = new PythonRandom(17);
const below = (n: number) => Math.floor(rng.random() * n);
const digits = (n: number) => Array.from({ length: n }, () => "0123456789"[below(10)]).join("");

Deno.test("decimals read as Number() reads them: short ones on the fast path, long ones too", () => {
  for (let trial = 0; trial < 200_000; trial++) {
    const sign = ["", "", "-", "+"][below(4)];
    const whole = digits(below(12));
    const point = below(4) === 0 ? "" : ".";
    const fraction = point === "" ? "" : digits(below(trial % 2 === 0 ? 12 : 22));
    const exponent = below(3) === 0
      ? `${"eE"[below(2)]}${["", "-", "+"][below(3)]}${below(40)}`
      : "";
    const text = sign + whole + point + fraction + exponent;
    assert.ok(Object.is(readDecimal(text), expected(text)), text);
  }
  // Doubles written in shortest form (what producers print), and their neighbours' digits.
  for (let trial = 0; trial < 100_000; trial++) {
    const value = (rng.random() - 0.5) * 10 ** (below(40) - 20);
    const text = String(value);
    assert.ok(Object.is(readDecimal(text), value), text);
    const longer = value.toPrecision(1 + below(21));
    assert.ok(Object.is(readDecimal(longer), expected(longer)), longer);
  }
});

Deno.test("decimals at and around halfway between two doubles round as Number() rounds them", () => {
  // m = x + ulp(x)/2 for doubles x of 16 to 19 digits: written with a point and 1 to 3 more
  // digits, exactly halfway (ties to even) or a hair either side of it.
  let cases = 0;
  for (let trial = 0; trial < 20_000; trial++) {
    const x = BigInt(Math.floor(2 ** 53 + rng.random() * (2 ** 62 - 2 ** 53)));
    const exact = BigInt(Number(x)); // x as a double
    const ulp = 2n ** BigInt(Math.max(0, exact.toString(2).length - 53));
    const twice = 2n * exact + ulp; // 2m
    const m = `${twice / 2n}${twice % 2n === 0n ? "" : ".5"}`;
    const point = m.includes(".") ? m : `${m}.0`;
    for (const text of [point, `${point}0`, `${point}01`, `${point}99`]) {
      for (const shifted of [text, shift(text, 1 + below(3))]) {
        assert.ok(Object.is(readDecimal(shifted), Number(shifted)), shifted);
        cases++;
      }
    }
    const before = `${(twice - 1n) / 2n}.${twice % 2n === 0n ? "99" : "49"}`;
    assert.ok(Object.is(readDecimal(before), Number(before)), before);
  }
  assert.ok(cases >= 100_000);
});

/** `text` with its point moved `places` to the left (a decimal with a point, no sign). */
function shift(text: string, places: number): string {
  const [whole, fraction] = text.split(".");
  return `${whole.slice(0, -places)}.${whole.slice(-places)}${fraction}`;
}

Deno.test("a decimal is read where it stands in a longer text", () => {
  const text = "x,-12.5e-1,7.";
  assert.equal(readDecimal(text, 2, 10), -1.25);
  assert.equal(readDecimal(text, 11, 13), 7);
  assert.ok(Number.isNaN(readDecimal(text, 0, 1)));
  assert.ok(Number.isNaN(readDecimal(text, 2, 2)), "an empty field");
  assert.ok(Number.isNaN(readDecimal(text, 1, 4)), "a comma is no part of a number");
});

Deno.test("anything but the grammar is not a number, whatever Number() makes of it", () => {
  const pieces = ["0", "1", "9", ".", "e", "E", "-", "+", " ", "x", "_", "٣", "\t", "Infinity"];
  for (let trial = 0; trial < 200_000; trial++) {
    const text = Array.from({ length: below(7) }, () => pieces[below(pieces.length)]).join("");
    assert.ok(Object.is(readDecimal(text), expected(text)), JSON.stringify(text));
  }
  for (const text of ["1e99999999999999999999", "-1e400", "0e99999", "1e-400", "-0", "-0.0"]) {
    assert.ok(Object.is(readDecimal(text), Number(text)), text);
  }
});

Deno.test("numbers are parsed strictly", () => {
  for (
    const [text, value] of [["0", 0], ["-1.5", -1.5], ["+2.", 2], [".5", 0.5], ["1e3", 1000], [
      "1.5E-3",
      0.0015,
    ], ["0.06888437030500963", 0.06888437030500963]] as const
  ) {
    assert.equal(parseNumber(text), value, text);
  }
  for (
    const text of [
      "",
      " ",
      " 1",
      "1 ",
      "0x10",
      "NaN",
      "Infinity",
      "-Infinity",
      "1e400",
      "1,5",
      "1e",
      "e5",
      ".",
      "1_000",
      "٣",
    ]
  ) {
    const result = parseNumber(text);
    assert.equal(typeof result, "object", `${JSON.stringify(text)} parsed as ${String(result)}`);
  }
  assert.match((parseNumber("1e400") as { reason: string }).reason, /overflows/);
  assert.match((parseNumber("0x10") as { reason: string }).reason, /not a decimal number/);
});

Deno.test("mantissas at 2^53 and just past it are read as Number() reads them", () => {
  // 2^53 + 1 gathered digit by digit rounds to 2^53 exactly: the fast path must not take it.
  for (let m = 2n ** 53n - 2n; m <= 2n ** 53n + 3n; m++) {
    const digits = m.toString();
    for (let e = -22; e <= 22; e++) {
      for (const text of [`${digits}e${e}`, `-${digits.slice(0, 7)}.${digits.slice(7)}e${e}`]) {
        assert.ok(Object.is(readDecimal(text), Number(text)), text);
      }
    }
  }
});
