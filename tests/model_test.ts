import assert from "node:assert/strict";
import { Fields } from "../lib/fields.ts";
import { checkModelOptions, Model, type ModelOptions } from "../lib/model.ts";
import { LeastSquares } from "../lib/least_squares.ts";
import { readNistFixture, roundedPower } from "./nist.ts";

function bound(options: ModelOptions, columns: string[]): Model {
  const model = Model.bind(options, columns);
  if (!(model instanceof Model)) throw new Error(model.problem);
  return model;
}

function problem(options: ModelOptions, columns: string[]): string {
  const model = Model.bind(options, columns);
  assert.ok(!(model instanceof Model), "expected a problem");
  return model.problem;
}

/** The design row the model reads from `values`, or why it cannot. */
function read(
  model: Model,
  values: readonly string[],
): { x: number[]; y: number } | { reason: string } {
  const fields = new Fields();
  fields.set(values);
  const design = new Float64Array(model.k + 1).fill(NaN);
  const reason = model.read(fields, design);
  if (reason !== undefined) return { reason };
  return { x: Array.from(design.subarray(0, model.k)), y: design[model.k] };
}

function fitted(model: Model, rows: string[][]): LeastSquares {
  const state = new LeastSquares(model.k, { intercept: model.intercept });
  for (const values of rows) {
    const row = read(model, values);
    if ("reason" in row) throw new Error(row.reason);
    state.add(row.x, row.y);
  }
  return state;
}

Deno.test("output columns: a,b; a,b_<feature>…; a,b1…bD; stats; no intercept", () => {
  assert.deepEqual(bound({}, ["x", "y"]).columns, ["a", "b"]);
  assert.deepEqual(bound({}, ["y", "t"]).columns, ["a", "b"]);
  assert.deepEqual(bound({}, ["x1", "y", "x2", "x3"]).columns, ["a", "b_x1", "b_x2", "b_x3"]);
  assert.deepEqual(bound({ features: ["x3", "x1"] }, ["x1", "y", "x3"]).features, ["x3", "x1"]);
  assert.deepEqual(bound({ degree: 3 }, ["x", "y"]).columns, ["a", "b1", "b2", "b3"]);
  assert.equal(bound({ degree: 3 }, ["x", "y"]).k, 3);
  assert.deepEqual(bound({ stats: true }, ["x", "y"]).columns, [
    "a",
    "b",
    "n",
    "r2",
    "se",
    "se_a",
    "se_b",
  ]);
  assert.deepEqual(bound({ target: "v", stats: true, intercept: false }, ["u", "v", "w"]).columns, [
    "b_u",
    "b_w",
    "n",
    "r2",
    "se",
    "se_b_u",
    "se_b_w",
  ]);
});

Deno.test("read: the features in order, then y; bad values name their column", () => {
  const model = bound({ target: "v", features: ["w", "u"] }, ["u", "v", "w", "note"]);
  const row = read(model, ["1.5", "-2", "3e2", "anything"]);
  assert.deepEqual(row, { x: [300, 1.5], y: -2 });
  assert.deepEqual(read(model, ["1", "2", "0x3", "n"]), {
    reason: 'column "w": "0x3" is not a decimal number',
  });
  assert.deepEqual(read(model, ["", "2", "3", "n"]), {
    reason: 'column "u": "" is not a decimal number',
  });
  assert.deepEqual(read(model, ["1", "2 ", "3", "n"]), {
    reason: 'column "v": "2 " is not a decimal number',
  });
  const range = read(model, ["1", "2", "1e200", "n"]);
  assert.match(
    "reason" in range ? range.reason : "",
    /column "w": 1e\+200 exceeds the fit's range/,
  );
  const cube = read(bound({ degree: 3 }, ["x", "y"]), ["1e60", "0"]);
  assert.match("reason" in cube ? cube.reason : "", /column "x": x\^3 = 1e\+60\^3 exceeds/);
});

Deno.test("polynomial terms are the powers of x, each rounded once", () => {
  const model = bound({ degree: 10 }, ["x", "y"]);
  // Filip's x, whose powers repeated multiplication would round up to nine times.
  const filip = readNistFixture("Filip");
  let differ = 0;
  for (const [x] of filip.x) {
    const row = read(model, [String(x), "0"]);
    assert.ok(!("reason" in row));
    let repeated = 1;
    for (let p = 1; p <= 10; p++) {
      repeated *= x;
      assert.equal(row.x[p - 1], roundedPower(x, p), `x = ${x}, power ${p}`);
      if (row.x[p - 1] !== repeated) differ++;
    }
  }
  assert.ok(differ > 0, "the test data should tell once-rounded powers from repeated products");
});

Deno.test("values: the fit, then n, r2, se and the standard errors", () => {
  const exact = bound({ stats: true }, ["x", "y"]);
  assert.deepEqual(exact.values(fitted(exact, [["0", "1"], ["1", "3"], ["2", "5"]])), [
    1,
    2,
    3,
    1,
    0,
    0,
    0,
  ]);
  // Undetermined: zeros, n counts the rows.
  assert.deepEqual(exact.values(fitted(exact, [["2", "1"], ["2", "3"]])), [0, 0, 2, 0, 0, 0, 0]);
  assert.deepEqual(exact.values(new LeastSquares(1)), [0, 0, 0, 0, 0, 0, 0]);
  // Two features, y = 1 + 2·u + 3·w exactly.
  const two = bound({}, ["u", "w", "y"]);
  const rows = [["0", "0", "1"], ["1", "0", "3"], ["0", "1", "4"], ["1", "1", "6"]];
  assert.deepEqual(two.values(fitted(two, rows)), [1, 2, 3]);
  // Through the origin: y = 2x.
  const origin = bound({ intercept: false, stats: true }, ["x", "y"]);
  assert.deepEqual(origin.values(fitted(origin, [["1", "2"], ["3", "6"]])), [2, 2, 1, 0, 0]);
});

Deno.test("Longley through the model: certified coefficients and standard errors", () => {
  const data = readNistFixture("Longley");
  const names = ["y", "x1", "x2", "x3", "x4", "x5", "x6"];
  const model = bound({ stats: true }, names);
  const state = fitted(model, data.y.map((y, i) => [String(y), ...data.x[i].map(String)]));
  const values = model.values(state);
  const p = data.parameters.length;
  const relative = (a: number, b: number) => Math.abs(a - b) / Math.abs(b);
  data.parameters.forEach((param, i) => {
    assert.ok(relative(values[i], param.estimate) < 1e-10, `${model.columns[i]}`);
    assert.ok(relative(values[p + 3 + i], param.sd) < 1e-10, `${model.columns[p + 3 + i]}`);
  });
  assert.equal(values[p], 16);
  assert.ok(relative(values[p + 1], data.rSquared) < 1e-10);
  assert.ok(relative(values[p + 2], data.residualSD) < 1e-10);
});

Deno.test("option problems are found before any column is known", () => {
  assert.equal(checkModelOptions({}), undefined);
  assert.equal(checkModelOptions({ target: "v", features: ["a", "b"] }), undefined);
  const cases: [ModelOptions, RegExp][] = [
    [{ target: "" }, /`target` must name a column/],
    [{ target: "diff" }, /"diff" is reserved for retractions.*cannot be the target/],
    [{ features: [] }, /at least one column/],
    [{ features: ["a", ""] }, /empty column name/],
    [{ features: ["a", "diff"] }, /"diff" is reserved.*cannot be a feature/],
    [{ features: ["a", "y"] }, /`features` names the target "y": a column cannot predict itself/],
    [{ target: "a", features: ["a"] }, /names the target "a"/],
    [{ features: ["a", "b", "a"] }, /`features` names "a" twice/],
    [{ degree: 0 }, /`degree` must be a whole number from 1 to 1024, not 0/],
    [{ degree: 1.5 }, /`degree` must be a whole number/],
    [{ degree: 2, features: ["a", "b"] }, /`degree` 2 fits a polynomial in one feature.*\(a,b\)/],
  ];
  for (const [options, expected] of cases) {
    assert.match(checkModelOptions(options) ?? "", expected, JSON.stringify(options));
    assert.match(problem(options, ["a", "b", "y"]), expected);
  }
});

Deno.test("column problems say which columns exist", () => {
  assert.equal(
    problem({}, ["a", "b"]),
    'the columns are a,b, with no "y" to fit: send a header naming it, or choose the target ' +
      "with `target`",
  );
  assert.equal(
    problem({ features: ["x", "z", "w"] }, ["x", "y", "note"]),
    'the columns are x,y,note, with no feature "z" or "w": choose the features among x,note ' +
      "with `features`",
  );
  assert.match(problem({}, ["y"]), /the columns are y, with no feature to fit "y" on/);
  assert.match(problem({}, ["data"]), /the columns are data, with no "y" to fit/);
  assert.match(
    problem({ degree: 2 }, ["x1", "x2", "y"]),
    /`degree` 2 fits a polynomial in one feature, choose it with `features` \(one of x1,x2\)/,
  );
});
