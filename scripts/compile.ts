/**
 * `deno task compile`: single executables of both scripts with `deno compile` — `kafka-regression`
 * (main.ts) and `kafka-regression-producer` — each
 * with the least permissions it needs. `deno compile` builds on Deno's runtime for the platform
 * (denort), which it downloads on first use; where that cannot be fetched, this says so and how to
 * give it one (DENORT_BIN), and fails.
 *
 * @module
 */

import { parseArgs } from "node:util";

const { values } = parseArgs({
  options: {
    out: { type: "string", default: "dist" },
    help: { type: "boolean", short: "h", default: false },
  },
});
if (values.help) {
  console.log(`Usage: deno task compile [--out DIR]

Builds DIR/kafka-regression and DIR/kafka-regression-producer (default DIR: dist).`);
  Deno.exit(0);
}

const root = new URL("..", import.meta.url).pathname;
const out = values.out;
const PROGRAMS = [
  {
    name: "kafka-regression",
    script: "main.ts",
    flags: [
      "--v8-flags=--max-semi-space-size=8",
      "--allow-read",
      "--allow-write",
      "--allow-net",
      "--allow-ffi",
      "--allow-env=KAFKA_SASL_PASSWORD,KAFKA_REGRESSION_LIBRDKAFKA",
    ],
  },
  {
    name: "kafka-regression-producer",
    script: "producer.ts",
    flags: [
      "--allow-net",
      "--allow-read",
      "--allow-write",
      "--allow-ffi",
      "--allow-env=KAFKA_SASL_PASSWORD,KAFKA_REGRESSION_LIBRDKAFKA",
    ],
  },
];

await Deno.mkdir(out, { recursive: true });
for (const program of PROGRAMS) {
  const target = `${out}/${program.name}`;
  const compiled = await new Deno.Command(Deno.execPath(), {
    args: [
      "compile",
      "--config",
      `${root}deno.json`,
      ...program.flags,
      "--output",
      target,
      `${root}${program.script}`,
    ],
    stdout: "inherit",
    stderr: "piped",
  }).output();
  const stderr = new TextDecoder().decode(compiled.stderr);
  if (!compiled.success) {
    const runtime = /denort|dl\.deno\.land|dns error|download/i.test(stderr);
    console.error(
      runtime
        ? `compile: deno compile could not get Deno's runtime for this platform (denort), which ` +
          `it downloads from dl.deno.land on first use. Run this where that site is reachable, or ` +
          `give it a denort binary of Deno ${Deno.version.deno}: ` +
          `DENORT_BIN=/path/to/denort deno task compile.\n` +
          `deno compile said:\n${stderr.trim()}`
        : `compile: deno compile failed for ${program.script}:\n${stderr.trim()}`,
    );
    Deno.exit(1);
  }
  console.error(`compile: built ${target}`);
}
