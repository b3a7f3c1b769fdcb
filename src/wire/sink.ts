/**
 * Where the encoder (encoder.ts) writes a batch's bytes: straight into the shared ring (ring.ts)
 * while they fit in the stretch it claimed, else in a buffer of the sink's own, which then
 * travels as an ArrayBuffer. Also writes the primitives that go as bytes (tags.ts).
 */
import type { RingWriter } from './ring.js';
import { MAX_STRING, Tag } from './tags.js';

/** Own buffer size kept after a batch; a larger one is let go. */
const KEEP_BYTES = 256 * 1024;

export class ByteSink {
  /** Where bytes go now: the ring's memory, or the sink's own buffer. */
  u8: Uint8Array;
  view: DataView<ArrayBufferLike>;
  pos = 0;
  /** The end of the room in u8, and where this batch's bytes began in it. */
  #limit = 0;
  #base = 0;
  /** Where in the ring this batch is being written (its length comes first), or -1. */
  #ringAt = -1;
  #own = new Uint8Array(4096);
  readonly #ring: RingWriter | undefined;
  /** The last batch went into the ring: undo() gives its room back. */
  #inRing = false;

  /**
   * Without a ring, every batch travels as an ArrayBuffer; `lend` makes it a view of this sink's
   * buffer instead, valid until the next batch (frames.ts copies it into its frame at once).
   */
  constructor(
    ring?: RingWriter,
    private readonly lend = false,
  ) {
    this.#ring = ring;
    this.u8 = this.#own;
    this.view = new DataView(this.#own.buffer);
  }

  /** Starts a batch: in the ring's free stretch if there is one, else in the own buffer. */
  begin(): void {
    const ring = this.#ring;
    const at = ring === undefined ? -1 : ring.claim();
    if (ring !== undefined && at >= 0) {
      this.u8 = ring.u8;
      this.view = ring.view;
      this.#base = at + 4;
      this.#limit = at + ring.room;
    } else {
      this.#toOwn();
    }
    this.#ringAt = at;
    this.#inRing = false;
    this.pos = this.#base;
  }

  /** Ends the batch: its offset in the ring (taken now), or its bytes (see the constructor). */
  finish(): number | ArrayBuffer | Uint8Array {
    const at = this.#ringAt;
    if (at < 0) {
      const bytes = this.lend ? this.#own.subarray(0, this.pos) : (this.#own.buffer as ArrayBuffer).slice(0, this.pos);
      // A batch far larger than usual does not keep its buffer for good.
      if (this.#own.length > KEEP_BYTES) {
        this.#own = new Uint8Array(4096);
        this.#toOwn();
      }
      return bytes;
    }
    this.view.setUint32(at, this.pos - this.#base, true);
    (this.#ring as RingWriter).advance(this.pos);
    this.#inRing = true;
    return at;
  }

  /** The batch finished last was sent: its ring room stays taken. */
  sent(): void {
    this.#inRing = false;
  }

  /** The batch finished last was not sent: its ring room is free again. */
  unsent(): void {
    if (this.#inRing) this.#ring?.unadvance();
    this.#inRing = false;
  }

  /** Where the batch is now, as an offset from its start: stays valid if it moves (ensure). */
  get mark(): number {
    return this.pos - this.#base;
  }

  rewind(mark: number): void {
    this.pos = this.#base + mark;
  }

  /** Overwrites the byte at a mark. */
  patch(mark: number, byte: number): void {
    this.u8[this.#base + mark] = byte;
  }

  /** Room for n more bytes: when the ring's stretch runs out, the batch moves to the own buffer
   * (it then travels as an ArrayBuffer); the own buffer grows as needed. */
  ensure(n: number): void {
    if (this.pos + n <= this.#limit) return;
    const written = this.pos - this.#base;
    const from = this.u8;
    const start = this.#base;
    let size = this.#own.length;
    while (size < written + n) size *= 2;
    if (size !== this.#own.length) this.#own = new Uint8Array(size);
    if (from !== this.#own) this.#own.set(from.subarray(start, start + written));
    this.#ringAt = -1;
    this.#toOwn();
    this.pos = written;
  }

  #toOwn(): void {
    this.u8 = this.#own;
    this.view = new DataView(this.#own.buffer);
    this.#base = 0;
    this.#limit = this.#own.length;
  }

  byte(b: number): void {
    this.ensure(1);
    this.u8[this.pos++] = b;
  }

  u32(n: number): void {
    this.ensure(4);
    this.view.setUint32(this.pos, n, true);
    this.pos += 4;
  }

  /** A tag and a u16 or u32 after it. */
  tag16(tag: Tag, n: number): void {
    this.ensure(3);
    this.u8[this.pos] = tag;
    this.view.setUint16(this.pos + 1, n, true);
    this.pos += 3;
  }

  tag32(tag: Tag, n: number): void {
    this.ensure(5);
    this.u8[this.pos] = tag;
    this.view.setUint32(this.pos + 1, n, true);
    this.pos += 5;
  }

  /** Writes v if it is a primitive that goes as bytes; false (nothing written) otherwise. */
  primitive(v: unknown): boolean {
    switch (typeof v) {
      case 'number':
        this.ensure(9);
        if ((v | 0) === v && (v !== 0 || 1 / v > 0)) {
          this.u8[this.pos] = Tag.Int32;
          this.view.setInt32(this.pos + 1, v, true);
          this.pos += 5;
        } else {
          this.u8[this.pos] = Tag.Float64;
          this.view.setFloat64(this.pos + 1, v, true);
          this.pos += 9;
        }
        return true;
      case 'string':
        if (v.length > MAX_STRING) return false;
        this.string(v);
        return true;
      case 'boolean':
        this.byte(v ? Tag.True : Tag.False);
        return true;
      case 'undefined':
        this.byte(Tag.Undefined);
        return true;
      case 'object':
        if (v !== null) return false;
        this.byte(Tag.Null);
        return true;
      default:
        return false;
    }
  }

  /** A string of any length, one byte per code unit when all are below 256, else two. */
  string(s: string): void {
    const n = s.length;
    this.ensure(5 + 2 * n);
    const u8 = this.u8;
    const at = this.pos + 5;
    let i = 0;
    for (; i < n; i++) {
      const c = s.charCodeAt(i);
      if (c > 0xff) break;
      u8[at + i] = c;
    }
    this.view.setUint32(this.pos + 1, n, true);
    if (i === n) {
      u8[this.pos] = Tag.Latin1;
      this.pos = at + n;
      return;
    }
    u8[this.pos] = Tag.Utf16;
    const view = this.view;
    for (let j = 0; j < n; j++) view.setUint16(at + 2 * j, s.charCodeAt(j), true);
    this.pos = at + 2 * n;
  }
}
