import assert from "node:assert/strict";
import { Changelog } from "../lib/changelog.ts";
import { OutputRows } from "../lib/output.ts";

Deno.test("the first value is inserted, later changes retract then insert, no change is silent", () => {
  const log = new Changelog();
  assert.equal(log.current, undefined);
  const next = (values: number[], time: number) => {
    const out = new OutputRows();
    log.next(values, time, out);
    return out.changes;
  };
  assert.deepEqual(next([0, 0], 0), [{ values: [0, 0], time: 0, diff: 1 }]);
  assert.deepEqual(next([0, 0], 1), []);
  assert.deepEqual(next([1, 2], 2), [
    { values: [0, 0], time: 2, diff: -1 },
    { values: [1, 2], time: 2, diff: 1 },
  ]);
  assert.deepEqual(next([1, 2.0000000000000004], 3), [
    { values: [1, 2], time: 3, diff: -1 },
    { values: [1, 2.0000000000000004], time: 3, diff: 1 },
  ]);
  assert.deepEqual(log.current, [1, 2.0000000000000004]);
});
