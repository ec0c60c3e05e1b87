/**
 * librdkafka's messages into {@linkcode MessageBatch}es: one call takes what the consumer queue
 * holds, each message's fields are copied out of its C struct with one `memcpy`, its value is
 * appended to one buffer, and the buffer is decoded once per call and cut into the values. No
 * object is made per message but its value's string.
 *
 * @module
 */

import type { MessageBatch } from "../../lib/message_batch.ts";
import { COMMIT } from "../../lib/protocol.ts";
import { cString, failure, type LibrdkafkaError, type Native } from "./native.ts";

/**
 * `rd_kafka_message_t` (72 bytes on 64-bit systems) as 32-bit words: err at word 0, partition at
 * 4, payload at 6–7, len at 8–9, key, key_len, offset at 14–15, _private; then, in librdkafka's
 * own `rd_kafka_msg_t` around it, the timestamp at words 24–25 (see `#timestampOf`).
 */
const MESSAGE_BYTES = 104n;

/** A message that carries an error instead of a value (librdkafka's consumer errors). */
export interface MessageError {
  readonly partition: number;
  readonly offset: number;
  readonly error: LibrdkafkaError;
}

/** What {@linkcode BatchReader.take} took. */
export interface Taken {
  /** The messages, a batch per partition, each in order. */
  readonly parts: MessageBatch[];
  /** Messages that carried errors. */
  readonly errors: MessageError[];
  /** How many messages were taken (values and errors). */
  readonly count: number;
}

/** Reads messages of one topic off a librdkafka queue; reuses its buffers from call to call. */
export class BatchReader {
  readonly #native: Native;
  readonly #topic: string;
  readonly #max: number;
  readonly #slots: BigUint64Array;
  readonly #slotBytes: Uint8Array;
  readonly #struct = new Uint8Array(Number(MESSAGE_BYTES));
  readonly #words = new Uint32Array(this.#struct.buffer);
  readonly #words64 = new BigUint64Array(this.#struct.buffer);
  readonly #timestampType = new Uint8Array(4);
  /** Whether the timestamp may be read from the copied struct (undefined: not checked yet). */
  #layoutChecked: boolean | undefined;
  readonly #partitions: Int32Array;
  readonly #offsets: Float64Array;
  readonly #timestamps: Float64Array;
  readonly #ends: Int32Array;
  #bytes = new Uint8Array(1 << 20);
  #bytesAt = 0n;
  readonly #decoder = new TextDecoder();
  readonly #origins = new Map<number, string>();

  /** Reads `topic`'s messages, at most `max` a call. */
  constructor(native: Native, topic: string, max = 8192) {
    this.#native = native;
    this.#topic = topic;
    this.#max = max;
    this.#slots = new BigUint64Array(max);
    this.#slotBytes = new Uint8Array(this.#slots.buffer);
    this.#partitions = new Int32Array(max);
    this.#offsets = new Float64Array(max);
    this.#timestamps = new Float64Array(max);
    this.#ends = new Int32Array(max);
    this.#bytesAt = BigInt(Deno.UnsafePointer.value(Deno.UnsafePointer.of(this.#bytes)));
  }

  /**
   * Takes what `queue` holds now, without waiting. librdkafka serves the queue's other events
   * (errors, rebalances) in this call, through the client's callbacks.
   */
  take(queue: Deno.PointerObject): Taken {
    const { rd, libc } = this.#native;
    const n = Number(
      rd.rd_kafka_consume_batch_queue(queue, 0, this.#slotBytes, BigInt(this.#max)),
    );
    const errors: MessageError[] = [];
    if (n <= 0) return { parts: [], errors, count: 0 };
    const words = this.#words;
    const words64 = this.#words64;
    let bytes = 0;
    let at = this.#bytesAt;
    let kept = 0;
    for (let i = 0; i < n; i++) {
      const message = this.#slots[i];
      libc.memcpy(this.#struct, message, MESSAGE_BYTES);
      const partition = words[4];
      const offset = words[14] + words[15] * 4294967296;
      if (words[0] !== 0) {
        const code = words[0] | 0;
        errors.push({
          partition,
          offset,
          error: failure(rd, code, cString(rd.rd_kafka_message_errstr(message))),
        });
        rd.rd_kafka_message_destroy(message);
        continue;
      }
      const length = words[8];
      if (length > 0) {
        if (bytes + length > this.#bytes.length) {
          this.#grow(bytes + length);
          at = this.#bytesAt + BigInt(bytes);
        }
        const lengthBig = words64[4];
        libc.memcpyTo(at, words64[3], lengthBig);
        at += lengthBig;
        bytes += length;
      }
      const timestamp = this.#timestampOf(message);
      rd.rd_kafka_message_destroy(message);
      this.#partitions[kept] = partition;
      this.#offsets[kept] = offset;
      this.#timestamps[kept] = timestamp < 0 ? NaN : timestamp;
      this.#ends[kept] = bytes;
      kept++;
    }
    return { parts: this.#parts(kept, bytes), errors, count: n };
  }

  /** The `kept` messages as one batch per partition. */
  #parts(kept: number, bytes: number): MessageBatch[] {
    if (kept === 0) return [];
    const values = this.#values(kept, bytes);
    const partitions = this.#partitions;
    let single = true;
    for (let i = 1; i < kept && single; i++) single = partitions[i] === partitions[0];
    if (single) {
      return [
        this.#batch(
          partitions[0],
          values,
          this.#offsets.slice(0, kept),
          this.#timestamps.slice(0, kept),
        ),
      ];
    }
    const indexes = new Map<number, number[]>();
    for (let i = 0; i < kept; i++) {
      const list = indexes.get(partitions[i]);
      if (list === undefined) indexes.set(partitions[i], [i]);
      else list.push(i);
    }
    const parts: MessageBatch[] = [];
    for (const [partition, list] of indexes) {
      const offsets = new Float64Array(list.length);
      const timestamps = new Float64Array(list.length);
      const own: string[] = new Array(list.length);
      for (let j = 0; j < list.length; j++) {
        offsets[j] = this.#offsets[list[j]];
        timestamps[j] = this.#timestamps[list[j]];
        own[j] = values[list[j]];
      }
      parts.push(this.#batch(partition, own, offsets, timestamps));
    }
    return parts;
  }

  #batch(
    partition: number,
    values: string[],
    offsets: Float64Array,
    timestamps: Float64Array,
  ): MessageBatch {
    let origin = this.#origins.get(partition);
    if (origin === undefined) {
      origin = `${this.#topic}/${partition}@`;
      this.#origins.set(partition, origin);
    }
    return { partition, values, offsets, timestamps, origin, lines: false };
  }

  /**
   * The values as text: the buffer decoded once and cut at the messages' ends when every byte
   * became one UTF-16 unit (ASCII, the usual case); else each value decoded on its own. A
   * `*COMMIT*` is the one string {@linkcode COMMIT}, not a copy per message.
   */
  #values(kept: number, bytes: number): string[] {
    const values: string[] = new Array(kept);
    const ends = this.#ends;
    const buffer = this.#bytes;
    const text = this.#decoder.decode(buffer.subarray(0, bytes));
    let start = 0;
    if (text.length === bytes) {
      for (let i = 0; i < kept; i++) {
        const end = ends[i];
        values[i] = end - start === COMMIT_BYTES.length && isCommit(buffer, start)
          ? COMMIT
          : text.slice(start, end);
        start = end;
      }
    } else {
      for (let i = 0; i < kept; i++) {
        values[i] = this.#decoder.decode(buffer.subarray(start, ends[i]));
        start = ends[i];
      }
    }
    return values;
  }

  /**
   * The message's timestamp (−1: none). librdkafka keeps it in its `rd_kafka_msg_t` right after
   * the public struct (`rkm_link`, `rkm_flags`, `rkm_tstype`, then `rkm_timestamp` at byte 96),
   * which the copy of the struct already holds: read there, once checked against
   * `rd_kafka_message_timestamp` on the first message, else asked of it each time.
   */
  #timestampOf(message: bigint): number {
    const words = this.#words;
    const copied = words[24] + words[25] * 4294967296 - (words[25] >= 0x80000000 ? 2 ** 64 : 0);
    if (this.#layoutChecked) return copied;
    const asked = Number(this.#native.rd.rd_kafka_message_timestamp(message, this.#timestampType));
    if (this.#layoutChecked === undefined) this.#layoutChecked = asked === copied;
    return asked;
  }

  #grow(needed: number): void {
    let size = this.#bytes.length;
    while (size < needed) size *= 2;
    const bigger = new Uint8Array(size);
    bigger.set(this.#bytes);
    this.#bytes = bigger;
    this.#bytesAt = BigInt(Deno.UnsafePointer.value(Deno.UnsafePointer.of(bigger)));
  }
}

const COMMIT_BYTES = new TextEncoder().encode(COMMIT);

/** Whether `bytes` hold `*COMMIT*` from `start` on. */
function isCommit(bytes: Uint8Array, start: number): boolean {
  for (let i = 0; i < COMMIT_BYTES.length; i++) {
    if (bytes[start + i] !== COMMIT_BYTES[i]) return false;
  }
  return true;
}
