/**
 * The runner (the pipeline and its files) as a Kafka consumer drives it, without Kafka: crashes
 * after any batch, resumes from the last acknowledged checkpoint with the messages after its
 * offset delivered again, and two runners on the same files.
 */

import assert from "node:assert/strict";
import { type MessageBatch, messageBatch } from "../lib/message_batch.ts";
import { PythonRandom } from "../lib/random.ts";
import { type Ack, Runner, type RunnerOptions } from "../io/runner.ts";
import { SinkLockedError } from "../io/sink.ts";
import { inDir } from "./cli.ts";

/** `values` from `first` on, message i of the topic stamped 1000·i ms. */
const partOf = (values: readonly string[], first = 0): MessageBatch => {
  const part = messageBatch(values, { origin: "t/0@", firstOffset: first });
  part.timestamps.forEach((_, i) => part.timestamps[i] = 1000 * (first + i));
  return part;
};

const optionsIn = (dir: string, extra: Partial<RunnerOptions["pipeline"]> = {}): RunnerOptions => ({
  pipeline: { format: "csv", autocommitMs: 1500, ...extra },
  outputs: { input: `${dir}/in.csv`, output: `${dir}/out.csv`, errors: `${dir}/err.csv` },
});

const read = async (dir: string) => ({
  input: await Deno.readTextFile(`${dir}/in.csv`),
  output: await Deno.readTextFile(`${dir}/out.csv`),
  errors: await Deno.readTextFile(`${dir}/err.csv`),
});

/**
 * Feeds `messages` in batches of random sizes; after `crashes[i]` batches of a life the runner
 * "dies" (its files stay as they are, its last acknowledgement is all that survives) and a new
 * one resumes from it, the messages after its offset delivered again. Returns the files.
 */
async function lives(
  dir: string,
  messages: readonly string[],
  crashes: readonly number[],
  seed: number,
  extra: Partial<RunnerOptions["pipeline"]> = {},
) {
  const random = new PythonRandom(seed);
  let committed: Ack | undefined;
  for (let life = 0; life <= crashes.length; life++) {
    const runner = new Runner(optionsIn(dir, extra));
    const resume = committed && { checkpoint: committed.checkpoint, where: "the test" };
    const opened = await runner.open(resume);
    assert.equal(opened.problem, undefined);
    let at = 0;
    if (committed !== undefined) {
      assert.equal(await runner.restore(0, committed.checkpoint, committed.offset), undefined);
      at = committed.offset;
    }
    let batches = 0;
    while (at < messages.length && (life === crashes.length || batches < crashes[life])) {
      const n = 1 + Math.floor(random.random() * 6);
      const part = partOf(messages.slice(at, at + n), at);
      at += part.values.length;
      batches++;
      const processed = await runner.process({ parts: [part], now: part.timestamps[0] });
      if (processed.acks.length > 0) committed = processed.acks[0];
    }
    if (life < crashes.length) {
      await runner.finish(false); // closes the files as the process's death would
    } else {
      await runner.finish(true);
    }
  }
  return await read(dir);
}

const stream = (): string[] => {
  const values = ["x,y"];
  for (let i = 0; i < 60; i++) {
    values.push(`${i},${2 * i + (i % 5) / 10}`);
    if (i % 7 === 3) values.push("bad,row,ü"); // an error row with a non-ASCII byte
    if (i % 4 !== 1) values.push("*COMMIT*");
  }
  return values;
};

Deno.test("crashes after any batch, resumed from the last checkpoint: the same files as one run", async () => {
  const messages = stream();
  const whole = await inDir((dir) => lives(dir, messages, [], 1));
  for (const seed of [2, 3, 4, 5, 6, 7]) {
    const random = new PythonRandom(seed);
    const crashes = Array.from({ length: 4 }, () => 1 + Math.floor(random.random() * 8));
    const resumed = await inDir((dir) => lives(dir, messages, crashes, seed));
    assert.deepEqual(resumed, whole, `crashes after ${crashes} batches`);
  }
  assert.equal(whole.errors.split("\n").filter((l) => l.includes("ü")).length, 9);
});

Deno.test("a resume whose files are shorter than the checkpoint says is refused", async () => {
  await inDir(async (dir) => {
    const runner = new Runner(optionsIn(dir));
    await runner.open();
    const processed = await runner.process({ parts: [partOf(stream())], now: 0 });
    await runner.finish(false);
    const [ack] = processed.acks;
    await Deno.writeTextFile(`${dir}/out.csv`, "a,b,time,diff\n"); // cut by hand
    const again = new Runner(optionsIn(dir));
    const opened = await again.open({ checkpoint: ack.checkpoint, where: 'group "g"' });
    assert.match(opened.problem ?? "", /out\.csv holds 14 bytes, fewer than the \d+ it held/);
    assert.match(opened.problem ?? "", /--reset/);
    await again.finish(false);
    // Nothing was cut: the file is as the user left it.
    assert.equal(await Deno.readTextFile(`${dir}/out.csv`), "a,b,time,diff\n");
  });
});

Deno.test("two runners on the same files: the second is refused, the first goes on", async () => {
  await inDir(async (dir) => {
    const first = new Runner(optionsIn(dir));
    await first.open();
    const second = new Runner(optionsIn(dir));
    await assert.rejects(() => second.open(), SinkLockedError);
    await first.process({ parts: [partOf(["x,y", "0,1", "*COMMIT*"])], now: 0 });
    await first.finish(true);
    assert.equal((await read(dir)).input, 'x,y,time,diff\n"0","1",0,1\n');
  });
});

Deno.test("at the live edge the clock closes rows that nothing followed", async () => {
  await inDir(async (dir) => {
    const runner = new Runner(optionsIn(dir));
    await runner.open();
    const rows = partOf(["x,y", "0,1", "1,3"]);
    await runner.process({ parts: [rows], now: 10_000, caughtUp: [[0, true]] });
    const early = await runner.process({ parts: [], now: 11_000 });
    assert.equal(early.counts.commits, 0);
    const late = await runner.process({ parts: [], now: 11_600 });
    assert.equal(late.counts.commits, 1);
    assert.equal(late.acks[0].offset, 3);
    // Not caught up (more to read): the clock waits.
    const behind = new Runner(optionsIn(`${dir}`, {}));
    await runner.finish(true);
    await behind.open();
    await behind.process({ parts: [rows], now: 10_000, caughtUp: [[0, false]] });
    assert.equal((await behind.process({ parts: [], now: 20_000 })).counts.commits, 0);
    await behind.finish(true);
  });
});

Deno.test("the clock's autocommit restarts for rows that arrive after it (issue 10's planted bug)", async () => {
  // Batches [row A] at 0 ms, [] at 1600, [row B] at 1700: A is closed at 1600 by the clock (the
  // input is caught up); B must wait its own 1500 ms, until 3200, not go at once.
  await inDir(async (dir) => {
    const runner = new Runner(optionsIn(dir));
    await runner.open();
    const at = (values: string[], offset: number, timestamp: number) =>
      messageBatch(values, { origin: "t/0@", firstOffset: offset, timestamp });
    const caughtUp: [number, boolean][] = [[0, true]];
    await runner.process({ parts: [at(["x,y", "1,2"], 0, 0)], now: 0, caughtUp });
    assert.equal((await runner.process({ parts: [], now: 1600 })).counts.commits, 1);
    const b = await runner.process({ parts: [at(["2,5"], 2, 1700)], now: 1700, caughtUp });
    assert.equal(b.counts.commits, 1);
    assert.equal((await runner.process({ parts: [], now: 3100 })).counts.commits, 1);
    assert.equal((await runner.process({ parts: [], now: 3200 })).counts.commits, 2);
    await runner.finish(true);
  });
});
