import assert from "node:assert/strict";
import { consumerLag } from "../lib/consumer_lag.ts";
import { fitText, shortNumber } from "../lib/fit_text.ts";
import { RateMeter } from "../lib/rate.ts";
import { countOf, formatRate, progressLine, statusLine, summaryLine } from "../lib/status_line.ts";

Deno.test("summary line: plurals agree with their numbers", () => {
  assert.equal(summaryLine({ rows: 1, commits: 1, errors: 0 }), "1 row, 1 commit, 0 errors");
  assert.equal(summaryLine({ rows: 0, commits: 0, errors: 1 }), "0 rows, 0 commits, 1 error");
  assert.equal(summaryLine({ rows: 2, commits: 3, errors: 4 }), "2 rows, 3 commits, 4 errors");
  assert.equal(countOf(1, "batch", "batches"), "1 batch");
});

Deno.test("rates are decimal below 100 rows/s and never 0 at 1 row/s", () => {
  assert.equal(formatRate(1), "1.0");
  assert.equal(formatRate(0.999), "0.999");
  assert.equal(formatRate(0.25), "0.25");
  assert.equal(formatRate(7.04), "7.04");
  assert.equal(formatRate(99.94), "99.9");
  assert.equal(formatRate(99.96), "100");
  assert.equal(formatRate(250_000.4), "250000");
  assert.equal(
    progressLine({ rows: 10, commits: 10, errors: 0 }, 1),
    "10 rows, 10 commits, 0 errors (1.0 rows/s)",
  );
});

Deno.test("a rate meter at one row a second reads 1.0, however often it is sampled", () => {
  const meter = new RateMeter(3000);
  let rows = 0;
  const seen: string[] = [];
  for (let t = 0; t <= 10_000; t += 250) {
    if (t % 1000 === 0 && t > 0) rows++;
    meter.sample(t, rows);
    if (t >= 4000) seen.push(formatRate(meter.rate ?? NaN));
  }
  for (const r of seen) assert.ok(Number(r) >= 0.75 && Number(r) <= 1.34, r);
  assert.ok(seen.every((r) => r !== "0.0"));
  // Idle: the rate falls to 0 once the span holds no new row.
  for (let t = 10_250; t <= 14_000; t += 250) meter.sample(t, rows);
  assert.equal(meter.rate, 0);
});

Deno.test("status line: rate, counts, lag per partition and the fit, cut to the width", () => {
  const facts = {
    counts: { rows: 1, commits: 1, errors: 0 },
    rate: 0.5,
    lag: consumerLag(new Map([[0, 12], [1, 5]]), new Map([[0, 3]])),
    fit: { columns: ["a", "b", "n", "r2", "se", "se_a", "se_b"], values: [1, 2, 10, 0.5, 1, 1, 1] },
  };
  assert.equal(
    statusLine(facts),
    "0.5 rows/s │ 1 row, 1 commit, 0 errors │ lag p0 8, p1 5 │ a = 1, b = 2, n = 10, r2 = 0.5",
  );
  const cut = statusLine(facts, 30);
  assert.equal([...cut].length, 30);
  assert.ok(cut.endsWith("…"));
  // Unknown parts are left out.
  assert.equal(
    statusLine({ counts: { rows: 0, commits: 0, errors: 0 } }),
    "0 rows, 0 commits, 0 errors",
  );
});

Deno.test("fit text: four significant digits, statistics but n and r2 hidden", () => {
  assert.equal(shortNumber(0.025599999), "0.0256");
  assert.equal(shortNumber(1e-7), "1e-7");
  assert.equal(shortNumber(-0.5), "-0.5");
  assert.equal(fitText(["b_x1", "b_x2"], [1.23456, -2]), "b_x1 = 1.235, b_x2 = -2");
});
