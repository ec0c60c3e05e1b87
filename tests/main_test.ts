import assert from "node:assert/strict";
import { assertSameChangeStream, deno, inDir, REFERENCE_DIR, sh } from "./cli.ts";

const referenceInput = Deno.readTextFileSync(`${REFERENCE_DIR}regression_input.csv`);
const referenceOutput = Deno.readTextFileSync(`${REFERENCE_DIR}regression_output_stream.csv`);

Deno.test("producer | main reproduces the reference run", async () => {
  await inDir(async (dir) => {
    const ran = await sh(
      `${deno("producer.ts", "")} --stdout --interval-ms 0 --header-delay-ms 0 | ${
        deno("main.ts")
      } --from -`,
      dir,
    );
    assert.equal(ran.code, 0, ran.stderr);
    assert.match(ran.stderr, /10 rows, 10 commits, 0 errors/);
    assert.equal(await Deno.readTextFile(`${dir}/regression_input.csv`), referenceInput);
    assertSameChangeStream(
      await Deno.readTextFile(`${dir}/regression_output_stream.csv`),
      referenceOutput,
    );
    assert.equal(await Deno.readTextFile(`${dir}/regression_errors.csv`), "position,reason,raw\n");
  });
});

Deno.test("--output - prints the change stream; the other files go where they are told", async () => {
  await inDir(async (dir) => {
    const ran = await sh(
      `${deno("producer.ts", "")} --stdout --interval-ms 0 --header-delay-ms 0 | ` +
        `${deno("main.ts")} --from - --output - --input-log in.csv --errors err.csv`,
      dir,
    );
    assert.equal(ran.code, 0, ran.stderr);
    assertSameChangeStream(ran.stdout, referenceOutput);
    assert.equal(await Deno.readTextFile(`${dir}/in.csv`), referenceInput);
    assert.deepEqual([...Deno.readDirSync(dir)].map((e) => e.name).sort(), ["err.csv", "in.csv"]);
  });
});

Deno.test("bad input is logged with its line and reason; nothing is lost; exit 0", async () => {
  await inDir(async (dir) => {
    await Deno.writeTextFile(
      `${dir}/in.txt`,
      "x,y\r\n0,1\n1,oops\n\"2\",'5'\n*COMMIT*\n1,3\n*COMMIT*\n9,9\n",
    );
    const ran = await sh(`${deno("main.ts")} --from in.txt --output -`, dir);
    assert.equal(ran.code, 0, ran.stderr);
    assert.match(ran.stderr, /2 rows, 2 commits, 3 errors \(see regression_errors\.csv\)/);
    assert.equal(ran.stdout, "a,b,time,diff\n0,0,0,1\n0,0,1,-1\n1,2,1,1\n");
    assert.equal(
      await Deno.readTextFile(`${dir}/regression_errors.csv`),
      "position,reason,raw\n" +
        'in.txt:3,"column ""y"": ""oops"" is not a decimal number","1,oops"\n' +
        `in.txt:4,"column ""y"": ""'5'"" is not a decimal number","""2"",'5'"\n` +
        'end of input,"no *COMMIT* followed this row before the input ended, so it was not counted","9,9"\n',
    );
    assert.equal(
      await Deno.readTextFile(`${dir}/regression_input.csv`),
      'x,y,time,diff\n"0","1",0,1\n"1","3",1,1\n',
    );
  });
});

Deno.test("json input fits like csv", async () => {
  await inDir(async (dir) => {
    await Deno.writeTextFile(
      `${dir}/in.jsonl`,
      '{"x":0,"y":1}\n*COMMIT*\n{"x":1,"y":3}\n*COMMIT*\n',
    );
    const ran = await sh(`${deno("main.ts")} --from in.jsonl --format json --output -`, dir);
    assert.equal(ran.code, 0, ran.stderr);
    assert.equal(ran.stdout, "a,b,time,diff\n0,0,0,1\n0,0,1,-1\n1,2,1,1\n");
  });
});

Deno.test("usage errors, refusals and --help", async () => {
  await inDir(async (dir) => {
    const help = await sh(`${deno("main.ts")} --help`, dir);
    assert.equal(help.code, 0);
    assert.match(help.stdout, /--from FILE/);
    assert.match(help.stdout, /-X, --set KEY=VALUE/);
    const badFlag = await sh(`${deno("main.ts")} --frm x`, dir);
    assert.equal(badFlag.code, 2);
    assert.match(badFlag.stderr, /^main\.ts: unknown option '--frm' \(did you mean '--from'\?\)\n/);
    assert.match(badFlag.stderr, /\nTry 'deno run -A main\.ts --help'\.\n$/);
    const raw = await sh(`${deno("main.ts")} --from - --format raw`, dir);
    assert.equal(raw.code, 2);
    assert.match(raw.stderr, /--format raw cannot be fitted: .* no numbers/);
    assert.match(raw.stderr, /--format csv .* --format json/);
    assert.doesNotMatch(raw.stderr, /choose the target with --target/);
    assert.doesNotMatch(raw.stderr, /rows, .* commits/); // refused before anything started
    await Deno.mkdir(`${dir}/some-folder`);
    const folder = await sh(`${deno("main.ts")} --from some-folder/ --output -`, dir);
    assert.equal(folder.code, 2);
    assert.match(folder.stderr, /^main\.ts: --from some-folder\/ is a directory: give a file/);
    assert.doesNotMatch(folder.stderr, /os error 21|rows, .* commits/);
    const negative = await sh(`${deno("main.ts")} --from - --window -5`, dir);
    assert.equal(negative.code, 2);
    assert.match(negative.stderr, /--window must be a whole number, not "-5"/);
    const noColumns = await sh(
      `printf 'a,b\\n1,2\\n*COMMIT*\\n' | ${deno("main.ts")} --from -`,
      dir,
    );
    assert.equal(noColumns.code, 1);
    assert.match(noColumns.stderr, /stdin:1: the columns are a,b, with no "y" to fit/);
    assert.match(noColumns.stderr, /choose the target with --target/);
    const unwritable = await sh(
      `printf 'x,y\\n0,1\\n*COMMIT*\\n' | ${deno("main.ts")} --from - --output no/such/dir.csv`,
      dir,
    );
    assert.equal(unwritable.code, 1);
    assert.match(
      unwritable.stderr,
      /^main\.ts: cannot open the output files: .*no\/such\/dir\.csv/,
    );
    const full = await sh(
      `printf 'x,y\\n0,1\\n*COMMIT*\\n' | ${deno("main.ts")} --from - --output /dev/full`,
      dir,
    );
    assert.equal(full.code, 1);
    assert.match(full.stderr, /No space left on device/);
    const missing = await sh(`${deno("main.ts")} --from nowhere.txt`, dir);
    assert.equal(missing.code, 2);
    assert.match(missing.stderr, /^main\.ts: cannot read --from nowhere\.txt: No such file/);
  });
});

Deno.test("long runs report progress on standard error", async () => {
  await inDir(async (dir) => {
    const ran = await sh(
      `${deno("producer.ts", "")} --stdout --count 100000 --interval-ms 0 --header-delay-ms 0 | ` +
        `${deno("main.ts")} --from - --progress-ms 20 --output /dev/null`,
      dir,
    );
    assert.equal(ran.code, 0, ran.stderr);
    const lines = ran.stderr.trimEnd().split("\n");
    assert.ok(lines.length >= 2, ran.stderr);
    assert.match(lines[0], /^main\.ts: \d+ rows, \d+ commits, 0 errors \(\d+(\.\d+)? rows\/s\)$/);
    assert.equal(lines.at(-1), "main.ts: 100000 rows, 100000 commits, 0 errors");
    const quiet = await sh(
      `printf 'x,y\\n0,1\\n*COMMIT*\\n' | ${deno("main.ts")} --from - --progress-ms 0 --output -`,
      dir,
    );
    assert.equal(quiet.stderr, "main.ts: 1 row, 1 commit, 0 errors\n");
  });
});

Deno.test("a closed standard output (| head -3) ends the run quietly, with status 0", async () => {
  await inDir(async (dir) => {
    const made = await sh(
      `${deno("producer.ts", "")} --stdout --count 100000 --interval-ms 0 --header-delay-ms 0 ` +
        "> in.txt",
      dir,
    );
    assert.equal(made.code, 0, made.stderr);
    // sh has no pipefail: main's own status is written to stderr.
    const ran = await sh(
      `{ ${deno("main.ts")} --from in.txt --output -; echo "main.ts exit $?" >&2; } | head -3`,
      dir,
    );
    assert.equal(ran.stdout, "a,b,time,diff\n0,0,0,1\n0,0,1,-1\n");
    assert.match(ran.stderr, /main\.ts exit 0\n$/);
    assert.doesNotMatch(ran.stderr, /Broken pipe|os error 32|closed by its reader/);
  });
});

Deno.test("a full disk ends the run with status 1, naming the file", async () => {
  await inDir(async (dir) => {
    const ran = await sh(
      `printf 'x,y\\n0,1\\n*COMMIT*\\n' | ${deno("main.ts")} --from - --output /dev/full`,
      dir,
    );
    assert.equal(ran.code, 1, ran.stderr);
    assert.match(ran.stderr, /cannot write \/dev\/full: No space left on device/);
    assert.doesNotMatch(ran.stderr, /Uncaught|at file:/);
  });
});

Deno.test("several topics, or a name Kafka refuses, are usage errors", async () => {
  await inDir(async (dir) => {
    for (const topic of ["-t a -t b", "-t a,b", "-t 'bad name'"]) {
      const ran = await sh(`${deno("main.ts")} ${topic}`, dir);
      assert.equal(ran.code, 2, ran.stderr);
      assert.match(ran.stderr, /one topic at a time|is not a Kafka topic name/);
    }
  });
});
