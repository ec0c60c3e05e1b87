import assert from "node:assert/strict";
import { FILE_SIZES_BYTES, fileSizes, withFileSizes } from "../lib/checkpoint.ts";

Deno.test("file sizes travel in the checkpoint beside the pipeline's fields", () => {
  const text = '{"v":2,"commits":5,"header":["x","y"]}';
  const sizes = { input: 123, output: 4567, errors: null };
  const combined = withFileSizes(text, sizes);
  assert.deepEqual(JSON.parse(combined), { v: 2, commits: 5, header: ["x", "y"], files: sizes });
  assert.deepEqual(fileSizes(combined), sizes);
});

Deno.test("the sizes add at most FILE_SIZES_BYTES, even for files of many gigabytes", () => {
  const text = '{"v":2}';
  const big = Number.MAX_SAFE_INTEGER;
  const added = withFileSizes(text, { input: big, output: big, errors: big }).length - text.length;
  assert.ok(added <= FILE_SIZES_BYTES, `${added} bytes`);
});

Deno.test("checkpoints without valid sizes have none: the files are kept whole", () => {
  assert.equal(fileSizes('{"v":2}'), undefined);
  assert.equal(fileSizes("not json"), undefined);
  assert.equal(fileSizes('{"files":{"input":-1,"output":0,"errors":0}}'), undefined);
  assert.equal(fileSizes('{"files":{"input":1.5,"output":0,"errors":0}}'), undefined);
  assert.equal(fileSizes('{"files":[1,2,3]}'), undefined);
});
