/**
 * Time limits for what a test waits on (a broker, a client, a child process), so that a hang
 * fails fast and says what hung instead of stalling CI.
 *
 * @module
 */

/**
 * Resolves or rejects as `promise` does, or rejects after `ms` with "`what`: no answer after `ms`
 * ms". It does not cancel the work itself: for a child process use {@linkcode outputWithin}.
 *
 * @example
 * ```ts
 * await withTimeout(consumer.connect(), 10_000, "connecting the consumer");
 * ```
 */
export async function withTimeout<T>(promise: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`${what}: no answer after ${ms} ms`)), ms);
  });
  try {
    return await Promise.race([promise, timeout]);
  } finally {
    clearTimeout(timer);
  }
}

/**
 * Waits for `child` to exit and returns its output; after `ms`, kills it and all its descendants
 * (SIGKILL: a shell's children too, which would keep its pipes open) and throws.
 *
 * @example
 * ```ts
 * const child = new Deno.Command("kcat", { args: ["-L", "-b", bootstrap], stdout: "piped" }).spawn();
 * const { code, stdout } = await outputWithin(child, 10_000, "kcat -L");
 * ```
 */
export async function outputWithin(
  child: Deno.ChildProcess,
  ms: number,
  what: string,
): Promise<Deno.CommandOutput> {
  const output = child.output();
  try {
    return await withTimeout(output, ms, what);
  } catch (err) {
    killTree(child.pid);
    await output.catch(() => {});
    throw err;
  }
}

/** Sends SIGKILL to process `pid` and all its descendants (Linux: reads /proc). */
export function killTree(pid: number): void {
  const all = [pid];
  for (let i = 0; i < all.length; i++) {
    try {
      const children = Deno.readTextFileSync(`/proc/${all[i]}/task/${all[i]}/children`);
      all.push(...children.split(" ").filter(Boolean).map(Number));
    } catch {
      // gone already
    }
  }
  for (const p of all) {
    try {
      Deno.kill(p, "SIGKILL");
    } catch {
      // gone already
    }
  }
}
