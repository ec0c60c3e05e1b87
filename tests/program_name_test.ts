import assert from "node:assert/strict";
import { addressUrl, parseListenAddress } from "../lib/listen_address.ts";
import { programName } from "../lib/program_name.ts";

Deno.test("program name: the script, the compiled executable, or the installed name", () => {
  const deno = "/usr/local/bin/deno";
  assert.equal(
    programName({ args: [], mainModule: "file:///a/b/main.ts", execPath: deno }).name,
    "main.ts",
  );
  assert.equal(
    programName({ args: [], mainModule: "file:///a/producer.ts", execPath: "C:\\x\\deno.exe" })
      .name,
    "producer.ts",
  );
  assert.equal(
    programName({ args: [], mainModule: "file:///tmp/m/main.ts", execPath: "/bin/kr.exe" }).name,
    "kr",
  );
  assert.deepEqual(
    programName({
      args: ["a", "--program-name=kafka-regression", "b"],
      mainModule: "file:///m.ts",
      execPath: deno,
    }),
    { name: "kafka-regression", args: ["a", "b"] },
  );
});

Deno.test("--serve addresses", () => {
  assert.deepEqual(parseListenAddress("0"), { hostname: "127.0.0.1", port: 0 });
  assert.deepEqual(parseListenAddress("localhost:8080"), { hostname: "localhost", port: 8080 });
  for (const bad of ["", "x", "70000", "1.2.3.4:", ":80", "80:90:100"]) {
    assert.ok("problem" in parseListenAddress(bad), bad);
  }
  assert.equal(addressUrl({ hostname: "localhost", port: 1 }), "http://localhost:1/");
});
