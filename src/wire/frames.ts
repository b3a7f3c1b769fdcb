/**
 * The process runtime's channel: batches in the wire format (tags.ts), framed on a pipe of their
 * own (the child's fd 3) instead of Node's IPC channel. Why: a round trip of one small task over
 * `child.send` with "advanced" serialization spends most of its time in Node's own JavaScript
 * (a V8 serializer per message, the handle-passing machinery, one `nextTick` per message);
 * measured here, the same round trip as bytes on a plain pipe took 50–57 µs against 77–92 µs.
 *
 * A frame is `u32 length` (of what follows), `u32 bytes` (the wire bytes' length), the wire
 * bytes, then, if the batch has side values, those serialised by `node:v8` (what IPC's
 * "advanced" serialization does too, so the same values cross, and a value that cannot be
 * cloned throws before anything is written). All integers little-endian.
 */
import { DefaultSerializer, deserialize } from 'node:v8';
import type { Batch } from '../protocol.js';
import type { WireDecoder } from './decoder.js';
import type { Wire } from './tags.js';

const HEADER = 8;
/** Room for the header, filled in once the frame's length is known. */
const NO_HEADER = new Uint8Array(HEADER);
/**
 * The longest frame, both ways: a longer batch is refused when sent (as a value that cannot be
 * cloned is), and a longer length read is garbage, reported at once rather than waited for.
 */
export const MAX_FRAME = 2 ** 31;

/** One encoded batch as a frame (a new Buffer, which the socket may keep until written). */
export function frame(wire: Wire): Buffer {
  if (!Array.isArray(wire)) {
    const bytes = asBytes(wire);
    if (HEADER - 4 + bytes.length > MAX_FRAME) throw tooLong(HEADER + bytes.length);
    const buf = Buffer.allocUnsafe(HEADER + bytes.length);
    buf.writeUInt32LE(HEADER - 4 + bytes.length, 0);
    buf.writeUInt32LE(bytes.length, 4);
    buf.set(bytes, HEADER);
    return buf;
  }
  const bytes = asBytes(wire[0]);
  // Slot 0 held the bytes; the decoder indexes side values from 1.
  wire[0] = undefined;
  // The header and the bytes go first into the serializer's own buffer, as Node's IPC does with
  // its length: the side values (a large typed array, say) are then copied once, not twice.
  const ser = new DefaultSerializer();
  ser.writeRawBytes(NO_HEADER);
  ser.writeRawBytes(bytes);
  ser.writeHeader();
  ser.writeValue(wire);
  const buf = ser.releaseBuffer();
  if (buf.length - 4 > MAX_FRAME) throw tooLong(buf.length);
  buf.writeUInt32LE(buf.length - 4, 0);
  buf.writeUInt32LE(bytes.length, 4);
  return buf;
}

function tooLong(bytes: number): RangeError {
  return new RangeError(`loopfleet wire: a batch of ${bytes} bytes, more than a process worker's channel carries (${MAX_FRAME})`);
}

function asBytes(b: unknown): Uint8Array {
  if (b instanceof Uint8Array) return b;
  if (b instanceof ArrayBuffer) return new Uint8Array(b);
  throw new Error('loopfleet wire: a ring offset cannot travel on a pipe');
}

/**
 * Reads frames from the chunks a pipe delivers, which split and join frames anywhere, and hands
 * each batch on as soon as it is whole. A frame that does not decode goes to `onBroken`, once:
 * the channel is out of step from there on, nothing more is read, and the caller ends it.
 */
export class FrameReader {
  /** Chunks of an incomplete frame, their total length, and the length it needs (once known). */
  #parts: Buffer[] = [];
  #size = 0;
  #need = 0;
  #broken = false;

  constructor(
    private readonly decoder: WireDecoder,
    private readonly onBatch: (batch: Batch) => void,
    private readonly onBroken: (err: Error) => void,
  ) {}

  push(chunk: Buffer): void {
    if (this.#broken) return;
    let buf = chunk;
    if (this.#size > 0) {
      if (this.#size < 4) {
        // The length itself was cut: join its few bytes to this chunk, then read on as usual.
        buf = Buffer.concat([this.#parts[0] as Buffer, chunk]);
      } else {
        this.#parts.push(chunk);
        this.#size += chunk.length;
        if (this.#size < this.#need) return;
        buf = Buffer.concat(this.#parts, this.#size);
      }
      this.#parts = [];
      this.#size = 0;
    }
    let at = 0;
    try {
      while (buf.length - at >= 4) {
        const length = buf.readUInt32LE(at);
        // A length no frame can have: garbage, which would otherwise be waited for without end.
        if (length < HEADER - 4 || length > MAX_FRAME) return this.#break(new Error(`loopfleet wire: a frame of ${length} bytes`));
        const end = at + 4 + length;
        if (end > buf.length) break;
        let batch: Batch;
        try {
          batch = this.#decode(buf, at, end);
        } catch (err) {
          return this.#break(err as Error);
        }
        at = end;
        // Outside the inner try: what the handler throws is its own, and the frames after this
        // one are kept (finally) for the next chunk.
        this.onBatch(batch);
      }
    } finally {
      if (at < buf.length && !this.#broken) {
        const rest = buf.subarray(at);
        this.#parts.push(rest);
        this.#size = rest.length;
        this.#need = rest.length >= 4 ? 4 + rest.readUInt32LE(0) : 0;
      }
    }
  }

  #break(err: Error): void {
    this.#broken = true;
    this.#parts = [];
    this.#size = 0;
    this.onBroken(err);
  }

  #decode(buf: Buffer, at: number, end: number): Batch {
    const start = at + HEADER;
    const bytesEnd = start + buf.readUInt32LE(at + 4);
    if (bytesEnd > end) throw new Error(`loopfleet wire: a frame of ${end - at} bytes says its batch has ${bytesEnd - start}`);
    const side = bytesEnd < end ? (deserialize(buf.subarray(bytesEnd, end)) as unknown[]) : undefined;
    // Bounded to the batch: a malformed one fails here rather than read into the next frame.
    return this.decoder.decodeBytes(buf.subarray(0, bytesEnd), start, bytesEnd, side);
  }
}
