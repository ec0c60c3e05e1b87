/**
 * The pipeline over several partitions, and the determinism of its commits: whatever the batches,
 * the interleaving of partitions or the restarts, the same messages give the same fit.
 */

import assert from "node:assert/strict";
import { decodeCheckpoint } from "../lib/checkpoint.ts";
import type { ChangeRow } from "../lib/changelog.ts";
import { type MessageBatch, messageBatch, sliceBatch } from "../lib/message_batch.ts";
import type { OutputRows } from "../lib/output.ts";
import { Pipeline, type PipelineOptions } from "../lib/pipeline.ts";
import { PythonRandom } from "../lib/random.ts";
import { autocommitted, finished, processed } from "./feed.ts";

/** A partition's messages at offsets from 0, stamped `stamp(i)`. */
function partition(
  id: number,
  values: readonly string[],
  stamp: (i: number) => number = () => 0,
): MessageBatch {
  const timestamps = values.map((_, i) => stamp(i));
  return messageBatch(values, { partition: id, origin: `t/${id}@`, timestamps });
}

/** The message of partition 0 at `offset`. */
const one = (value: string, offset: number) => messageBatch([value], { firstOffset: offset });

/** Rows `x,y` each followed by *COMMIT*, for x in [from, to). */
function rows(from: number, to: number, slope = 2): string[] {
  const out: string[] = [];
  for (let x = from; x < to; x++) out.push(`${x},${slope * x + (x % 3) / 10}`, "*COMMIT*");
  return out;
}

/** Runs `batches` through a fresh pipeline; returns everything it wrote. */
function runAll(options: PipelineOptions, batches: readonly MessageBatch[]) {
  const run = new Pipeline(options);
  const all: OutputRows[] = batches.map((b) => processed(run, [b]));
  all.push(finished(run));
  return {
    run,
    inputRows: all.flatMap((o) => o.inputRows),
    changes: all.flatMap((o) => o.changes),
    errors: all.flatMap((o) => o.errors),
  };
}

/** Splits a batch into batches of random sizes (1 to `max`). */
function split(batch: MessageBatch, seed: number, max = 7): MessageBatch[] {
  const random = new PythonRandom(seed);
  const out: MessageBatch[] = [];
  for (let i = 0; i < batch.values.length;) {
    const n = 1 + Math.floor(random.random() * max);
    out.push(sliceBatch(batch, i, i + n));
    i += n;
  }
  return out;
}

const lastFit = (changes: readonly ChangeRow[]) => changes.filter((c) => c.diff === 1).at(-1);

Deno.test("rows of other partitions wait for partition 0's header, then count", () => {
  const p0 = partition(0, ["x,y", ...rows(0, 5)]);
  const p1 = partition(1, rows(5, 10));
  const p2 = partition(2, rows(10, 15));
  // Partitions 1 and 2 arrive first: their rows wait (they are not taken as the header).
  const { run, inputRows, errors } = runAll({ format: "csv" }, [p1, p2, p0]);
  assert.deepEqual(errors, []);
  assert.equal(inputRows.length, 15);
  assert.equal(run.fatal, undefined);
  assert.deepEqual(run.counts, { rows: 15, commits: 15, errors: 0, pending: 0 });
  // Only partition 0's first message is the header: a partition 1 "x,y" is an ordinary row.
  const header1 = runAll({ format: "csv" }, [partition(0, ["x,y"]), partition(1, ["x,y"])]);
  assert.equal(header1.errors.length, 1);
});

Deno.test("the fit over several partitions is the merge of theirs, whatever the interleaving", () => {
  const p0 = partition(0, ["x,y", ...rows(0, 40)]);
  const p1 = partition(1, rows(40, 70, 3));
  const p2 = partition(2, rows(70, 90, 5));
  const single = runAll({ format: "csv" }, [
    partition(0, ["x,y", ...rows(0, 40), ...rows(40, 70, 3), ...rows(70, 90, 5)]),
  ]);
  const fits = [];
  for (const seed of [1, 2, 3]) {
    // Batches of the three partitions in a random interleaving (each partition's order kept).
    const queues = [split(p0, seed), split(p1, seed + 10), split(p2, seed + 20)];
    const random = new PythonRandom(seed);
    const batches: MessageBatch[] = [];
    while (queues.some((q) => q.length > 0)) {
      const live = queues.filter((q) => q.length > 0);
      batches.push(live[Math.floor(random.random() * live.length)].shift()!);
    }
    const { run, inputRows, errors } = runAll({ format: "csv" }, batches);
    assert.deepEqual(errors, []);
    assert.equal(inputRows.length, 90);
    assert.equal(run.counts.commits, 90);
    fits.push(run.fit);
  }
  const expected = lastFit(single.changes)!.values;
  for (const fit of fits) {
    fit!.forEach((v, i) => assert.ok(Math.abs(v - expected[i]) <= 1e-12 * Math.abs(expected[i])));
  }
});

Deno.test("too many rows waiting for the header is a fatal error that says what to do", () => {
  const run = new Pipeline({ format: "csv", maxEarly: 10 });
  processed(run, [partition(1, rows(0, 4))]);
  assert.equal(run.fatal, undefined);
  processed(run, [partition(2, rows(4, 8))]);
  assert.match(run.fatal ?? "", /arrived on partitions 1, 2 before the header .* give the columns/);
});

Deno.test("columns given up front: no header needed; a header message is still the header", () => {
  const given = { format: "csv" as const, columns: ["x", "y"] };
  const without = runAll(given, [partition(1, rows(0, 3)), partition(0, rows(3, 6))]);
  assert.deepEqual(without.errors, []);
  assert.equal(without.inputRows.length, 6);
  const withHeader = runAll(given, [partition(0, ["x,y", ...rows(0, 3)])]);
  assert.deepEqual(withHeader.errors, []);
  assert.equal(withHeader.inputRows.length, 3);
});

Deno.test("autocommit by timestamps: every batching and every restart gives the same outputs", () => {
  // Rows without *COMMIT*, in bursts 2 s apart: each burst is closed when the next one begins.
  const values = ["x,y"];
  const stamps = [0];
  for (let burst = 0; burst < 6; burst++) {
    for (let i = 0; i < 7; i++) {
      values.push(`${burst * 7 + i},${burst + i / 10}`);
      stamps.push(burst * 2000 + i * 10);
    }
    if (burst === 3) {
      values.push("*COMMIT*"); // a *COMMIT* stamped with its rows is never split from them
      stamps.push(burst * 2000 + 60);
    }
  }
  const messages = partition(0, values, (i) => stamps[i]);
  const options = { format: "csv" as const, autocommitMs: 1500 };
  const whole = runAll(options, [messages]);
  assert.equal(whole.run.counts.commits, 5); // bursts 0–4 closed; burst 5 waits for the clock
  assert.equal(whole.run.counts.pending, 0); // finish() reported it
  assert.equal(whole.errors.length, 7);
  for (const seed of [1, 2, 3, 4]) {
    const batched = runAll(options, split(messages, seed));
    assert.deepEqual(batched.inputRows, whole.inputRows);
    assert.deepEqual(batched.changes, whole.changes);
  }
  // Restarts from a checkpoint after any batch: the same outputs.
  for (const seed of [5, 6]) {
    const batches = split(messages, seed, 5);
    const cut = 1 + (seed % (batches.length - 1));
    const first = new Pipeline(options);
    const outs = batches.slice(0, cut).map((b) => processed(first, [b]));
    const checkpoint = first.checkpoint(0);
    assert.ok("text" in checkpoint);
    const from = first.ackOffset(0)!;
    const second = new Pipeline(options);
    const data = decodeCheckpoint(checkpoint.text);
    assert.ok(!("problem" in data));
    assert.equal(second.resume(data) ?? second.restore(0, data, from), undefined);
    // The source delivers again from the acknowledged offset.
    const rest = sliceBatch(messages, from);
    const again = split(rest, seed + 100).map((b) => processed(second, [b]));
    const inputRows = [
      ...outs.flatMap((o) => o.inputRows),
      ...again.flatMap((o) => o.inputRows),
    ];
    assert.deepEqual(inputRows, whole.inputRows.slice(0, inputRows.length));
    assert.equal(second.counts.commits, whole.run.counts.commits);
  }
});

Deno.test("the wall clock's autocommit and the *COMMIT* that follows make one commit", () => {
  // The case: a row, 2 s of nothing (the clock closes it), then its *COMMIT*.
  const run = new Pipeline({ format: "csv", autocommitMs: 1500 });
  processed(run, [partition(0, ["x,y", "1,3"])]);
  autocommitted(run, 0);
  processed(run, [one("*COMMIT*", 2)]);
  processed(run, [one("2,5", 3)]);
  processed(run, [one("*COMMIT*", 4)]);
  processed(run, [messageBatch(["3,7", "*COMMIT*"], { firstOffset: 5 })]);
  assert.deepEqual(run.counts, { rows: 3, commits: 3, errors: 0, pending: 0 });
});

Deno.test("--max-pending closes rows into a commit past the bound, with a note", () => {
  const run = new Pipeline({ format: "csv", maxPending: 3 });
  const out = processed(run, [partition(0, ["x,y", "0,1", "1,2", "2,3", "3,4", "*COMMIT*"])]);
  assert.deepEqual(out.notes, [{ kind: "max-pending", partition: 0, rows: 3, time: 0 }]);
  assert.deepEqual(out.inputRows.map((r) => r.time), [0, 0, 0, 1]);
  assert.equal(run.counts.commits, 2);
});

Deno.test("a time window refuses a row stamped far in the future instead of emptying", () => {
  const run = new Pipeline({ format: "csv", window: { ms: 1000 }, maxFutureMs: 60_000 });
  const now = 1_000_000;
  const out = processed(run, [
    partition(
      0,
      ["x,y", "0,1", "1,3", "*COMMIT*", "9,9", "2,5", "*COMMIT*"],
      (i) => i === 4 ? now + 3_600_000 : now,
    ),
  ], now);
  assert.equal(out.errors.length, 1);
  assert.match(out.errors[0].reason, /stamped 3600000 ms after this machine's clock/);
  assert.equal(run.counts.rows, 3); // the three good rows stay in the window
});

Deno.test("a dropped partition leaves the fit; one that comes back unchanged returns", () => {
  const run = new Pipeline({ format: "csv" });
  processed(run, [partition(0, ["x,y", ...rows(0, 10)])]);
  processed(run, [partition(1, rows(10, 20, 4))]);
  const both = run.fit;
  run.drop(1);
  processed(run, [one("*COMMIT*", 21)]);
  assert.notDeepEqual(run.fit, both);
  run.unpark(1);
  // kafkajs delivers partition 1 again from its committed offset: nothing counts twice.
  processed(run, [partition(1, rows(10, 20, 4))]);
  processed(run, [one("*COMMIT*", 22)]);
  assert.deepEqual(run.fit, both);
  assert.equal(run.counts.rows, 20);
});

Deno.test("a dropped partition leaves the fit; a restored one comes back exactly", () => {
  const run = new Pipeline({ format: "csv" });
  processed(run, [partition(0, ["x,y", ...rows(0, 10)])]);
  processed(run, [partition(1, rows(10, 20, 4))]);
  const checkpoint = run.checkpoint(1);
  assert.ok("text" in checkpoint);
  const both = run.fit;
  run.drop(1);
  processed(run, [one("*COMMIT*", 21)]);
  const zeroOnly = runAll({ format: "csv" }, [partition(0, ["x,y", ...rows(0, 10)])]);
  assert.deepEqual(run.fit, lastFit(zeroOnly.changes)!.values);
  const data = decodeCheckpoint(checkpoint.text);
  assert.ok(!("problem" in data));
  assert.equal(run.restore(1, data, 20), undefined);
  processed(run, [one("*COMMIT*", 22)]);
  assert.deepEqual(run.fit, both);
});
