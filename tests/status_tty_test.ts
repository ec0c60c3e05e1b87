/**
 * The status line on a real terminal: main.ts runs in a tmux pane (a private tmux server on a
 * socket of this test's own), typed in with send-keys; the pane is read with capture-pane.
 * Skipped, saying so, where tmux is missing.
 */

import assert from "node:assert/strict";
import { ROOT } from "./cli.ts";

const hasTmux = new Deno.Command("sh", { args: ["-c", "command -v tmux"], stdout: "null" })
  .outputSync().success;
if (!hasTmux) console.warn("status_tty_test: tmux is missing, so the terminal test is skipped");

async function tmux(socket: string, ...args: string[]): Promise<string> {
  const out = await new Deno.Command("tmux", { args: ["-L", socket, ...args], stderr: "piped" })
    .output();
  const text = new TextDecoder();
  if (!out.success) throw new Error(`tmux ${args.join(" ")}: ${text.decode(out.stderr)}`);
  return text.decode(out.stdout);
}

Deno.test({
  name: "on a terminal: one status line redrawn in place, then the summary alone",
  ignore: !hasTmux,
  async fn() {
    const socket = `kafka-regression-test-${Deno.pid}`;
    const dir = await Deno.makeTempDir({ prefix: "kafka-regression-tty-" });
    try {
      await tmux(
        socket,
        "-f",
        "/dev/null",
        "new-session",
        "-d",
        "-s",
        "t",
        "-x",
        "150",
        "-y",
        "30",
        "sh",
      );
      await tmux(socket, "set-option", "-g", "history-limit", "100");
      const deno = Deno.execPath();
      const command = `cd ${dir} && NO_COLOR=1 "${deno}" run -q "${ROOT}producer.ts" --stdout ` +
        `--count 12 --interval-ms 250 --header-delay-ms 0 | NO_COLOR=1 "${deno}" run -q -A ` +
        `"${ROOT}main.ts" --from - --output /dev/null; echo "exit=$?"`;
      await tmux(socket, "send-keys", "-t", "t", command, "Enter");
      const screen = () => tmux(socket, "capture-pane", "-p", "-t", "t");
      // While rows arrive: one line with the rate, the counts and the fit.
      const deadline = Date.now() + 20_000;
      let during = "";
      while (Date.now() < deadline) {
        during = await screen();
        if (/rows\/s │ [5-9] rows, [5-9] commits, 0 errors │ a = /.test(during)) break;
        await new Promise((resolve) => setTimeout(resolve, 100));
      }
      const statusLines = during.split("\n").filter((l) => l.includes("rows/s"));
      assert.equal(statusLines.length, 1, during);
      assert.match(
        statusLines[0],
        /^\d+(\.\d+)? rows\/s │ \d+ rows, \d+ commits, 0 errors │ a = \S+, b = \S+$/,
      );
      const rate = Number(statusLines[0].split(" ")[0]);
      assert.ok(rate >= 1.5 && rate <= 8, `about 4 rows/s, not ${rate}`);
      // At the end: the summary, with the status line cleared away.
      let after = "";
      while (Date.now() < deadline + 10_000) {
        after = await screen();
        if (/^exit=\d+$/m.test(after)) break;
        await new Promise((resolve) => setTimeout(resolve, 100));
      }
      assert.match(after, /^main\.ts: 12 rows, 12 commits, 0 errors$/m);
      assert.match(after, /^exit=0$/m);
      assert.ok(!after.includes("rows/s"), after);
      // Ctrl-C mid-run: the line is cleared and the summary printed, as at the end.
      await tmux(socket, "send-keys", "-t", "t", "clear", "Enter");
      await tmux(
        socket,
        "send-keys",
        "-t",
        "t",
        command.replace("--count 12", "--count 1000"),
        "Enter",
      );
      let running = "";
      while (Date.now() < deadline + 20_000 && !/ 3 rows, 3 commits/.test(running)) {
        running = await screen();
        await new Promise((resolve) => setTimeout(resolve, 100));
      }
      await tmux(socket, "send-keys", "-t", "t", "C-c");
      let stopped = "";
      while (Date.now() < deadline + 30_000 && !/^exit=\d+$/m.test(stopped)) {
        stopped = await screen();
        await new Promise((resolve) => setTimeout(resolve, 100));
      }
      assert.match(stopped, /^main\.ts: \d+ rows?, \d+ commits?, 0 errors$/m);
      assert.ok(!stopped.includes("rows/s"), stopped);
    } finally {
      await tmux(socket, "kill-server").catch(() => {});
      await Deno.remove(dir, { recursive: true });
    }
  },
});
