import assert from "node:assert/strict";
import { Sink, SinkClosedError } from "../io/sink.ts";
import { inDir } from "./cli.ts";

Deno.test("size counts UTF-8 bytes, as the file on disk, also after a resume", async () => {
  await inDir(async (dir) => {
    const path = `${dir}/out.csv`;
    const sink = await Sink.open(path);
    await sink.keep(0);
    sink.append("x,y\n");
    sink.append("é\n"); // 2 UTF-16 code units, 3 UTF-8 bytes
    await sink.flush();
    assert.equal(sink.size, (await Deno.stat(path)).size);
    assert.equal(sink.size, 7);
    await sink.close();

    // A resumed run keeps the first 4 bytes ("x,y\n") and appends.
    const resumed = await Sink.open(path);
    await resumed.keep(4);
    assert.equal(resumed.size, 4);
    resumed.append("é\n");
    resumed.append("日本\n");
    await resumed.flush();
    assert.equal(resumed.size, (await Deno.stat(path)).size);
    assert.equal(resumed.size, 4 + 3 + 7);
    await resumed.close();
    assert.equal(await Deno.readTextFile(path), "x,y\né\n日本\n");
  });
});

Deno.test("a pipe whose reader went away: SinkClosedError once, then the sink is closed", async () => {
  await inDir(async (dir) => {
    const fifo = `${dir}/fifo`;
    assert.equal((await new Deno.Command("mkfifo", { args: [fifo] }).output()).code, 0);
    // Opening a FIFO waits for the other end: open both ends together.
    const [reader, sink] = await Promise.all([Deno.open(fifo, { read: true }), Sink.open(fifo)]);
    reader.close();
    sink.append("a,b,time,diff\n");
    await assert.rejects(sink.flush(), (e: unknown) => {
      assert.ok(e instanceof SinkClosedError);
      assert.equal(e.target, fifo);
      assert.ok(e.cause instanceof Deno.errors.BrokenPipe);
      return true;
    });
    assert.equal(sink.closed, true);
    sink.append("more\n");
    await sink.flush(); // nothing to write to: dropped quietly
    await sink.close();
  });
});

Deno.test("other write failures are not mistaken for a closed pipe", async () => {
  const sink = await Sink.open("/dev/full");
  sink.append("x\n");
  await assert.rejects(sink.flush(), (e: unknown) => {
    assert.ok(!(e instanceof SinkClosedError));
    assert.match((e as Error).message, /No space left on device/);
    return true;
  });
  assert.equal(sink.closed, false);
  await sink.close().catch(() => {});
});
