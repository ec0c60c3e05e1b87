import assert from "node:assert/strict";
import { stringify } from "csv-stringify/sync";
import { changeLines, errorLines, headerLine, inputLines } from "../lib/csv_rows.ts";
import { PythonRandom } from "../lib/random.ts";

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
];
const NUMBERS = [0, -0, 1, -1.5, 0.1 + 0.2, 1e21, 1e-7, 5e-324, Number.MAX_VALUE, 123456789.125];

Deno.test("input lines are csv-stringify's text with quoted strings, for any values", () => {
  for (let trial = 0; trial < 500; trial++) {
    const rows = Array.from({ length: 1 + Math.floor(rng.random() * 4) }, (_, i) => ({
      values: Array.from({ length: 2 }, () => pick(PIECES) + pick(PIECES)),
      time: trial + i,
      diff: 1 as const,
    }));
    const expected = stringify(rows.map((r) => [...r.values, r.time, r.diff]), {
      quoted_string: true,
    });
    assert.equal(inputLines(rows), expected, JSON.stringify(rows));
  }
  assert.equal(inputLines([]), "");
  assert.equal(
    inputLines([{ values: ["0", "0.06888437030500963"], time: 0, diff: 1 }]),
    '"0","0.06888437030500963",0,1\n',
  );
});

Deno.test("change lines are csv-stringify's text, numbers in shortest round-trip form", () => {
  for (let trial = 0; trial < 200; trial++) {
    const rows = Array.from({ length: 1 + Math.floor(rng.random() * 3) }, () => ({
      values: [pick(NUMBERS), pick(NUMBERS) * rng.random(), pick(NUMBERS)],
      time: trial,
      diff: pick([1, -1] as const),
    }));
    assert.equal(changeLines(rows), stringify(rows.map((r) => [...r.values, r.time, r.diff])));
  }
  assert.equal(changeLines([{ values: [0.1, 2], time: 3, diff: -1 }]), "0.1,2,3,-1\n");
  assert.equal(changeLines([]), "");
});

Deno.test("headers and error lines quote what needs quoting", () => {
  assert.equal(headerLine(["x", "y"]), "x,y,time,diff\n");
  assert.equal(headerLine(["a,b", 'q"']), '"a,b","q""",time,diff\n');
  assert.equal(
    errorLines([{ position: "t/0@5", reason: 'column "y": bad', raw: '1,"2\n' }]),
    't/0@5,"column ""y"": bad","1,""2\n"\n',
  );
});
