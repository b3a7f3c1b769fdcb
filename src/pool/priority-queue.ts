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
 * buffer (O(1)); in it virtual times only grow with arrival, so FIFO order is the fair order. The
 * first item with a series turns the level into a heap (the buffer, being sorted, is already a
 * valid heap); the level turns back when it empties. Non-empty levels are bits in two 32-bit
 * masks, so finding the lowest one is O(1). `delete` is O(log n) in a heap and O(1) in a buffer
 * (a tombstone that `shift` skips; buffers mostly dead are compacted).
 */
import { Deque } from '../deque.js';
import { describe, InvalidArgTypeError, InvalidArgValueError } from '../errors.js';

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

class Node<T> {
  index = -1; // position in the level's heap
  dead = false; // deleted while in a ring buffer
  constructor(
    readonly item: T,
    readonly vt: number,
    readonly seq: number,
    readonly series: unknown,
    readonly level: Level<T>,
  ) {}
}

interface SeriesState {
  last: number;
  count: number;
}

class Level<T> {
  constructor(readonly index: number) {}
  live = 0;
  dead = 0; // tombstones in `fifo`
  clock = 0;
  defLast = 0; // the default series' state, kept out of `series` for speed
  defCount = 0;
  fifo: Deque<Node<T>> | undefined = new Deque();
  heap: Node<T>[] | undefined;
  series: Map<unknown, SeriesState> | undefined;
}

const before = (a: Node<unknown>, b: Node<unknown>): boolean => a.vt < b.vt || (a.vt === b.vt && a.seq < b.seq);

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
    let node: Node<T>;
    if (level.fifo !== undefined) {
      node = shiftLive(level);
    } else {
      node = heapPop(level.heap as Node<T>[]);
    }
    level.clock = node.vt;
    this.#release(node, level);
    return node.item;
  }

  /** The item `shift()` would return, without removing it. */
  peek(): T | undefined {
    if (this.#size === 0) return undefined;
    const level = this.#levels[this.#lowest()] as Level<T>;
    if (level.fifo === undefined) return (level.heap as Node<T>[])[0]?.item;
    const node = shiftLive(level);
    level.fifo.pushFront(node);
    return node.item;
  }

  /** Removes a queued item (an abort while queued). Returns false when it was not queued. */
  delete(item: T): boolean {
    const node = item.queueNode as Node<T> | undefined;
    if (node === undefined) return false;
    const level = node.level;
    if (this.#levels[level.index] !== level) return false; // queued in another queue
    if (level.fifo !== undefined) {
      node.dead = true;
      level.dead++;
      // Compact a buffer that is mostly tombstones, so that mass aborts do not hold memory.
      if (level.dead > 64 && level.dead > level.live) {
        level.fifo.filterOut((n) => n.dead);
        level.dead = 0;
      }
    } else {
      heapRemove(level.heap as Node<T>[], node);
    }
    this.#release(node, level);
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
      const each = (node: Node<T>): boolean => node.dead || (go = visit(node.item) !== false);
      if (level.fifo !== undefined) level.fifo.forEach(each);
      else for (const node of [...(level.heap as Node<T>[])].sort((a, b) => a.vt - b.vt || a.seq - b.seq)) if (!each(node)) break;
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
    if (series !== undefined && level.fifo !== undefined) toHeap(level);
    const vt = front ? level.clock : series === undefined ? nextDefault(level) : nextInSeries(level, series);
    if (front) countFront(level, series);
    const node = new Node(item, vt, front ? --this.#frontSeq : this.#seq++, series, level);
    item.queueNode = node;
    this.#size++;
    if (level.live++ === 0) {
      if (index < 32) this.#lo |= 1 << index;
      else this.#hi |= 1 << (index - 32);
    }
    if (level.fifo !== undefined) {
      if (front) level.fifo.pushFront(node);
      else level.fifo.push(node);
    } else {
      heapPush(level.heap as Node<T>[], node);
    }
  }

  #release(node: Node<T>, level: Level<T>): void {
    node.item.queueNode = undefined;
    this.#size--;
    if (node.series === undefined) level.defCount--;
    else {
      const state = (level.series as Map<unknown, SeriesState>).get(node.series) as SeriesState;
      if (--state.count === 0) (level.series as Map<unknown, SeriesState>).delete(node.series);
    }
    if (--level.live > 0) return;
    const index = level.index;
    if (index < 32) this.#lo &= ~(1 << index);
    else this.#hi &= ~(1 << (index - 32));
    // Empty: back to a plain ring buffer (a fresh one if tombstones remain).
    if (level.fifo === undefined || level.dead > 0) {
      level.fifo = new Deque();
      level.heap = undefined;
      level.series = undefined;
      level.dead = 0;
    }
  }

  #lowest(): number {
    const lo = this.#lo;
    if (lo !== 0) return 31 - Math.clz32(lo & -lo);
    const hi = this.#hi;
    return 63 - Math.clz32(hi & -hi);
  }
}

/** The first live node of a ring-buffer level, dropping the tombstones before it. */
function shiftLive<T>(level: Level<T>): Node<T> {
  const fifo = level.fifo as Deque<Node<T>>;
  let node = fifo.shift() as Node<T>;
  while (node.dead) {
    level.dead--;
    node = fifo.shift() as Node<T>;
  }
  return node;
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

/** Ring buffer to heap: the buffer is in key order, and a sorted array is a valid heap. */
function toHeap<T>(level: Level<T>): void {
  const heap: Node<T>[] = [];
  (level.fifo as Deque<Node<T>>).forEach((node) => {
    if (!node.dead) {
      node.index = heap.length;
      heap.push(node);
    }
  });
  level.heap = heap;
  level.fifo = undefined;
  level.dead = 0;
}

function heapPush<T>(heap: Node<T>[], node: Node<T>): void {
  node.index = heap.length;
  heap.push(node);
  siftUp(heap, node.index);
}

function heapPop<T>(heap: Node<T>[]): Node<T> {
  const top = heap[0] as Node<T>;
  heapRemove(heap, top);
  return top;
}

function heapRemove<T>(heap: Node<T>[], node: Node<T>): void {
  const last = heap.pop() as Node<T>;
  const i = node.index;
  node.index = -1;
  if (last === node) return;
  heap[i] = last;
  last.index = i;
  if (i > 0 && before(last, heap[(i - 1) >> 1] as Node<T>)) siftUp(heap, i);
  else siftDown(heap, i);
}

function siftUp<T>(heap: Node<T>[], i: number): void {
  const node = heap[i] as Node<T>;
  while (i > 0) {
    const p = (i - 1) >> 1;
    const parent = heap[p] as Node<T>;
    if (!before(node, parent)) break;
    heap[i] = parent;
    parent.index = i;
    i = p;
  }
  heap[i] = node;
  node.index = i;
}

function siftDown<T>(heap: Node<T>[], i: number): void {
  const node = heap[i] as Node<T>;
  const n = heap.length;
  for (;;) {
    let c = 2 * i + 1;
    if (c >= n) break;
    const right = c + 1;
    if (right < n && before(heap[right] as Node<T>, heap[c] as Node<T>)) c = right;
    const child = heap[c] as Node<T>;
    if (!before(child, node)) break;
    heap[i] = child;
    child.index = i;
    i = c;
  }
  heap[i] = node;
  node.index = i;
}
