/**
 * Summarizes V8 CPU profiles (`.cpuprofile`, as `deno run --cpu-prof` writes them, one a
 * thread): per file, the profiled time and the functions with the most self time, grouped by
 * function, file and line. Used for docs/performance.md.
 *
 * Usage: deno run --allow-read scripts/cpuprofile_top.ts [--top N] FILE.cpuprofile …
 *
 * @module
 */

import { parseArgs } from "node:util";

interface CallFrame {
  readonly functionName: string;
  readonly url: string;
  readonly lineNumber: number;
}

interface ProfileNode {
  readonly id: number;
  readonly callFrame: CallFrame;
  readonly children?: readonly number[];
}

interface Profile {
  readonly nodes: readonly ProfileNode[];
  readonly startTime: number;
  readonly endTime: number;
  readonly samples?: readonly number[];
  readonly timeDeltas?: readonly number[];
}

const { values, positionals } = parseArgs({
  options: { top: { type: "string", default: "15" } },
  allowPositionals: true,
});
const top = Number(values.top);

/** Where a frame comes from, short: the npm package or the project file, and the line. */
function where(frame: CallFrame): string {
  const url = frame.url;
  if (url === "") return "";
  const npm = url.match(
    /node_modules\/(?:\.deno\/)?(?:[^/]+\/node_modules\/)?((?:@[^/]+\/)?[^/]+)\/(.*)$/,
  );
  const path = npm !== null ? `${npm[1]}/${npm[2]}` : url.replace(/^.*\/(lib|io|scripts)\//, "$1/")
    .replace(/^file:\/\/.*\//, "");
  return `${path}:${frame.lineNumber + 1}`;
}

for (const file of positionals) {
  const profile: Profile = JSON.parse(await Deno.readTextFile(file));
  const byId = new Map(profile.nodes.map((n) => [n.id, n]));
  const self = new Map<number, number>();
  const samples = profile.samples ?? [];
  const deltas = profile.timeDeltas ?? [];
  for (let i = 0; i < samples.length; i++) {
    // A sample's time is the delta to the next one.
    const dt = deltas[i + 1] ?? 0;
    self.set(samples[i], (self.get(samples[i]) ?? 0) + dt);
  }
  const total = (profile.endTime - profile.startTime) / 1000;
  const groups = new Map<string, number>();
  for (const [id, us] of self) {
    const frame = byId.get(id)?.callFrame;
    if (frame === undefined) continue;
    const name = `${frame.functionName || "(anonymous)"} ${where(frame)}`.trim();
    groups.set(name, (groups.get(name) ?? 0) + us / 1000);
  }
  const idle = groups.get("(idle)") ?? 0;
  const busy = [...groups].filter(([name]) => name !== "(idle)").reduce((s, [, ms]) => s + ms, 0);
  console.log(
    `\n${file}: ${(total / 1000).toFixed(2)} s profiled, ${(busy / 1000).toFixed(2)} s busy, ` +
      `${(idle / 1000).toFixed(2)} s idle\n`,
  );
  console.log("| self ms | % of busy | function |");
  console.log("| --: | --: | --- |");
  const sorted = [...groups].filter(([name]) => name !== "(idle)").sort((a, b) => b[1] - a[1]);
  for (const [name, ms] of sorted.slice(0, top)) {
    console.log(`| ${ms.toFixed(0)} | ${(100 * ms / busy).toFixed(1)} | \`${name}\` |`);
  }
}
