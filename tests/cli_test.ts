import assert from "node:assert/strict";
import { sh } from "./cli.ts";

Deno.test("sh collects the output and the status of a command", async () => {
  const ran = await sh("echo out; echo err >&2; exit 3");
  assert.deepEqual(ran, { code: 3, stdout: "out\n", stderr: "err\n" });
});

Deno.test("sh kills a command that outlives its time limit, pipeline and all", async () => {
  const start = performance.now();
  const nap = `29.${Date.now() % 100_000}`; // a sleep no one else runs
  await assert.rejects(
    sh(`echo started >&2; sleep ${nap} | cat`, undefined, { timeoutMs: 500 }),
    (e: unknown) => {
      assert.ok(e instanceof Error);
      assert.match(e.message, /^timed out after 500 ms \(killed\): echo started/);
      assert.match(e.message, /--- its standard error so far ---\nstarted\n/);
      return true;
    },
  );
  assert.ok(performance.now() - start < 10_000);
  // Nothing of the pipeline is left running.
  assert.equal((await sh(`pgrep -f "^sleep ${nap}$" || true`)).stdout, "");
});
