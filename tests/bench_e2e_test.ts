import assert from "node:assert/strict";
import {
  commitOf,
  latencies,
  markdownTable,
  median,
  medianRange,
  minMedian,
  percentile,
  quote,
  rate,
  rows,
} from "../scripts/bench_e2e/report.ts";
import { eachLine, GrowingFile, measured, waitUntil } from "../scripts/bench_e2e/process.ts";

Deno.test("bench_e2e figures: median, nearest-rank percentiles, ranges", () => {
  assert.equal(median([3, 1, 2]), 2);
  assert.equal(median([4, 1, 3, 2]), 2.5);
  assert.ok(Number.isNaN(median([])));
  const sorted = Array.from({ length: 100 }, (_, i) => i + 1);
  assert.equal(percentile(sorted, 50), 50);
  assert.equal(percentile(sorted, 99), 99);
  assert.equal(percentile(sorted, 100), 100);
  assert.equal(percentile([7], 99), 7);
  assert.equal(minMedian([3, 1, 2]), "1.00 / 2.00");
  assert.equal(medianRange([150.4, 140.2, 160.9]), "150 (140–161)");
  assert.equal(medianRange([42.2]), "42");
  assert.equal(rate(389_400), "389 k");
  assert.equal(rate(9_530), "9.5 k");
  assert.equal(rows(10_000_000), "10 M");
  assert.equal(rows(100_000), "100 k");
});

Deno.test("bench_e2e figures: a markdown table padded as deno fmt pads it", () => {
  const table = markdownTable(["consumer", "s"], ["left", "right"], [["kcat", "2.1"], ["é", "10"]]);
  assert.equal(
    table,
    "| consumer |   s |\n| -------- | --: |\n| kcat     | 2.1 |\n| é        |  10 |",
  );
});

Deno.test("bench_e2e figures: commands quoted for the shell", () => {
  assert.equal(quote(["kcat", "-f", "%T %s\n", "-t", "it's"]), "kcat -f '%T %s\n' -t 'it'\\''s'");
  assert.equal(
    quote(["deno", "run", "-A", "main.ts", "-X", "group.id=g-1"]),
    "deno run -A main.ts -X group.id=g-1",
  );
});

Deno.test("bench_e2e latency: commit numbers of change rows, matched to the i-th *COMMIT*", () => {
  assert.equal(commitOf("a,b,time,diff"), undefined);
  assert.equal(commitOf("0.3333333333333333,1.5,2,1"), 2);
  assert.equal(commitOf("1,1,17,-1"), 17);
  assert.equal(commitOf(""), undefined);
  const stamps = [1000, 1010, 1020];
  assert.deepEqual(latencies(new Map([[2, 1023.5], [0, 1002]]), stamps), [2, 3.5]);
  assert.throws(() => latencies(new Map([[3, 2000]]), stamps), /holds 3 `\*COMMIT\*` messages/);
});

Deno.test("bench_e2e processes: lines stamped on arrival, a growing file's lines", async () => {
  const seen: [string, number][] = [];
  const stream = ReadableStream.from([
    new TextEncoder().encode("a\nb"),
    new TextEncoder().encode("c\n"),
  ]);
  await eachLine(stream, (line, at) => seen.push([line, at]));
  assert.deepEqual(seen.map(([line]) => line), ["a", "bc"]);
  assert.ok(seen[1][1] >= seen[0][1] && seen[0][1] > 1e12); // epoch ms

  const path = await Deno.makeTempFile();
  const file = new GrowingFile(path);
  try {
    assert.equal(await file.lines(), 0);
    await Deno.writeTextFile(path, "x,y\n1,2\n", { append: true });
    assert.equal(await file.lines(), 2);
    await Deno.writeTextFile(path, "3,4\n", { append: true });
    assert.equal(await file.lines(), 3);
  } finally {
    file.close();
    await Deno.remove(path);
  }
});

Deno.test("bench_e2e processes: a run that fails, stops early or takes too long is no run", async () => {
  const cwd = await Deno.makeTempDir();
  try {
    const ok = await measured(["sh", "-c", "echo hi"], { cwd, timeoutMs: 10_000 });
    assert.equal(ok.stdout, "hi\n");
    assert.ok(ok.peakMiB > 0 && ok.wall > 0);
    await assert.rejects(
      measured(["sh", "-c", "echo broken >&2; exit 3"], { cwd, timeoutMs: 10_000 }),
      /exited with code 3; its standard error ends:\nbroken/,
    );
    const start = performance.now();
    await assert.rejects(
      measured(["sleep", "30"], { cwd, timeoutMs: 300 }),
      /no answer after 300 ms/,
    );
    assert.ok(performance.now() - start < 5_000, "killed at the limit, not waited for");
    // A process that runs until stopped, but exits before its work is done.
    await assert.rejects(
      measured(["sh", "-c", "exit 0"], {
        cwd,
        timeoutMs: 10_000,
        until: (signal) => waitUntil(() => false, { ms: 10_000, what: "never", signal }),
      }),
      /exited \(code 0\) before it was done/,
    );
    // … and one that is done, then stopped with SIGTERM.
    let done = false;
    setTimeout(() => done = true, 200);
    const stopped = await measured(["sleep", "30"], {
      cwd,
      timeoutMs: 10_000,
      until: (signal) => waitUntil(() => done, { ms: 10_000, what: "done", signal }),
    });
    assert.ok(stopped.wall >= 0.2 && stopped.wall < 5);
    assert.deepEqual([...Deno.readDirSync(cwd)], [], "the time reports are removed");
  } finally {
    await Deno.remove(cwd, { recursive: true });
  }
});
