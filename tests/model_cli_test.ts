/**
 * main.ts with the model and window flags, end to end through `--from` files: NIST StRD datasets
 * streamed one row per commit (graded against the certified values), retractions, windows and
 * the usage errors of the new flags.
 */

import assert from "node:assert/strict";
import { parse } from "csv-parse/sync";
import { deno, inDir, sh } from "./cli.ts";
import { lre, type NistName, readNistFixture } from "./nist.ts";

const MAIN = deno("main.ts");

/** The rows of a CSV text, by column name. */
const rowsOf = (text: string) => parse(text, { columns: true }) as Record<string, string>[];

/**
 * Streams a NIST dataset through main.ts, one row per commit, and grades the last fit of the
 * change stream: the smallest LRE over the certified coefficients, their standard deviations,
 * the residual standard deviation and R².
 */
async function streamNist(
  name: NistName,
  format: "csv" | "json",
  flags: string,
): Promise<{ lre: number; columns: string[]; n: number; stderr: string }> {
  const data = readNistFixture(name);
  const columns = ["y", ...data.x[0].map((_, j) => data.degree ? "x" : `x${j + 1}`)];
  const lines = data.y.map((y, i) => [y, ...data.x[i]]).map((values) =>
    format === "csv"
      ? values.join(",")
      : JSON.stringify(Object.fromEntries(columns.map((c, j) => [c, values[j]])))
  );
  const text = [...(format === "csv" ? [columns.join(",")] : []), ...lines]
    .map((line, i) => i === 0 && format === "csv" ? line : `${line}\n*COMMIT*`)
    .join("\n") + "\n";
  return await inDir(async (dir) => {
    await Deno.writeTextFile(`${dir}/stream.txt`, text);
    const ran = await sh(
      `${MAIN} --from stream.txt --format ${format} --stats ${flags} --output -`,
      dir,
    );
    assert.equal(ran.code, 0, ran.stderr);
    const rows = rowsOf(ran.stdout);
    const last = rows[rows.length - 1];
    assert.equal(last.diff, "1");
    assert.equal(Number(last.time), data.observations - 1);
    const coefficientColumns = Object.keys(last).slice(0, data.parameters.length);
    const scores = data.parameters.flatMap((p, i) => [
      lre(Number(last[coefficientColumns[i]]), p.estimate),
      lre(Number(last[`se_${coefficientColumns[i]}`]), p.sd),
    ]);
    scores.push(lre(Number(last.se), data.residualSD), lre(Number(last.r2), data.rSquared));
    return {
      lre: Math.min(...scores),
      columns: Object.keys(last),
      n: Number(last.n),
      stderr: ran.stderr,
    };
  });
}

Deno.test("NIST Longley (6 features), one row per commit, --stats: LRE ≥ 10", async () => {
  const graded = await streamNist("Longley", "csv", "");
  assert.deepEqual(graded.columns, [
    "a",
    ...["b_x1", "b_x2", "b_x3", "b_x4", "b_x5", "b_x6"],
    "n",
    "r2",
    "se",
    "se_a",
    ...["se_b_x1", "se_b_x2", "se_b_x3", "se_b_x4", "se_b_x5", "se_b_x6"],
    "time",
    "diff",
  ]);
  assert.equal(graded.n, 16);
  assert.ok(graded.lre >= 10, `Longley: LRE ${graded.lre}`);
});

Deno.test("NIST Pontius, JSON, --degree 2 --stats: LRE ≥ 12", async () => {
  const graded = await streamNist("Pontius", "json", "--degree 2");
  assert.deepEqual(graded.columns.slice(0, 3), ["a", "b1", "b2"]);
  assert.ok(graded.lre >= 12, `Pontius: LRE ${graded.lre}`);
});

Deno.test("NIST NoInt1, --no-intercept --stats: LRE ≥ 12", async () => {
  const graded = await streamNist("NoInt1", "csv", "--no-intercept");
  assert.deepEqual(graded.columns, ["b", "n", "r2", "se", "se_b", "time", "diff"]);
  assert.ok(graded.lre >= 12, `NoInt1: LRE ${graded.lre}`);
});

Deno.test("csv retractions: logged with diff -1; one below zero is an error, nothing changes", async () => {
  await inDir(async (dir) => {
    await Deno.writeTextFile(
      `${dir}/in.csv`,
      [
        "x,diff,y",
        "5,-1,5", // nothing to retract yet
        "*COMMIT*",
        "0,1,1",
        "1,1,3",
        "2,1,9",
        "*COMMIT*",
        "2,-1,9",
        "*COMMIT*",
        "0,-1,1",
        "1,-1,3",
        "*COMMIT*",
        "7,7,7",
        "*COMMIT*",
      ].join("\n") + "\n",
    );
    const ran = await sh(`${MAIN} --from in.csv --output -`, dir);
    assert.equal(ran.code, 0, ran.stderr);
    assert.match(ran.stderr, /6 rows, 5 commits, 2 errors/);
    // Time 1: three points; time 2: (2,9) retracted, the line through (0,1),(1,3); time 3: empty.
    const stream = rowsOf(ran.stdout);
    assert.deepEqual(stream.map((r) => `${r.time}/${r.diff}`), [
      "0/1",
      "1/-1",
      "1/1",
      "2/-1",
      "2/1",
      "3/-1",
      "3/1",
    ]);
    assert.deepEqual([stream[0].a, stream[0].b], ["0", "0"]);
    assert.deepEqual([stream[4].a, stream[4].b], ["1", "2"]);
    assert.deepEqual([stream[6].a, stream[6].b], ["0", "0"]);
    assert.equal(
      await Deno.readTextFile(`${dir}/regression_input.csv`),
      'x,y,time,diff\n"0","1",1,1\n"1","3",1,1\n"2","9",1,1\n"2","9",2,-1\n"0","1",3,-1\n' +
        '"1","3",3,-1\n',
    );
    const errors = rowsOf(await Deno.readTextFile(`${dir}/regression_errors.csv`));
    assert.equal(errors.length, 2);
    assert.equal(errors[0].position, "in.csv:2");
    assert.match(errors[0].reason, /retraction while the fit holds no row: the count would go/);
    assert.equal(errors[0].raw, "5,-1,5");
    assert.equal(errors[1].position, "in.csv:13");
    assert.match(errors[1].reason, /column "diff": "7" is not 1 \(insert\) or -1 \(retract\)/);
  });
});

Deno.test("--window: the fit of the last N rows, as rows leave", async () => {
  await inDir(async (dir) => {
    // y = 1 + 2x, then a point off the line; the window of 2 forgets the line one row at a time.
    await Deno.writeTextFile(
      `${dir}/in.jsonl`,
      [
        '{"x":0,"y":1}',
        '{"x":1,"y":3}',
        "*COMMIT*",
        '{"x":2,"y":7}',
        "*COMMIT*",
        '{"x":2,"y":7,"diff":-1}',
        "*COMMIT*",
        '{"x":3,"y":5}',
        "*COMMIT*",
        '{"x":0,"y":1,"diff":-1}',
        "*COMMIT*",
      ].join("\n") + "\n",
    );
    const ran = await sh(`${MAIN} --from in.jsonl --format json --window 2 --output -`, dir);
    assert.equal(ran.code, 0, ran.stderr);
    assert.equal(
      ran.stdout,
      "a,b,time,diff\n1,2,0,1\n" + // (0,1),(1,3)
        "1,2,1,-1\n-1,4,1,1\n" + // (1,3),(2,7)
        "-1,4,2,-1\n0,0,2,1\n" + // (1,3): one point
        "0,0,3,-1\n2,1,3,1\n", // (1,3),(3,5)
    );
    const errors = rowsOf(await Deno.readTextFile(`${dir}/regression_errors.csv`));
    assert.equal(errors.length, 1);
    assert.equal(errors[0].position, "in.jsonl:10");
    assert.match(errors[0].reason, /not in the window \(it has left the window, or was never/);
  });
});

Deno.test("usage errors of the model and window flags", async () => {
  const cases: [string, RegExp][] = [
    ["--features x,y", /--features names the target "y"/],
    ["--features x,x", /--features names "x" twice/],
    ["--target diff", /"diff" is reserved for retractions/],
    ["--degree 0", /--degree must be a whole number from 1/],
    ["--degree 2 --features a,b", /--degree 2 fits a polynomial in one feature/],
    ["--window 0", /--window must be at least 1/],
    ["--window 5 --window-ms 100", /--window and --window-ms cannot be combined/],
    ["--window-ms 1.5", /--window-ms must be a whole number/],
    ["--x t", /unknown option '--x'/],
  ];
  const ran = await Promise.all(cases.map(([flags]) => sh(`${MAIN} --from - ${flags}`)));
  ran.forEach((r, i) => {
    assert.equal(r.code, 2, `${cases[i][0]}: ${r.stderr}`);
    assert.match(r.stderr, cases[i][1]);
  });
  const help = await sh(`${MAIN} --help`);
  for (
    const flag of ["--target", "--features", "--degree", "--stats", "--window N", "--window-ms"]
  ) {
    assert.ok(help.stdout.includes(flag), flag);
  }
});
