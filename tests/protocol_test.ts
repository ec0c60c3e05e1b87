import assert from "node:assert/strict";
import { parse } from "csv-parse/sync";
import { PythonRandom } from "../lib/random.ts";
import { COMMIT, Decoder, type Format } from "../lib/protocol.ts";

/** What the decoder made of a message, as one object (a JSON object naming the columns: two). */
type Event =
  | { kind: "header"; columns: readonly string[] }
  | { kind: "row"; values: readonly string[]; diff: 1 | -1; raw: string }
  | { kind: "commit" }
  | { kind: "error"; reason: string; raw: string };

/** Decodes `values` one by one, each as the events it amounts to. */
function decodeWith(decoder: Decoder, values: readonly string[]): Event[] {
  const events: Event[] = [];
  for (const value of values) {
    const kind = decoder.decode(value);
    if (decoder.named) events.push({ kind: "header", columns: decoder.columns ?? [] });
    if (kind === "row") {
      // The values are the message's fields between commas unless the decoder says otherwise;
      // the fields the numbers are read from are the values.
      const values = decoder.values ?? decoder.message.split(",");
      const fields = decoder.fields;
      assert.equal(fields.count, values.length);
      values.forEach((v, i) => assert.equal(fields.text(i), v));
      events.push({ kind: "row", values, diff: decoder.diff, raw: decoder.message });
    } else if (kind === "commit") {
      events.push({ kind: "commit" });
    } else if (kind === "error") {
      events.push({ kind: "error", reason: decoder.reason, raw: decoder.message });
    }
  }
  return events;
}

function decode(format: Format, values: string[]): Event[] {
  return decodeWith(new Decoder({ format }), values);
}

const kinds = (events: Event[]) => events.map((e) => e.kind);
const valuesOf = (e: Event) => e.kind === "row" ? e.values : `no row: ${e.kind}`;
const reasonOf = (e: Event) => e.kind === "error" ? e.reason : `no error: ${e.kind}`;

Deno.test("csv: the first message is the header; a second identical line is an ordinary row", () => {
  const events = decode("csv", ["x,y", "0,1", COMMIT, "x,y", COMMIT]);
  assert.deepEqual(kinds(events), ["header", "row", "commit", "row", "commit"]);
  assert.deepEqual(events[0], { kind: "header", columns: ["x", "y"] });
  assert.deepEqual(events[1], { kind: "row", values: ["0", "1"], diff: 1, raw: "0,1" });
  assert.deepEqual(events[3], { kind: "row", values: ["x", "y"], diff: 1, raw: "x,y" });
});

Deno.test("csv: the header persists across messages", () => {
  const decoder = new Decoder({ format: "csv" });
  decodeWith(decoder, ["x,y"]);
  assert.deepEqual(decoder.columns, ["x", "y"]);
  const [row] = decodeWith(decoder, ["1,2"]);
  assert.equal(row.kind, "row");
});

Deno.test("csv: quoted fields are CSV, not split on commas", () => {
  const events = decode("csv", ['"x","y,z"', '"1","2,5"', '"a ""b""",3']);
  assert.deepEqual(events[0], { kind: "header", columns: ["x", "y,z"] });
  assert.deepEqual(valuesOf(events[1]), ["1", "2,5"]);
  assert.deepEqual(valuesOf(events[2]), ['a "b"', "3"]);
});

Deno.test("csv: bad messages are errors with a reason, the rest decode", () => {
  const events = decode("csv", ["x,y", "1,2,3", "", "   ", '"1,2', "4", "1,2", '1,"2"\n3,4']);
  assert.deepEqual(kinds(events), [
    "header",
    "error",
    "error",
    "error",
    "error",
    "error",
    "row",
    "error",
  ]);
  const reasons = events.flatMap((e) => e.kind === "error" ? [e.reason] : []);
  assert.match(reasons[0], /expected 2 fields \(x,y\), got 3/);
  assert.match(reasons[1], /empty message/);
  assert.match(reasons[2], /empty message/);
  assert.match(reasons[3], /unreadable CSV: .*[Qq]uote/);
  assert.match(reasons[4], /expected 2 fields \(x,y\), got 1/);
  assert.match(reasons[5], /one message must hold one CSV record, this one holds 2/);
  assert.deepEqual(events[1], {
    kind: "error",
    reason: "expected 2 fields (x,y), got 3",
    raw: "1,2,3",
  });
  // Blank as String.prototype.trim sees it, whatever the white space.
  const blank = decode("csv", ["x,y", "\t", "\u00a0", "\ufeff ", " 1,2"]);
  assert.deepEqual(kinds(blank), ["header", "error", "error", "error", "row"]);
});

Deno.test("csv: a header with an empty or repeated name is refused; the next message is tried", () => {
  const events = decode("csv", ["x,x", "x,", "x,y"]);
  assert.deepEqual(kinds(events), ["error", "error", "header"]);
  assert.match(reasonOf(events[0]), /"x" is named twice/);
});

Deno.test("csv: a large batch of plain rows decodes as rows one by one", () => {
  const values = ["x,y", ...Array.from({ length: 5000 }, (_, i) => `${i},${i / 3}`)];
  const events = decode("csv", values);
  assert.equal(events.length, values.length);
  events.slice(1).forEach((e, i) => {
    assert.deepEqual(e, {
      kind: "row",
      values: [`${i}`, `${i / 3}`],
      diff: 1,
      raw: values[i + 1],
    });
  });
});

Deno.test("json: fields by name; the first object names the columns", () => {
  const events = decode("json", ['{"x": 1, "y": "2.5"}', COMMIT, '{"y": 3, "x": 4, "note": "ok"}']);
  assert.deepEqual(kinds(events), ["header", "row", "commit", "row"]);
  assert.deepEqual(events[0], { kind: "header", columns: ["x", "y"] });
  assert.deepEqual(valuesOf(events[1]), ["1", "2.5"]);
  assert.deepEqual(valuesOf(events[3]), ["4", "3"]);
});

Deno.test("json: bad messages are errors", () => {
  const events = decode("json", [
    '{"x": 1, "y": 2}',
    "{x: 1}",
    "[1, 2]",
    '{"x": 1}',
    '{"x": null, "y": 1}',
    "7",
  ]);
  assert.deepEqual(kinds(events), ["header", "row", "error", "error", "error", "error", "error"]);
  const reasons = events.flatMap((e) => e.kind === "error" ? [e.reason] : []);
  assert.match(reasons[0], /invalid JSON/);
  assert.match(reasons[1], /expected a JSON object/);
  assert.match(reasons[2], /field "y" is missing/);
  assert.match(reasons[3], /field "x" is not a number or string \(object\)/);
});

Deno.test("json: given columns are read from every object", () => {
  const decoder = new Decoder({ format: "json", columns: ["y", "x"] });
  const [row] = decodeWith(decoder, ['{"x": 1, "y": 2, "z": 3}']);
  assert.deepEqual(row, {
    kind: "row",
    values: ["2", "1"],
    diff: 1,
    raw: '{"x": 1, "y": 2, "z": 3}',
  });
});

Deno.test("raw: the whole message is the column data", () => {
  const decoder = new Decoder({ format: "raw" });
  assert.deepEqual(decoder.columns, ["data"]);
  assert.deepEqual(decodeWith(decoder, ['a,b,"c', COMMIT]), [
    { kind: "row", values: ['a,b,"c'], diff: 1, raw: 'a,b,"c' },
    { kind: "commit" },
  ]);
});

Deno.test("csv: a diff column marks retractions; it is not one of the columns", () => {
  const events = decode("csv", ["x,diff,y", "0,1,1", "2,-1,5", "3,-1.0,5", "4,2,0", "5,,0"]);
  assert.deepEqual(kinds(events), ["header", "row", "row", "row", "error", "error"]);
  assert.deepEqual(events[0], { kind: "header", columns: ["x", "y"] });
  assert.deepEqual(events[2], { kind: "row", values: ["2", "5"], diff: -1, raw: "2,-1,5" });
  assert.equal(events[1].kind === "row" && events[1].diff, 1);
  assert.equal(events[3].kind === "row" && events[3].diff, -1);
  assert.equal(reasonOf(events[4]), 'column "diff": "2" is not 1 (insert) or -1 (retract)');
  assert.equal(reasonOf(events[5]), 'column "diff": "" is not 1 (insert) or -1 (retract)');
  assert.match(reasonOf(decode("csv", ["x,diff,y", "1,2"])[1]), /3 fields \(x,diff,y\), got 2/);
  assert.match(reasonOf(decode("csv", ["diff"])[0]), /no column names besides "diff"/);
  assert.match(reasonOf(decode("csv", ["x,diff,diff"])[0]), /"diff" is named twice/);
  // Without a diff column every row is an insertion; the header is the columns.
  const decoder = new Decoder({ format: "csv" });
  decodeWith(decoder, ["y,diff,x"]);
  assert.deepEqual(decoder.columns, ["y", "x"]);
  assert.deepEqual(decoder.header, ["y", "diff", "x"]);
});

Deno.test("json: a diff field marks retractions, in any object", () => {
  const events = decode("json", [
    '{"x": 1, "y": 2}',
    '{"x": 1, "y": 2, "diff": -1}',
    '{"diff": "-1", "y": 2, "x": 1}',
    '{"x": 1, "y": 2, "diff": 1}',
    '{"x": 1, "y": 2, "diff": 0}',
    '{"x": 1, "y": 2, "diff": null}',
  ]);
  assert.deepEqual(kinds(events), ["header", "row", "row", "row", "row", "error", "error"]);
  assert.deepEqual(events.flatMap((e) => e.kind === "row" ? [e.diff] : []), [1, -1, -1, 1]);
  assert.deepEqual(valuesOf(events[3]), ["1", "2"]);
  assert.equal(reasonOf(events[5]), 'field "diff": "0" is not 1 (insert) or -1 (retract)');
  assert.equal(reasonOf(events[6]), 'field "diff": null is not 1 (insert) or -1 (retract)');
  // The first object's diff is not a column.
  const first = decode("json", ['{"diff": -1, "x": 1, "y": 2}']);
  assert.deepEqual(first[0], { kind: "header", columns: ["x", "y"] });
  assert.equal(first[1].kind === "row" && first[1].diff, -1);
});

Deno.test("csv: records without quotes or line breaks decode as csv-parse reads them", () => {
  const rng = new PythonRandom(5);
  const pieces = ["0", "-1.5e3", "", " ", "a b", "x", "é", "\t", ";", "'", "#", "\\"];
  for (let trial = 0; trial < 2000; trial++) {
    const fields = Array.from(
      { length: 1 + Math.floor(rng.random() * 4) },
      () => pieces[Math.floor(rng.random() * pieces.length)],
    );
    const line = fields.join(",");
    if (line.trim() === "") continue;
    const decoder = new Decoder({ format: "csv" });
    decodeWith(decoder, [Array.from(fields, (_, i) => `c${i}`).join(",")]);
    const [event] = decodeWith(decoder, [line]);
    assert.deepEqual(valuesOf(event), parse(line, { relax_column_count: true })[0], line);
  }
});

Deno.test("a row's values are left to its message exactly when they are its fields between commas", () => {
  const decoder = new Decoder({ format: "csv" });
  const plain = ["x,y", "1,2", '"3",4', COMMIT, "bad"].map((value) => {
    const kind = decoder.decode(value);
    return kind === "row" ? decoder.values === undefined : kind;
  });
  assert.deepEqual(plain, ["header", true, false, "commit", "error"]);
  const withDiff = new Decoder({ format: "csv" });
  withDiff.decode("x,y,diff");
  assert.equal(withDiff.decode("1,2,1"), "row");
  assert.deepEqual(withDiff.values, ["1", "2"]); // not the message's three fields
});

Deno.test("a trailing \\r is no part of a message: CRLF input decodes as LF input", () => {
  const lf = decode("csv", ["x,y", "0,1", COMMIT]);
  const crlf = decode("csv", ["x,y\r", "0,1\r", `${COMMIT}\r`]);
  assert.deepEqual(crlf, lf);
});

Deno.test("a message the source knows is gone is an error with its reason", () => {
  const decoder = new Decoder({ format: "csv" });
  assert.equal(decoder.refuse("", "records 5..9 were deleted before they were read"), "error");
  assert.match(decoder.reason, /deleted before they were read/);
});
