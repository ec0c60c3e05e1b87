/**
 * Benchmarks of the pure core: point updates of the regression state, decoded messages of the
 * protocol, and the article's stream (each row followed by `*COMMIT*`) through the pipeline and
 * through the pipeline and the files' text (the UTF-8 bytes a sink writes): the per-message work
 * of a `--from` run.
 */

import { messageBatch } from "../lib/message_batch.ts";
import type { Output } from "../lib/output.ts";
import { OutputText } from "../lib/output_text.ts";
import { Pipeline } from "../lib/pipeline.ts";
import { Decoder } from "../lib/protocol.ts";
import { LeastSquares } from "../lib/least_squares.ts";

const N = 100_000;
const xs = Float64Array.from({ length: N }, (_, i) => 1.7e9 + i);
const ys = Float64Array.from({ length: N }, (_, i) => 2 + 0.5 * i + Math.sin(i));
const values: string[] = [];
for (let i = 0; i < N / 2; i++) values.push(`${i},${ys[i]}`, "*COMMIT*");
/** The messages in batches of 4096, as a file source hands them over. */
const batches = Array.from(
  { length: Math.ceil(values.length / 4096) },
  (_, b) => messageBatch(values.slice(4096 * b, 4096 * (b + 1)), { firstOffset: 1 + 4096 * b }),
);
const header = messageBatch(["x,y"]);
const row = new Float64Array(1);
const old = new Float64Array(1);
/** An output that keeps nothing. */
const nowhere: Output = { header() {}, row() {}, change() {}, error() {}, note() {} };

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
  decoder.decode("x,y");
  for (const value of values) decoder.decode(value);
});

Deno.bench(`pipeline: ${N} csv messages, rows and commits`, { group: "messages" }, () => {
  const run = new Pipeline({ format: "csv" });
  run.process([header, ...batches], 0, nowhere);
});

Deno.bench(`pipeline + files' text (UTF-8): ${N} messages`, { group: "messages" }, () => {
  const run = new Pipeline({ format: "csv" });
  const text = new OutputText({ format: "csv" });
  text.headers(true, true);
  run.process([header], 0, text);
  for (const batch of batches) {
    run.process([batch], 0, text);
    text.take(); // the UTF-8 bytes a sink writes
  }
});
