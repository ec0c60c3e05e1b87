import assert from "node:assert/strict";
import { deno, inDir, ROOT, sh } from "./cli.ts";

const version = JSON.parse(Deno.readTextFileSync(`${ROOT}deno.json`)).version;
const denoDir = Deno.execPath().slice(0, Deno.execPath().lastIndexOf("/"));

Deno.test("--version on both scripts: deno.json's version", async () => {
  assert.match(version, /^\d+\.\d+\.\d+$/);
  const main = await sh(`${deno("main.ts")} --version`);
  assert.equal(main.stdout, `main.ts ${version}\n`);
  const producer = await sh(`${deno("producer.ts", "")} --version`); // no permission needed
  assert.equal(producer.stdout, `producer.ts ${version}\n`);
});

Deno.test("deno task install: commands that name themselves in their messages", async () => {
  await inDir(async (dir) => {
    const installed = await sh(
      `PATH="${denoDir}:$PATH" DENO_INSTALL_ROOT="${dir}" "${Deno.execPath()}" task install`,
    );
    assert.equal(installed.code, 0, installed.stderr);
    const bin = `PATH="${denoDir}:$PATH" "${dir}/bin/kafka-regression"`;
    assert.equal((await sh(`${bin} --version`, dir)).stdout, `kafka-regression ${version}\n`);
    const bad = await sh(`${bin} --bogus`, dir);
    assert.equal(bad.code, 2);
    assert.equal(
      bad.stderr,
      "kafka-regression: unknown option '--bogus'\nTry 'kafka-regression --help'.\n",
    );
    const ran = await sh(
      `PATH="${denoDir}:$PATH" "${dir}/bin/kafka-regression-producer" --stdout --interval-ms 0 ` +
        `--header-delay-ms 0 --count 3 | ${bin} --from - --output -`,
      dir,
    );
    assert.equal(ran.code, 0, ran.stderr);
    assert.equal(ran.stdout.split("\n")[0], "a,b,time,diff");
    assert.match(ran.stderr, /^kafka-regression: 3 rows, 3 commits, 0 errors$/m);
  });
});

Deno.test("deno task compile: executables, or a clear reason why not", async () => {
  await inDir(async (dir) => {
    const compiled = await sh(`"${Deno.execPath()}" task compile --out "${dir}"`);
    if (compiled.code !== 0) {
      // Here Deno's runtime (denort) cannot be downloaded: the task must say so and what to do.
      assert.match(compiled.stderr, /could not get Deno's runtime .*DENORT_BIN=/s);
      return;
    }
    assert.equal(
      (await sh(`"${dir}/kafka-regression" --version`)).stdout,
      `kafka-regression ${version}\n`,
    );
    const ran = await sh(
      `"${dir}/kafka-regression-producer" --stdout --interval-ms 0 --header-delay-ms 0 --count 3 | ` +
        `"${dir}/kafka-regression" --from - --output -`,
      dir,
    );
    assert.equal(ran.code, 0, ran.stderr); // the worker is in the executable
    assert.match(ran.stderr, /^kafka-regression: 3 rows, 3 commits, 0 errors$/m);
  });
});
