/** Test helper: run a command on a real terminal (tmux) and answer Deno's permission prompts. */

import { sh } from "./cli.ts";

/** Whether tmux is there to run terminal tests. */
export const hasTmux = (await sh("command -v tmux")).code === 0;

/** What a terminal showed while a command ran to its end. */
export interface Answered {
  /** How many prompts appeared (each answered `y`). */
  readonly prompts: number;
  /** What the prompts asked for, each once, in order (`read access to "/tmp/x"`). */
  readonly asked: readonly string[];
  /** The whole scrollback. */
  readonly pane: string;
  /** The command's exit status. */
  readonly code: number | undefined;
}

/**
 * Runs `command` in `dir` on a tmux terminal, answers `y` to each of Deno's permission prompts
 * as it appears, and returns how many there were once the command ended (at most `ms`).
 */
export async function answeringPrompts(
  command: string,
  dir: string,
  ms = 60_000,
): Promise<Answered> {
  const session = `kafka-regression-prompt-${Deno.pid}-${Math.floor(Math.random() * 1e9)}`;
  const tmux = (args: string) => sh(`tmux ${args}`, dir);
  const started = await tmux(
    `new-session -d -s ${session} -x 200 -y 50 '${command}; echo EXIT=$?; sleep 60'`,
  );
  if (started.code !== 0) throw new Error(`tmux: ${started.stderr}`);
  try {
    // Answer y while a prompt shows (Deno drops keys typed before it reads them). A prompt stays
    // on screen until answered: each time one appears is one prompt.
    let prompts = 0;
    const asked: string[] = [];
    let showing = false;
    let pane = "";
    const deadline = Date.now() + ms;
    while (!pane.includes("EXIT=") && Date.now() < deadline) {
      await new Promise((r) => setTimeout(r, 200));
      pane = (await tmux(`capture-pane -p -t ${session}`)).stdout;
      const shown = /Allow\?/.test(pane);
      for (const [, what] of pane.matchAll(/Deno requests (\w+ access(?: to "[^"]*")?)/g)) {
        if (!asked.includes(what)) asked.push(what);
      }
      if (shown && !showing) prompts++;
      showing = shown;
      if (shown) await tmux(`send-keys -t ${session} y Enter`);
    }
    pane = (await tmux(`capture-pane -p -S - -t ${session}`)).stdout;
    const code = pane.match(/EXIT=(\d+)/)?.[1];
    return { prompts, asked, pane, code: code === undefined ? undefined : Number(code) };
  } finally {
    await tmux(`kill-session -t ${session}`);
  }
}
