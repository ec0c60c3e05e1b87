import assert from "node:assert/strict";
import { CommitQueue } from "../io/commit_queue.ts";
import type { Ack } from "../io/source.ts";

const ack = (partition: number, offset: number): Ack => ({
  partition,
  offset,
  checkpoint: `{"time":${offset}}`,
});

/** A send that waits until released, recording what it was given. */
function gatedSend() {
  const sent: { acks: readonly Ack[]; changes: readonly string[] }[] = [];
  const gates: (() => void)[] = [];
  const send = (acks: readonly Ack[], changes: readonly string[]) => {
    sent.push({ acks, changes: [...changes] });
    return new Promise<void>((resolve) => gates.push(resolve));
  };
  const release = async () => {
    gates.shift()?.();
    await new Promise((r) => setTimeout(r, 0));
  };
  return { sent, send, release };
}

Deno.test("one commit at a time; those that come meanwhile go together, latest offsets, every row", async () => {
  const { sent, send, release } = gatedSend();
  const queue = new CommitQueue(send);
  await queue.add([ack(0, 1), ack(1, 5)], ["r1"]);
  await queue.add([ack(0, 2), ack(1, 6)], ["r2"]);
  await queue.add([], ["r3"]); // rows without a checkpoint: the offsets waiting stay
  await queue.add([ack(0, 4), ack(1, 6)], []);
  assert.equal(sent.length, 1, "the others wait for the first");
  await release();
  assert.equal(sent.length, 2);
  assert.deepEqual(sent[1].acks, [ack(0, 4), ack(1, 6)]);
  assert.deepEqual(sent[1].changes, ["r2", "r3"]);
  await release();
  await queue.drain();
  assert.equal(sent.length, 2);
  assert.equal(queue.failure, undefined);
});

Deno.test("a failed send is kept, and nothing is sent after it", async () => {
  let calls = 0;
  const queue = new CommitQueue((acks) => {
    calls++;
    return acks[0].offset === 1 ? Promise.reject(new Error("fenced")) : Promise.resolve();
  });
  await queue.add([ack(0, 1)], []);
  await queue.add([ack(0, 2)], []);
  await queue.drain();
  assert.equal((queue.failure?.error as Error).message, "fenced");
  await queue.add([ack(0, 3)], []);
  await queue.drain();
  assert.equal(calls, 1);
});

Deno.test("adding waits while more change rows wait than the bound", async () => {
  const { sent, send, release } = gatedSend();
  const queue = new CommitQueue(send, 2);
  await queue.add([ack(0, 1)], ["a"]);
  await queue.add([ack(0, 2)], ["b", "c"]); // 2 waiting: at the bound, no wait
  let added = false;
  const third = queue.add([ack(0, 3)], ["d"]).then(() => added = true);
  await new Promise((r) => setTimeout(r, 10));
  assert.equal(added, false, "3 rows wait: the producer of them waits");
  await release();
  await third;
  assert.equal(added, true);
  assert.deepEqual(sent[1].changes, ["b", "c", "d"]);
  await release();
  await queue.drain();
});
