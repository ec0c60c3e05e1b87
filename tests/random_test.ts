import assert from "node:assert/strict";
import { PythonRandom } from "../lib/random.ts";

// Values printed by CPython 3.11: random.seed(s); [random.random() for _ in range(3)], then
// the 2004th value.
const PYTHON: Record<number, [number[], number]> = {
  0: [[0.8444218515250481, 0.7579544029403025, 0.420571580830845], 0.1844749658973861],
  1: [[0.13436424411240122, 0.8474337369372327, 0.763774618976614], 0.1735232013605318],
  42: [[0.6394267984578837, 0.025010755222666936, 0.27502931836911926], 0.3005009537574196],
  [-7]: [[0.32383276483316237, 0.15084917392450192, 0.6509344730398537], 0.2734331088382701],
  [2 ** 32 + 5]: [
    [0.15727238718789782, 0.2824866316461999, 0.6044540318498407],
    0.8436324429791868,
  ],
};

Deno.test("random() reproduces Python's random.seed(n); random.random()", () => {
  for (const [seed, [first, later]] of Object.entries(PYTHON)) {
    const rng = new PythonRandom(Number(seed));
    assert.deepEqual([rng.random(), rng.random(), rng.random()], first, `seed ${seed}`);
    for (let i = 0; i < 2000; i++) rng.random();
    assert.equal(rng.random(), later, `seed ${seed}, value 2004`);
  }
});

Deno.test("random() agrees with the python3 on this machine, when there is one", async (t) => {
  const script =
    "import random\nrandom.seed(123)\nprint(repr([random.random() for _ in range(700)]))";
  let output;
  try {
    output = await new Deno.Command("python3", {
      args: ["-c", script],
      signal: AbortSignal.timeout(60_000),
    }).output();
  } catch {
    t.step("python3 absent: skipped", () => {});
    return;
  }
  const expected = JSON.parse(new TextDecoder().decode(output.stdout)) as number[];
  const rng = new PythonRandom(123);
  assert.deepEqual(expected.map(() => rng.random()), expected);
});

Deno.test("seeds beyond 2^53 are refused", () => {
  assert.throws(() => new PythonRandom(2 ** 60), RangeError);
  assert.throws(() => new PythonRandom(0.5), RangeError);
});
