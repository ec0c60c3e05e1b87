/**
 * The producer against a real Kafka broker: the permission prompts on a terminal (under tmux),
 * and riding out a broker outage.
 */

import assert from "node:assert/strict";
import { librdkafkaPath } from "../io/kafka/library.ts";
import { testBroker } from "../testing/broker.ts";
import { deno, inDir, sh } from "./cli.ts";
import { answeringPrompts, hasTmux } from "./terminal.ts";

let topics = 0;
const freshTopic = () => `p${Date.now()}-${++topics}`;
const delay = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

Deno.test({
  name: "producer against a real Kafka broker",
  sanitizeOps: false,
  sanitizeResources: false,
  async fn(t) {
    await using broker = await testBroker();

    await t.step({
      name: "on a terminal, deno run producer.ts asks once to read librdkafka, once to load it",
      ignore: !hasTmux,
      async fn() {
        const library = await librdkafkaPath(); // fetched once beforehand, as after a first run
        await inDir(async (dir) => {
          const command = `${deno("producer.ts", "")} -b ${broker.plaintext} -t ${freshTopic()} ` +
            "--count 2 --interval-ms 0 --header-delay-ms 0";
          const { asked, pane, code } = await answeringPrompts(command, dir);
          assert.equal(code, 0, pane);
          assert.deepEqual(
            asked,
            [`read access to "${library}"`, "ffi access"],
            `${asked}\n${pane}`,
          );
          assert.match(pane, /producer\.ts: sent 2 rows/, pane);
        });
      },
    });

    await t.step({
      name: "a broker stopped for about 5 s mid-run: every row arrives once, in order",
      ignore: broker.kind !== "local",
      async fn() {
        if (broker.kind !== "local") return;
        const topic = freshTopic();
        const flags = "--count 100 --interval-ms 50 --header-delay-ms 0";
        const expected = await sh(`${deno("producer.ts", "")} --stdout ${flags}`);
        const produced = sh(
          `${deno("producer.ts", "--allow-read --allow-ffi")} -b ${broker.plaintext} -t ${topic} ` +
            flags,
        );
        await delay(2_000); // about 40 rows in
        await broker.restart({ downMs: 5_000 });
        {
          const ran = await produced;
          assert.equal(ran.code, 0, ran.stderr);
          assert.equal(ran.stderr.match(/lost the connection to Kafka/g)?.length, 1, ran.stderr);
          assert.match(ran.stderr, /lost the connection to Kafka at .* after \d+ rows; retrying/);
          assert.match(ran.stderr, /the connection is back after \d+\.\d s; sending on/);
          assert.match(ran.stderr, /sent 100 rows/);
          const read = await sh(`kcat -C -b ${broker.plaintext} -t ${topic} -e -q`);
          assert.equal(read.code, 0, read.stderr);
          // Exactly the messages --stdout prints: none lost, none twice, in order.
          assert.equal(read.stdout, expected.stdout);
        }
      },
    });
  },
});
