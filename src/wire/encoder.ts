/**
 * Writes batches in the wire format (tags.ts): bytes for what structured clone is slow at,
 * structured clone for the rest.
 *
 * Why: cloning a small plain object such as `{ a: 1, b: 2 }` costs about half a microsecond
 * between serialising and deserialising it, and an array or ArrayBuffer message costs a few
 * microseconds more per crossing than a number. Written as tagged bytes into the shared ring
 * (ring.ts, through sink.ts), a batch of such tasks crosses as one number, and both sides spend a
 * fraction of that in JavaScript.
 *
 * Only values whose copy is exactly what structured clone would give are written as bytes:
 * - `undefined`, `null`, booleans, numbers (-0 and NaN included), strings of up to
 *   MAX_STRING code units (lone surrogates kept);
 * - plain objects (prototype `Object.prototype`) of up to MAX_MEMBERS own enumerable string keys,
 *   none of them `__proto__`, and dense arrays (prototype `Array.prototype`) of up to MAX_MEMBERS
 *   elements and no other own properties, whose members are all of the kinds above.
 * Any other value (nested containers, long strings, bigints, typed arrays, Maps, Dates, class
 * instances, errors, Proxies, ports, anything transferred) is replaced by its index among the message's
 * side values, which postMessage clones (and whose transfer list it moves) as before. Nested
 * containers go there because structured clone keeps shared references and cycles within a
 * value, and tracking them would cost more than it saves. A value that turns out not to qualify
 * half-way is rewound and sent whole as a side value: a plain object's getters then run once
 * here and once more in clone.
 *
 * Object keys and task names are interned: the first time one is sent it is written out and
 * given the next number, afterwards only the number travels, and the receiver keeps one string
 * per number (so a worker looks task names up with the same string every time). The table is per
 * direction and per worker, bounded by MAX_INTERNED; strings past it are written out each time.
 * After each `encode`, the caller says what became of the batch: `commit()` once postMessage took
 * it, `rollback()` if postMessage refused it, so that both tables stay in step and its ring room
 * is reused (`send()` does all three). A rollback with no encoded batch pending does nothing.
 */
import { types } from 'node:util';
import { Kind, type Batch } from '../protocol.js';
import type { RingWriter } from './ring.js';
import { ByteSink } from './sink.js';
import { MAX_INTERNED, MAX_MEMBERS, MAX_STRING, Tag, type Wire } from './tags.js';

function enumerableOnObjectPrototype(): boolean {
  for (const key in Object.prototype) return key !== undefined;
  return false;
}

/** Why a value is not written as bytes: thrown within the encoder and caught where it began. */
const NOT_BYTES = Symbol('not bytes');

export class WireEncoder {
  /** Where the batch being encoded goes: #main (with the ring), or #spare for a nested one. */
  #out: ByteSink;
  readonly #main: ByteSink;
  #spare: ByteSink | undefined;
  readonly #lend: boolean;
  /** 1 while a batch is being encoded, 2 or more while a nested one is (see #encodeNested). */
  #depth = 0;
  #side: unknown[] | undefined;
  #ids = new Map<string, number>();
  #strings: string[] = [];
  /** Interned strings the receiver is known to hold (the rest came in the last encoded batch). */
  #committed = 0;
  /** An encoded batch awaits commit() or rollback(). */
  #pending = false;
  /** The keys of the objects written last, by place, and their ids (-1: not interned). */
  #lastKeys: string[] = [];
  #lastIds: number[] = [];
  /** Whether plain objects may be read with for-in (checked once per batch, see #container). */
  #forIn: boolean | undefined;

  /** Without a ring, every batch travels as an ArrayBuffer, or with `lend` as a view (sink.ts). */
  constructor(ring?: RingWriter, lend = false) {
    this.#lend = lend;
    this.#main = new ByteSink(ring, lend);
    this.#out = this.#main;
  }

  /**
   * Encodes a batch; then `commit()` once it is sent or `rollback()` if sending threw (a batch
   * left pending counts as sent). Throws what reading a value threw (a getter), having undone
   * what it wrote.
   */
  encode(batch: Batch): Wire {
    if (this.#depth > 0) return this.#encodeNested(batch);
    this.commit();
    this.#depth = 1;
    try {
      const wire = this.#encode(batch);
      this.#pending = true;
      return wire;
    } catch (err) {
      this.#side = undefined;
      this.#undo();
      throw err;
    } finally {
      this.#depth = 0;
    }
  }

  /**
   * Encodes a batch and hands it to `post` (a postMessage, or framing for a pipe, which throws when a
   * side value cannot be cloned), then commits it, or rolls it back and rethrows.
   */
  send<T>(batch: Batch, post: (wire: Wire, extra: T) => void, extra: T): void {
    const wire = this.encode(batch);
    try {
      post(wire, extra);
      this.commit();
    } catch (err) {
      this.rollback();
      throw err;
    }
  }

  /**
   * A batch encoded while another is (a getter in a value sent something: cancelling a task
   * flushes at once). Its message leaves before the outer batch's, so it must not depend on
   * it: it goes as an ArrayBuffer (the outer batch holds the ring's stretch), interns nothing,
   * and refers only to strings the receiver already holds. Its commit() and rollback() are
   * no-ops: they would otherwise settle the outer batch.
   */
  #encodeNested(batch: Batch): Wire {
    const outerSide = this.#side;
    const outerOut = this.#out;
    const outerDepth = this.#depth;
    // One spare sink for the usual single level; a batch nested deeper still gets its own.
    this.#out = outerDepth === 1 ? (this.#spare ??= new ByteSink(undefined, this.#lend)) : new ByteSink(undefined, this.#lend);
    this.#depth = outerDepth + 1;
    try {
      return this.#encode(batch);
    } finally {
      this.#out = outerOut;
      this.#depth = outerDepth;
      this.#side = outerSide;
    }
  }

  #encode(batch: Batch): Wire {
    const out = this.#out;
    this.#side = undefined;
    this.#forIn = undefined;
    out.begin();
    out.u32(batch.length);
    for (let i = 0; i < batch.length; i += 4) {
      const kind = batch[i] as Kind;
      out.byte(kind);
      this.#value(batch[i + 1]);
      const b = batch[i + 2];
      if (typeof b === 'string' && (kind === Kind.Run || kind === Kind.RunMany || kind === Kind.RunCtl || kind === Kind.RunTimed || kind === Kind.Stream)) {
        this.#interned(b);
      } else {
        this.#value(b);
      }
      const c = batch[i + 3];
      if (kind === Kind.RunMany || kind === Kind.PutMany || kind === Kind.OkMany) this.#list(c as unknown[]);
      else this.#value(c);
    }
    const bytes = out.finish();
    // (A cast: TypeScript keeps the narrowing from the reset above across the calls that fill it.)
    const side = this.#side as unknown[] | undefined;
    this.#side = undefined;
    if (side === undefined) return bytes;
    side[0] = bytes;
    return side;
  }

  commit(): void {
    if (this.#depth > 0) return;
    this.#committed = this.#strings.length;
    this.#out.sent();
    this.#pending = false;
  }

  /** The batch encoded last was not sent: forget the strings it interned, free its ring room. */
  rollback(): void {
    if (this.#pending && this.#depth === 0) this.#undo();
  }

  #undo(): void {
    this.#forget(this.#committed);
    this.#out.unsent();
    this.#pending = false;
  }

  #forget(count: number): void {
    while (this.#strings.length > count) this.#ids.delete(this.#strings.pop() as string);
    this.#lastKeys.length = 0;
  }

  #list(items: unknown[]): void {
    this.#out.tag32(Tag.List, items.length);
    for (let i = 0; i < items.length; i++) this.#value(items[i]);
  }

  /** One value: as bytes when it qualifies, else through the side array. */
  #value(v: unknown): void {
    const out = this.#out;
    if (out.primitive(v)) return;
    if (typeof v === 'object' && v !== null) {
      const start = out.mark;
      const interned = this.#strings.length;
      try {
        if (this.#container(v)) return;
      } catch (err) {
        if (err !== NOT_BYTES) throw err;
      }
      out.rewind(start);
      this.#forget(interned);
    }
    // Slot 0 is for the bytes, which come first in the wire array.
    const side = (this.#side ??= [undefined]);
    out.tag32(Tag.Side, side.length);
    side.push(v);
  }

  /** A plain object or dense array of primitives; false when v is neither kind of container. */
  #container(v: object): boolean {
    const out = this.#out;
    const proto = Object.getPrototypeOf(v);
    // A Proxy answers for its target here; clone refuses it (DataCloneError), and still will.
    if ((proto === Object.prototype || proto === Array.prototype) && types.isProxy(v)) return false;
    if (proto === Object.prototype) {
      // for-in lists exactly the own enumerable string keys, in Object.keys order, without
      // allocating them, as long as Object.prototype has no enumerable property of its own.
      if ((this.#forIn ??= !enumerableOnObjectPrototype()) === false) return false;
      out.byte(Tag.Object);
      const countAt = out.mark;
      out.byte(0);
      const keys = this.#lastKeys;
      const ids = this.#lastIds;
      let n = 0;
      for (const key in v) {
        // Assigning __proto__ on the other side would set the prototype instead.
        if (n === MAX_MEMBERS || key === '__proto__' || key.length > MAX_STRING) return false;
        // Objects often come in runs of one shape: the same key at the same place has its id.
        const id = keys[n] === key && this.#depth === 1 ? (ids[n] as number) : -1;
        if (id >= 0) {
          out.tag16(Tag.Known, id);
        } else {
          this.#interned(key);
          if (this.#depth === 1) {
            keys[n] = key;
            ids[n] = this.#ids.get(key) ?? -1;
          }
        }
        n++;
        if (!out.primitive((v as Record<string, unknown>)[key])) throw NOT_BYTES;
      }
      out.patch(countAt, n);
      return true;
    }
    if (proto === Array.prototype && Array.isArray(v)) {
      const n = v.length;
      if (n > MAX_MEMBERS) return false;
      out.byte(Tag.Array);
      out.byte(n);
      for (let i = 0; i < n; i++) {
        const item: unknown = v[i];
        // Clone keeps holes (a hole reads as undefined here).
        if (item === undefined && !(i in v)) return false;
        if (!out.primitive(item)) return false;
      }
      // Clone keeps an array's other own properties too: without holes, their count gives them.
      return Object.keys(v).length === n;
    }
    return false;
  }

  #interned(s: string): void {
    const id = this.#ids.get(s);
    // A nested batch arrives first: only strings the receiver already holds.
    if (id !== undefined && (this.#depth === 1 || id < this.#committed)) {
      this.#out.tag16(Tag.Known, id);
      return;
    }
    if (this.#depth === 1 && this.#strings.length < MAX_INTERNED && s.length <= MAX_STRING) {
      this.#ids.set(s, this.#strings.length);
      this.#strings.push(s);
      this.#out.byte(Tag.Intern);
    }
    this.#out.string(s);
  }
}
