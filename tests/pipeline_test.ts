import assert from "node:assert/strict";
import type { ChangeRow } from "../lib/changelog.ts";
import { decodeCheckpoint } from "../lib/checkpoint.ts";
import { Pipeline } from "../lib/pipeline.ts";
import { messageBatch } from "../lib/message_batch.ts";
import { LeastSquares } from "../lib/least_squares.ts";
import type { WindowSpec } from "../lib/window.ts";
import { autocommitted, feed, finished, processed } from "./feed.ts";

Deno.test("rows count only once a commit follows; time is the commit number", () => {
  const run = new Pipeline({ format: "csv" });
  const first = feed(run, ["x,y", "0,1", "1,3"]);
  assert.deepEqual(first.columns, ["x", "y"]);
  assert.deepEqual(first.inputRows, []);
  assert.deepEqual(first.changes, []);
  assert.equal(run.counts.pending, 2);
  const second = feed(run, ["*COMMIT*", "2,5", "*COMMIT*", "*COMMIT*"]);
  assert.deepEqual(second.inputRows, [
    { values: ["0", "1"], time: 0, diff: 1 },
    { values: ["1", "3"], time: 0, diff: 1 },
    { values: ["2", "5"], time: 1, diff: 1 },
  ]);
  // Time 0 fits (0,1),(1,3): a = 1, b = 2; (2,5) lies on the same line, so time 1 and the empty
  // commit at time 2 change nothing.
  assert.deepEqual(second.changes, [{ values: [1, 2], time: 0, diff: 1 }]);
  assert.deepEqual(run.counts, { rows: 3, commits: 3, errors: 0, pending: 0 });
});

Deno.test("bad rows become errors and the good rows of the same commit still count", () => {
  const run = new Pipeline({ format: "csv" });
  const out = feed(run, ["x,y", "0,1", "1,abc", "1,2,3", "0x1,1", "2,5", "*COMMIT*"]);
  assert.deepEqual(out.errors, [
    { position: "line 3", reason: 'column "y": "abc" is not a decimal number', raw: "1,abc" },
    { position: "line 4", reason: "expected 2 fields (x,y), got 3", raw: "1,2,3" },
    { position: "line 5", reason: 'column "x": "0x1" is not a decimal number', raw: "0x1,1" },
  ]);
  assert.equal(out.inputRows.length, 2);
  assert.deepEqual(out.changes, [{ values: [1, 2], time: 0, diff: 1 }]);
  assert.deepEqual(run.counts, { rows: 2, commits: 1, errors: 3, pending: 0 });
});

Deno.test("rows left without a commit at the end are reported, not silently dropped", () => {
  const run = new Pipeline({ format: "csv" });
  feed(run, ["x,y", "0,1", "*COMMIT*", "5,6"]);
  const end = finished(run);
  assert.equal(end.errors.length, 1);
  assert.equal(end.errors[0].raw, "5,6");
  assert.match(end.errors[0].reason, /no \*COMMIT\* followed/);
  assert.equal(run.counts.pending, 0);
});

Deno.test("a header without the fit's columns stops the run with a fatal reason", () => {
  const run = new Pipeline({ format: "csv" });
  const out = feed(run, ["a,b", "1,2", "*COMMIT*"]);
  assert.match(run.fatal ?? "", /at line 1: the columns are a,b, with no "y" to fit/);
  assert.deepEqual(out.inputRows, []);
  assert.deepEqual(feed(run, ["1,2", "*COMMIT*"]).inputRows, []);
});

Deno.test("other columns can be chosen; raw input is refused at once", () => {
  const run = new Pipeline({ format: "csv", model: { target: "v", features: ["t"] } });
  const out = feed(run, ["v,t,note", "1,0,a", "3,1,b", "*COMMIT*"]);
  assert.deepEqual(out.changes, [{ values: [1, 2], time: 0, diff: 1 }]);
  assert.deepEqual(run.outputColumns, ["a", "b"]);
  assert.match(new Pipeline({ format: "raw" }).fatal ?? "", /columns are data, with no "y"/);
  const bad = new Pipeline({ format: "csv", model: { features: ["x", "y"] } });
  assert.match(bad.fatal ?? "", /at start: `features` names the target "y"/);
});

Deno.test("json rows fit the same as csv rows", () => {
  const run = new Pipeline({ format: "json" });
  const out = feed(run, ['{"x":0,"y":1}', '{"y":3,"x":1}', "*COMMIT*"]);
  assert.deepEqual(out.changes, [{ values: [1, 2], time: 0, diff: 1 }]);
  assert.deepEqual(out.inputRows[1], { values: ["1", "3"], time: 0, diff: 1 });
});

/** Messages of one partition at consecutive offsets from `from`. */
const at = (partition: number, from: number, ...values: string[]) =>
  messageBatch(values, { partition, firstOffset: from, origin: `t/${partition}@` });

/** Restores `run` from a checkpoint's text as a resuming shell does; returns the problem. */
function restore(run: Pipeline, text: string, partition = 0, offset?: number) {
  const data = decodeCheckpoint(text);
  if ("problem" in data) return data.problem;
  return run.resume(data) ?? run.restore(partition, data, offset);
}

Deno.test("ackOffset: everything before it is accounted for, never a pending row", () => {
  const run = new Pipeline({ format: "csv" });
  processed(run, [at(0, 0, "x,y", "0,1")]);
  assert.equal(run.ackOffset(0), 1); // the header is accounted for; the row is pending
  processed(run, [at(0, 2, "*COMMIT*", "1,2", "*COMMIT*", "5,5")]);
  assert.equal(run.ackOffset(0), 5);
  processed(run, [at(0, 6, "*COMMIT*", "oops")]);
  assert.equal(run.ackOffset(0), 8); // an error with nothing pending is accounted for
  const json = new Pipeline({ format: "json" });
  processed(json, [at(0, 0, '{"x":0,"y":1}', "*COMMIT*")]);
  assert.equal(json.ackOffset(0), 2);
});

Deno.test("an error after pending rows is written when they are closed, not before", () => {
  const run = new Pipeline({ format: "csv" });
  processed(run, [at(0, 0, "x,y", "0,1")]);
  const bad = processed(run, [at(0, 2, "nope")]);
  assert.deepEqual(bad.errors, []); // held back: a restart from the ack offset reads it again
  assert.equal(run.ackOffset(0), 1);
  const closed = processed(run, [at(0, 3, "*COMMIT*")]);
  assert.equal(closed.errors.length, 1);
  assert.equal(run.ackOffset(0), 4);
});

Deno.test("a message at an offset already taken is skipped: a redelivery never counts twice", () => {
  const run = new Pipeline({ format: "csv" });
  const first = processed(run, [at(0, 0, "x,y", "0,1", "*COMMIT*", "1,3")]);
  assert.equal(first.inputRows.length, 1);
  // kafkajs delivers again from the committed offset (3) after a rebalance.
  const again = processed(run, [at(0, 3, "1,3", "*COMMIT*")]);
  assert.deepEqual(again.notes, [{ kind: "redelivered", partition: 0, messages: 1 }]);
  assert.deepEqual(again.inputRows, [{ values: ["1", "3"], time: 1, diff: 1 }]);
  assert.deepEqual(run.counts, { rows: 2, commits: 2, errors: 0, pending: 0 });
});

Deno.test("maxCommits stops at the commit that reaches it", () => {
  const run = new Pipeline({ format: "csv", maxCommits: 2 });
  const out = processed(run, [
    at(0, 0, "x,y", "0,1", "*COMMIT*", "1,3", "*COMMIT*", "2,9", "*COMMIT*"),
  ]);
  assert.equal(run.ackOffset(0), 5);
  assert.equal(out.inputRows.length, 2);
  assert.ok(run.done);
  assert.deepEqual(run.counts, { rows: 2, commits: 2, errors: 0, pending: 0 });
});

Deno.test("autocommit closes pending rows as *COMMIT* would; the *COMMIT* after it is absorbed", () => {
  const run = new Pipeline({ format: "csv" });
  feed(run, ["x,y", "0,1", "1,3"]);
  const out = autocommitted(run, 0);
  assert.deepEqual(out.changes, [{ values: [1, 2], time: 0, diff: 1 }]);
  assert.equal(out.inputRows.length, 2);
  assert.deepEqual(autocommitted(run, 0).changes, []);
  // The *COMMIT* that was meant to close those rows finds nothing: it is no commit of its own.
  feed(run, ["*COMMIT*", "2,5", "*COMMIT*"]);
  assert.deepEqual(run.counts, { rows: 3, commits: 2, errors: 0, pending: 0 });
});

Deno.test("a run resumed from a checkpoint continues exactly as one run", () => {
  const all = ["x,y", "0,1", "*COMMIT*", "1,3.5", "*COMMIT*", "2,4", "*COMMIT*", "3,8", "*COMMIT*"];
  const whole = new Pipeline({ format: "csv" });
  const expected = feed(whole, [...all]);

  const first = new Pipeline({ format: "csv" });
  const a = feed(first, [...all.slice(0, 5)]);
  const written = first.checkpoint(0);
  assert.ok("text" in written && written.text.length < 1000);
  const checkpoint = written.text;
  const second = new Pipeline({ format: "csv" });
  assert.equal(restore(second, checkpoint), undefined);
  const b = feed(second, [...all.slice(5)]);
  assert.deepEqual([...a.changes, ...b.changes], expected.changes);
  assert.deepEqual([...a.inputRows, ...b.inputRows], expected.inputRows);
  assert.deepEqual(second.counts, whole.counts);

  assert.match(restore(new Pipeline({ format: "csv" }), "nonsense") ?? "", /not JSON/);
  assert.match(restore(new Pipeline({ format: "csv" }), "{}") ?? "", /not one of this version/);
  assert.match(
    restore(new Pipeline({ format: "csv", model: { target: "t" } }), checkpoint) ?? "",
    /no "t" to fit/,
  );
});

// ---------------------------------------------------------------------------------------------
// Models, statistics, retractions and windows

/** The values of the last change row inserted. */
function lastFit(changes: readonly ChangeRow[]): readonly number[] {
  const inserted = changes.filter((c) => c.diff === 1);
  assert.ok(inserted.length > 0, "no change row inserted");
  return inserted[inserted.length - 1].values;
}

function assertClose(actual: readonly number[], expected: readonly number[], relative = 1e-12) {
  assert.equal(actual.length, expected.length, `${actual} vs ${expected}`);
  actual.forEach((v, i) => {
    const e = expected[i];
    const error = e === 0 ? Math.abs(v) : Math.abs(v - e) / Math.abs(e);
    assert.ok(error <= relative, `[${i}]: ${v} vs ${e} (${error})`);
  });
}

/** The fit of `rows` ([x…, y]) by a fresh state, as model.values would report it. */
function freshFit(rows: readonly (readonly number[])[], k: number, stats = false): number[] {
  const s = new LeastSquares(k);
  for (const r of rows) s.add(r.slice(0, k), r[k]);
  const f = s.fit();
  const out = [f.intercept, ...f.coefficients];
  if (!stats) return out;
  const t = s.stats();
  return [...out, t.n, t.r2, t.se, t.seIntercept, ...t.seCoefficients];
}

Deno.test("several features: a then b_<feature>; zeros while undetermined", () => {
  const run = new Pipeline({ format: "csv" });
  // y = 1 + 2u + 3w; the column order of the input does not matter.
  const out = feed(run, [
    "w,y,u",
    "0,1,0",
    "0,3,1",
    "*COMMIT*", // two rows, three unknowns: undetermined
    "0,5,2",
    "*COMMIT*", // w is constant so far: undetermined
    "1,4,0",
    "*COMMIT*",
  ]);
  assert.deepEqual(run.outputColumns, ["a", "b_w", "b_u"]);
  assert.deepEqual(out.changes.slice(0, 1), [{ values: [0, 0, 0], time: 0, diff: 1 }]);
  assert.equal(out.changes.filter((c) => c.time === 1).length, 0);
  assert.deepEqual(out.changes.slice(1).map((c) => [c.time, c.diff]), [[2, -1], [2, 1]]);
  assertClose(lastFit(out.changes), [1, 3, 2]);
});

Deno.test("--degree: a, b1 … bD of a polynomial in the one feature", () => {
  const run = new Pipeline({ format: "json", model: { degree: 2 } });
  // y = 1 − x + 0.5x²
  const points = [-2, -1, 0, 1, 2, 3].map((x) => `{"x":${x},"y":${1 - x + 0.5 * x * x}}`);
  const out = feed(run, [...points, "*COMMIT*"]);
  assert.deepEqual(run.outputColumns, ["a", "b1", "b2"]);
  assertClose(lastFit(out.changes), [1, -1, 0.5]);
  const many = new Pipeline({ format: "csv", model: { degree: 2 } });
  feed(many, ["x1,x2,y"]);
  assert.match(many.fatal ?? "", /`degree` 2 fits a polynomial in one feature/);
});

Deno.test("--stats: n, r2, se and the standard errors, as a fresh state computes them", () => {
  const run = new Pipeline({ format: "csv", model: { stats: true } });
  const rows = [[0, 1.5], [1, 2.25], [2, 4.5], [3, 4.75], [4, 7]];
  const out = feed(run, ["x,y", ...rows.map((r) => r.join(",")), "*COMMIT*"]);
  assert.deepEqual(run.outputColumns, ["a", "b", "n", "r2", "se", "se_a", "se_b"]);
  assert.deepEqual(lastFit(out.changes), freshFit(rows, 1, true));
  // By hand: x̄ = 2, ȳ = 4, Sxx = 10, Sxy = 13.5, SST = 19.125, so b = 1.35, a = 1.3,
  // SSE = SST − b·Sxy = 0.9, se = √(0.9/3), se_b = se/√Sxx.
  const [a, b, n, r2, se, , seB] = lastFit(out.changes);
  assertClose([a, b, n, r2, se, seB], [
    1.3,
    1.35,
    5,
    1 - 0.9 / 19.125,
    Math.sqrt(0.3),
    Math.sqrt(0.03),
  ]);
});

Deno.test("json retractions: the exact inverse of the insertion; below zero is an error", () => {
  const run = new Pipeline({ format: "json" });
  const out = feed(run, [
    '{"x":0,"y":1,"diff":-1}', // nothing to retract
    "*COMMIT*",
    '{"x":0,"y":1}',
    '{"x":1,"y":3}',
    '{"x":0.1,"y":77.7}',
    "*COMMIT*",
    '{"diff":-1,"y":77.7,"x":0.1}',
    "*COMMIT*",
    '{"x":0,"y":1,"diff":-1}',
    '{"x":1,"y":3,"diff":-1}',
    '{"x":5,"y":5,"diff":-1}', // the state is empty again: refused
    "*COMMIT*",
  ]);
  assert.deepEqual(out.columns, ["x", "y"]);
  assert.deepEqual(out.errors.map((e) => e.position), ["line 1", "line 11"]);
  assert.match(out.errors[0].reason, /retraction while the fit holds no row/);
  assert.match(out.errors[0].reason, /can only tell that nothing is left to retract/);
  assert.deepEqual(out.inputRows.map((r) => [r.values.join(","), r.time, r.diff]), [
    ["0,1", 1, 1],
    ["1,3", 1, 1],
    ["0.1,77.7", 1, 1],
    ["0.1,77.7", 2, -1],
    ["0,1", 3, -1],
    ["1,3", 3, -1],
  ]);
  // After the retraction the fit is the line through (0,1),(1,3) again; after removing every
  // row it is exactly the undetermined fit.
  const byTime = (t: number) => out.changes.filter((c) => c.time === t && c.diff === 1);
  assert.deepEqual(byTime(2)[0].values, [1, 2]);
  assert.deepEqual(byTime(3)[0].values, [0, 0]);
  assert.deepEqual(run.counts, { rows: 6, commits: 4, errors: 2, pending: 0 });
});

Deno.test("a count window: every commit's fit is a fresh fit of the window's rows", () => {
  const W = 5;
  const run = new Pipeline({ format: "csv", window: { rows: W }, model: { stats: true } });
  feed(run, ["x,y"]);
  const rows: number[][] = [];
  let state = 7;
  const next = () => (state = (state * 48271) % 2147483647) / 2147483647;
  for (let commit = 0; commit < 30; commit++) {
    const batch: string[] = [];
    for (let i = 0; i < commit % 4; i++) {
      const x = 1.7e9 + rows.length;
      rows.push([x, 3 + 0.5 * (x - 1.7e9) + next()]);
      batch.push(rows[rows.length - 1].join(","));
    }
    const out = feed(run, [...batch, "*COMMIT*"]);
    const expected = freshFit(rows.slice(-W), 1, true);
    if (out.changes.length > 0) assertClose(lastFit(out.changes), expected);
    else assert.equal(batch.length, 0, `commit ${commit} changed no fit`);
  }
});

Deno.test("a time window: rows leave by timestamp; when all left, exactly the empty fit", () => {
  const run = new Pipeline({ format: "csv", window: { ms: 1000 }, model: { stats: true } });
  const first = feed(run, [
    "x,y",
    "0,1",
    "1,3",
    "*COMMIT*",
    "2,7", // (0,1) leaves at this commit: 0 ≤ 1300 − 1000
    "*COMMIT*",
    "3,3", // no timestamp: refused
    "*COMMIT*",
  ], [0, 0, 500, 600, 1200, 1300, NaN, 1400]);
  assert.deepEqual(
    lastFit(first.changes.filter((c) => c.time === 0)),
    freshFit([[0, 1], [1, 3]], 1, true),
  );
  assert.deepEqual(lastFit(first.changes), freshFit([[1, 3], [2, 7]], 1, true));
  assert.deepEqual(first.errors.map((e) => e.position), ["line 7"]);
  assert.match(first.errors[0].reason, /no timestamp, which a time window needs/);
  // Every row leaves: the fit is exactly the undetermined one, and what follows is bit for bit
  // what a fresh run computes.
  const empty = feed(run, ["*COMMIT*"], [5000]);
  assert.deepEqual(lastFit(empty.changes), [0, 0, 0, 0, 0, 0, 0]);
  const later = ["0.1,0.7", "0.3,0.2", "0.7,0.9"];
  const again = feed(run, [...later, "*COMMIT*"], [5100, 5100, 5100, 5200]);
  const fresh = new Pipeline({ format: "csv", model: { stats: true } });
  const expected = feed(fresh, ["x,y", ...later, "*COMMIT*"]);
  assert.deepEqual(lastFit(again.changes), lastFit(expected.changes));
});

Deno.test("a window: a retraction takes the row out of the window, or is an error", () => {
  const run = new Pipeline({ format: "csv", window: { rows: 3 } });
  const out = feed(run, [
    "x,y,diff",
    "0,1,1",
    "1,3,1",
    "2,9,1",
    "*COMMIT*",
    "2,9,-1", // in the window: removed from it and from the fit
    "*COMMIT*",
    "4,9,1",
    "5,12,1", // (0,1) leaves
    "*COMMIT*",
    "0,1,-1", // has left the window: error, nothing changes
    "*COMMIT*",
  ]);
  const fits = out.changes.filter((c) => c.diff === 1).map((c) => [c.time, c.values]);
  assert.deepEqual(fits[1], [1, [1, 2]]);
  assertClose(fits[2][1] as number[], freshFit([[1, 3], [4, 9], [5, 12]], 1));
  assert.equal(fits.length, 3);
  assert.deepEqual(out.errors.map((e) => e.position), ["line 11"]);
  assert.match(out.errors[0].reason, /not in the window/);
  // The window is 3 rows after the retraction: (1,3),(4,9),(5,11) — (2,9) is not counted twice.
  assert.deepEqual(run.counts, { rows: 6, commits: 4, errors: 1, pending: 0 });
});

Deno.test("a long window run does not drift from a fresh fit of its rows", () => {
  // 300 000 rows at x ≈ 1.7e9 through a window of 1 000 rows, committed 1 000 at a time:
  // 299 000 removals. The last fit must equal a fresh fit of the last 1 000 rows.
  const W = 1000;
  const run = new Pipeline({ format: "csv", window: { rows: W }, model: { stats: true } });
  feed(run, ["x,y"]);
  const rows: number[][] = [];
  let seed = 3;
  const next = () => (seed = (seed * 48271) % 2147483647) / 2147483647;
  let last: ChangeRow[] = [];
  for (let commit = 0; commit < 300; commit++) {
    const batch: string[] = [];
    for (let i = 0; i < W; i++) {
      const t = rows.length;
      const row = [1.7e9 + t, 5 + 2.5e-4 * t + (next() - 0.5)];
      rows.push(row);
      batch.push(`${row[0]},${row[1]}`);
    }
    batch.push("*COMMIT*");
    last = feed(run, batch).changes;
  }
  assertClose(lastFit(last), freshFit(rows.slice(-W), 1, true), 1e-12);
});

Deno.test("random rows, retractions and late stamps: every fit is that of the window's rows", () => {
  // A reference window over plain arrays (rows in time order, the last N or those later than
  // clock − MS staying, a retraction taking the newest equal row) beside the pipeline's.
  let seed = 11;
  const next = () => (seed = (seed * 48271) % 2147483647) / 2147483647;
  const int = (n: number) => Math.floor(next() * n);
  const windows: WindowSpec[] = [{ rows: 4 }, { rows: 60 }, { ms: 40 }, { ms: 900 }];
  for (const window of windows) {
    const run = new Pipeline({ format: "csv", window, model: { stats: true } });
    feed(run, ["u,w,y,diff"], [0]);
    let inside: { row: number[]; t: number }[] = [];
    const sent: number[][] = [];
    let clock = 0;
    let errors = 0;
    for (let commit = 0; commit < 400; commit++) {
      const lines: string[] = [];
      const stamps: number[] = [];
      for (let i = int(5); i > 0; i--) {
        clock += int(10);
        const t = int(5) === 0 ? clock - int(200) : clock;
        if (int(4) === 0 && sent.length > 0) {
          const row = sent[sent.length - 1 - int(Math.min(sent.length, 80))];
          lines.push(`${row.join(",")},-1`);
          let at = inside.length - 1;
          while (at >= 0 && inside[at].row.some((v, j) => v !== row[j])) at--;
          if (at < 0) errors++;
          else inside.splice(at, 1);
        } else {
          const row = [int(3), int(3) + int(2) / 2, int(4)]; // few values: duplicates inside
          sent.push(row);
          lines.push(`${row.join(",")},1`);
          let at = inside.length;
          if ("ms" in window) { while (at > 0 && inside[at - 1].t > t) at--; }
          inside.splice(at, 0, { row, t });
        }
        stamps.push(t);
      }
      const out = feed(run, [...lines, "*COMMIT*"], [...stamps, clock]);
      inside = "rows" in window
        ? inside.slice(-window.rows)
        : inside.filter((r) => r.t > clock - window.ms);
      // Small numbers, so an absolute tolerance too: an exact fit's zero comes out as ±1e-32.
      const expected = freshFit(inside.map((r) => r.row), 2, true);
      const actual = out.changes.length > 0 ? lastFit(out.changes) : run.fit ?? expected;
      assert.equal(actual.length, expected.length);
      actual.forEach((v, i) => {
        const e = expected[i];
        assert.ok(Math.abs(v - e) <= 1e-9 * Math.max(1, Math.abs(e)), `${commit}: ${v} vs ${e}`);
      });
    }
    assert.ok(errors > 0, "some retractions come after their row left");
    assert.equal(run.counts.errors, errors, `${JSON.stringify(window)}: refused retractions`);
  }
});

Deno.test("checkpoints: none with a window, none beyond the size limit; other options refused", () => {
  const windowed = new Pipeline({ format: "csv", window: { rows: 10 } });
  feed(windowed, ["x,y", "0,1", "*COMMIT*"]);
  const refused = windowed.checkpoint(0);
  assert.ok("problem" in refused);
  assert.match(refused.problem, /a window of the last 10 rows needs its rows to resume/);

  const plain = new Pipeline({ format: "csv" });
  feed(plain, ["x,y", "0,1", "1,3", "*COMMIT*"]);
  const written = plain.checkpoint(0);
  assert.ok("text" in written);
  assert.match(
    restore(new Pipeline({ format: "csv", window: { ms: 60_000 } }), written.text) ?? "",
    /a window of the last 60000 ms needs its rows to resume/,
  );
  assert.match(
    restore(new Pipeline({ format: "csv", model: { stats: true } }), written.text) ?? "",
    /a run that fitted y on x; this run fits y on x with statistics: run with the same options/,
  );
  assert.match(restore(new Pipeline({ format: "csv" }), '{"v":1,"columns":[]}') ?? "", /version/);

  // 16 features: the exact state takes more than Kafka's 4096 bytes.
  const names = Array.from({ length: 16 }, (_, j) => `x${j}`);
  const wide = new Pipeline({ format: "csv" });
  feed(wide, [[...names, "y"].join(","), names.map(() => "1").join(",") + ",2", "*COMMIT*"]);
  const tooBig = wide.checkpoint(0);
  assert.ok("problem" in tooBig);
  assert.match(tooBig.problem, /16 coefficients takes \d+ bytes, more than the 4096/);
  // 15 features fit, and resume exactly.
  const fifteen = names.slice(1);
  const all = [
    [...fifteen, "y"].join(","),
    ...Array.from(
      { length: 40 },
      (_, i) => [...fifteen.map((_, j) => Math.sin(i * (j + 1))), i].join(","),
    ),
  ];
  const whole = feed(new Pipeline({ format: "csv" }), [
    ...all.slice(0, 21),
    "*COMMIT*",
    ...all.slice(21),
    "*COMMIT*",
  ]);
  const first = new Pipeline({ format: "csv" });
  feed(first, [...all.slice(0, 21), "*COMMIT*"]);
  const fits = first.checkpoint(0);
  assert.ok("text" in fits, "problem" in fits ? fits.problem : "");
  const second = new Pipeline({ format: "csv" });
  assert.equal(restore(second, fits.text), undefined);
  const rest = feed(second, [...all.slice(21), "*COMMIT*"]);
  assert.deepEqual(lastFit(rest.changes), lastFit(whole.changes));
});
