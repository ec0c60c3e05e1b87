/**
 * `--output-topic` against a real Kafka broker: the change stream in a topic, exactly once, read
 * with isolation.level=read_committed (kcat) — for the reference run, and across kill -9 of
 * main.ts at random moments mid-stream.
 */

import assert from "node:assert/strict";
import { Kafka } from "kafkajs";
import { testBroker } from "../testing/broker.ts";
import { assertSameChangeStream, deno, inDir, REFERENCE_DIR, sh } from "./cli.ts";

const referenceInput = Deno.readTextFileSync(`${REFERENCE_DIR}regression_input.csv`);
const referenceOutput = Deno.readTextFileSync(`${REFERENCE_DIR}regression_output_stream.csv`);
const MAIN = deno("main.ts");

/** The reference's messages, one per line: header x,y, then each row followed by *COMMIT*. */
const referenceMessages = () =>
  "x,y\n" + referenceInput.trimEnd().split("\n").slice(1)
    .map((line) => `${line.split(",").slice(0, 2).map((v) => JSON.parse(v)).join(",")}\n*COMMIT*\n`)
    .join("");

let topics = 0;
const freshTopic = () => `o${Date.now()}-${++topics}`;

/** The topic's messages as a read_committed consumer sees them, to its end (kcat). */
async function readCommitted(bootstrap: string, topic: string, dir: string): Promise<string[]> {
  const ran = await sh(
    `kcat -C -b ${bootstrap} -t ${topic} -o beginning -e -q -X isolation.level=read_committed ` +
      `-f '%s\\n'`,
    dir,
    { timeoutMs: 60_000 },
  );
  assert.equal(ran.code, 0, ran.stderr);
  return ran.stdout.split("\n").filter((line) => line !== "");
}

/** JSON change rows back to the CSV text of a change stream in `columns`, then time and diff. */
function toCsv(objects: readonly string[], columns: readonly string[]): string {
  const keys = [...columns, "time", "diff"];
  let text = keys.join(",") + "\n";
  for (const object of objects) {
    const row = JSON.parse(object) as Record<string, number>;
    assert.deepEqual(Object.keys(row), keys, object);
    text += keys.map((k) => String(row[k])).join(",") + "\n";
  }
  return text;
}

/** Each (time, diff) of a change stream's JSON rows once: the duplicates, if any. */
function duplicates(objects: readonly string[]): string[] {
  const seen = new Set<string>();
  const twice: string[] = [];
  for (const object of objects) {
    const { time, diff } = JSON.parse(object) as { time: number; diff: number };
    const key = `${time}/${diff}`;
    if (seen.has(key)) twice.push(key);
    seen.add(key);
  }
  return twice;
}

Deno.test({
  name: "--output-topic against a real Kafka broker",
  sanitizeOps: false,
  sanitizeResources: false,
  async fn(t) {
    // A short session lets a run restarted after kill -9 join the group soon after: only a
    // broker of our own allows it (testing/broker.ts sets group.min.session.timeout.ms=1000).
    await using broker = await testBroker();
    const local = broker.kind === "local";
    const plain = `-b ${broker.plaintext}`;
    const session = local ? "-X session.timeout.ms=1500 -X heartbeat.interval.ms=300" : "";

    await t.step("the reference run: the topic holds the CSV file's change stream", async () => {
      await inDir(async (dir) => {
        const [input, output] = [freshTopic(), freshTopic()];
        await Deno.writeTextFile(`${dir}/messages.txt`, referenceMessages());
        const kcat = await sh(`kcat -P ${plain} -t ${input} -p 0 -l messages.txt`, dir);
        assert.equal(kcat.code, 0, kcat.stderr);
        const ran = await sh(
          `${MAIN} ${plain} -t ${input} -X group.id=g-${input} --output-topic ${output} ` +
            "--max-commits 10",
          dir,
        );
        assert.equal(ran.code, 0, ran.stderr);
        assert.match(ran.stderr, /isolation\.level=read_committed/);
        const file = Deno.readTextFileSync(`${dir}/regression_output_stream.csv`);
        assertSameChangeStream(file, referenceOutput);
        const objects = await readCommitted(broker.plaintext, output, dir);
        assert.equal(toCsv(objects, ["a", "b"]), file);
        // The offsets went with the rows, and the checkpoint with the offsets.
        const kafka = new Kafka({ brokers: [broker.plaintext], logLevel: 0 });
        const admin = kafka.admin();
        await admin.connect();
        try {
          const [offsets] = await admin.fetchOffsets({ groupId: `g-${input}`, topics: [input] });
          const [committed] = offsets.partitions;
          assert.equal(committed.offset, "21");
          // The checkpoint after commit 9: its counter is at 10.
          const checkpoint = JSON.parse(committed.metadata ?? "{}");
          assert.deepEqual([checkpoint.time, checkpoint.rows], [10, 10], committed.metadata ?? "");
        } finally {
          await admin.disconnect();
        }
      });
    });

    await t.step("usage errors: with --from, or the topic read", async () => {
      const withFrom = await sh(`${MAIN} --from /dev/null --output-topic out`);
      assert.equal(withFrom.code, 2);
      assert.match(withFrom.stderr, /--output-topic needs Kafka input/);
      const same = await sh(`${MAIN} -t in --output-topic in`);
      assert.equal(same.code, 2);
      assert.match(same.stderr, /is the topic read/);
      const noCommit = await sh(
        `${MAIN} ${plain} -t in --output-topic out -X enable.auto.commit=false`,
      );
      assert.equal(noCommit.code, 2);
      assert.match(noCommit.stderr, /enable\.auto\.commit/);
    });

    await t.step(
      "kill -9 at random moments: each change row once, as an uninterrupted run's",
      async () => {
        await inDir(async (dir) => {
          const [input, output] = [freshTopic(), freshTopic()];
          const lines = ["x,y"];
          for (let i = 0; i < 100_000; i++) {
            lines.push(`${(i % 1000) / 10},${(3 * i + 7 * ((i * 7919) % 13)) / 100}`, "*COMMIT*");
          }
          await Deno.writeTextFile(`${dir}/messages.txt`, lines.join("\n") + "\n");
          // Small record batches and small fetches: a fetch per 40 messages, so the run takes
          // seconds, a transaction after each batch read, and the kills land mid-stream.
          const kcat = await sh(
            `kcat -P ${plain} -t ${input} -p 0 -X batch.num.messages=40 -l messages.txt`,
            dir,
          );
          assert.equal(kcat.code, 0, kcat.stderr);
          const common = `${plain} -t ${input} --until-end -X max.partition.fetch.bytes=1024 ` +
            `--autocommit-ms 0 --quiet ${session}`;
          const uninterrupted = await sh(
            `${MAIN} ${common} -X group.id=ref-${input} --output ref.csv --input-log ref_in.csv ` +
              "--errors ref_err.csv",
            dir,
          );
          assert.equal(uninterrupted.code, 0, uninterrupted.stderr);
          const expected = Deno.readTextFileSync(`${dir}/ref.csv`);
          assert.match(expected, /,99999,1\n$/);

          const args = `${common} -X group.id=eos-${input} --output-topic ${output}`;
          const file = `${dir}/regression_output_stream.csv`;
          const size = () => {
            try {
              return Deno.statSync(file).size;
            } catch {
              return 0;
            }
          };
          const kills: string[] = [];
          let finished = false;
          for (let attempt = 0; attempt < 8 && !finished; attempt++) {
            const last = attempt >= 4; // after four kills, one run to the end
            const child = new Deno.Command("sh", {
              args: ["-c", `exec ${MAIN} ${args}`],
              cwd: dir,
              stdin: "null",
              stdout: "null",
              stderr: "piped",
            }).spawn();
            const stderr = new Response(child.stderr).text();
            if (!last) {
              // Mid-stream: once this run has written something, a random moment later.
              const before = size();
              const deadline = Date.now() + 60_000;
              while (size() <= before && Date.now() < deadline) {
                await new Promise((r) => setTimeout(r, 20));
              }
              const delay = Math.floor(Math.random() * 1000);
              await new Promise((r) => setTimeout(r, delay));
              try {
                child.kill("SIGKILL");
                kills.push(`after ${delay} ms at ${before} → ${size()} bytes`);
              } catch {
                // it ended already
              }
            }
            const timer = setTimeout(() => {
              try {
                child.kill("SIGKILL");
              } catch {
                // gone
              }
            }, 120_000);
            const started = Date.now();
            const status = await child.status;
            clearTimeout(timer);
            console.log(
              `run ${attempt}: ${status.signal ?? status.code} in ${Date.now() - started} ms`,
            );
            const text = await stderr;
            if (status.code === 0) finished = true;
            else assert.equal(status.signal, "SIGKILL", text);
          }
          assert.ok(finished, "a run reached the end");
          assert.ok(kills.length >= 2, `killed mid-stream: ${kills.join("; ")}`);
          console.log(`killed ${kills.length} times: ${kills.join("; ")}`);

          // The files, which resume from the checkpoint, hold the same stream.
          assert.equal(Deno.readTextFileSync(file), expected);
          const objects = await readCommitted(broker.plaintext, output, dir);
          assert.deepEqual(duplicates(objects), [], "each change row once");
          assert.equal(toCsv(objects, ["a", "b"]), expected);
          // What aborted transactions left in the log is hidden from read_committed readers.
          const all = await sh(
            `kcat -C -b ${broker.plaintext} -t ${output} -o beginning -e -q -f '%s\\n' ` +
              "-X isolation.level=read_uncommitted",
            dir,
            { timeoutMs: 60_000 },
          );
          const uncommitted = all.stdout.split("\n").filter((l) => l !== "").length;
          console.log(
            `read_uncommitted sees ${uncommitted} rows, read_committed ${objects.length}`,
          );
          assert.ok(uncommitted >= objects.length);
        });
      },
    );
  },
});
