/** Reads batches in the wire format (tags.ts), written by encoder.ts. */
import type { Batch } from '../protocol.js';
import type { RingReader } from './ring.js';
import { Tag, type Wire } from './tags.js';

const EMPTY = new Uint8Array(0);
const EMPTY_VIEW = new DataView(new ArrayBuffer(0));

export class WireDecoder {
  readonly #strings: string[] = [];
  readonly #ring: RingReader | undefined;
  #buf: Buffer | Uint8Array = EMPTY;
  #view: DataView<ArrayBufferLike> = EMPTY_VIEW;
  #pos = 0;
  #side: unknown[] | undefined;

  constructor(ring?: RingReader) {
    this.#ring = ring;
  }

  decode(wire: Wire): Batch {
    let bytes: number | ArrayBuffer | Uint8Array;
    let side: unknown[] | undefined;
    if (Array.isArray(wire)) {
      bytes = wire[0] as number | ArrayBuffer | Uint8Array;
      side = wire;
    } else {
      bytes = wire;
    }
    if (bytes instanceof Uint8Array) return this.decodeBytes(Buffer.from(bytes.buffer, bytes.byteOffset, bytes.length), 0, bytes.length, side);
    if (typeof bytes !== 'number') return this.decodeBytes(Buffer.from(bytes), 0, bytes.byteLength, side);
    const ring = this.#ring;
    if (ring === undefined) throw new Error('loopfleet wire: a ring offset arrived on a channel without a ring');
    const batch = this.#decode(ring.buf, ring.view, bytes + 4, bytes + 4 + ring.view.getUint32(bytes, true), side);
    ring.release(this.#pos);
    return batch;
  }

  /** A batch from `buf[start, end)`, with its side values (frames.ts). */
  decodeBytes(buf: Buffer, start: number, end: number, side: unknown[] | undefined): Batch {
    const batch = this.#decode(buf, new DataView(buf.buffer, buf.byteOffset, buf.byteLength), start, end, side);
    // Not keeping a large batch's bytes alive until the next one.
    this.#buf = EMPTY;
    this.#view = EMPTY_VIEW;
    return batch;
  }

  #decode(buf: Buffer | Uint8Array, view: DataView<ArrayBufferLike>, start: number, end: number, side: unknown[] | undefined): Batch {
    this.#buf = buf;
    this.#view = view;
    this.#side = side;
    this.#pos = start + 4;
    const n = view.getUint32(start, true);
    const batch: Batch = new Array(n);
    for (let i = 0; i < n; i += 4) {
      batch[i] = buf[this.#pos++];
      batch[i + 1] = this.#read();
      batch[i + 2] = this.#read();
      batch[i + 3] = this.#read();
    }
    if (this.#pos !== end) throw new Error(`loopfleet wire: a batch of ${end - this.#pos} bytes more or less than it said`);
    this.#side = undefined;
    return batch;
  }

  #read(): unknown {
    const view = this.#view;
    const at = this.#pos;
    const tag = this.#buf[at] as Tag;
    switch (tag) {
      case Tag.Undefined:
        this.#pos = at + 1;
        return undefined;
      case Tag.Null:
        this.#pos = at + 1;
        return null;
      case Tag.False:
        this.#pos = at + 1;
        return false;
      case Tag.True:
        this.#pos = at + 1;
        return true;
      case Tag.Int32:
        this.#pos = at + 5;
        return view.getInt32(at + 1, true);
      case Tag.Float64:
        this.#pos = at + 9;
        return view.getFloat64(at + 1, true);
      case Tag.Latin1:
      case Tag.Utf16:
        return this.#string();
      case Tag.Known: {
        this.#pos = at + 3;
        const s = this.#strings[view.getUint16(at + 1, true)];
        // Out of step with the sender's table: a bug, and better loud than a wrong key.
        if (s === undefined) throw new Error(`loopfleet wire: unknown interned string ${view.getUint16(at + 1, true)}`);
        return s;
      }
      case Tag.Intern: {
        this.#pos = at + 1;
        const s = this.#string();
        this.#strings.push(s);
        return s;
      }
      case Tag.Object: {
        const count = this.#buf[at + 1] as number;
        this.#pos = at + 2;
        const o: Record<string, unknown> = {};
        for (let k = 0; k < count; k++) {
          const key = this.#read() as string;
          const value = this.#read();
          // Clone defines properties. Assigning one that Object.prototype also has could run
          // its setter or fail (a frozen prototype): those few are defined instead.
          if (key in Object.prototype) Object.defineProperty(o, key, { value, writable: true, enumerable: true, configurable: true });
          else o[key] = value;
        }
        return o;
      }
      case Tag.Array:
        this.#pos = at + 2;
        return this.#items(this.#buf[at + 1] as number);
      case Tag.List:
        this.#pos = at + 5;
        return this.#items(view.getUint32(at + 1, true));
      case Tag.Side:
        this.#pos = at + 5;
        return (this.#side as unknown[])[view.getUint32(at + 1, true)];
      default:
        throw new Error(`loopfleet wire: unknown tag ${String(tag)} at byte ${at}`);
    }
  }

  #items(n: number): unknown[] {
    const a: unknown[] = new Array(n);
    for (let k = 0; k < n; k++) a[k] = this.#read();
    return a;
  }

  #string(): string {
    const at = this.#pos;
    const wide = this.#buf[at] === Tag.Utf16;
    const n = this.#view.getUint32(at + 1, true);
    const start = at + 5;
    const end = start + (wide ? 2 * n : n);
    this.#pos = end;
    return (this.#buf as Buffer).toString(wide ? 'utf16le' : 'latin1', start, end);
  }
}
