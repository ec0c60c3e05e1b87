/**
 * The runner's status on standard error: on a terminal, one line redrawn in place (rate, counts,
 * lag, fit); otherwise a progress line every so often, for logs; nothing with `--quiet`. It draws
 * only when asked by its owner's timer, never on the data path.
 *
 * @module
 */

import { progressLine, type StatusFacts, statusLine } from "../lib/status_line.ts";

/** How the status is shown: a redrawn line, progress lines, or not at all. */
export type StatusMode = "tty" | "plain" | "quiet";

/** Options of a {@linkcode StatusLine}. */
export interface StatusLineOptions {
  /** The program's name, before each progress line. */
  readonly name: string;
  readonly mode: StatusMode;
  /** Plain mode: at most one progress line per this many milliseconds (0: none). */
  readonly progressMs: number;
  /** Where the text goes (default: standard error). */
  readonly write?: (text: string) => void;
  /** The terminal's width in columns (default: the console's, else 80). */
  readonly columns?: () => number;
}

const encoder = new TextEncoder();

function writeStderr(text: string): void {
  let bytes = encoder.encode(text);
  while (bytes.length > 0) bytes = bytes.subarray(Deno.stderr.writeSync(bytes));
}

function consoleColumns(): number {
  try {
    return Deno.consoleSize().columns || 80;
  } catch {
    return 80;
  }
}

/**
 * Shows the status as its mode says. On a terminal, messages printed with `console.error`
 * meanwhile first clear the line, so that they do not land in the middle of it.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { StatusLine } from "./status_line.ts";
 * let text = "";
 * const status = new StatusLine({ name: "main.ts", mode: "plain", progressMs: 1000, write: (t) => text += t });
 * const counts = { rows: 0, commits: 0, errors: 0 };
 * status.show({ counts }, 0);
 * status.show({ counts: { rows: 5, commits: 5, errors: 0 } }, 1000);
 * status.close();
 * assert.equal(text, "main.ts: 5 rows, 5 commits, 0 errors (5.0 rows/s)\n");
 * ```
 */
export class StatusLine {
  readonly #options: StatusLineOptions;
  readonly #write: (text: string) => void;
  #shown = false;
  #last: { at: number; rows: number } | undefined;
  #restoreConsole: (() => void) | undefined;

  /** A status that has shown nothing yet. */
  constructor(options: StatusLineOptions) {
    this.#options = options;
    this.#write = options.write ?? writeStderr;
    if (options.mode === "tty") {
      const error = console.error;
      console.error = (...data: unknown[]) => {
        this.#clear();
        error(...data);
      };
      this.#restoreConsole = () => console.error = error;
    }
  }

  /** Shows `facts` at time `now` (milliseconds): redraws the line, or prints a progress line. */
  show(facts: StatusFacts, now: number): void {
    const { mode, progressMs } = this.#options;
    if (mode === "tty") {
      const width = (this.#options.columns ?? consoleColumns)() - 1;
      this.#write(`\r${statusLine(facts, width)}\x1b[K`);
      this.#shown = true;
      return;
    }
    if (mode === "quiet" || progressMs <= 0) return;
    const rows = facts.counts.rows;
    const last = this.#last;
    if (last === undefined) {
      this.#last = { at: now, rows };
      return;
    }
    if (now - last.at < progressMs) return;
    if (rows > last.rows) {
      const rate = (rows - last.rows) / ((now - last.at) / 1000);
      this.#write(`${this.#options.name}: ${progressLine(facts.counts, rate)}\n`);
    }
    this.#last = { at: now, rows };
  }

  /** Clears the line (a terminal) and gives `console.error` back. */
  close(): void {
    this.#clear();
    this.#restoreConsole?.();
    this.#restoreConsole = undefined;
  }

  #clear(): void {
    if (!this.#shown) return;
    this.#write("\r\x1b[K");
    this.#shown = false;
  }
}
