import assert from "node:assert/strict";
import { parse } from "csv-parse/sync";
import { PythonRandom } from "../lib/random.ts";
import { COMMIT, type DecodedEvent, Decoder, type Format } from "../lib/protocol.ts";

/** A decoder whose events leave out `index` and `split` (tested on their own below). */
class BareDecoder extends Decoder {
  override decode(messages: Parameters<Decoder["decode"]>[0]): DecodedEvent[] {
    return super.decode(messages).map((event) => {
      const { index: _index, ...rest } = event;
      if (rest.kind !== "row") return rest as DecodedEvent;
      const { split: _split, ...row } = rest;
      return row as DecodedEvent;
    });
  }
}

function decode(format: Format, values: string[]): DecodedEvent[] {
  return new BareDecoder({ format }).decode(
    values.map((value, i) => ({ value, position: `m${i}` })),
  );
}

const kinds = (events: DecodedEvent[]) => events.map((e) => e.kind);
const valuesOf = (e: DecodedEvent) => e.kind === "row" ? e.values : `no row: ${e.kind}`;
const reasonOf = (e: DecodedEvent) => e.kind === "error" ? e.reason : `no error: ${e.kind}`;

Deno.test("csv: the first message is the header; a second identical line is an ordinary row", () => {
  const events = decode("csv", ["x,y", "0,1", COMMIT, "x,y", COMMIT]);
  assert.deepEqual(kinds(events), ["header", "row", "commit", "row", "commit"]);
  assert.deepEqual(events[0], { kind: "header", columns: ["x", "y"], position: "m0" });
  assert.deepEqual(events[1], {
    kind: "row",
    values: ["0", "1"],
    diff: 1,
    position: "m1",
    raw: "0,1",
  });
  assert.deepEqual(events[3], {
    kind: "row",
    values: ["x", "y"],
    diff: 1,
    position: "m3",
    raw: "x,y",
  });
});

Deno.test("csv: the header persists across batches", () => {
  const decoder = new BareDecoder({ format: "csv" });
  decoder.decode([{ value: "x,y", position: "1" }]);
  assert.deepEqual(decoder.columns, ["x", "y"]);
  const [row] = decoder.decode([{ value: "1,2", position: "2" }]);
  assert.equal(row.kind, "row");
});

Deno.test("csv: quoted fields are CSV, not split on commas", () => {
  const events = decode("csv", ['"x","y,z"', '"1","2,5"', '"a ""b""",3']);
  assert.deepEqual(events[0], { kind: "header", columns: ["x", "y,z"], position: "m0" });
  assert.deepEqual(valuesOf(events[1]), ["1", "2,5"]);
  assert.deepEqual(valuesOf(events[2]), ['a "b"', "3"]);
});

Deno.test("csv: bad messages are error events with position and reason, the rest decode", () => {
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
    position: "m1",
    reason: "expected 2 fields (x,y), got 3",
    raw: "1,2,3",
  });
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
      position: `m${i + 1}`,
      raw: values[i + 1],
    });
  });
});

Deno.test("json: fields by name; the first object names the columns", () => {
  const events = decode("json", ['{"x": 1, "y": "2.5"}', COMMIT, '{"y": 3, "x": 4, "note": "ok"}']);
  assert.deepEqual(kinds(events), ["header", "row", "commit", "row"]);
  assert.deepEqual(events[0], { kind: "header", columns: ["x", "y"], position: "m0" });
  assert.deepEqual(valuesOf(events[1]), ["1", "2.5"]);
  assert.deepEqual(valuesOf(events[3]), ["4", "3"]);
});

Deno.test("json: bad messages are error events", () => {
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
  const decoder = new BareDecoder({ format: "json", columns: ["y", "x"] });
  const [row] = decoder.decode([{ value: '{"x": 1, "y": 2, "z": 3}', position: "p" }]);
  assert.deepEqual(row, {
    kind: "row",
    values: ["2", "1"],
    diff: 1,
    position: "p",
    raw: '{"x": 1, "y": 2, "z": 3}',
  });
});

Deno.test("raw: the whole message is the column data", () => {
  const decoder = new BareDecoder({ format: "raw" });
  assert.deepEqual(decoder.columns, ["data"]);
  const events = decoder.decode([{ value: 'a,b,"c', position: "p" }, {
    value: COMMIT,
    position: "q",
  }]);
  assert.deepEqual(events, [
    { kind: "row", values: ['a,b,"c'], diff: 1, position: "p", raw: 'a,b,"c' },
    { kind: "commit", position: "q" },
  ]);
});

Deno.test("csv: a diff column marks retractions; it is not one of the columns", () => {
  const events = decode("csv", ["x,diff,y", "0,1,1", "2,-1,5", "3,-1.0,5", "4,2,0", "5,,0"]);
  assert.deepEqual(kinds(events), ["header", "row", "row", "row", "error", "error"]);
  assert.deepEqual(events[0], { kind: "header", columns: ["x", "y"], position: "m0" });
  assert.deepEqual(events[2], {
    kind: "row",
    values: ["2", "5"],
    diff: -1,
    position: "m2",
    raw: "2,-1,5",
  });
  assert.equal(events[1].kind === "row" && events[1].diff, 1);
  assert.equal(events[3].kind === "row" && events[3].diff, -1);
  assert.equal(reasonOf(events[4]), 'column "diff": "2" is not 1 (insert) or -1 (retract)');
  assert.equal(reasonOf(events[5]), 'column "diff": "" is not 1 (insert) or -1 (retract)');
  assert.match(reasonOf(decode("csv", ["x,diff,y", "1,2"])[1]), /3 fields \(x,diff,y\), got 2/);
  assert.match(reasonOf(decode("csv", ["diff"])[0]), /no column names besides "diff"/);
  assert.match(reasonOf(decode("csv", ["x,diff,diff"])[0]), /"diff" is named twice/);
  // Without a diff column every row is an insertion; the header is the columns.
  const decoder = new BareDecoder({ format: "csv" });
  decoder.decode([{ value: "y,diff,x", position: "1" }]);
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
  assert.deepEqual(first[0], { kind: "header", columns: ["x", "y"], position: "m0" });
  assert.equal(first[1].kind === "row" && first[1].diff, -1);
});

Deno.test("timestamps of messages are kept on rows and commits", () => {
  const decoder = new BareDecoder({ format: "csv" });
  const events = decoder.decode([
    { value: "x,y", position: "a", timestamp: 5 },
    { value: "1,2", position: "b", timestamp: 7 },
    { value: COMMIT, position: "c", timestamp: 9 },
    { value: "3,4", position: "d" },
  ]);
  assert.deepEqual(events.map((e) => "timestamp" in e ? e.timestamp : undefined), [
    undefined,
    7,
    9,
    undefined,
  ]);
  assert.equal("timestamp" in events[3], false);
  const json = new BareDecoder({ format: "json" }).decode([
    { value: '{"x":1,"y":2}', position: "p", timestamp: 11 },
  ]);
  assert.equal(json[1].kind === "row" && json[1].timestamp, 11);
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
    const decoder = new BareDecoder({ format: "csv" });
    decoder.decode([{ value: Array.from(fields, (_, i) => `c${i}`).join(","), position: "h" }]);
    const [event] = decoder.decode([{ value: line, position: "p" }]);
    assert.deepEqual(valuesOf(event), parse(line, { relax_column_count: true })[0], line);
  }
});

Deno.test("every event names its message's index; split rows are exactly raw.split(',')", () => {
  const events = new Decoder({ format: "csv" }).decode(
    ["x,y", "1,2", '"3",4', COMMIT, "bad"].map((value) => ({ value, position: "p" })),
  );
  assert.deepEqual(events.map((e) => e.index), [0, 1, 2, 3, 4]);
  assert.deepEqual(events.map((e) => e.kind === "row" ? e.split : "-"), [
    "-",
    true,
    false,
    "-",
    "-",
  ]);
});

Deno.test("a trailing \\r is no part of a message: CRLF input decodes as LF input", () => {
  const lf = decode("csv", ["x,y", "0,1", COMMIT]);
  const crlf = decode("csv", ["x,y\r", "0,1\r", `${COMMIT}\r`]);
  assert.deepEqual(crlf, lf);
});

Deno.test("a message the source marks as an error is an error event with its reason", () => {
  const [event] = new Decoder({ format: "csv" }).decode([
    { value: "", position: "t/0@5", error: "records 5..9 were deleted before they were read" },
  ]);
  assert.equal(event.kind, "error");
  assert.match(reasonOf(event), /deleted before they were read/);
});
