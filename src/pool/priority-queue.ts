/**
 * The pool's task queue: lowest priority first; FIFO among equal priorities, except that items of
 * different `series` interleave fairly while each series stays FIFO.
 *
 * Fairness is start-time fair queuing with unit costs, one virtual clock per priority level: an
 * item gets the virtual time `max(last + 1, clock)`, where `last` is the virtual time given to the
 * previous item of its series at that level (forgotten once that series has nothing queued there)
 * and `clock` the virtual time of the last item taken from the level; the level is ordered by
 * (virtual time, arrival). Why: two series pushed together get times 0,1,2… each and come out
 * interleaved; a series that arrives late starts at the clock, so it neither waits behind the whole
 * backlog of a long series nor jumps ahead of it (it takes every other turn from then on). Items
 * without a series form one default series. Unlike round-robin over per-series FIFOs, this needs no
 * per-series queues and gives each item a fixed key, so a binary heap keeps it O(log n).
 *
 * Speed: a level that has only ever seen the default series since it was last empty is a ring
 * buffer of (item, virtual time) pairs: O(1) and no allocation per item. In it the order of
 * arrival (pushFront aside) is the fair order, as virtual times only grow. The first item with a
 * series turns the level into a heap of nodes (the buffer, being sorted, is already a valid heap);
 * the level turns back when it empties. Non-empty levels are bits in two 32-bit masks, so finding
 * the lowest one is O(1). `delete` is O(log n) in a heap and O(1) in a buffer (a tombstone that
 * `shift` skips; buffers mostly dead are compacted).
 */
import { Deque } from '../deque.js';
import { describe, InvalidArgTypeError, InvalidArgValueError } from '../errors.js';
import { HeapNode, heapPop, heapPush, heapRemove } from './vtime-heap.js';

export const MIN_PRIORITY = -20;
export const MAX_PRIORITY = 20;

/** What the queue reads from an item; `priority` and `series` must not change while it is queued. */
export interface QueueItem {
  /** Integer from -20 to 20, lower runs sooner. @default 0 */
  readonly priority?: number | undefined;
  /** Items of different series interleave fairly; `undefined` is the default series. */
  readonly series?: unknown;
  /**
   * The queue's bookkeeping while the item is queued, undefined otherwise; never set it. Why on
   * the item and not in a Map: a Map of a million entries costs ~0.5 µs per operation in cache
   * misses and rehashing. Declare it in the item's class (`queueNode: unknown = undefined`) so
   * that items keep one hidden class.
   */
  queueNode?: unknown;
}

/** Checks a `priority` option and returns it (0 when undefined); throws the argument errors. */
export function validatePriority(value: unknown, name = 'priority'): number {
  if (value === undefined) return 0;
  if (typeof value !== 'number') throw new InvalidArgTypeError(`Expected \`${name}\` to be an integer from ${MIN_PRIORITY} to ${MAX_PRIORITY}, got ${describe(value)}`);
  if (!Number.isInteger(value) || value < MIN_PRIORITY || value > MAX_PRIORITY) {
    throw new InvalidArgValueError(`Expected \`${name}\` to be an integer from ${MIN_PRIORITY} to ${MAX_PRIORITY}, got ${describe(value)}`);
  }
  return value;
}

type Node<T> = HeapNode<T, Level<T>>;

interface SeriesState {
  last: number;
  count: number;
}

class Level<T> {
  constructor(readonly index: number) {}
  live = 0;
  clock = 0;
  defLast = 0; // the default series' state, kept out of `series` for speed
  defCount = 0;
  /** Ring-buffer mode: item, virtual time, item, virtual time, ... */
  fifo: Deque<unknown> | undefined = new Deque();
  /** Items deleted while in `fifo`, still in it (undefined when none). */
  tombs: Set<T> | undefined;
  heap: Node<T>[] | undefined;
  series: Map<unknown, SeriesState> | undefined;
}

export class PriorityQueue<T extends QueueItem> {
  readonly #levels: (Level<T> | undefined)[] = new Array<Level<T> | undefined>(MAX_PRIORITY - MIN_PRIORITY + 1).fill(undefined);
  #size = 0;
  #lo = 0; // bit i: level i (priority i - 20) is non-empty, for i < 32
  #hi = 0; // bit i: level 32 + i
  #seq = 0;
  #frontSeq = 0;

  get length(): number {
    return this.#size;
  }

  /** Queues `item` behind the items of its priority (fairly among series). An item is queued at most once. */
  push(item: T): void {
    this.#insert(item, false);
  }

  /**
   * Puts `item` back at the head of its priority level, before everything queued there: for a retry
   * or a task re-queued from a dying worker. Several in a row come out last-in first-out, so
   * re-queue a list in reverse.
   */
  pushFront(item: T): void {
    this.#insert(item, true);
  }

  /** Removes and returns the next item, or undefined when empty. */
  shift(): T | undefined {
    if (this.#size === 0) return undefined;
    const level = this.#levels[this.#lowest()] as Level<T>;
    const fifo = level.fifo;
    if (fifo !== undefined) {
      if (level.tombs !== undefined) dropDeadHead(level, fifo);
      const item = fifo.shift() as T;
      level.clock = fifo.shift() as number;
      this.#release(item, level, undefined);
      return item;
    }
    const node = heapPop(level.heap as Node<T>[]);
    level.clock = node.vt;
    this.#release(node.item, level, node.series);
    return node.item;
  }

  /** The item `shift()` would return, without removing it. */
  peek(): T | undefined {
    if (this.#size === 0) return undefined;
    const level = this.#levels[this.#lowest()] as Level<T>;
    const fifo = level.fifo;
    if (fifo === undefined) return (level.heap as Node<T>[])[0]?.item;
    if (level.tombs !== undefined) dropDeadHead(level, fifo);
    const item = fifo.shift() as T;
    fifo.pushFront(item);
    return item;
  }

  /** Removes a queued item (an abort while queued). Returns false when it was not queued here. */
  delete(item: T): boolean {
    const where = item.queueNode as Level<T> | Node<T> | undefined;
    if (where === undefined) return false;
    const level = where instanceof Level ? where : where.level;
    if (this.#levels[level.index] !== level) return false; // queued in another queue
    if (where instanceof Level) {
      (level.tombs ??= new Set()).add(item);
      // Compact a buffer that is mostly tombstones, so that mass aborts do not hold memory.
      if (level.tombs.size > 64 && level.tombs.size > level.live) compact(level);
      this.#release(item, level, undefined);
    } else {
      heapRemove(level.heap as Node<T>[], where);
      this.#release(item, level, where.series);
    }
    return true;
  }

  /** Queued items per priority, only for priorities that have some: `{ '-1': 2, '0': 40 }`. */
  countByPriority(): Record<string, number> {
    const counts: Record<string, number> = {};
    this.#levels.forEach((level, i) => {
      if (level !== undefined && level.live > 0) counts[String(i + MIN_PRIORITY)] = level.live;
    });
    return counts;
  }

  /** Removes and returns every item in queue order (for close/destroy). */
  drain(): T[] {
    const out: T[] = [];
    for (let item = this.shift(); item !== undefined; item = this.shift()) out.push(item);
    return out;
  }

  /** Visits the items in queue order without removing them, until `visit` returns false. */
  forEach(visit: (item: T) => boolean | void): void {
    for (const level of this.#levels) {
      if (level === undefined || level.live === 0) continue;
      let go = true;
      if (level.fifo !== undefined) {
        const tombs = level.tombs;
        let isItem = false;
        level.fifo.forEach((value) => (isItem = !isItem) === false || tombs?.has(value as T) === true || (go = visit(value as T) !== false));
      } else {
        const sorted = [...(level.heap as Node<T>[])].sort((a, b) => a.vt - b.vt || a.seq - b.seq);
        for (const node of sorted) if (!(go = visit(node.item) !== false)) break;
      }
      if (!go) return;
    }
  }

  #insert(item: T, front: boolean): void {
    if (item.queueNode !== undefined) throw new Error('loopfleet internal error: an item was queued twice');
    const priority = item.priority === undefined ? 0 : item.priority;
    let index = priority - MIN_PRIORITY;
    if (typeof priority !== 'number' || !(index >= 0 && index <= 40 && (index | 0) === index)) index = validatePriority(priority) - MIN_PRIORITY;
    const level = (this.#levels[index] ??= new Level<T>(index));
    const series = item.series;
    if (level.fifo !== undefined && (series !== undefined || level.tombs?.has(item) === true)) {
      if (series !== undefined) toHeap(level, this.#frontSeq);
      else compact(level); // its old place is still a tombstone here: drop it first
    }
    const vt = front ? level.clock : series === undefined ? nextDefault(level) : nextInSeries(level, series);
    if (front) countFront(level, series);
    this.#size++;
    if (level.live++ === 0) {
      if (index < 32) this.#lo |= 1 << index;
      else this.#hi |= 1 << (index - 32);
    }
    const fifo = level.fifo;
    if (fifo !== undefined) {
      item.queueNode = level;
      if (front) {
        this.#frontSeq--;
        fifo.pushFront(vt);
        fifo.pushFront(item);
      } else {
        this.#seq++;
        fifo.push(item);
        fifo.push(vt);
      }
    } else {
      const node = new HeapNode(item, vt, front ? --this.#frontSeq : this.#seq++, series, level);
      item.queueNode = node;
      heapPush(level.heap as Node<T>[], node);
    }
  }

  #release(item: T, level: Level<T>, series: unknown): void {
    item.queueNode = undefined;
    this.#size--;
    if (series === undefined) level.defCount--;
    else {
      const state = (level.series as Map<unknown, SeriesState>).get(series) as SeriesState;
      if (--state.count === 0) (level.series as Map<unknown, SeriesState>).delete(series);
    }
    if (--level.live > 0) return;
    const index = level.index;
    if (index < 32) this.#lo &= ~(1 << index);
    else this.#hi &= ~(1 << (index - 32));
    // Empty: back to a plain ring buffer (a fresh one if tombstones remain).
    if (level.fifo === undefined || level.tombs !== undefined) {
      level.fifo = new Deque();
      level.heap = undefined;
      level.series = undefined;
      level.tombs = undefined;
    }
  }

  #lowest(): number {
    const lo = this.#lo;
    if (lo !== 0) return 31 - Math.clz32(lo & -lo);
    const hi = this.#hi;
    return 63 - Math.clz32(hi & -hi);
  }
}

/** Drops the tombstones at the head of a ring-buffer level (there is a live item behind them). */
function dropDeadHead<T>(level: Level<T>, fifo: Deque<unknown>): void {
  const tombs = level.tombs as Set<T>;
  for (;;) {
    const item = fifo.shift() as T;
    if (!tombs.delete(item)) {
      fifo.pushFront(item);
      break;
    }
    fifo.shift(); // its virtual time
  }
  if (tombs.size === 0) level.tombs = undefined;
}

/** Rewrites a ring-buffer level without its tombstones. O(n), amortized over the deletes. */
function compact<T>(level: Level<T>): void {
  const old = level.fifo as Deque<unknown>;
  const tombs = level.tombs;
  const fifo = new Deque<unknown>(old.length);
  while (old.length > 0) {
    const item = old.shift() as T;
    const vt = old.shift();
    if (tombs?.has(item) !== true) {
      fifo.push(item);
      fifo.push(vt);
    }
  }
  level.fifo = fifo;
  level.tombs = undefined;
}

function nextDefault(level: Level<unknown>): number {
  const vt = level.defCount > 0 ? Math.max(level.defLast + 1, level.clock) : level.clock;
  level.defLast = vt;
  level.defCount++;
  return vt;
}

function nextInSeries(level: Level<unknown>, series: unknown): number {
  const map = (level.series ??= new Map());
  const state = map.get(series);
  if (state === undefined) {
    map.set(series, { last: level.clock, count: 1 });
    return level.clock;
  }
  state.last = Math.max(state.last + 1, level.clock);
  state.count++;
  return state.last;
}

/** pushFront: the item takes the clock's time; its series (if new here) continues after it. */
function countFront(level: Level<unknown>, series: unknown): void {
  if (series === undefined) {
    if (level.defCount++ === 0) level.defLast = level.clock;
    return;
  }
  const map = (level.series ??= new Map());
  const state = map.get(series);
  if (state === undefined) map.set(series, { last: level.clock, count: 1 });
  else state.count++;
}

/**
 * Ring buffer to heap: the buffer is in key order, and a sorted array is a valid heap. The items
 * get fresh arrival numbers that keep their order and compare with later items as their real
 * ones would: above every pushFront still to come, below every push still to come.
 */
function toHeap<T extends QueueItem>(level: Level<T>, frontSeq: number): void {
  const fifo = level.fifo as Deque<unknown>;
  const tombs = level.tombs;
  const heap: Node<T>[] = [];
  let seq = frontSeq;
  while (fifo.length > 0) {
    const item = fifo.shift() as T;
    const vt = fifo.shift() as number;
    if (tombs?.has(item) === true) continue;
    const node = new HeapNode(item, vt, seq++, undefined, level);
    node.index = heap.length;
    item.queueNode = node;
    heap.push(node);
  }
  level.heap = heap;
  level.fifo = undefined;
  level.tombs = undefined;
}
