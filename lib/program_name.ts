/**
 * The name messages give the program, as the user invoked it: `main.ts` run as a script, the
 * executable's name when compiled (`deno compile`), or the name an install gave it
 * (`deno task install` bakes `--program-name=NAME` into the installed command, whose script is
 * still main.ts).
 *
 * @module
 */

/** How the program was started. */
export interface Invocation {
  /** The command-line arguments. */
  readonly args: readonly string[];
  /** The main module's URL (`Deno.mainModule`). */
  readonly mainModule: string;
  /** The running executable (`Deno.execPath()`): `deno`, or a compiled program. */
  readonly execPath: string;
}

/** The option an install bakes into the installed command. */
export const PROGRAM_NAME_OPTION = "--program-name=";

/**
 * The program's name, and the arguments without `--program-name=NAME`.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { programName } from "./program_name.ts";
 * const script = { mainModule: "file:///src/main.ts", execPath: "/usr/bin/deno" };
 * assert.deepEqual(programName({ ...script, args: ["-h"] }), { name: "main.ts", args: ["-h"] });
 * assert.deepEqual(
 *   programName({ ...script, args: ["--program-name=kafka-regression", "-h"] }),
 *   { name: "kafka-regression", args: ["-h"] },
 * );
 * assert.equal(
 *   programName({ args: [], mainModule: "file:///tmp/x/main.ts", execPath: "/opt/kafka-regression" })
 *     .name,
 *   "kafka-regression",
 * );
 * ```
 */
export function programName(invocation: Invocation): { name: string; args: string[] } {
  const args = [...invocation.args];
  const baked = args.findIndex((a) => a.startsWith(PROGRAM_NAME_OPTION));
  if (baked >= 0) {
    const [option] = args.splice(baked, 1);
    const name = option.slice(PROGRAM_NAME_OPTION.length);
    if (name !== "") return { name, args };
  }
  const executable = basename(invocation.execPath).replace(/\.exe$/i, "");
  if (executable !== "deno") return { name: executable, args };
  return { name: basename(decodeURIComponent(new URL(invocation.mainModule).pathname)), args };
}

function basename(path: string): string {
  return path.slice(Math.max(path.lastIndexOf("/"), path.lastIndexOf("\\")) + 1);
}
