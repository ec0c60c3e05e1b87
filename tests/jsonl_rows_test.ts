import assert from "node:assert/strict";
import { parse } from "csv-parse/sync";
import { headerLine } from "../lib/csv_rows.ts";
import { jsonChange, jsonKeys, jsonValues } from "../lib/jsonl_rows.ts";
import { messageBatch } from "../lib/message_batch.ts";
import { changeText, type OutputFormat, outputFormat } from "../lib/output_format.ts";
import { OutputText } from "../lib/output_text.ts";
import { Pipeline } from "../lib/pipeline.ts";
import { TextBytes } from "../lib/text_bytes.ts";
import { assertSameChangeStream, deno, inDir, REFERENCE_DIR, sh } from "./cli.ts";

const referenceOutput = Deno.readTextFileSync(`${REFERENCE_DIR}regression_output_stream.csv`);

/** The reference run's messages: header, then each row followed by *COMMIT*. */
function referenceMessages(): string[] {
  const rows = parse(Deno.readTextFileSync(`${REFERENCE_DIR}regression_input.csv`), {
    columns: true,
  }) as Record<string, string>[];
  return ["x,y", ...rows.flatMap((r) => [`${r.x},${r.y}`, "*COMMIT*"])];
}

/** JSON Lines back to CSV text in `columns`, then time and diff. */
function jsonlToCsv(text: string, columns: readonly string[]): string {
  const lines = text.trimEnd().split("\n").map((l) => JSON.parse(l) as Record<string, number>);
  for (const object of lines) assert.deepEqual(Object.keys(object), [...columns, "time", "diff"]);
  return headerLine(columns) +
    lines.map((o) => [...columns, "time", "diff"].map((c) => o[c]).join(",") + "\n").join("");
}

/** The reference run's change stream in `format`, with its JSON objects (`--output-topic`). */
function referenceRun(format: OutputFormat) {
  const text = new OutputText({ format, messages: true });
  text.headers(true, true);
  const pipeline = new Pipeline({ format: "csv" });
  pipeline.process([messageBatch(referenceMessages())], 0, text);
  assert.deepEqual(pipeline.outputColumns, ["a", "b"]);
  return text.take();
}

Deno.test("JSON Lines hold the same change stream as the CSV for the reference run", () => {
  const columns = ["a", "b"];
  const utf8 = new TextDecoder();
  const { output, messages } = referenceRun("csv");
  const csv = utf8.decode(output);
  assertSameChangeStream(csv, referenceOutput);
  const jsonl = utf8.decode(referenceRun("jsonl").output);
  assert.equal(jsonl.split("\n").length - 1, csv.split("\n").length - 2); // an object a row
  assert.equal(jsonl, messages.map((m) => m + "\n").join("")); // the topic's messages
  assert.equal(jsonlToCsv(jsonl, columns), csv); // the same digits
  assertSameChangeStream(jsonlToCsv(jsonl, columns), referenceOutput);
  assert.equal(jsonl.split("\n")[0], '{"a":0,"b":0,"time":0,"diff":1}');
});

Deno.test("JSON Lines: statistics columns and odd column names are plain JSON keys", () => {
  const values = new TextBytes();
  jsonValues(values, jsonKeys(["a", 'b_"q"', "n"]), [1.5, -2e-300, 3]);
  const out = new TextBytes();
  jsonChange(out, values, 7, 1);
  const text = out.textOf(0, out.length);
  assert.deepEqual(JSON.parse(text), { a: 1.5, 'b_"q"': -2e-300, n: 3, time: 7, diff: 1 });
});

Deno.test("the output format: named, or by the file's extension", () => {
  assert.equal(outputFormat(undefined, "regression_output_stream.csv"), "csv");
  assert.equal(outputFormat(undefined, "out.jsonl"), "jsonl");
  assert.equal(outputFormat(undefined, "out.json"), "jsonl");
  assert.equal(outputFormat("jsonl", "-"), "jsonl");
  assert.equal(changeText("jsonl", ["a", "b"]).header, "");
  assert.equal(changeText("csv", ["a", "b"]).header, "a,b,time,diff\n");
});

Deno.test("main.ts --output fit.jsonl writes the reference run's change stream as JSON Lines", async () => {
  await inDir(async (dir) => {
    const ran = await sh(
      `${deno("producer.ts", "")} --stdout --interval-ms 0 --header-delay-ms 0 | ` +
        `${deno("main.ts")} --from - --output fit.jsonl`,
      dir,
    );
    assert.equal(ran.code, 0, ran.stderr);
    const jsonl = await Deno.readTextFile(`${dir}/fit.jsonl`);
    assertSameChangeStream(jsonlToCsv(jsonl, ["a", "b"]), referenceOutput);
    const bad = await sh(`${deno("main.ts")} --from /dev/null --output-format xml`, dir);
    assert.equal(bad.code, 2);
    assert.match(bad.stderr, /--output-format must be one of csv, jsonl, not "xml"/);
  });
});
