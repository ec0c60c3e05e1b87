import assert from "node:assert/strict";
import { parseOptions, UsageError } from "../io/args.ts";

const OPTIONS = {
  from: { type: "string" },
  slope: { type: "string", default: "1" },
  stats: { type: "boolean", default: false },
  set: { type: "string", short: "X", multiple: true, default: [] as string[] },
} as const;

function refused(args: string[], pattern: RegExp) {
  assert.throws(() => parseOptions(args, OPTIONS), (e: unknown) => {
    assert.ok(e instanceof UsageError, String(e));
    assert.match(e.message, pattern);
    return true;
  }, args.join(" "));
}

Deno.test("negative numbers are values of string options, in every form", () => {
  for (const value of ["-2", "-1.5", "-.5", "-1e3", "-Infinity"]) {
    assert.equal(parseOptions(["--slope", value], OPTIONS).slope, value);
    assert.equal(parseOptions([`--slope=${value}`], OPTIONS).slope, value);
  }
  assert.deepEqual(parseOptions(["-X", "-3", "--set", "-4"], OPTIONS).set, ["-3", "-4"]);
  assert.equal(parseOptions(["--from", "-"], OPTIONS).from, "-");
  assert.equal(parseOptions([], OPTIONS).slope, "1");
});

Deno.test("unknown options suggest the nearest known one", () => {
  refused(["--frm", "x"], /^unknown option '--frm' \(did you mean '--from'\?\)$/);
  refused(["--form", "x"], /did you mean '--from'\?/);
  refused(["--sl", "2"], /did you mean '--slope'\?/); // a prefix
  refused(["--zzzzzzzz"], /^unknown option '--zzzzzzzz'$/);
  refused(["-z"], /^unknown option '-z'$/);
});

Deno.test("missing values, values of flags and stray words are usage errors", () => {
  refused(["--from"], /^--from needs a value$/);
  refused(["--from", "--stats"], /--from needs a value, .* '--stats' .*--from=--stats/);
  refused(["--stats=yes"], /^--stats takes no value/);
  refused(["--stats", "1"], /^unexpected argument '1' \(--stats takes no value\)$/);
  refused(["oops"], /^unexpected argument 'oops'$/);
  // A word that is not a number after an option is still an option, not a value.
  refused(["--slope", "-x"], /--slope needs a value/);
});
