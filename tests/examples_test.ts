/**
 * The examples of `examples/README.md`, run as written: each `deno run -A main.ts --from
 * examples/…` command of the README (in a temporary folder, so that the files it writes land
 * there), and the settings file resolved as the scripts resolve it.
 */

import assert from "node:assert/strict";
import { resolveKafka } from "../io/kafka/options.ts";
import { assertSameChangeStream, deno, inDir, REFERENCE_DIR, ROOT, sh } from "./cli.ts";

const EXAMPLES = `${ROOT}examples/`;
const readme = Deno.readTextFileSync(`${EXAMPLES}README.md`);
const referenceOutput = Deno.readTextFileSync(`${REFERENCE_DIR}regression_output_stream.csv`);

/** The README's command that reads `file`, as written there. */
function command(file: string): string {
  const found = readme.split("\n").find((line) =>
    line.startsWith("deno run -A main.ts --from examples/" + file)
  );
  assert.ok(found, `examples/README.md has a command for ${file}`);
  return found;
}

/** Runs a README command in a temporary folder: main.ts and examples/ as in the repository. */
async function run(readmeCommand: string, extra = "") {
  const script = readmeCommand
    .replace("deno run -A main.ts", deno("main.ts"))
    .replace("examples/", EXAMPLES);
  return await inDir(async (dir) => {
    const ran = await sh(`${script} ${extra}`, dir);
    assert.equal(ran.code, 0, ran.stderr);
    assert.equal(await Deno.readTextFile(`${dir}/regression_errors.csv`), "position,reason,raw\n");
    return ran;
  });
}

Deno.test("examples/json_messages.txt: the reference run as JSON messages", async () => {
  const readmeCommand = command("json_messages.txt");
  assert.match(readmeCommand, /--format json --output -$/);
  const ran = await run(readmeCommand);
  assertSameChangeStream(ran.stdout, referenceOutput);
  assert.match(ran.stdout, /\n0\.025649728471302445,0\.9958341214647296,9,1\n$/);
  assert.match(ran.stderr, /10 rows, 10 commits, 0 errors/);
});

Deno.test("examples/multi_feature.txt: y = 1 + 2u + 3w, exactly", async () => {
  const readmeCommand = command("multi_feature.txt");
  const expected = "a,b_u,b_w,time,diff\n0,0,0,0,1\n0,0,0,1,-1\n1,2,3,1,1\n";
  const ran = await run(readmeCommand);
  assert.equal(ran.stdout, expected);
  assert.ok(readme.includes(expected.trimEnd()), "examples/README.md shows the output");
  assert.match(ran.stderr, /6 rows, 3 commits, 0 errors/);
  // With --stats, the third commit counts all six rows, on the plane: r2 = 1, no residual.
  const stats = await run(readmeCommand, "--stats");
  assert.equal(stats.stdout.split("\n")[0], "a,b_u,b_w,n,r2,se,se_a,se_b_u,se_b_w,time,diff");
  assert.equal(stats.stdout.trimEnd().split("\n").at(-1), "1,2,3,6,1,0,0,0,0,2,1");
});

Deno.test("examples/rdkafka_settings.json: the article's settings, the password from the environment", async () => {
  const file = `${EXAMPLES}rdkafka_settings.json`;
  const object = JSON.parse(await Deno.readTextFile(file));
  assert.equal(object["sasl.password"], undefined, "no password in the file");
  const previous = Deno.env.get("KAFKA_SASL_PASSWORD");
  Deno.env.set("KAFKA_SASL_PASSWORD", "from-the-environment");
  try {
    const settings = await resolveKafka({ settings: file, set: [] });
    assert.deepEqual(settings.brokers, ["server-address:9092"]);
    assert.equal(settings.securityProtocol, "sasl_ssl");
    assert.deepEqual(settings.sasl, {
      mechanism: "SCRAM-SHA-256",
      username: "username",
      password: "from-the-environment",
    });
    assert.equal(settings.groupId, "$GROUP_NAME");
    assert.equal(settings.sessionTimeoutMs, 6000);
    // -b and -X override the file, as examples/README.md says.
    const overridden = await resolveKafka({
      settings: file,
      set: ["sasl.username=alice", "group.id=mine"],
      "bootstrap-servers": "broker.example.com:9093",
    });
    assert.deepEqual(overridden.brokers, ["broker.example.com:9093"]);
    assert.equal(overridden.sasl?.username, "alice");
    assert.equal(overridden.groupId, "mine");
  } finally {
    if (previous === undefined) Deno.env.delete("KAFKA_SASL_PASSWORD");
    else Deno.env.set("KAFKA_SASL_PASSWORD", previous);
  }
});
