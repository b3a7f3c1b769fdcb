/**
 * A FIFO ring buffer with O(1) push, pushFront and shift. Why not an array with shift(): shift is
 * O(n), and pools that use it slow down 3-4x once 200k tasks are queued.
 */
export class Deque<T> {
  #buf: (T | undefined)[];
  #head = 0;
  #size = 0;
  #mask: number;

  constructor(capacity = 16) {
    let cap = 16;
    while (cap < capacity) cap *= 2;
    this.#buf = new Array<T | undefined>(cap);
    this.#mask = cap - 1;
  }

  get length(): number {
    return this.#size;
  }

  push(value: T): void {
    if (this.#size === this.#buf.length) this.#grow();
    this.#buf[(this.#head + this.#size) & this.#mask] = value;
    this.#size++;
  }

  pushFront(value: T): void {
    if (this.#size === this.#buf.length) this.#grow();
    this.#head = (this.#head - 1) & this.#mask;
    this.#buf[this.#head] = value;
    this.#size++;
  }

  shift(): T | undefined {
    if (this.#size === 0) return undefined;
    const value = this.#buf[this.#head];
    this.#buf[this.#head] = undefined;
    this.#head = (this.#head + 1) & this.#mask;
    this.#size--;
    return value;
  }

  /** Visits the elements in order without removing them, until `visit` returns false. */
  forEach(visit: (value: T) => boolean | void): void {
    for (let i = 0; i < this.#size; i++) {
      if (visit(this.#buf[(this.#head + i) & this.#mask] as T) === false) return;
    }
  }

  /** Removes every element for which `drop` returns true, keeping order. O(n). */
  filterOut(drop: (value: T) => boolean): T[] {
    const kept: T[] = [];
    const dropped: T[] = [];
    for (let v = this.shift(); v !== undefined; v = this.shift()) (drop(v) ? dropped : kept).push(v);
    for (const v of kept) this.push(v);
    return dropped;
  }

  #grow(): void {
    const old = this.#buf;
    const next = new Array<T | undefined>(old.length * 2);
    for (let i = 0; i < this.#size; i++) next[i] = old[(this.#head + i) & this.#mask];
    // Emptied: a dropped buffer that still pointed at live items would keep whatever they point
    // at alive through every scavenge until a full GC (see pool/in-flight.ts).
    old.fill(undefined);
    this.#buf = next;
    this.#head = 0;
    this.#mask = next.length - 1;
  }
}
