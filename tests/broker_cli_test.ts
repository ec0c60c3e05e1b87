/**
 * `deno task kafka` (testing/broker_cli.ts) and `deno task demo` (scripts/demo.ts) as a user meets
 * them: a taken port 9092 is said loudly with the `-b` to use, and a missing Java is said with
 * what to install, not a stack trace. Every wait has a time limit.
 */

import assert from "node:assert/strict";
import { outputWithin, withTimeout } from "../testing/timeout.ts";
import { deno, inDir, ROOT, sh } from "./cli.ts";

Deno.test({
  name: "deno task kafka: port 9092 taken → a loud warning and the exact -b to use",
  ignore: Deno.env.get("KAFKA_BOOTSTRAP_SERVERS") !== undefined,
  async fn() {
    let taken: Deno.TcpListener | undefined;
    try {
      taken = Deno.listen({ hostname: "127.0.0.1", port: 9092 });
    } catch {
      // taken already, by someone else: just as good
    }
    try {
      const child = new Deno.Command(Deno.execPath(), {
        args: ["run", "-A", `${ROOT}testing/broker_cli.ts`],
        stdout: "piped",
        stderr: "piped",
        env: { NO_COLOR: "1" },
      }).spawn();
      const reader = child.stdout.getReader();
      let stdout = "";
      try {
        while (!stdout.includes("Press Ctrl-C")) {
          const { value, done } = await withTimeout(reader.read(), 90_000, "deno task kafka");
          if (done) break;
          stdout += new TextDecoder().decode(value);
        }
      } finally {
        reader.releaseLock();
        child.kill("SIGINT");
      }
      const out = await outputWithin(child, 60_000, "deno task kafka after Ctrl-C");
      const stderr = new TextDecoder().decode(out.stderr);
      assert.equal(out.code, 0, stderr);
      const address = /PLAINTEXT +(127\.0\.0\.1:\d+)/.exec(stdout)?.[1];
      assert.ok(address, stdout);
      assert.notEqual(address, "127.0.0.1:9092");
      assert.match(stderr, /WARNING: port 9092 on 127\.0\.0\.1 is taken/);
      assert.match(
        stderr,
        /default -b localhost:9092\s+reaches that other process, NOT this broker/,
      );
      assert.ok(stderr.includes(`\n  -b ${address}\n`), stderr);
      assert.match(stderr, /Stopped; temp folder removed/);
    } finally {
      taken?.close();
    }
  },
});

Deno.test("deno task kafka --port N: a taken port is a usage error", async () => {
  using taken = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  const ran = await sh(`${deno("testing/broker_cli.ts")} --port ${taken.addr.port}`, ROOT, {
    timeoutMs: 30_000,
  });
  assert.equal(ran.code, 2);
  assert.match(ran.stderr, new RegExp(`port ${taken.addr.port} on 127\\.0\\.0\\.1 is taken`));
});

Deno.test("deno task demo without Java says what to install and exits 1", async () => {
  await inDir(async (dir) => {
    // A PATH with deno alone: no java, no keytool, no mvn.
    await Deno.symlink(Deno.execPath(), `${dir}/deno`);
    const ran = await sh(
      `PATH=${dir} JAVA_HOME= ${deno("scripts/demo.ts")} -b 127.0.0.1:1`,
      dir,
      { timeoutMs: 60_000 },
    );
    assert.equal(ran.code, 1, ran.stderr);
    assert.match(ran.stderr, /no broker answers at 127\.0\.0\.1:1/);
    assert.match(ran.stderr, /needs Java 17\+, but 'java' was not found on PATH/);
    assert.match(ran.stderr, /apt-get install -y openjdk-17-jre-headless maven/);
    assert.match(ran.stderr, /deno task demo -b HOST:PORT/);
    assert.doesNotMatch(ran.stderr, /^\s+at /m, "no stack trace");
  });
});
