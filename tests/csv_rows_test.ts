import assert from "node:assert/strict";
import { stringify } from "csv-stringify/sync";
import { changeLine, changeValues, errorLine, headerLine, inputLine } from "../lib/csv_rows.ts";
import { PythonRandom } from "../lib/random.ts";
import { TextBytes } from "../lib/text_bytes.ts";

/** What `write` writes, as text. */
function written(write: (out: TextBytes) => void): string {
  const out = new TextBytes(4); // small: lines make it grow
  write(out);
  return out.textOf(0, out.length);
}

const rng = new PythonRandom(11);
const pick = <T>(items: readonly T[]): T => items[Math.floor(rng.random() * items.length)];
const PIECES = [
  "0",
  "1.5",
  "-2e-7",
  "",
  " ",
  "a,b",
  'say "hi"',
  '"',
  "line\nbreak",
  "\r",
  "é∑😀",
  "x",
  ",",
];
const NUMBERS = [
  0,
  -0,
  1,
  -1.5,
  0.1 + 0.2,
  1e21,
  1e-7,
  5e-324,
  Number.MAX_VALUE,
  123456789.125,
  NaN,
];

Deno.test("input lines are csv-stringify's text with quoted strings, for any values", () => {
  for (let trial = 0; trial < 2000; trial++) {
    const values = Array.from(
      { length: 1 + Math.floor(rng.random() * 3) },
      () => pick(PIECES) + pick(PIECES),
    );
    const diff = pick([1, -1] as const);
    const expected = stringify([[...values, trial, diff]], { quoted_string: true });
    assert.equal(
      written((out) => inputLine(out, "", values, trial, diff)),
      expected,
      JSON.stringify(values),
    );
    // A message whose fields between commas are the values stands for them.
    const message = values.join(",");
    if (!/["\r\n]/.test(message)) {
      const fields = message.split(",");
      const split = stringify([[...fields, trial, diff]], { quoted_string: true });
      assert.equal(written((out) => inputLine(out, message, undefined, trial, diff)), split);
    }
  }
  assert.equal(
    written((out) => inputLine(out, "0,0.06888437030500963", undefined, 0, 1)),
    '"0","0.06888437030500963",0,1\n',
  );
});

Deno.test("change lines are csv-stringify's text, numbers in shortest round-trip form", () => {
  for (let trial = 0; trial < 500; trial++) {
    const values = [pick(NUMBERS), pick(NUMBERS) * rng.random(), pick(NUMBERS)].slice(
      0,
      1 + Math.floor(rng.random() * 3),
    );
    const diff = pick([1, -1] as const);
    const text = new TextBytes(1);
    changeValues(text, values);
    assert.equal(
      written((out) => changeLine(out, text, trial, diff)),
      stringify([[...values, trial, diff]]),
    );
  }
});

Deno.test("error lines are csv-stringify's text, quoted where needed", () => {
  for (let trial = 0; trial < 2000; trial++) {
    const row = [0, 1, 2].map(() => pick(PIECES) + pick(PIECES) + pick(PIECES));
    assert.equal(
      written((out) => errorLine(out, row[0], row[1], row[2])),
      stringify([row]),
      JSON.stringify(row),
    );
  }
});

Deno.test("headers and error lines quote what needs quoting", () => {
  assert.equal(headerLine(["x", "y"]), "x,y,time,diff\n");
  assert.equal(headerLine(["a,b", 'q"']), '"a,b","q""",time,diff\n');
  assert.equal(
    written((out) => errorLine(out, "t/0@5", 'column "y": bad', '1,"2\n')),
    't/0@5,"column ""y"": bad","1,""2\n"\n',
  );
});
