/**
 * The runtime as a Kafka operator meets it, against a real broker: kill -9 at random moments, a
 * second member joining and leaving, two instances on one set of files, the broker stopped
 * mid-stream, several partitions, replays with other fetch sizes, retention, error rows across
 * resumes, a group read without committing, --reset and --until-end. Each compares the outputs
 * with an uninterrupted run.
 */

import assert from "node:assert/strict";
import { Kafka } from "kafkajs";
import { LeastSquares } from "../lib/least_squares.ts";
import { PythonRandom } from "../lib/random.ts";
import { testBroker } from "../testing/broker.ts";
import { killTree, withTimeout } from "../testing/timeout.ts";
import { createTopic, deleteRecordsBefore } from "../testing/topics.ts";
import { deno, inDir, type Ran, sh } from "./cli.ts";

const MAIN = deno("main.ts");
const PRODUCE = deno("producer.ts");
/** A dead member's session ends quickly on the test broker: restarts do not wait long. */
const FAST_GROUP = "-X session.timeout.ms=1500 -X heartbeat.interval.ms=300";

let topics = 0;
const freshTopic = () => `rt${Date.now()}-${++topics}`;
let groups = 0;

interface Files {
  input: string;
  output: string;
  errors: string;
}

async function files(dir: string): Promise<Files> {
  const read = (name: string) => Deno.readTextFile(`${dir}/${name}`).catch(() => "(missing)");
  return {
    input: await read("regression_input.csv"),
    output: await read("regression_output_stream.csv"),
    errors: await read("regression_errors.csv"),
  };
}

/** main.ts started in `dir` with `args`, its stderr collected. */
function spawnMain(args: string, dir: string): Deno.ChildProcess {
  return new Deno.Command("sh", {
    args: ["-c", `exec ${MAIN} ${args}`],
    cwd: dir,
    stdin: "null",
    stdout: "null",
    stderr: "piped",
    env: { NO_COLOR: "1" },
  }).spawn();
}

async function finished(child: Deno.ChildProcess, what: string, ms = 60_000): Promise<Ran> {
  const output = child.output();
  try {
    const { code, stderr } = await withTimeout(output, ms, what);
    return { code, stdout: "", stderr: new TextDecoder().decode(stderr) };
  } catch (e) {
    killTree(child.pid);
    await output.catch(() => {});
    throw e;
  }
}

/** Sends SIGKILL; false when the process had already ended on its own. */
function killed(child: Deno.ChildProcess): boolean {
  try {
    child.kill("SIGKILL");
    return true;
  } catch (e) {
    if (e instanceof TypeError && /already terminated/.test(e.message)) return false;
    throw e;
  }
}

/**
 * Waits until `path` holds more than `bytes` bytes (the run is consuming), at most `ms`; with
 * `exited`, also ends (false) when that settles first: the run ended on its own.
 */
async function grows(
  path: string,
  bytes: number,
  exited?: Promise<unknown>,
  ms = 30_000,
): Promise<boolean> {
  let ended = false;
  exited?.then(() => ended = true, () => ended = true);
  const deadline = Date.now() + ms;
  while (Date.now() < deadline) {
    const size = await Deno.stat(path).then((s) => s.size, () => 0);
    if (size > bytes) return true;
    if (ended) return false;
    await new Promise((r) => setTimeout(r, 20));
  }
  throw new Error(`${path} did not grow past ${bytes} bytes in ${ms} ms`);
}

Deno.test({
  name: "the runtime under the events of a deployment",
  sanitizeOps: false,
  sanitizeResources: false,
  async fn(t) {
    await using broker = await testBroker();
    const b = `-b ${broker.plaintext}`;
    const kcat = async (topic: string, text: string, dir: string, partition = 0) => {
      await Deno.writeTextFile(`${dir}/produce.txt`, text);
      const ran = await sh(`kcat -P ${b} -t ${topic} -p ${partition} -l produce.txt`, dir);
      assert.equal(ran.code, 0, ran.stderr);
    };
    /** Another member of `groupId` (a kafkajs consumer that commits nothing) for `ms`. */
    const anotherMember = async (groupId: string, topic: string, ms: number) => {
      const other = new Kafka({ brokers: [broker.plaintext], logLevel: 0 }).consumer({
        groupId,
        sessionTimeout: 6000,
      });
      await other.connect();
      await other.subscribe({ topics: [topic], fromBeginning: true });
      await other.run({ autoCommit: false, eachBatch: () => Promise.resolve() });
      await new Promise((r) => setTimeout(r, ms));
      await other.disconnect();
    };
    /** The producer's noisy line: header, then N rows each with its *COMMIT*. */
    const line = async (n: number, dir: string) =>
      (await sh(`${PRODUCE} --stdout --count ${n} --interval-ms 0 --header-delay-ms 0`, dir))
        .stdout;
    /** An uninterrupted read of `topic` to its end, by a group of its own. */
    const reference = (topic: string, extra = "") =>
      inDir(async (dir) => {
        const ran = await sh(
          `${MAIN} ${b} -t ${topic} -X group.id=ref-${topic}-${++groups} --until-end ${extra}`,
          dir,
        );
        assert.equal(ran.code, 0, ran.stderr);
        return await files(dir);
      });

    for (const window of ["", "--window 50"]) {
      await t.step(
        `kill -9 at 10 random moments ${window || "(no window)"}: identical outputs`,
        async () => {
          await inDir(async (dir) => {
            const topic = freshTopic();
            // Enough rows that ten lives of up to 200 ms each end mid-stream at ≈ 400 k rows/s.
            await kcat(topic, await line(600_000, dir), dir);
            const expected = await reference(topic, window);
            const random = new PythonRandom(window === "" ? 7 : 8);
            const group = `-X group.id=kill-${topic} ${FAST_GROUP}`;
            const moments: number[] = [];
            for (let life = 0; life < 10; life++) {
              const size = await Deno.stat(`${dir}/regression_input.csv`).then(
                (s) => s.size,
                () => 0,
              );
              const child = spawnMain(`${b} -t ${topic} ${group} --until-end ${window}`, dir);
              // Once it consumes (with a window it starts over each time, so the file first
              // shrinks): a random moment later. A life that reached the end is the last.
              const path = `${dir}/regression_input.csv`;
              if (!(await grows(path, window === "" ? size : 100, child.status))) {
                await finished(child, "a main.ts that reached the end");
                break;
              }
              const moment = Math.floor(random.random() * 200);
              moments.push(moment);
              await new Promise((r) => setTimeout(r, moment));
              if (!killed(child)) {
                moments.pop(); // it reached the end on its own in the meantime
                await finished(child, "a main.ts that reached the end");
                break;
              }
              await finished(child, "a killed main.ts");
            }
            assert.ok(moments.length >= 5, `only ${moments.length} kills landed mid-stream`);
            const started = Date.now();
            const last = await sh(`${MAIN} ${b} -t ${topic} ${group} --until-end ${window}`, dir);
            assert.equal(last.code, 0, last.stderr);
            assert.deepEqual(await files(dir), expected, `killed at +${moments.join(", +")} ms`);
            // The dead member's session ends within seconds: the last run did not wait long.
            assert.ok(Date.now() - started < 15_000, `${Date.now() - started} ms`);
          });
        },
      );
    }

    await t.step(
      "a second member joins and leaves mid-stream (backlog): nothing twice",
      async () => {
        await inDir(async (dir) => {
          const topic = freshTopic();
          await kcat(topic, await line(150_000, dir), dir);
          const expected = await reference(topic);
          const groupId = `join-${topic}`;
          const child = spawnMain(
            `${b} -t ${topic} -X group.id=${groupId} ${FAST_GROUP} --until-end`,
            dir,
          );
          await grows(`${dir}/regression_input.csv`, 1000);
          await anotherMember(groupId, topic, 3000);
          const ran = await finished(child, "main.ts beside another member");
          assert.equal(ran.code, 0, ran.stderr);
          assert.deepEqual(await files(dir), expected);
        });
      },
    );

    await t.step("a second member joins and leaves a live stream: nothing twice", async () => {
      await inDir(async (dir) => {
        const topic = freshTopic();
        const groupId = `live-${topic}`;
        const producing = sh(
          `${PRODUCE} --stdout --count 6000 --rate 1500 --header-delay-ms 0 | kcat -P ${b} -t ${topic} -p 0`,
          dir,
        );
        const child = spawnMain(
          `${b} -t ${topic} -X group.id=${groupId} ${FAST_GROUP} --max-commits 6000`,
          dir,
        );
        await grows(`${dir}/regression_input.csv`, 1000);
        await anotherMember(groupId, topic, 2000);
        assert.equal((await producing).code, 0);
        const ran = await finished(child, "main.ts on a live stream");
        assert.equal(ran.code, 0, ran.stderr);
        assert.deepEqual(await files(dir), await reference(topic));
      });
    });

    await t.step(
      "two instances on the same files: the second refuses, the first is whole",
      async () => {
        await inDir(async (dir) => {
          const topic = freshTopic();
          await kcat(topic, await line(50_000, dir), dir);
          // The first stays a while after reading everything, so that the second meets it.
          const first = spawnMain(
            `${b} -t ${topic} -X group.id=one-${topic} --idle-exit-ms 5000`,
            dir,
          );
          await grows(`${dir}/regression_input.csv`, 100);
          const second = await sh(
            `${MAIN} ${b} -t ${topic} -X group.id=two-${topic} --until-end`,
            dir,
          );
          assert.equal(second.code, 1);
          assert.match(second.stderr, /regression_input\.csv is being written by another run/);
          const ran = await finished(first, "the first instance");
          assert.equal(ran.code, 0, ran.stderr);
          assert.deepEqual(await files(dir), await reference(topic));
          // The same file for two outputs is a usage error.
          const same = await sh(`${MAIN} ${b} -t ${topic} --output x.csv --errors x.csv`, dir);
          assert.equal(same.code, 2);
          assert.match(same.stderr, /--output and --errors name the same file x\.csv/);
        });
      },
    );

    await t.step(
      "the broker stopped for 5 s mid-stream: ridden out, nothing lost or doubled",
      async () => {
        if (broker.kind !== "local") return;
        await inDir(async (dir) => {
          const topic = freshTopic();
          await createTopic(broker.plaintext, topic, 1);
          // The producer rides the outage out too (its own test checks every row arrives once).
          const producing = sh(
            `${PRODUCE} ${b} -t ${topic} --count 3000 --rate 300 --header-delay-ms 0`,
            dir,
          );
          const child = spawnMain(
            `${b} -t ${topic} -X group.id=out-${topic} --max-commits 3000`,
            dir,
          );
          await grows(`${dir}/regression_input.csv`, 2000);
          await broker.restart({ downMs: 5000 });
          assert.equal((await producing).code, 0);
          const ran = await finished(child, "main.ts across a broker restart", 90_000);
          assert.equal(ran.code, 0, ran.stderr);
          assert.match(ran.stderr, /connection lost/);
          assert.match(ran.stderr, /connection back after \d+\.\d s/);
          assert.deepEqual(await files(dir), await reference(topic));
        });
      },
    );

    await t.step(
      "a missing topic: Ctrl-C and --idle-exit-ms end the wait, with status 0",
      async () => {
        await inDir(async (dir) => {
          const child = spawnMain(`${b} -t ${freshTopic()}`, dir);
          await new Promise((r) => setTimeout(r, 2500));
          child.kill("SIGINT");
          const ran = await finished(child, "main.ts waiting for a topic", 15_000);
          assert.equal(ran.code, 0, ran.stderr);
          assert.match(ran.stderr, /does not exist yet; waiting for it/);
          assert.match(ran.stderr, /0 rows, 0 commits, 0 errors/);
          const idle = await sh(`${MAIN} ${b} -t ${freshTopic()} --idle-exit-ms 1500`, dir);
          assert.equal(idle.code, 0, idle.stderr);
          assert.match(idle.stderr, /0 rows, 0 commits, 0 errors/);
        });
      },
    );

    await t.step("during an outage, --idle-exit-ms and Ctrl-C still end the run", async () => {
      if (broker.kind !== "local") return;
      await inDir(async (dir) => {
        const topic = freshTopic();
        await kcat(topic, await line(100, dir), dir);
        await Deno.mkdir(`${dir}/a`);
        await Deno.mkdir(`${dir}/b`);
        const idle = spawnMain(
          `${b} -t ${topic} -X group.id=a-${topic} --idle-exit-ms 4000`,
          `${dir}/a`,
        );
        const stopped = spawnMain(`${b} -t ${topic} -X group.id=b-${topic}`, `${dir}/b`);
        await grows(`${dir}/a/regression_input.csv`, 100);
        await grows(`${dir}/b/regression_input.csv`, 100);
        await broker.stop();
        try {
          const ran = await finished(idle, "main.ts with the broker down", 30_000);
          assert.equal(ran.code, 0, ran.stderr);
          assert.match(ran.stderr, /100 rows, 100 commits, 0 errors/);
          stopped.kill("SIGINT");
          const interrupted = await finished(stopped, "main.ts stopped during an outage", 30_000);
          assert.equal(interrupted.code, 0, interrupted.stderr);
          assert.match(interrupted.stderr, /100 rows, 100 commits, 0 errors/);
        } finally {
          await broker.start();
        }
      });
    });

    await t.step(
      "3 partitions, header on partition 0, rows produced first on the others",
      async () => {
        await inDir(async (dir) => {
          const topic = freshTopic();
          await createTopic(broker.plaintext, topic, 3);
          const rows = (from: number, to: number) =>
            Array.from(
              { length: to - from },
              (_, i) => `${from + i},${2 * (from + i) + 1}\n*COMMIT*\n`,
            )
              .join("");
          await kcat(topic, rows(100, 200), dir, 1);
          await kcat(topic, rows(200, 300), dir, 2);
          await kcat(topic, "x,y\n" + rows(0, 100), dir, 0);
          const ran = await sh(`${MAIN} ${b} -t ${topic} --until-end`, dir);
          assert.equal(ran.code, 0, ran.stderr);
          assert.match(ran.stderr, /300 rows, 300 commits, 0 errors/);
          const out = await files(dir);
          assert.equal(out.input.trim().split("\n").length, 301);
          // y = 2x + 1 exactly: the merged fit is exact whatever the order.
          assert.match(out.output.trimEnd().split("\n").at(-1)!, /^1,2,\d+,1$/);
        });
      },
    );

    await t.step(
      "3 partitions, kill -9 at random moments: every row once, the exact fit",
      async () => {
        await inDir(async (dir) => {
          const topic = freshTopic();
          await createTopic(broker.plaintext, topic, 3);
          // y = 3 + x / 4 + noise, rows spread over the three partitions, each with its *COMMIT*.
          const random = new PythonRandom(11);
          const all: string[] = [];
          for (let p = 0; p < 3; p++) {
            const part: string[] = p === 0 ? ["x,y"] : [];
            for (let i = 0; i < 30_000; i++) {
              const x = p * 30_000 + i;
              const row = `${x},${3 + x / 4 + random.random() - 0.5}`;
              all.push(row);
              part.push(row, "*COMMIT*");
            }
            await kcat(topic, part.join("\n") + "\n", dir, p);
          }
          const group = `-X group.id=parts-${topic} ${FAST_GROUP}`;
          let kills = 0;
          for (let life = 0; life < 8; life++) {
            const size = await Deno.stat(`${dir}/regression_input.csv`).then(
              (s) => s.size,
              () => 0,
            );
            const child = spawnMain(`${b} -t ${topic} ${group} --until-end`, dir);
            if (!(await grows(`${dir}/regression_input.csv`, size, child.status))) {
              await finished(child, "a main.ts that reached the end");
              break;
            }
            // librdkafka reads the three partitions at ≈ 200 k rows/s: kill within 150 ms.
            await new Promise((r) => setTimeout(r, Math.floor(random.random() * 150)));
            if (!killed(child)) {
              await finished(child, "a main.ts that reached the end");
              break;
            }
            await finished(child, "a killed main.ts");
            kills++;
          }
          assert.ok(kills >= 3, `only ${kills} kills landed mid-stream`);
          const last = await sh(`${MAIN} ${b} -t ${topic} ${group} --until-end`, dir);
          assert.equal(last.code, 0, last.stderr);
          const out = await files(dir);
          // Every row once (the order across partitions is Kafka's to choose).
          const logged = out.input.trim().split("\n").slice(1)
            .map((line) => line.split(",").slice(0, 2).map((v) => JSON.parse(v)).join(","));
          assert.equal(logged.length, all.length);
          assert.deepEqual([...logged].sort(), [...all].sort());
          // The last fit is the exact fit of all the rows, whatever the order and the restarts.
          const state = new LeastSquares(1);
          for (const row of all) {
            const [x, y] = row.split(",").map(Number);
            state.add([x], y);
          }
          const fit = state.fitValues();
          const [a, bb] = out.output.trimEnd().split("\n").at(-1)!.split(",").map(Number);
          assert.ok(Math.abs(a - fit[0]) <= 1e-12 * Math.abs(fit[0]), `${a} vs ${fit[0]}`);
          assert.ok(Math.abs(bb - fit[1]) <= 1e-12 * Math.abs(fit[1]), `${bb} vs ${fit[1]}`);
        });
      },
    );

    await t.step(
      "two replays with other fetch sizes, and autocommit by timestamps: identical",
      async () => {
        await inDir(async (dir) => {
          const topic = freshTopic();
          // Bursts of rows without *COMMIT*, 2 s apart: the autocommit closes each burst.
          for (let burst = 0; burst < 3; burst++) {
            const header = burst === 0 ? "x,y\n" : "";
            const rows = Array.from({ length: 500 }, (_, i) => `${burst * 500 + i},${i % 7}\n`);
            await kcat(topic, header + rows.join(""), dir);
            await new Promise((r) => setTimeout(r, 2000));
          }
          const small = await reference(
            topic,
            "-X fetch.max.bytes=2048 -X max.partition.fetch.bytes=1024",
          );
          const large = await reference(topic);
          assert.deepEqual(small, large);
          assert.equal(large.input.trim().split("\n").length, 1001); // the last burst waits
        });
      },
    );

    await t.step(
      "records deleted by retention before they were read: an error row and a warning",
      async () => {
        await inDir(async (dir) => {
          const topic = freshTopic();
          const group = `-X group.id=ret-${topic}`;
          await kcat(topic, "x,y\n" + "1,2\n*COMMIT*\n".repeat(10), dir);
          const first = await sh(`${MAIN} ${b} -t ${topic} ${group} --until-end`, dir);
          assert.equal(first.code, 0, first.stderr);
          await kcat(topic, "3,4\n*COMMIT*\n".repeat(10), dir); // offsets 21 to 40
          await deleteRecordsBefore(broker.plaintext, topic, 0, 31);
          const second = await sh(`${MAIN} ${b} -t ${topic} ${group} --until-end`, dir);
          assert.equal(second.code, 0, second.stderr);
          assert.match(second.stderr, /records 21 to 30 of .*\/0 were deleted \(retention\)/);
          const out = await files(dir);
          assert.match(out.errors, /records 21 to 30 of .* were deleted/);
          assert.equal(out.input.trim().split("\n").length, 1 + 10 + 5);
        });
      },
    );

    await t.step(
      "a bad message after the last *COMMIT* is logged once across resumes",
      async () => {
        await inDir(async (dir) => {
          const topic = freshTopic();
          const group = `-X group.id=err-${topic}`;
          await kcat(topic, "x,y\n1,2\n*COMMIT*\nnot a row\n2,é\n3,3\n", dir);
          for (let run = 0; run < 3; run++) {
            const ran = await sh(
              `${MAIN} ${b} -t ${topic} ${group} --until-end --autocommit-ms 0`,
              dir,
            );
            assert.equal(ran.code, 0, ran.stderr);
          }
          await kcat(topic, "*COMMIT*\n", dir);
          const ran = await sh(
            `${MAIN} ${b} -t ${topic} ${group} --until-end --autocommit-ms 0`,
            dir,
          );
          assert.equal(ran.code, 0, ran.stderr);
          const out = await files(dir);
          assert.equal(out.errors.split("\n").filter((l) => l.includes("not a row")).length, 1);
          assert.equal(out.errors.split("\n").filter((l) => l.includes("é")).length, 1);
          assert.equal(out.input, 'x,y,time,diff\n"1","2",0,1\n"3","3",1,1\n');
        });
      },
    );

    await t.step(
      "enable.auto.commit=false keeps earlier outputs; --reset starts over",
      async () => {
        await inDir(async (dir) => {
          const topic = freshTopic();
          const group = `-X group.id=ro-${topic}`;
          await kcat(topic, await line(100, dir), dir);
          const full = await reference(topic);
          assert.equal(
            (await sh(`${MAIN} ${b} -t ${topic} ${group} --max-commits 40`, dir)).code,
            0,
          );
          const before = await files(dir);
          const readOnly = await sh(
            `${MAIN} ${b} -t ${topic} ${group} -X enable.auto.commit=false --until-end`,
            dir,
          );
          assert.equal(readOnly.code, 0, readOnly.stderr);
          const after = await files(dir);
          assert.ok(after.input.startsWith(before.input), "earlier rows kept");
          assert.deepEqual(after, full);
          // Nothing was committed: the group resumes at commit 40 and writes the same again.
          const again = await sh(`${MAIN} ${b} -t ${topic} ${group} --until-end`, dir);
          assert.match(again.stderr, /resuming group "ro-.*" at commit 40\n/);
          assert.deepEqual(await files(dir), full);
          const reset = await sh(`${MAIN} ${b} -t ${topic} ${group} --until-end --reset`, dir);
          assert.equal(reset.code, 0, reset.stderr);
          assert.match(reset.stderr, /started over \(--reset\)/);
          assert.match(reset.stderr, /starting fresh/);
          assert.deepEqual(await files(dir), full);
        });
      },
    );

    await t.step(
      "TLS to a plaintext port says to check the port or security.protocol",
      async () => {
        await inDir(async (dir) => {
          const ran = await sh(`${MAIN} ${b} -X security.protocol=ssl --idle-exit-ms 1000`, dir);
          assert.equal(ran.code, 1);
          assert.match(ran.stderr, /is the port or security\.protocol right\?/);
        });
      },
    );
  },
});
