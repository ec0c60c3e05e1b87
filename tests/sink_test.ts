import assert from "node:assert/strict";
import { Sink } from "../io/sink.ts";
import { inDir } from "./cli.ts";

Deno.test("size counts UTF-8 bytes, as the file on disk, also after a resume", async () => {
  await inDir(async (dir) => {
    const path = `${dir}/out.csv`;
    const sink = await Sink.open(path);
    sink.append("x,y\n");
    sink.append("é\n"); // 2 UTF-16 code units, 3 UTF-8 bytes
    await sink.flush();
    assert.equal(sink.size, (await Deno.stat(path)).size);
    assert.equal(sink.size, 7);
    await sink.close();

    // A resumed run keeps the first 4 bytes ("x,y\n") and appends.
    const resumed = await Sink.open(path, 4);
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
