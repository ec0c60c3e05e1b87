/** `deno run main.ts` without flags: asked once for each access on a terminal; flags elsewhere. */

import assert from "node:assert/strict";
import { deno, inDir, sh } from "./cli.ts";
import { answeringPrompts, hasTmux } from "./terminal.ts";

Deno.test({
  name: "on a terminal, deno run main.ts asks once for reading and once for writing",
  ignore: !hasTmux,
  async fn() {
    await inDir(async (dir) => {
      await Deno.writeTextFile(`${dir}/in.txt`, "x,y\n0,1\n*COMMIT*\n");
      const { asked, pane, code } = await answeringPrompts(
        `${deno("main.ts", "")} --from in.txt`,
        dir,
      );
      assert.equal(code, 0, pane);
      // Prompts may follow each other without a gap: they are told apart by what they ask.
      assert.deepEqual(
        asked,
        [`read access to "${dir}"`, `write access to "${dir}"`],
        `${asked}\n${pane}`,
      );
      assert.match(pane, /1 row, 1 commit, 0 errors/, pane);
    });
  },
});

Deno.test("without a terminal, deno run main.ts says which flags to add, before anything", async () => {
  await inDir(async (dir) => {
    await Deno.writeTextFile(`${dir}/in.txt`, "x,y\n0,1\n*COMMIT*\n");
    const file = await sh(`${deno("main.ts", "")} --from in.txt`, dir);
    assert.equal(file.code, 2, file.stderr);
    assert.match(file.stderr, new RegExp(`run with --allow-read=${dir} --allow-write=${dir}`));
    const kafka = await sh(`${deno("main.ts", "")}`, dir);
    assert.equal(kafka.code, 2, kafka.stderr);
    assert.match(kafka.stderr, /--allow-ffi/);
    assert.equal([...Deno.readDirSync(dir)].length, 1, "nothing was written");
  });
});
