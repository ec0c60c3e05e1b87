/**
 * Command-line parsing that both scripts share, over `node:util`'s `parseArgs`: negative numbers
 * are values (`--slope -2`), an unknown option gets the nearest known one (`--frm`: did you mean
 * `--from`?), and every problem is a {@linkcode UsageError} that says what was wrong.
 *
 * @module
 */

import { parseArgs } from "node:util";
import { distance } from "fastest-levenshtein";

/** A command line the script cannot run: the message says what to change. Exit status 2. */
export class UsageError extends Error {
  /** Makes the error; `message` names the option at fault and what to give instead. */
  constructor(message: string) {
    super(message);
    this.name = "UsageError";
  }
}

/** One option, as `parseArgs` describes it. */
export interface OptionSpec {
  readonly type: "string" | "boolean";
  readonly short?: string;
  readonly multiple?: boolean;
  readonly default?: string | boolean | string[] | boolean[];
}

/** The options of a script, by long name. */
export type OptionSpecs = Readonly<Record<string, OptionSpec>>;

/** A negative number, as a value rather than an option: `-2`, `-1.5`, `-.5`, `-1e3`, `-Infinity`. */
const NEGATIVE_NUMBER = /^-(\d|\.\d|Infinity$)/;

/**
 * Parses `args` against `options` (strict: no positional arguments), as `parseArgs` does, but
 * takes a negative number after a string option as its value, and throws
 * {@linkcode UsageError}s that name the option and suggest the nearest known one.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { parseOptions, UsageError } from "./args.ts";
 * const options = { slope: { type: "string" }, from: { type: "string" } } as const;
 * assert.equal(parseOptions(["--slope", "-2"], options).slope, "-2");
 * assert.throws(() => parseOptions(["--frm", "x"], options), (e: unknown) => {
 *   assert.ok(e instanceof UsageError);
 *   assert.match(e.message, /did you mean '--from'\?/);
 *   return true;
 * });
 * ```
 */
export function parseOptions<const O extends OptionSpecs>(
  args: readonly string[],
  options: O,
): ReturnType<typeof parseArgs<{ options: O; strict: true; allowPositionals: false }>>["values"] {
  const normalized = joinNegativeValues(args, options);
  const { tokens } = parseArgs({
    args: normalized,
    options,
    strict: false,
    allowPositionals: true,
    tokens: true,
  });
  for (const [i, token] of tokens.entries()) {
    if (token.kind === "positional") {
      const before = tokens[i - 1];
      throw new UsageError(
        `unexpected argument '${token.value}'` +
          (before?.kind === "option" && options[before.name]?.type === "boolean"
            ? ` (${before.rawName} takes no value)`
            : ""),
      );
    }
    if (token.kind !== "option") continue;
    const spec = options[token.name] as OptionSpec | undefined;
    if (spec === undefined) throw new UsageError(unknown(token.rawName, options));
    const name = `--${token.name}`;
    if (spec.type === "boolean" && token.value !== undefined) {
      throw new UsageError(`${name} takes no value, but was given '${token.value}'`);
    }
    if (spec.type === "string" && token.value === undefined) {
      throw new UsageError(`${token.rawName} needs a value`);
    }
    if (spec.type === "string" && !token.inlineValue && /^-./.test(token.value ?? "")) {
      throw new UsageError(
        `${token.rawName} needs a value, but is followed by the option '${token.value}' ` +
          `(a value that starts with '-' goes after '=': ${name}=${token.value})`,
      );
    }
  }
  try {
    return parseArgs({ args: normalized, options, strict: true, allowPositionals: false }).values;
  } catch (e) {
    throw new UsageError((e as Error).message);
  }
}

/** `--name -2` and `-c -2` for string options, as `--name=-2`, which `parseArgs` accepts. */
function joinNegativeValues(args: readonly string[], options: OptionSpecs): string[] {
  const out: string[] = [];
  for (let i = 0; i < args.length; i++) {
    const arg = args[i];
    if (arg === "--") {
      out.push(...args.slice(i));
      break;
    }
    const long = arg.startsWith("--") && !arg.includes("=") ? arg.slice(2) : undefined;
    const short = /^-[^-]$/.test(arg)
      ? Object.keys(options).find((name) => options[name].short === arg[1])
      : undefined;
    const name = long ?? short;
    const next = args[i + 1];
    if (
      name !== undefined && options[name]?.type === "string" && next !== undefined &&
      NEGATIVE_NUMBER.test(next)
    ) {
      out.push(`--${name}=${next}`);
      i++;
    } else {
      out.push(arg);
    }
  }
  return out;
}

/** The message for an unknown option, with the nearest known one if it looks like a typo. */
function unknown(rawName: string, options: OptionSpecs): string {
  const given = rawName.replace(/^--?/, "");
  const names = Object.keys(options);
  if (!rawName.startsWith("--")) return `unknown option '${rawName}'`;
  let near = given.length >= 2 ? names.find((name) => name.startsWith(given)) : undefined;
  if (near === undefined) {
    let best = Math.max(2, Math.floor(given.length / 3)) + 1;
    for (const name of names) {
      const d = distance(given, name);
      if (d < best) [near, best] = [name, d];
    }
  }
  return `unknown option '${rawName}'` + (near === undefined ? "" : ` (did you mean '--${near}'?)`);
}

/**
 * Prints a usage error the way both scripts do — `script: message`, then `Try 'help'.` — and
 * returns the exit status for it, 2.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { reportUsageError, UsageError } from "./args.ts";
 * const status = reportUsageError(
 *   "producer.ts",
 *   "deno run producer.ts --help",
 *   new UsageError("--count must be a whole number"),
 * );
 * assert.equal(status, 2);
 * ```
 */
export function reportUsageError(script: string, help: string, error: UsageError): number {
  console.error(`${script}: ${error.message}\nTry '${help}'.`);
  return 2;
}
