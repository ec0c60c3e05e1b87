import assert from "node:assert/strict";
import { deno, REFERENCE_DIR, sh } from "./cli.ts";

Deno.test("producer --stdout writes the reference messages with no permission", async () => {
  const ran = await sh(
    `${deno("producer.ts", "--no-prompt")} --stdout --interval-ms 0 --header-delay-ms 0`,
  );
  assert.equal(ran.code, 0, ran.stderr);
  const lines = ran.stdout.trimEnd().split("\n");
  assert.equal(lines.length, 21);
  assert.equal(lines[0], "x,y");
  const reference = Deno.readTextFileSync(`${REFERENCE_DIR}regression_input.csv`)
    .trimEnd().split("\n").slice(1)
    .map((l) => l.split(",").slice(0, 2).map((v) => JSON.parse(v)).join(","));
  assert.deepEqual(lines.filter((_, i) => i % 2 === 1), reference);
  assert.ok(lines.filter((_, i) => i > 0 && i % 2 === 0).every((l) => l === "*COMMIT*"));
});

Deno.test("producer flags change the line, the count and the seed", async () => {
  const ran = await sh(
    `${
      deno("producer.ts", "")
    } --stdout --interval-ms 0 --header-delay-ms 0 --count 3 --seed 1 --slope 2 --intercept 10 --noise 0`,
  );
  assert.equal(ran.code, 0, ran.stderr);
  assert.equal(ran.stdout, "x,y\n0,10\n*COMMIT*\n1,12\n*COMMIT*\n2,14\n*COMMIT*\n");
});

Deno.test("producer takes negative numbers as values: --slope -2 --intercept -1.5", async () => {
  const ran = await sh(
    `${deno("producer.ts", "")} --stdout --interval-ms 0 --header-delay-ms 0 --count 2 ` +
      "--noise 0 --slope -2 --intercept -1.5",
  );
  assert.equal(ran.code, 0, ran.stderr);
  assert.equal(ran.stdout, "x,y\n0,-1.5\n*COMMIT*\n1,-3.5\n*COMMIT*\n");
});

Deno.test("producer paces rows by --interval-ms", async () => {
  const start = performance.now();
  const ran = await sh(
    `${deno("producer.ts", "")} --stdout --count 3 --interval-ms 150 --header-delay-ms 100`,
  );
  assert.equal(ran.code, 0, ran.stderr);
  assert.ok(performance.now() - start >= 550, "3 rows at 150 ms after a 100 ms header delay");
});

Deno.test("producer --stdout paces by --rate, as over Kafka, not by --interval-ms", async () => {
  // 300 rows at 1000 rows/s: batches of 10 rows, the last one due at 290 ms; paced by the default
  // --interval-ms of 1000 instead, it would take 300 s.
  const start = performance.now();
  const ran = await sh(
    `${deno("producer.ts", "")} --stdout --rate 1000 --count 300 --header-delay-ms 0`,
  );
  const ms = performance.now() - start;
  assert.equal(ran.code, 0, ran.stderr);
  assert.equal(ran.stdout.split("\n").length, 1 + 2 * 300 + 1);
  assert.ok(ms >= 290 && ms < 5_000, `300 rows at 1000 rows/s took ${ms} ms`);
});

Deno.test("producer refuses bad flags with a usage error", async () => {
  for (
    const [flags, message] of [
      ["--count=-1", /--count must be a whole number, not "-1"/],
      ["--count -1", /--count must be a whole number, not "-1"/],
      ["--count abc", /--count must be a whole number, not "abc"/],
      ["--noise -0.1", /--noise must be a number ≥ 0, not "-0\.1"/],
      ["--seed 1.5", /--seed must be an integer/],
      ["--bogus", /unknown option '--bogus'/],
      ["--cuont 3", /unknown option '--cuont' \(did you mean '--count'\?\)/],
    ] as const
  ) {
    const ran = await sh(`${deno("producer.ts", "")} --stdout ${flags}`);
    assert.equal(ran.code, 2, flags);
    assert.match(ran.stderr, message, flags);
    assert.match(ran.stderr, /^producer\.ts: [^]*\nTry 'deno run producer\.ts --help'/, flags);
  }
});

Deno.test("producer without permission and without a terminal prints the exact flags", async () => {
  const ran = await sh(`${deno("producer.ts", "--no-prompt")} -b 127.0.0.1:1 --count 1`);
  assert.equal(ran.code, 2, ran.stderr);
  assert.match(
    ran.stderr,
    /Deno needs permission to go on: run with --allow-read=\S+librdkafka\S* --allow-ffi/,
  );
  assert.match(ran.stderr, /or use deno task produce/);
});
