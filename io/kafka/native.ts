/**
 * librdkafka through Deno's FFI: the functions this adapter calls, the layouts of the C structs
 * it reads and writes, and the libc calls that let the event loop wait for a queue without
 * blocking (a pipe that librdkafka writes to when a queue has something).
 *
 * Threads: librdkafka calls our callbacks (errors, rebalances) only from inside the calls that
 * serve its queues (`rd_kafka_consume_batch_queue`, `rd_kafka_poll`), and the adapter makes those
 * on the JavaScript thread. Calls that only wait for a reply (metadata, watermarks, committed
 * offsets, transactions) run on Deno's blocking threads (`nonblocking`), so the run goes on while
 * they wait.
 *
 * @module
 */

const RDKAFKA = {
  rd_kafka_version: { parameters: [], result: "i32" },
  rd_kafka_version_str: { parameters: [], result: "pointer" },
  rd_kafka_err2str: { parameters: ["i32"], result: "pointer" },
  rd_kafka_err2name: { parameters: ["i32"], result: "pointer" },
  rd_kafka_conf_new: { parameters: [], result: "pointer" },
  rd_kafka_conf_destroy: { parameters: ["pointer"], result: "void" },
  rd_kafka_conf_set: {
    parameters: ["pointer", "buffer", "buffer", "buffer", "usize"],
    result: "i32",
  },
  rd_kafka_conf_set_log_cb: { parameters: ["pointer", "function"], result: "void" },
  rd_kafka_conf_set_error_cb: { parameters: ["pointer", "function"], result: "void" },
  rd_kafka_conf_set_rebalance_cb: { parameters: ["pointer", "function"], result: "void" },
  rd_kafka_conf_set_events: { parameters: ["pointer", "i32"], result: "void" },
  rd_kafka_new: { parameters: ["i32", "pointer", "buffer", "usize"], result: "pointer" },
  rd_kafka_destroy: { parameters: ["pointer"], result: "void" },
  rd_kafka_yield: { parameters: ["pointer"], result: "void" },
  rd_kafka_flush: { parameters: ["pointer", "i32"], result: "i32", nonblocking: true },
  rd_kafka_mem_malloc: { parameters: ["pointer", "usize"], result: "pointer" },
  // Consumer.
  rd_kafka_poll_set_consumer: { parameters: ["pointer"], result: "i32" },
  rd_kafka_queue_get_consumer: { parameters: ["pointer"], result: "pointer" },
  rd_kafka_queue_new: { parameters: ["pointer"], result: "pointer" },
  rd_kafka_queue_destroy: { parameters: ["pointer"], result: "void" },
  rd_kafka_queue_io_event_enable: {
    parameters: ["pointer", "i32", "buffer", "usize"],
    result: "void",
  },
  rd_kafka_queue_get_main: { parameters: ["pointer"], result: "pointer" },
  rd_kafka_queue_poll: { parameters: ["pointer", "i32"], result: "pointer", nonblocking: true },
  /** `rd_kafka_queue_poll` with timeout 0, on the JavaScript thread. */
  rd_kafka_queue_poll_now: {
    name: "rd_kafka_queue_poll",
    parameters: ["pointer", "i32"],
    result: "pointer",
  },
  rd_kafka_consume_batch_queue: {
    parameters: ["pointer", "i32", "buffer", "usize"],
    result: "isize",
  },
  // Per message: pointers as plain integers, the cheapest calls Deno makes.
  rd_kafka_message_destroy: { parameters: ["usize"], result: "void" },
  rd_kafka_message_timestamp: { parameters: ["usize", "buffer"], result: "i64" },
  rd_kafka_message_errstr: { parameters: ["usize"], result: "pointer" },
  rd_kafka_subscribe: { parameters: ["pointer", "pointer"], result: "i32" },
  rd_kafka_assign: { parameters: ["pointer", "pointer"], result: "i32" },
  rd_kafka_incremental_assign: { parameters: ["pointer", "pointer"], result: "pointer" },
  rd_kafka_incremental_unassign: { parameters: ["pointer", "pointer"], result: "pointer" },
  rd_kafka_rebalance_protocol: { parameters: ["pointer"], result: "pointer" },
  rd_kafka_commit_queue: {
    parameters: ["pointer", "pointer", "pointer", "function", "pointer"],
    result: "i32",
  },
  rd_kafka_committed: {
    parameters: ["pointer", "pointer", "i32"],
    result: "i32",
    nonblocking: true,
  },
  rd_kafka_consumer_close_queue: { parameters: ["pointer", "pointer"], result: "pointer" },
  rd_kafka_consumer_closed: { parameters: ["pointer"], result: "i32" },
  rd_kafka_query_watermark_offsets: {
    parameters: ["pointer", "buffer", "i32", "buffer", "buffer", "i32"],
    result: "i32",
    nonblocking: true,
  },
  rd_kafka_get_watermark_offsets: {
    parameters: ["pointer", "buffer", "i32", "buffer", "buffer"],
    result: "i32",
  },
  rd_kafka_metadata: {
    parameters: ["pointer", "i32", "pointer", "buffer", "i32"],
    result: "i32",
    nonblocking: true,
  },
  rd_kafka_metadata_destroy: { parameters: ["pointer"], result: "void" },
  // Topics and partition lists.
  rd_kafka_topic_new: { parameters: ["pointer", "buffer", "pointer"], result: "pointer" },
  rd_kafka_topic_destroy: { parameters: ["pointer"], result: "void" },
  rd_kafka_topic_partition_list_new: { parameters: ["i32"], result: "pointer" },
  rd_kafka_topic_partition_list_add: {
    parameters: ["pointer", "buffer", "i32"],
    result: "pointer",
  },
  rd_kafka_topic_partition_list_destroy: { parameters: ["pointer"], result: "void" },
  // Errors as objects.
  rd_kafka_error_code: { parameters: ["pointer"], result: "i32" },
  rd_kafka_error_string: { parameters: ["pointer"], result: "pointer" },
  rd_kafka_error_is_fatal: { parameters: ["pointer"], result: "i32" },
  rd_kafka_error_is_retriable: { parameters: ["pointer"], result: "i32" },
  rd_kafka_error_txn_requires_abort: { parameters: ["pointer"], result: "i32" },
  rd_kafka_error_destroy: { parameters: ["pointer"], result: "void" },
  // Events (replies on a queue of our own).
  rd_kafka_event_type: { parameters: ["pointer"], result: "i32" },
  rd_kafka_event_error: { parameters: ["pointer"], result: "i32" },
  rd_kafka_event_error_is_fatal: { parameters: ["pointer"], result: "i32" },
  rd_kafka_event_message_next: { parameters: ["pointer"], result: "pointer" },
  rd_kafka_event_error_string: { parameters: ["pointer"], result: "pointer" },
  rd_kafka_event_destroy: { parameters: ["pointer"], result: "void" },
  rd_kafka_event_DeleteConsumerGroupOffsets_result: {
    parameters: ["pointer"],
    result: "pointer",
  },
  rd_kafka_DeleteConsumerGroupOffsets_result_groups: {
    parameters: ["pointer", "buffer"],
    result: "pointer",
  },
  rd_kafka_group_result_error: { parameters: ["pointer"], result: "pointer" },
  rd_kafka_group_result_partitions: { parameters: ["pointer"], result: "pointer" },
  rd_kafka_DeleteConsumerGroupOffsets_new: {
    parameters: ["buffer", "pointer"],
    result: "pointer",
  },
  rd_kafka_DeleteConsumerGroupOffsets_destroy: { parameters: ["pointer"], result: "void" },
  rd_kafka_DeleteConsumerGroupOffsets: {
    parameters: ["pointer", "buffer", "usize", "pointer", "pointer"],
    result: "void",
  },
  // Producer and transactions.
  rd_kafka_produce_batch: {
    parameters: ["pointer", "i32", "i32", "buffer", "i32"],
    result: "i32",
  },
  rd_kafka_init_transactions: {
    parameters: ["pointer", "i32"],
    result: "pointer",
    nonblocking: true,
  },
  rd_kafka_begin_transaction: { parameters: ["pointer"], result: "pointer" },
  rd_kafka_send_offsets_to_transaction: {
    parameters: ["pointer", "pointer", "pointer", "i32"],
    result: "pointer",
    nonblocking: true,
  },
  rd_kafka_commit_transaction: {
    parameters: ["pointer", "i32"],
    result: "pointer",
    nonblocking: true,
  },
  rd_kafka_abort_transaction: {
    parameters: ["pointer", "i32"],
    result: "pointer",
    nonblocking: true,
  },
  rd_kafka_consumer_group_metadata_new: { parameters: ["buffer"], result: "pointer" },
  rd_kafka_consumer_group_metadata_destroy: { parameters: ["pointer"], result: "void" },
} as const satisfies Deno.ForeignLibraryInterface;

const LIBC = {
  pipe: { parameters: ["buffer"], result: "i32" },
  close: { parameters: ["i32"], result: "i32" },
  read: { parameters: ["i32", "buffer", "usize"], result: "isize" },
  write: { parameters: ["i32", "buffer", "usize"], result: "isize" },
  poll: { parameters: ["buffer", "u64", "i32"], result: "i32", nonblocking: true },
  memcpy: { parameters: ["buffer", "usize", "usize"], result: "void" },
  /** memcpy to an address: into a buffer at an offset without a view object per call. */
  memcpyTo: { name: "memcpy", parameters: ["usize", "usize", "usize"], result: "void" },
} as const satisfies Deno.ForeignLibraryInterface;

/** librdkafka's functions. */
export type Rd = Deno.DynamicLibrary<typeof RDKAFKA>["symbols"];
/** The libc functions used. */
export type Libc = Deno.DynamicLibrary<typeof LIBC>["symbols"];

/** The two libraries, loaded. */
export interface Native {
  readonly rd: Rd;
  readonly libc: Libc;
  /** librdkafka's version, e.g. `2.16.0`. */
  readonly version: string;
}

/** The oldest librdkafka that signs in to Kafka 4 with SCRAM (confluentinc/librdkafka#4895). */
export const MIN_VERSION = { text: "2.6.1", hex: 0x020601ff };

/** librdkafka cannot be used: its file is missing, not a library, or too old. */
export class NativeLibraryError extends Error {
  /** Makes the error. */
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = "NativeLibraryError";
  }
}

let loaded: { path: string; native: Native } | undefined;

/**
 * Loads librdkafka from `path` (once per process) and libc beside it.
 *
 * @throws {NativeLibraryError} when it cannot be loaded or is older than {@linkcode MIN_VERSION}.
 */
export function loadNative(path: string): Native {
  if (loaded !== undefined) {
    if (loaded.path !== path) {
      throw new NativeLibraryError(`librdkafka is loaded from ${loaded.path} already`);
    }
    return loaded.native;
  }
  let rd: Rd;
  try {
    rd = Deno.dlopen(path, RDKAFKA).symbols;
  } catch (e) {
    throw new NativeLibraryError(`cannot load librdkafka from ${path}: ${(e as Error).message}`, {
      cause: e,
    });
  }
  const version = cString(rd.rd_kafka_version_str());
  if (rd.rd_kafka_version() < MIN_VERSION.hex) {
    throw new NativeLibraryError(
      `${path} is librdkafka ${version}; kafka-regression needs ${MIN_VERSION.text} or later`,
    );
  }
  const libc = Deno.dlopen(Deno.build.os === "darwin" ? "libSystem.B.dylib" : "libc.so.6", LIBC)
    .symbols;
  const native = { rd, libc, version };
  loaded = { path, native };
  return native;
}

/** librdkafka's error codes used here (`rd_kafka_resp_err_t`). */
export const Err = {
  NO_ERROR: 0,
  DESTROY: -197,
  TRANSPORT: -195,
  RESOLVE: -193,
  MSG_TIMED_OUT: -192,
  PARTITION_EOF: -191,
  UNKNOWN_PARTITION: -190,
  UNKNOWN_TOPIC: -188,
  ALL_BROKERS_DOWN: -187,
  TIMED_OUT: -185,
  SSL: -181,
  WAIT_COORD: -180,
  ASSIGN_PARTITIONS: -175,
  REVOKE_PARTITIONS: -174,
  STATE: -172,
  AUTHENTICATION: -169,
  NO_OFFSET: -168,
  FATAL: -150,
  MAX_POLL_EXCEEDED: -147,
  AUTO_OFFSET_RESET: -140,
  OFFSET_OUT_OF_RANGE: 1,
  UNKNOWN_TOPIC_OR_PART: 3,
  NOT_COORDINATOR: 16,
  ILLEGAL_GENERATION: 22,
  UNKNOWN_MEMBER_ID: 25,
  REBALANCE_IN_PROGRESS: 27,
  TOPIC_AUTHORIZATION_FAILED: 29,
  GROUP_AUTHORIZATION_FAILED: 30,
  SASL_AUTHENTICATION_FAILED: 58,
  GROUP_SUBSCRIBED_TO_TOPIC: 86,
} as const;

/** Special offsets. */
export const Offset = { BEGINNING: -2, END: -1, STORED: -1000, INVALID: -1001 } as const;

/** Event types (`rd_kafka_event_type_t`) a producer asks for instead of callbacks. */
export const EventType = { DR: 0x1, ERROR: 0x8 } as const;

/** `RD_KAFKA_MSG_F_COPY`: librdkafka copies each payload. */
export const MSG_F_COPY = 0x2;

/** `rd_kafka_type_t`. */
export const Kind = { producer: 0, consumer: 1 } as const;

const encoder = new TextEncoder();
const decoder = new TextDecoder();

/** `text` as a NUL-terminated UTF-8 C string. */
export function cBytes(text: string): Uint8Array<ArrayBuffer> {
  const bytes = new Uint8Array(encoder.encode(text).length + 1);
  encoder.encodeInto(text, bytes);
  return bytes;
}

/** The C string at `pointer` ("" for NULL). */
export function cString(pointer: Deno.PointerValue): string {
  return pointer === null ? "" : Deno.UnsafePointerView.getCString(pointer);
}

/** The NUL-terminated text in `buffer` (an `errstr` filled by librdkafka). */
export function bufferString(buffer: Uint8Array): string {
  const end = buffer.indexOf(0);
  return decoder.decode(end < 0 ? buffer : buffer.subarray(0, end));
}

/** An error reported by librdkafka: its code, the code's name and librdkafka's text. */
export class LibrdkafkaError extends Error {
  /** The `rd_kafka_resp_err_t`. */
  readonly code: number;
  /** librdkafka's name of the code, e.g. `_TRANSPORT`, `SASL_AUTHENTICATION_FAILED`. */
  readonly codeName: string;
  /** The client is of no further use. */
  readonly fatal: boolean;
  /** Trying again may succeed. */
  readonly retriable: boolean;
  /** A transaction failed and must be aborted. */
  readonly abortable: boolean;

  /** Makes the error. */
  constructor(
    code: number,
    codeName: string,
    message: string,
    flags: { fatal?: boolean; retriable?: boolean; abortable?: boolean } = {},
  ) {
    super(message);
    this.name = "LibrdkafkaError";
    this.code = code;
    this.codeName = codeName;
    this.fatal = flags.fatal ?? false;
    this.retriable = flags.retriable ?? false;
    this.abortable = flags.abortable ?? false;
  }
}

/** The error of a code, with librdkafka's text unless `message` is given. */
export function failure(rd: Rd, code: number, message?: string): LibrdkafkaError {
  return new LibrdkafkaError(
    code,
    cString(rd.rd_kafka_err2name(code)),
    message ?? cString(rd.rd_kafka_err2str(code)),
  );
}

/** Reads and destroys an `rd_kafka_error_t` (NULL: no error). */
export function takeError(rd: Rd, error: Deno.PointerValue): LibrdkafkaError | undefined {
  if (error === null) return undefined;
  const code = rd.rd_kafka_error_code(error);
  const out = new LibrdkafkaError(
    code,
    cString(rd.rd_kafka_err2name(code)),
    cString(rd.rd_kafka_error_string(error)),
    {
      fatal: rd.rd_kafka_error_is_fatal(error) !== 0,
      retriable: rd.rd_kafka_error_is_retriable(error) !== 0,
      abortable: rd.rd_kafka_error_txn_requires_abort(error) !== 0,
    },
  );
  rd.rd_kafka_error_destroy(error);
  return out;
}

/**
 * `rd_kafka_topic_partition_t` (64 bytes on 64-bit systems): topic, partition, offset,
 * metadata, metadata_size, opaque, err, _private.
 */
const TP = { size: 64, partition: 8, offset: 16, metadata: 24, metadataSize: 32, err: 48 };

/** One entry of a partition list. */
export interface PartitionEntry {
  readonly partition: number;
  /** The offset (default: unset, `Offset.INVALID`). */
  readonly offset?: number;
  /** The commit's metadata: our checkpoint's text. */
  readonly metadata?: string;
}

/** An entry as librdkafka filled it in. */
export interface PartitionResult {
  readonly topic: string;
  readonly partition: number;
  readonly offset: number;
  readonly metadata?: string;
  readonly err: number;
}

/**
 * A new `rd_kafka_topic_partition_list_t` of `topic` holding `entries`; the caller destroys it
 * (`rd_kafka_topic_partition_list_destroy`, which frees the metadata too: it is allocated with
 * librdkafka's allocator).
 */
export function partitionList(
  rd: Rd,
  topic: string,
  entries: readonly PartitionEntry[],
): Deno.PointerObject {
  const list = rd.rd_kafka_topic_partition_list_new(Math.max(1, entries.length))!;
  const name = cBytes(topic);
  for (const entry of entries) {
    const element = rd.rd_kafka_topic_partition_list_add(list, name, entry.partition)!;
    const view = new DataView(Deno.UnsafePointerView.getArrayBuffer(element, TP.size));
    if (entry.offset !== undefined) view.setBigInt64(TP.offset, BigInt(entry.offset), true);
    if (entry.metadata !== undefined) {
      const bytes = encoder.encode(entry.metadata);
      const memory = rd.rd_kafka_mem_malloc(null, BigInt(Math.max(1, bytes.length)))!;
      new Uint8Array(Deno.UnsafePointerView.getArrayBuffer(memory, bytes.length)).set(bytes);
      view.setBigUint64(TP.metadata, BigInt(Deno.UnsafePointer.value(memory)), true);
      view.setBigUint64(TP.metadataSize, BigInt(bytes.length), true);
    }
  }
  return list;
}

/** The entries of a partition list (`rd_kafka_topic_partition_list_t *`). */
export function readPartitionList(list: Deno.PointerValue): PartitionResult[] {
  if (list === null) return [];
  const head = new Deno.UnsafePointerView(list);
  const count = head.getInt32(0);
  const elements = head.getPointer(8);
  if (count === 0 || elements === null) return [];
  const view = new Deno.UnsafePointerView(elements);
  const out: PartitionResult[] = [];
  for (let i = 0; i < count; i++) {
    const at = i * TP.size;
    const metadata = view.getPointer(at + TP.metadata);
    const size = Number(view.getBigUint64(at + TP.metadataSize));
    out.push({
      topic: cString(view.getPointer(at)),
      partition: view.getInt32(at + TP.partition),
      offset: Number(view.getBigInt64(at + TP.offset)),
      metadata: metadata === null || size === 0 ? undefined : decoder.decode(
        new Uint8Array(Deno.UnsafePointerView.getArrayBuffer(metadata, size)),
      ),
      err: view.getInt32(at + TP.err),
    });
  }
  return out;
}

/** Sets the offset of the entries of `list` whose partition `offsets` names. */
export function setOffsets(list: Deno.PointerObject, offsets: ReadonlyMap<number, number>): void {
  const head = new Deno.UnsafePointerView(list);
  const count = head.getInt32(0);
  const elements = head.getPointer(8);
  if (count === 0 || elements === null) return;
  const view = new DataView(Deno.UnsafePointerView.getArrayBuffer(elements, count * TP.size));
  for (let i = 0; i < count; i++) {
    const offset = offsets.get(view.getInt32(i * TP.size + TP.partition, true));
    if (offset !== undefined) view.setBigInt64(i * TP.size + TP.offset, BigInt(offset), true);
  }
}

/**
 * A pipe that librdkafka writes a byte to when a queue gets something while nobody serves it
 * (`rd_kafka_queue_io_event_enable`): {@linkcode WakePipe.wait} resolves then, without holding
 * the event loop.
 */
export class WakePipe {
  readonly #libc: Libc;
  /** The end librdkafka writes to. */
  readonly writeFd: number;
  readonly #readFd: number;
  readonly #pollfd = new Uint8Array(8);
  readonly #drain = new Uint8Array(64);
  #waiting: Promise<unknown> | undefined;
  #closed = false;

  /** Opens a pipe. */
  constructor(libc: Libc) {
    this.#libc = libc;
    const fds = new Int32Array(2);
    if (libc.pipe(new Uint8Array(fds.buffer)) !== 0) throw new Error("pipe() failed");
    this.#readFd = fds[0];
    this.writeFd = fds[1];
    new DataView(this.#pollfd.buffer).setInt32(0, this.#readFd, true);
    new DataView(this.#pollfd.buffer).setInt16(4, 1, true); // POLLIN
  }

  /** Resolves to true when woken, false after `ms` (or when closed). */
  async wait(ms: number): Promise<boolean> {
    if (this.#closed) return false;
    const polled = this.#libc.poll(this.#pollfd, 1n, Math.max(0, Math.round(ms)));
    this.#waiting = polled;
    const ready = await polled;
    this.#waiting = undefined;
    if (ready <= 0 || this.#closed) return false;
    this.#libc.read(this.#readFd, this.#drain, BigInt(this.#drain.length));
    return true;
  }

  /** Wakes a {@linkcode WakePipe.wait}. */
  wake(): void {
    if (!this.#closed) this.#libc.write(this.writeFd, this.#drain.subarray(0, 1), 1n);
  }

  /** Ends a wait in progress, then closes both ends (once librdkafka writes no more to it). */
  async close(): Promise<void> {
    if (this.#closed) return;
    this.wake();
    this.#closed = true;
    await this.#waiting;
    this.#libc.close(this.#readFd);
    this.#libc.close(this.writeFd);
  }
}
