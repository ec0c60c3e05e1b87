/**
 * Where librdkafka comes from. kafka-regression speaks Kafka through librdkafka, the C client
 * (kcat's, and the one confluent-kafka wraps for Python, Go and .NET), loaded with Deno's FFI.
 * The library is, in order:
 *
 * 1. the file named by the environment variable `KAFKA_REGRESSION_LIBRDKAFKA` (a librdkafka
 *    2.6.1 or later: your distribution's, Homebrew's, one you built);
 * 2. the copy fetched before into `.cache/librdkafka/` beside the code;
 * 3. else it is fetched once: the file inside the `confluent-kafka` 2.16.2 wheel for this platform
 *    on PyPI (librdkafka 2.16.0 built with its TLS and SASL libraries inside, needing only the C
 *    library), checked against the wheel's SHA-256 pinned below.
 *
 * @module
 */

import { dirname } from "node:path";
import { fileURLToPath } from "node:url";
import { NativeLibraryError } from "./native.ts";

/** The environment variable that names a librdkafka of the user's. */
export const LIBRARY_ENV = "KAFKA_REGRESSION_LIBRDKAFKA";

/** The librdkafka this project pins. */
export const PINNED_VERSION = "2.16.0";

/** A wheel on PyPI holding librdkafka for one platform. */
interface Wheel {
  readonly url: string;
  readonly sha256: string;
  /** The library's path inside the wheel. */
  readonly member: string;
  /** Its file name in the cache. */
  readonly file: string;
}

const PYPI = "https://files.pythonhosted.org/packages";

/** confluent-kafka 2.16.2's wheels (CPython 3.12; the library inside is the same for all). */
const WHEELS: Readonly<Record<string, Wheel>> = {
  "linux-x86_64": {
    url: `${PYPI}/d9/bf/787b155457daba2f1b0430d30ee8f24b21479559a065b93531216600472c/` +
      "confluent_kafka-2.16.2-cp312-cp312-manylinux_2_28_x86_64.whl",
    sha256: "ecbbe58ddc8a1c9cbcdb1db33ba2d8865c539f2fd8ffd2668900672b8df0aca8",
    member: "confluent_kafka.libs/librdkafka-0cb94173.so.1",
    file: "librdkafka.so.1",
  },
  "linux-aarch64": {
    url: `${PYPI}/5a/8b/52c03fe78dc25230057900860bc3d4c404245d00b11bccef88273430f427/` +
      "confluent_kafka-2.16.2-cp312-cp312-manylinux_2_28_aarch64.whl",
    sha256: "27784bfe54fa5c2b5eb1a2214f8ec8462e15ec21dda7bf69c67b3d77621c9b19",
    member: "confluent_kafka.libs/librdkafka-1e1b45fc.so.1",
    file: "librdkafka.so.1",
  },
  "darwin-aarch64": {
    url: `${PYPI}/82/f0/27f99b1d57cbcb63752a6df13a2067e31a7d4baea02e1653862d13c14e99/` +
      "confluent_kafka-2.16.2-cp312-cp312-macosx_11_0_arm64.whl",
    sha256: "9d047e8689754922d192687dc9ac2901992fde411ccd96a890e9ac940652eecd",
    member: "confluent_kafka/.dylibs/librdkafka.dylib",
    file: "librdkafka.dylib",
  },
  "darwin-x86_64": {
    url: `${PYPI}/5a/d6/e8212584d46718fb10621c8fc890365d8c9f8be3f58d2e85c8f46973c9d1/` +
      "confluent_kafka-2.16.2-cp312-cp312-macosx_10_9_x86_64.whl",
    sha256: "6183e0e6edae78f7aaa6d02b29c6043e8259ba04a389e7e00d7a66028d8cb561",
    member: "confluent_kafka/.dylibs/librdkafka.dylib",
    file: "librdkafka.dylib",
  },
};

/** The host the wheels come from, for `--allow-net`. */
export const DOWNLOAD_HOST = new URL(WHEELS["linux-x86_64"].url).host;

/** This platform's name in {@linkcode WHEELS}. */
function platform(): string {
  return `${Deno.build.os}-${Deno.build.arch}`;
}

/** The folder fetched copies are kept in: `.cache/librdkafka/` beside the code. */
export function cacheDir(): string | undefined {
  const url = new URL("../../.cache/librdkafka/", import.meta.url);
  return url.protocol === "file:" ? fileURLToPath(url) : undefined;
}

/** Where the pinned library lives once fetched, if this platform has one. */
export function cachedPath(): string | undefined {
  const wheel = WHEELS[platform()];
  const dir = cacheDir();
  if (wheel === undefined || dir === undefined) return undefined;
  return `${dir}${PINNED_VERSION}-${platform()}/${wheel.file}`;
}

/** The library named by {@linkcode LIBRARY_ENV}, when it is set and may be read. */
export function libraryFromEnv(): string | undefined {
  const state = Deno.permissions.querySync({ name: "env", variable: LIBRARY_ENV }).state;
  if (state !== "granted") return undefined;
  const path = Deno.env.get(LIBRARY_ENV);
  return path === undefined || path === "" ? undefined : path;
}

/** The file librdkafka is loaded from: the user's, or the pinned one's place in the cache. */
export function libraryFile(): string | undefined {
  return libraryFromEnv() ?? cachedPath();
}

/**
 * What fetching librdkafka needs, when it must be fetched (its file is not there yet): writing
 * the file, and the network. Call it once {@linkcode libraryFile} may be read.
 */
export function fetchNeeds(): { read: string[]; write: string[]; net: boolean } | undefined {
  const path = cachedPath();
  if (libraryFromEnv() !== undefined || path === undefined) return undefined;
  try {
    if (Deno.statSync(path).isFile) return undefined;
  } catch {
    // not fetched yet
  }
  return { read: [], write: [path], net: true };
}

/** What {@linkcode librdkafkaPath} tells its caller. */
export interface LibraryEvents {
  /** The library is about to be fetched (once). */
  fetching?(what: string): void;
}

/**
 * The path of the librdkafka to load, fetching the pinned one first when needed.
 *
 * @throws {NativeLibraryError} when none is there and it cannot be fetched: it says what to do.
 */
export async function librdkafkaPath(events: LibraryEvents = {}): Promise<string> {
  const given = libraryFromEnv();
  if (given !== undefined) return given;
  const wheel = WHEELS[platform()];
  const path = cachedPath();
  if (wheel === undefined || path === undefined) {
    throw new NativeLibraryError(
      `no librdkafka is pinned for ${platform()}: install librdkafka ${PINNED_VERSION} (or 2.6.1 ` +
        `or later) and set ${LIBRARY_ENV} to its file`,
    );
  }
  try {
    await Deno.stat(path);
    return path;
  } catch {
    // not fetched yet
  }
  events.fetching?.(
    `fetching librdkafka ${PINNED_VERSION} for ${platform()} once, from PyPI (the confluent-kafka ` +
      `wheel, ≈ 5 MB), into ${dirname(path)}`,
  );
  try {
    await fetchInto(wheel, path);
  } catch (e) {
    throw new NativeLibraryError(
      `cannot fetch librdkafka from ${DOWNLOAD_HOST} (${(e as Error).message}): allow the ` +
        `download, or install librdkafka ${PINNED_VERSION} and set ${LIBRARY_ENV} to its file`,
      { cause: e },
    );
  }
  return path;
}

/** Downloads the wheel, checks its SHA-256 and writes the library in it to `path`. */
async function fetchInto(wheel: Wheel, path: string): Promise<void> {
  const response = await fetch(wheel.url);
  if (!response.ok) throw new Error(`HTTP ${response.status} for ${wheel.url}`);
  const bytes = new Uint8Array(await response.arrayBuffer());
  const digest = new Uint8Array(await crypto.subtle.digest("SHA-256", bytes));
  const hex = [...digest].map((b) => b.toString(16).padStart(2, "0")).join("");
  if (hex !== wheel.sha256) {
    throw new Error(`the wheel's SHA-256 is ${hex}, not the pinned ${wheel.sha256}`);
  }
  // fflate only here, on the first run: loading it costs the process ≈ 12 MB.
  const { unzipSync } = await import("fflate");
  const library = unzipSync(bytes, { filter: (file) => file.name === wheel.member })[wheel.member];
  if (library === undefined) throw new Error(`the wheel holds no ${wheel.member}`);
  await Deno.mkdir(dirname(path), { recursive: true });
  const partial = `${path}.${crypto.randomUUID()}.part`;
  await Deno.writeFile(partial, library, { mode: 0o755 });
  await Deno.rename(partial, path);
}
