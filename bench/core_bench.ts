/**
 * Benchmarks of the pure core: point updates of the regression state, decoded messages of the
 * protocol, and whole messages through the pipeline and the CSV formatting.
 */

import { changeLines, inputLines } from "../lib/csv_rows.ts";
import { Pipeline } from "../lib/pipeline.ts";
import { Decoder, type Message } from "../lib/protocol.ts";
import { LeastSquares } from "../lib/least_squares.ts";

const N = 100_000;
const xs = Float64Array.from({ length: N }, (_, i) => 1.7e9 + i);
const ys = Float64Array.from({ length: N }, (_, i) => 2 + 0.5 * i + Math.sin(i));
const batch: Message[] = [];
for (let i = 0; i < N / 2; i++) {
  batch.push({ value: `${i},${ys[i]}`, position: `t/0@${2 * i + 1}` });
  batch.push({ value: "*COMMIT*", position: `t/0@${2 * i + 2}` });
}
const header: Message = { value: "x,y", position: "t/0@0" };
const row = new Float64Array(1);
const old = new Float64Array(1);

Deno.bench(`regression: ${N} add()`, { group: "state", baseline: true }, () => {
  const r = new LeastSquares(1);
  for (let i = 0; i < N; i++) {
    row[0] = xs[i];
    r.add(row, ys[i]);
  }
});

Deno.bench(`regression: ${N} add() + fit()`, { group: "state" }, () => {
  const r = new LeastSquares(1);
  for (let i = 0; i < N; i++) {
    row[0] = xs[i];
    r.add(row, ys[i]);
    r.fit();
  }
});

Deno.bench(`regression: ${N} add() + remove() (sliding window of 1000)`, { group: "state" }, () => {
  const r = new LeastSquares(1);
  for (let i = 0; i < N; i++) {
    row[0] = xs[i];
    r.add(row, ys[i]);
    old[0] = xs[i - 1000];
    if (i >= 1000) r.remove(old, ys[i - 1000]);
  }
});

Deno.bench(`protocol: decode ${N} csv messages`, { group: "messages", baseline: true }, () => {
  const decoder = new Decoder({ format: "csv" });
  decoder.decode([header]);
  decoder.decode(batch);
});

Deno.bench(`pipeline: ${N} csv messages, rows and commits`, { group: "messages" }, () => {
  const run = new Pipeline({ format: "csv" });
  run.process([header]);
  run.process(batch);
});

Deno.bench(`pipeline + csv text: ${N} messages`, { group: "messages" }, () => {
  const run = new Pipeline({ format: "csv" });
  run.process([header]);
  const out = run.process(batch);
  inputLines(out.inputRows);
  changeLines(out.changes);
});
