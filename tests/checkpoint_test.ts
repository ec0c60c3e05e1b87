import assert from "node:assert/strict";
import {
  type CheckpointData,
  decodeCheckpoint,
  encodeCheckpoint,
  withWriter,
  writerBytes,
} from "../lib/checkpoint.ts";

const data: CheckpointData = {
  v: 3,
  header: ["x", "y"],
  model: "y on x",
  time: 5,
  rows: 5,
  fitted: true,
  partition: { commits: 5, rows: 5, state: null, absorb: false },
};

Deno.test("the writer's part travels in the checkpoint beside the pipeline's fields", () => {
  const sizes = { input: 123, output: 4567, errors: null };
  const combined = withWriter(encodeCheckpoint(data), "/data/in.csv", sizes);
  assert.deepEqual(decodeCheckpoint(combined), { ...data, writer: "/data/in.csv", files: sizes });
});

Deno.test("the writer's part adds at most writerBytes, even for files of many gigabytes", () => {
  const text = encodeCheckpoint(data);
  const big = Number.MAX_SAFE_INTEGER;
  const writer = "/a/path/with/ünïcode/in.csv";
  const added = new TextEncoder().encode(withWriter(text, writer, {
    input: big,
    output: big,
    errors: big,
  })).length - new TextEncoder().encode(text).length;
  assert.ok(added <= writerBytes(writer), `${added} bytes`);
});

Deno.test("checkpoints of another version or with damaged sizes are refused, saying why", () => {
  assert.match(problemOf("not json"), /not JSON/);
  assert.match(problemOf('{"v":2,"commits":3}'), /not one of this version/);
  const text = encodeCheckpoint(data);
  assert.match(problemOf(withWriter(text, "w", { input: -1, output: 0, errors: 0 })), /damaged/);
  assert.match(problemOf(withWriter(text, "w", { input: 1.5, output: 0, errors: 0 })), /damaged/);
});

function problemOf(text: string): string {
  const decoded = decodeCheckpoint(text);
  return "problem" in decoded ? decoded.problem : "no problem";
}
