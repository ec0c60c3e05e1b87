/**
 * Rows per second through the whole pure core — decoding CSV messages, reading the design row,
 * updating the least-squares state (and the window), fitting and the change rows — for k = 1, 4
 * and 16 features, over every row and over a sliding window of 1 000 rows. A `*COMMIT*` follows
 * every 100 rows, so each benchmark also solves the fit ROWS/100 times.
 *
 * Run: deno bench bench/pipeline_bench.ts
 *
 * @module
 */
import { type MessageBatch, messageBatch } from "../lib/message_batch.ts";
import type { Output } from "../lib/output.ts";
import { Pipeline, type PipelineOptions } from "../lib/pipeline.ts";
import { PythonRandom } from "../lib/random.ts";

/** Rows per benchmark iteration. */
const ROWS = 20_000;
/** Rows per commit. */
const PER_COMMIT = 100;

function messages(k: number): { header: MessageBatch; batch: MessageBatch } {
  const rng = new PythonRandom(k);
  const u = () => rng.random();
  const names = Array.from({ length: k }, (_, j) => `x${j + 1}`);
  const batch: string[] = [];
  for (let i = 0; i < ROWS; i++) {
    const x = names.map((_, j) => (j === 0 ? 1.7e9 + i : 10 * j + u()));
    const y = 3 + 1e-3 * i + x.slice(1).reduce((sum, v, j) => sum + (j + 1) * v, 0) + u();
    batch.push([...x, y].join(","));
    if ((i + 1) % PER_COMMIT === 0) batch.push("*COMMIT*");
  }
  return {
    header: messageBatch([[...names, "y"].join(",")]),
    batch: messageBatch(batch, { firstOffset: 1 }),
  };
}

for (const k of [1, 4, 16]) {
  const { header, batch } = messages(k);
  const cases: [string, PipelineOptions][] = [
    ["every row", { format: "csv" }],
    ["window of 1000 rows", { format: "csv", window: { rows: 1000 } }],
  ];
  for (const [label, options] of cases) {
    Deno.bench(
      `pipeline, k=${k}, ${label} (${ROWS} rows/iter)`,
      { group: `pipeline k=${k}`, baseline: label === "every row" },
      () => {
        const run = new Pipeline(options);
        let rows = 0;
        const out: Output = { header() {}, row: () => rows++, change() {}, error() {}, note() {} };
        run.process([header, batch], 0, out);
        if (rows !== ROWS) throw new Error("rows were lost");
      },
    );
  }
}
