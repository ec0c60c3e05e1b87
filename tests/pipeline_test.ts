import assert from "node:assert/strict";
import { Pipeline } from "../lib/pipeline.ts";
import type { Message } from "../lib/protocol.ts";

const messages = (...values: string[]): Message[] =>
  values.map((value, i) => ({ value, position: `line ${i + 1}` }));

Deno.test("rows count only once a commit follows; time is the commit number", () => {
  const run = new Pipeline({ format: "csv" });
  const first = run.process(messages("x,y", "0,1", "1,3"));
  assert.deepEqual(first.columns, ["x", "y"]);
  assert.deepEqual(first.inputRows, []);
  assert.deepEqual(first.changes, []);
  assert.equal(run.counts.pending, 2);
  const second = run.process(messages("*COMMIT*", "2,5", "*COMMIT*", "*COMMIT*"));
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
  const out = run.process(messages("x,y", "0,1", "1,abc", "1,2,3", "0x1,1", "2,5", "*COMMIT*"));
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
  run.process(messages("x,y", "0,1", "*COMMIT*", "5,6"));
  const end = run.finish();
  assert.equal(end.errors.length, 1);
  assert.equal(end.errors[0].raw, "5,6");
  assert.match(end.errors[0].reason, /no \*COMMIT\* followed/);
  assert.equal(run.counts.pending, 0);
});

Deno.test("a header without the fit's columns stops the run with a fatal reason", () => {
  const run = new Pipeline({ format: "csv" });
  const out = run.process(messages("a,b", "1,2", "*COMMIT*"));
  assert.match(run.fatal ?? "", /at line 1: the columns are a,b, with no "x" or "y" to fit/);
  assert.deepEqual(out.inputRows, []);
  assert.deepEqual(run.process(messages("1,2", "*COMMIT*")).inputRows, []);
});

Deno.test("other columns can be chosen; raw input is refused at once", () => {
  const run = new Pipeline({ format: "csv", x: "t", y: "v" });
  const out = run.process(messages("v,t,note", "1,0,a", "3,1,b", "*COMMIT*"));
  assert.deepEqual(out.changes, [{ values: [1, 2], time: 0, diff: 1 }]);
  assert.match(new Pipeline({ format: "raw" }).fatal ?? "", /columns are data, with no "x" or "y"/);
});

Deno.test("json rows fit the same as csv rows", () => {
  const run = new Pipeline({ format: "json" });
  const out = run.process(messages('{"x":0,"y":1}', '{"y":3,"x":1}', "*COMMIT*"));
  assert.deepEqual(out.changes, [{ values: [1, 2], time: 0, diff: 1 }]);
  assert.deepEqual(out.inputRows[1], { values: ["1", "3"], time: 0, diff: 1 });
});

Deno.test("lastCommitIndex points at the batch's last *COMMIT*", () => {
  const run = new Pipeline({ format: "csv" });
  assert.equal(run.process(messages("x,y", "0,1")).lastCommitIndex, -1);
  assert.equal(run.process(messages("*COMMIT*", "1,2", "*COMMIT*", "5,5")).lastCommitIndex, 2);
  const json = new Pipeline({ format: "json" });
  assert.equal(json.process(messages('{"x":0,"y":1}', "*COMMIT*")).lastCommitIndex, 1);
});

Deno.test("maxCommits stops at the commit that reaches it", () => {
  const run = new Pipeline({ format: "csv", maxCommits: 2 });
  const out = run.process(messages("x,y", "0,1", "*COMMIT*", "1,3", "*COMMIT*", "2,9", "*COMMIT*"));
  assert.equal(out.lastCommitIndex, 4);
  assert.equal(out.inputRows.length, 2);
  assert.ok(run.done);
  assert.deepEqual(run.counts, { rows: 2, commits: 2, errors: 0, pending: 0 });
});

Deno.test("commitPending closes pending rows as *COMMIT* would", () => {
  const run = new Pipeline({ format: "csv" });
  run.process(messages("x,y", "0,1", "1,3"));
  const out = run.commitPending();
  assert.deepEqual(out.changes, [{ values: [1, 2], time: 0, diff: 1 }]);
  assert.equal(out.inputRows.length, 2);
  assert.deepEqual(run.commitPending().changes, []);
});

Deno.test("a run resumed from a checkpoint continues exactly as one run", () => {
  const all = ["x,y", "0,1", "*COMMIT*", "1,3.5", "*COMMIT*", "2,4", "*COMMIT*", "3,8", "*COMMIT*"];
  const whole = new Pipeline({ format: "csv" });
  const expected = whole.process(messages(...all));

  const first = new Pipeline({ format: "csv" });
  const a = first.process(messages(...all.slice(0, 5)));
  const checkpoint = first.checkpoint();
  assert.ok(checkpoint !== undefined && checkpoint.length < 1000);
  const second = new Pipeline({ format: "csv" });
  assert.equal(second.restore(checkpoint), undefined);
  const b = second.process(messages(...all.slice(5)));
  assert.deepEqual([...a.changes, ...b.changes], expected.changes);
  assert.deepEqual([...a.inputRows, ...b.inputRows], expected.inputRows);
  assert.deepEqual(second.counts, whole.counts);

  assert.match(new Pipeline({ format: "csv" }).restore("nonsense") ?? "", /not JSON/);
  assert.match(new Pipeline({ format: "csv" }).restore("{}") ?? "", /not one of this version/);
  assert.match(
    new Pipeline({ format: "csv", x: "t" }).restore(checkpoint) ?? "",
    /no "t" to fit/,
  );
});
