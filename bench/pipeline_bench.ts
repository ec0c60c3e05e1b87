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
import { Pipeline, type PipelineOptions } from "../lib/pipeline.ts";
import type { Message } from "../lib/protocol.ts";
import { PythonRandom } from "../lib/random.ts";

/** Rows per benchmark iteration. */
const ROWS = 20_000;
/** Rows per commit. */
const PER_COMMIT = 100;

function messages(k: number): { header: Message; batch: Message[] } {
  const rng = new PythonRandom(k);
  const u = () => rng.random();
  const names = Array.from({ length: k }, (_, j) => `x${j + 1}`);
  const batch: Message[] = [];
  for (let i = 0; i < ROWS; i++) {
    const x = names.map((_, j) => (j === 0 ? 1.7e9 + i : 10 * j + u()));
    const y = 3 + 1e-3 * i + x.slice(1).reduce((sum, v, j) => sum + (j + 1) * v, 0) + u();
    batch.push({ value: [...x, y].join(","), position: `t/0@${batch.length + 1}` });
    if ((i + 1) % PER_COMMIT === 0) {
      batch.push({ value: "*COMMIT*", position: `t/0@${batch.length + 1}` });
    }
  }
  return { header: { value: [...names, "y"].join(","), position: "t/0@0" }, batch };
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
        run.process([header]);
        const out = run.process(batch);
        if (out.inputRows.length !== ROWS) throw new Error("rows were lost");
      },
    );
  }
}
