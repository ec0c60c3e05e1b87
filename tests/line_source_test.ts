import assert from "node:assert/strict";
import { readLines } from "../io/line_source.ts";
import { positionOf } from "../lib/message_batch.ts";
import { deno, inDir, sh } from "./cli.ts";

const CRLF = "x,y\r\n0,1\r\n*COMMIT*\r\n1,3\r\n*COMMIT*\r\n";

Deno.test("the line source drops a trailing \\r (CRLF files), and only that", async () => {
  await inDir(async (dir) => {
    await Deno.writeTextFile(`${dir}/in.txt`, CRLF + "a\rb\r\n9,9\r");
    const values = [];
    const positions = [];
    for await (const batch of readLines(`${dir}/in.txt`)) {
      values.push(...batch.values);
      positions.push(...batch.values.map((_, i) => positionOf(batch, i)));
    }
    assert.deepEqual(values, ["x,y", "0,1", "*COMMIT*", "1,3", "*COMMIT*", "a\rb", "9,9"]);
    assert.deepEqual(positions.slice(0, 2), [
      `${dir}/in.txt:1`,
      `${dir}/in.txt:2`,
    ]);
  });
});

Deno.test("CRLF input on standard input: 2 commits, 0 errors", async () => {
  const printf = CRLF.replaceAll("\r", "\\r").replaceAll("\n", "\\n");
  const ran = await sh(
    `printf '${printf}' | ${deno("main.ts")} --from - --output - ` +
      "--input-log /dev/null --errors /dev/null",
  );
  assert.equal(ran.code, 0, ran.stderr);
  assert.match(ran.stderr, /2 rows, 2 commits, 0 errors/);
  assert.equal(ran.stdout, "a,b,time,diff\n0,0,0,1\n0,0,1,-1\n1,2,1,1\n");
});
