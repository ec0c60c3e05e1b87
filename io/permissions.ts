/**
 * The permissions a run needs, asked for up front: on a terminal once for each kind of access
 * (read, write, net, ffi), not once per file as Deno would ask while the run opens its files;
 * elsewhere the exact flags to add, before anything starts.
 *
 * @module
 */

import { dirname, resolve } from "node:path";

/** What a run reads, writes and whether it connects. */
export interface Needs {
  /** Files or folders it reads. */
  readonly read: readonly string[];
  /** Files it writes (and reads back: their folders are asked for). */
  readonly write: readonly string[];
  /** Whether it connects to the network (Kafka, or serves a page). */
  readonly net: boolean;
  /** Whether it loads a native library (librdkafka, for Kafka). */
  readonly ffi?: boolean;
}

/** The flags that grant `needs`, for a message: `--allow-read=… --allow-write=… --allow-net`. */
export function flagsFor(needs: Needs): string {
  const flags: string[] = [];
  const { reads, writes } = scopes(needs);
  if (reads.length > 0) flags.push(`--allow-read=${reads.join(",")}`);
  if (writes.length > 0) flags.push(`--allow-write=${writes.join(",")}`);
  if (needs.net) flags.push("--allow-net");
  if (needs.ffi) flags.push("--allow-ffi");
  return flags.join(" ");
}

/**
 * Makes sure the run may do what it needs. Returns undefined when it may (granted, or granted at
 * the prompts), else what to do, for a person (naming `deno task TASK` as the way that grants
 * it all).
 *
 * @example
 * ```ts ignore
 * const problem = await grant({ read: ["in.txt"], write: ["out.csv"], net: false }, "main.ts");
 * if (problem !== undefined) console.error(problem);
 * ```
 */
export async function grant(
  needs: Needs,
  program: string,
  task = "start",
): Promise<string | undefined> {
  const { reads, writes } = scopes(needs);
  const wanted: Deno.PermissionDescriptor[] = [
    ...reads.map((path) => ({ name: "read", path }) as const),
    ...writes.map((path) => ({ name: "write", path }) as const),
    ...(needs.net ? [{ name: "net" } as const] : []),
    ...(needs.ffi ? [{ name: "ffi" } as const] : []),
  ];
  const missing: Deno.PermissionDescriptor[] = [];
  for (const descriptor of wanted) {
    if ((await Deno.permissions.query(descriptor)).state !== "granted") missing.push(descriptor);
  }
  if (missing.length === 0) return undefined;
  const hint = `run with ${flagsFor(needs)} (or -A), or use deno task ${task}`;
  if (!Deno.stdin.isTerminal()) return `Deno needs permission to go on: ${hint}`;
  console.error(
    `${program}: Deno asks once for each access this run needs ` +
      `(${missing.map(describe).join("; ")}):`,
  );
  for (const descriptor of missing) {
    if ((await Deno.permissions.request(descriptor)).state !== "granted") {
      return `permission refused (${describe(descriptor)}): ${hint}`;
    }
  }
  return undefined;
}

function describe(descriptor: Deno.PermissionDescriptor): string {
  switch (descriptor.name) {
    case "read":
      return `read ${descriptor.path}`;
    case "write":
      return `write in ${descriptor.path}`;
    case "net":
      return "the network";
    case "ffi":
      return "native code (librdkafka, the Kafka client)";
    default:
      return descriptor.name;
  }
}

/** The paths to ask for: no path inside another one asked for. */
function scopes(needs: Needs): { reads: string[]; writes: string[] } {
  const folders = needs.write.map((p) => dirname(resolve(p)));
  return {
    reads: outermost([...needs.read.map((p) => resolve(p)), ...folders]),
    writes: outermost(folders),
  };
}

function outermost(paths: readonly string[]): string[] {
  const inside = (path: string, folder: string) =>
    path === folder || path.startsWith(folder.endsWith("/") ? folder : `${folder}/`);
  const unique = [...new Set(paths)];
  return unique.filter((path) => !unique.some((other) => other !== path && inside(path, other)));
}
