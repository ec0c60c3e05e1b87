/**
 * The live page end to end: main.ts reads rows from a pipe the test writes to as it goes, serves
 * --serve on 127.0.0.1, and a headless Chromium (npm playwright-core driving Debian's
 * /usr/bin/chromium) watches `#fit` follow each new commit. Without /usr/bin/chromium the browser
 * test is skipped (and says so); `.ci/install-system` installs it.
 */

import assert from "node:assert/strict";
import { ROOT } from "./cli.ts";

const CHROMIUM = "/usr/bin/chromium";
const hasChromium = (() => {
  try {
    return Deno.statSync(CHROMIUM).isFile;
  } catch {
    return false;
  }
})();
if (!hasChromium) {
  console.warn(
    `live_view_test: ${CHROMIUM} is missing, so the browser test is skipped ` +
      "(apt-get install -y chromium, or bash .ci/install-system as root)",
  );
}

/** A running main.ts whose standard input the test writes. */
class Runner {
  readonly child: Deno.ChildProcess;
  readonly #writer: WritableStreamDefaultWriter<Uint8Array>;
  readonly #lines: AsyncIterator<string>;
  stderr = "";

  constructor(dir: string, args: string[]) {
    this.child = new Deno.Command(Deno.execPath(), {
      args: ["run", "-q", "-A", `${ROOT}main.ts`, "--from", "-", ...args],
      cwd: dir,
      stdin: "piped",
      stdout: "null",
      stderr: "piped",
      env: { NO_COLOR: "1" },
    }).spawn();
    this.#writer = this.child.stdin.getWriter();
    this.#lines = this.child.stderr.pipeThrough(new TextDecoderStream()).pipeThrough(lineSplitter())
      [Symbol.asyncIterator]();
  }

  /** Sends lines to main.ts. */
  async send(...lines: string[]): Promise<void> {
    await this.#writer.write(new TextEncoder().encode(lines.map((l) => `${l}\n`).join("")));
  }

  /** The first stderr line that matches, within `ms`. */
  async waitFor(pattern: RegExp, ms = 15_000): Promise<RegExpMatchArray> {
    const deadline = Date.now() + ms;
    while (Date.now() < deadline) {
      const next = await Promise.race([
        this.#lines.next(),
        new Promise<"late">((resolve) => setTimeout(() => resolve("late"), deadline - Date.now())),
      ]);
      if (next === "late" || next.done) break;
      this.stderr += next.value + "\n";
      const match = next.value.match(pattern);
      if (match !== null) return match;
    }
    throw new Error(`no line matching ${pattern} within ${ms} ms; stderr:\n${this.stderr}`);
  }

  /** Ends the input; resolves to the exit status, within `ms`. */
  async end(ms = 15_000): Promise<number> {
    await this.#writer.close();
    const timer = setTimeout(() => this.child.kill("SIGKILL"), ms);
    try {
      for (let line = await this.#lines.next(); !line.done; line = await this.#lines.next()) {
        this.stderr += line.value + "\n";
      }
      return (await this.child.status).code;
    } finally {
      clearTimeout(timer);
    }
  }
}

function lineSplitter(): TransformStream<string, string> {
  let rest = "";
  return new TransformStream({
    transform(chunk, controller) {
      const parts = (rest + chunk).split("\n");
      rest = parts.pop() ?? "";
      for (const part of parts) controller.enqueue(part);
    },
    flush(controller) {
      if (rest !== "") controller.enqueue(rest);
    },
  });
}

async function inTempDir(body: (dir: string) => Promise<void>): Promise<void> {
  const dir = await Deno.makeTempDir({ prefix: "kafka-regression-live-" });
  try {
    await body(dir);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
}

/** Polls `probe` until it returns a value, within `ms`. */
async function eventually<T>(probe: () => Promise<T | undefined>, ms = 10_000): Promise<T> {
  const deadline = Date.now() + ms;
  let last: unknown;
  while (Date.now() < deadline) {
    try {
      const value = await probe();
      if (value !== undefined) return value;
    } catch (e) {
      last = e;
    }
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  throw new Error(`not within ${ms} ms${last ? `: ${last}` : ""}`);
}

Deno.test("--serve: GET /fit and /events follow the commits; --plot is written at exit", async () => {
  await inTempDir(async (dir) => {
    const run = new Runner(dir, ["--serve", "0", "--stats", "--plot", "fit.svg", "--output", "-"]);
    try {
      const [, url] = await run.waitFor(/the live view is at (http:\/\/127\.0\.0\.1:\d+\/)/);
      const before = await fetch(`${url}fit`);
      assert.equal(before.status, 404);
      await before.body?.cancel();
      await run.send("x,y", "0,1", "*COMMIT*", "1,3", "*COMMIT*");
      const fit = await eventually(async () => {
        const response = await fetch(`${url}fit`);
        const row = response.ok ? await response.json() : await response.body?.cancel();
        return row?.time === 1 ? row : undefined;
      });
      assert.deepEqual(fit, { a: 1, b: 2, n: 2, r2: 1, se: 0, se_a: 0, se_b: 0, time: 1 });
      // The event stream: its first event is the current state, then one per update.
      const events = await fetch(`${url}events`, { signal: AbortSignal.timeout(10_000) });
      assert.equal(events.headers.get("content-type"), "text/event-stream");
      const reader = events.body!.pipeThrough(new TextDecoderStream()).getReader();
      let text = "";
      const nextFit = async (want: string) => {
        while (!text.includes(`"fit":"${want}"`)) {
          const { value, done } = await reader.read();
          if (done) throw new Error(`the event stream ended before ${want}: ${text}`);
          text += value;
        }
      };
      await nextFit("a = 1, b = 2, n = 2, r2 = 1");
      await run.send("2,7", "*COMMIT*");
      await nextFit("a = 0.6667, b = 3, n = 3, r2 = 0.9643");
      await reader.cancel();
      const page = await fetch(url);
      assert.match(page.headers.get("content-type") ?? "", /^text\/html/);
      assert.match(await page.text(), /id="fit"/);
      assert.equal(await run.end(), 0, run.stderr);
      assert.match(run.stderr, /main\.ts: 3 rows, 3 commits, 0 errors/);
      const svg = await Deno.readTextFile(`${dir}/fit.svg`);
      assert.equal(svg.match(/<circle /g)?.length, 3);
      assert.match(svg, /<title>y ≈ a \+ b·x: a = 0\.6667, b = 3, n = 3, r2 = 0\.9643<\/title>/);
      await assert.rejects(fetch(`${url}fit`)); // the server stopped with the run
      assert.deepEqual([...Deno.readDirSync(dir)].map((e) => e.name).sort(), [
        "fit.svg",
        "regression_errors.csv",
        "regression_input.csv",
      ]); // no temporary file left
    } finally {
      try {
        run.child.kill("SIGKILL");
      } catch { /* ended */ }
      await run.child.status;
    }
  });
});

Deno.test("--serve: a taken port, and an address not this machine's, are refused", async () => {
  const listener = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  try {
    await inTempDir(async (dir) => {
      const serve = async (address: string) => {
        const ran = await new Deno.Command(Deno.execPath(), {
          args: ["run", "-q", "-A", `${ROOT}main.ts`, "--from", "/dev/null", "--serve", address],
          stdout: "null",
          stderr: "piped",
          cwd: dir,
        }).output();
        return { code: ran.code, stderr: new TextDecoder().decode(ran.stderr) };
      };
      const taken = await serve(String((listener.addr as Deno.NetAddr).port));
      assert.equal(taken.code, 1);
      assert.match(taken.stderr, /^main\.ts: --serve 127\.0\.0\.1:\d+: the port is taken; choose/);
      const foreign = await serve("192.0.2.1:0"); // TEST-NET-1: never this machine's
      assert.equal(foreign.code, 1);
      assert.match(foreign.stderr, /--serve 192\.0\.2\.1:0: not an address of this machine/);
    });
  } finally {
    listener.close();
  }
});

Deno.test({
  name: "the live page in headless Chromium: #fit follows new commits",
  ignore: !hasChromium,
  async fn() {
    const { chromium } = await import("playwright-core");
    await inTempDir(async (dir) => {
      const run = new Runner(dir, ["--serve", "127.0.0.1:0", "--output", "/dev/null"]);
      const browser = await chromium.launch({
        executablePath: CHROMIUM,
        args: [
          "--no-sandbox",
          "--disable-gpu",
          "--no-first-run",
          "--disable-background-networking",
          "--disable-component-update",
          "--disable-sync",
        ],
        timeout: 30_000,
      });
      try {
        const [, url] = await run.waitFor(/the live view is at (http:\/\/127\.0\.0\.1:\d+\/)/);
        const page = await browser.newPage();
        const requests: string[] = [];
        page.on("request", (request) => requests.push(request.url()));
        await page.goto(url, { timeout: 10_000 });
        const fitIs = (text: string) =>
          page.waitForFunction(
            `document.getElementById("fit")?.textContent === ${JSON.stringify(text)}`,
            undefined,
            { timeout: 10_000 },
          );
        await run.send("x,y", "0,1", "*COMMIT*");
        await fitIs("a = 0, b = 0");
        await run.send("1,3", "*COMMIT*");
        await fitIs("a = 1, b = 2");
        await run.send("2,7", "*COMMIT*");
        await fitIs("a = 0.6667, b = 3");
        // The picture: a circle per point and the fitted line, drawn in the page.
        assert.equal(await page.locator("#plot svg circle").count(), 3);
        assert.equal(await page.locator("#plot svg line.fit").count(), 1);
        assert.equal(await page.locator("#history svg polyline").count(), 2);
        assert.match(await page.textContent("#counts") ?? "", /^3 rows, 3 commits, 0 errors$/);
        // Nothing was fetched from anywhere but the server.
        for (const r of requests) assert.ok(r.startsWith(url), r);
        assert.equal(await run.end(), 0, run.stderr);
      } finally {
        await browser.close();
        try {
          run.child.kill("SIGKILL");
        } catch { /* ended */ }
        await run.child.status;
      }
    });
  },
});
