/**
 * The producer against a real Kafka broker: the one permission prompt on a terminal (under
 * tmux), and riding out a broker outage.
 */

import assert from "node:assert/strict";
import { testBroker } from "../testing/broker.ts";
import { deno, inDir, sh } from "./cli.ts";

const hasTmux = (await sh("command -v tmux")).code === 0;

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
      name: "on a terminal, deno run producer.ts asks for permission exactly once",
      ignore: !hasTmux,
      async fn() {
        await inDir(async (dir) => {
          // The broker advertises 127.0.0.1: bootstrapping from localhost means two addresses.
          const bootstrap = broker.plaintext.replace(/^127\.0\.0\.1:/, "localhost:");
          const session = `kafka-regression-prompt-${Deno.pid}`;
          const command = `${deno("producer.ts", "")} -b ${bootstrap} -t ${freshTopic()} ` +
            `--count 2 --interval-ms 0 --header-delay-ms 0; echo EXIT=$?; sleep 60`;
          const tmux = (args: string) => sh(`tmux ${args}`, dir);
          assert.equal(
            (await tmux(`new-session -d -s ${session} -x 200 -y 50 '${command}'`)).code,
            0,
          );
          try {
            // Answer y while a prompt shows (Deno drops keys typed before it reads them), then
            // count the prompts in the whole history: each starts with "Deno requests".
            const count = (text: string, pattern: RegExp) => text.match(pattern)?.length ?? 0;
            let pane = "";
            const deadline = Date.now() + 60_000;
            while (!pane.includes("EXIT=") && Date.now() < deadline) {
              await delay(300);
              pane = (await tmux(`capture-pane -p -t ${session}`)).stdout;
              if (/Allow\?/.test(pane)) await tmux(`send-keys -t ${session} y Enter`);
            }
            pane = (await tmux(`capture-pane -p -S - -t ${session}`)).stdout;
            assert.match(pane, /EXIT=0/, pane);
            assert.equal(count(pane, /Deno requests/g), 1, pane);
            assert.equal(count(pane, /Granted net access/g), 1, pane);
            assert.match(pane, /producer\.ts: sent 2 rows/, pane);
          } finally {
            await tmux(`kill-session -t ${session}`);
          }
        });
      },
    });
  },
});
