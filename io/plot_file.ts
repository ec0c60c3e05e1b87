/**
 * Files that readers never see half written: the text goes to a temporary file beside the target,
 * which is then renamed over it (atomic within one file system).
 *
 * @module
 */

/**
 * Writes `text` to `path` atomically: a temporary file in the same folder, then a rename.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { writeTextAtomically } from "./plot_file.ts";
 * const dir = await Deno.makeTempDir();
 * await writeTextAtomically(`${dir}/plot.svg`, "<svg/>");
 * assert.equal(await Deno.readTextFile(`${dir}/plot.svg`), "<svg/>");
 * await Deno.remove(dir, { recursive: true });
 * ```
 */
export async function writeTextAtomically(path: string, text: string): Promise<void> {
  const slash = path.lastIndexOf("/");
  const temporary = `${path.slice(0, slash + 1)}.${path.slice(slash + 1)}.${Deno.pid}.tmp`;
  try {
    await Deno.writeTextFile(temporary, text);
    await Deno.rename(temporary, path);
  } catch (e) {
    await Deno.remove(temporary).catch(() => {});
    throw e;
  }
}
