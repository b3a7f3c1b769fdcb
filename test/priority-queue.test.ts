import assert from 'node:assert/strict';
import { test } from 'node:test';
import { ErrorCodes } from 'loopfleet';
import { internal, prng } from './helpers.js';

const { PriorityQueue, validatePriority } = (await import(internal('pool/priority-queue.js'))) as typeof import('../dist/pool/priority-queue.js');

interface Item {
  id: string;
  priority?: number;
  series?: unknown;
}

const item = (id: string, priority?: number, series?: unknown): Item => ({ id, priority, series });
const ids = (items: readonly (Item | undefined)[]): string[] => items.map((i) => (i === undefined ? '-' : i.id));
const queueOf = (...items: Item[]): InstanceType<typeof PriorityQueue<Item>> => {
  const q = new PriorityQueue<Item>();
  for (const i of items) q.push(i);
  return q;
};
function listed(q: InstanceType<typeof PriorityQueue<Item>>): string[] {
  const seen: Item[] = [];
  q.forEach((i) => {
    seen.push(i);
  });
  return ids(seen);
}

test('lowest priority first: 2,1,4,0,3 come out 0..4; FIFO among equals; default priority 0', () => {
  const q = queueOf(item('2', 2), item('1', 1), item('4', 4), item('0', 0), item('3', 3));
  assert.deepEqual(ids(q.drain()), ['0', '1', '2', '3', '4']);
  const f = queueOf(item('a'), item('b', -20), item('c', 0), item('d', 20), item('e'), item('f', -20));
  assert.equal(f.peek()?.id, 'b');
  assert.deepEqual(ids(f.drain()), ['b', 'f', 'a', 'c', 'e', 'd']);
  assert.equal(f.length, 0);
  assert.equal(f.shift(), undefined);
  assert.equal(f.peek(), undefined);
});

test('series interleave fairly, each FIFO: two together, default items, and a late series', () => {
  const together = queueOf(item('a1', 0, 'a'), item('a2', 0, 'a'), item('a3', 0, 'a'), item('b1', 0, 'b'), item('b2', 0, 'b'), item('b3', 0, 'b'));
  assert.deepEqual(ids(together.drain()), ['a1', 'b1', 'a2', 'b2', 'a3', 'b3']);

  const mixed = queueOf(item('d1'), item('d2'), item('d3'), item('x1', 0, 'x'), item('x2', 0, 'x'));
  assert.deepEqual(ids(mixed.drain()), ['d1', 'x1', 'd2', 'x2', 'd3']);

  // A late series neither waits for the whole backlog nor jumps ahead of all of it.
  const late = queueOf(...[1, 2, 3, 4, 5, 6].map((n) => item(`a${n}`, 0, 'a')));
  assert.deepEqual(ids([late.shift(), late.shift(), late.shift()]), ['a1', 'a2', 'a3']);
  late.push(item('b1', 0, 'b'));
  late.push(item('b2', 0, 'b'));
  assert.deepEqual(ids(late.drain()), ['b1', 'a4', 'b2', 'a5', 'a6']);

  // Series are per priority level: a lower priority still goes first.
  const levels = queueOf(item('a1', 1, 'a'), item('a2', 1, 'a'), item('b1', 0, 'b'), item('b2', 0, 'b'));
  assert.deepEqual(ids(levels.drain()), ['b1', 'b2', 'a1', 'a2']);
  // Any value is a series key; null is not the default series.
  const keys = { k: 1 };
  const any = queueOf(item('u1'), item('u2'), item('n1', 0, null), item('o1', 0, keys), item('n2', 0, null));
  assert.deepEqual(ids(any.drain()), ['u1', 'n1', 'o1', 'u2', 'n2']);
});

test('pushFront puts an item back at the head of its level, in a buffer and in a heap', () => {
  const q = queueOf(item('a'), item('b'), item('z', 1));
  const a = q.shift() as Item;
  q.push(item('c'));
  q.pushFront(a);
  q.pushFront(item('first'));
  assert.deepEqual(listed(q), ['first', 'a', 'b', 'c', 'z']);
  assert.deepEqual(ids(q.drain()), ['first', 'a', 'b', 'c', 'z']);

  const h = queueOf(item('a1', 0, 'a'), item('b1', 0, 'b'), item('a2', 0, 'a'));
  const a1 = h.shift() as Item;
  h.pushFront(a1);
  h.pushFront(item('y1', 0, 'y'));
  assert.deepEqual(ids(h.drain()), ['y1', 'a1', 'b1', 'a2']);
});

test('delete in every state: buffer head, middle and tail, heap, last of a level, twice, re-pushed', () => {
  const items = ['a', 'b', 'c', 'd', 'e'].map((id) => item(id));
  const q = queueOf(...items);
  const [a, b, c, , e] = items as [Item, Item, Item, Item, Item];
  assert.equal(q.delete(c), true);
  assert.equal(q.delete(c), false, 'not queued any more');
  assert.equal(q.delete(a), true);
  assert.equal(q.delete(e), true);
  assert.equal(q.length, 2);
  assert.equal(q.peek(), b);
  assert.deepEqual(listed(q), ['b', 'd']);
  q.push(c); // re-pushed while its tombstone is still in the buffer
  q.pushFront(a);
  assert.deepEqual(ids(q.drain()), ['a', 'b', 'd', 'c']);
  assert.equal(q.delete(item('never')), false);

  const x2 = item('x2', 0, 'x');
  const s = queueOf(item('x1', 0, 'x'), item('y1', 0, 'y'), x2, item('y2', 0, 'y'), item('z', 3));
  assert.equal(s.delete(x2), true, 'from a heap');
  assert.equal(s.delete(x2), false);
  assert.equal(s.length, 4);
  assert.deepEqual(ids(s.drain()), ['x1', 'y1', 'y2', 'z']);

  // Deleting the last item of a level empties it (the next lowest level goes next).
  const only = item('only', -5, 's');
  const l = queueOf(only, item('later', 5));
  assert.equal(l.delete(only), true);
  assert.deepEqual(l.countByPriority(), { '5': 1 });
  assert.equal(l.shift()?.id, 'later');

  // Mass deletes compact the buffer and keep length right.
  const many = Array.from({ length: 1000 }, (_, i) => item(String(i)));
  const m = queueOf(...many);
  for (let i = 0; i < 999; i++) assert.equal(m.delete(many[i] as Item), true);
  assert.equal(m.length, 1);
  assert.deepEqual(ids(m.drain()), ['999']);
});

test('countByPriority, forEach order and early stop, drain of 1M items', () => {
  const q = queueOf(item('a', -1), item('b', 0, 's'), item('c', 0, 't'), item('d', 0), item('e', 20), item('f', -20));
  assert.deepEqual(q.countByPriority(), { '-20': 1, '-1': 1, '0': 3, '20': 1 });
  assert.deepEqual(listed(q), ['f', 'a', 'b', 'c', 'd', 'e']);
  const firstThree: string[] = [];
  q.forEach((i) => firstThree.push(i.id) < 3);
  assert.deepEqual(firstThree, ['f', 'a', 'b']);
  assert.equal(q.length, 6, 'forEach does not remove');

  const big = new PriorityQueue<Item>();
  for (let i = 0; i < 1_000_000; i++) big.push(item('', i % 3, i % 2 === 0 ? undefined : i % 7));
  const all = big.drain();
  assert.equal(all.length, 1_000_000);
  assert.equal(big.length, 0);
  assert.deepEqual(big.countByPriority(), {});
});

test('priority is validated: an integer from -20 to 20', () => {
  const q = new PriorityQueue<Item>();
  assert.throws(() => q.push(item('x', 21)), { code: ErrorCodes.INVALID_ARG_VALUE, message: /Expected `priority` to be an integer from -20 to 20, got 21/ });
  assert.throws(() => q.push(item('x', 0.5)), { code: ErrorCodes.INVALID_ARG_VALUE });
  assert.throws(() => q.push({ id: 'x', priority: '1' as never }), { code: ErrorCodes.INVALID_ARG_TYPE, message: /got "1"/ });
  assert.throws(() => q.push({ id: 'x', priority: null as never }), { code: ErrorCodes.INVALID_ARG_TYPE, message: /got null/ });
  assert.equal(q.length, 0);
  assert.equal(validatePriority(undefined), 0);
  assert.equal(validatePriority(-20), -20);
  assert.throws(() => validatePriority(NaN, 'opts.priority'), { message: /`opts.priority`.*got NaN/ });
});

/** The same rules, written naively: one array, a linear scan, a Map for every series. */
class Reference {
  readonly levels = new Map<number, { clock: number; series: Map<unknown, { last: number; count: number }>; items: { item: Item; vt: number; seq: number }[] }>();
  seq = 0;
  frontSeq = 0;
  get length(): number {
    let n = 0;
    for (const l of this.levels.values()) n += l.items.length;
    return n;
  }
  push(it: Item, front: boolean): void {
    const p = it.priority ?? 0;
    let level = this.levels.get(p);
    if (level === undefined) this.levels.set(p, (level = { clock: 0, series: new Map(), items: [] }));
    const state = level.series.get(it.series);
    let vt: number;
    if (front) {
      vt = level.clock;
      if (state) state.count++;
      else level.series.set(it.series, { last: vt, count: 1 });
    } else if (state) {
      vt = state.last = Math.max(state.last + 1, level.clock);
      state.count++;
    } else {
      vt = level.clock;
      level.series.set(it.series, { last: vt, count: 1 });
    }
    level.items.push({ item: it, vt, seq: front ? --this.frontSeq : this.seq++ });
  }
  sorted(): Item[] {
    const out: { p: number; vt: number; seq: number; item: Item }[] = [];
    for (const [p, l] of this.levels) for (const e of l.items) out.push({ p, ...e });
    return out.sort((a, b) => a.p - b.p || a.vt - b.vt || a.seq - b.seq).map((e) => e.item);
  }
  remove(it: Item, taken: boolean): boolean {
    const level = this.levels.get(it.priority ?? 0);
    const i = level?.items.findIndex((e) => e.item === it) ?? -1;
    if (level === undefined || i < 0) return false;
    const [e] = level.items.splice(i, 1);
    if (taken) level.clock = e?.vt ?? NaN;
    const state = level.series.get(it.series);
    if (state && --state.count === 0) level.series.delete(it.series);
    return true;
  }
  first(): Item | undefined {
    let best: { p: number; vt: number; seq: number; item: Item } | undefined;
    for (const [p, l] of this.levels) {
      for (const e of l.items) if (best === undefined || p < best.p || (p === best.p && (e.vt < best.vt || (e.vt === best.vt && e.seq < best.seq)))) best = { p, ...e };
    }
    return best?.item;
  }
  shift(): Item | undefined {
    const first = this.first();
    if (first !== undefined) this.remove(first, true);
    return first;
  }
  counts(): Record<string, number> {
    const c: Record<string, number> = {};
    for (const [p, l] of [...this.levels].sort((a, b) => a[0] - b[0])) if (l.items.length > 0) c[String(p)] = l.items.length;
    return c;
  }
}

test('randomized model test against a naive reference (seeded)', () => {
  const PRIORITIES = [-20, -3, 0, 0, 0, 0, 1, 12, 20];
  const SERIES_SETS: unknown[][] = [[undefined], [undefined, undefined, undefined, 'a'], [undefined, 'a', 'b', 'c', null, 7]];
  for (const seed of [1, 2, 3, 42, 1234]) {
    const random = prng(seed);
    const pick = <V>(list: readonly V[]): V => list[Math.floor(random() * list.length)] as V;
    const q = new PriorityQueue<Item>();
    const ref = new Reference();
    const queued: Item[] = [];
    const taken: Item[] = [];
    let n = 0;
    for (let step = 0; step < 20_000; step++) {
      const where = `seed ${seed}, step ${step}`;
      const phase = Math.floor(step / 2000) % SERIES_SETS.length;
      const pushBias = step % 4000 < 2000 ? 0.55 : 0.4; // queues grow, then shrink to empty
      const r = random();
      if (r < pushBias) {
        const it = item(String(n++), pick(PRIORITIES), pick(SERIES_SETS[phase] as unknown[]));
        q.push(it);
        ref.push(it, false);
        queued.push(it);
      } else if (r < pushBias + 0.07 && taken.length > 0) {
        // Back in: a retry at the front, or (deleted ones too) a plain push again.
        const it = taken.splice(Math.floor(random() * taken.length), 1)[0] as Item;
        const front = r < pushBias + 0.04;
        if (front) q.pushFront(it);
        else q.push(it);
        ref.push(it, front);
        queued.push(it);
      } else if (r < pushBias + 0.15 && queued.length > 0) {
        const it = queued.splice(Math.floor(random() * queued.length), 1)[0] as Item;
        assert.equal(q.delete(it), ref.remove(it, false), where);
        taken.push(it);
      } else if (r < pushBias + 0.2) {
        assert.equal(q.peek(), ref.first(), where);
      } else {
        const got = q.shift();
        assert.equal(got, ref.shift(), where);
        if (got !== undefined) {
          queued.splice(queued.indexOf(got), 1);
          taken.push(got);
        }
      }
      assert.equal(q.length, ref.length, where);
      if (step % 97 === 0) {
        assert.deepEqual(q.countByPriority(), ref.counts(), where);
        assert.deepEqual(listed(q), ids(ref.sorted()), where);
      }
    }
    assert.deepEqual(ids(q.drain()), ids(ref.sorted()), `seed ${seed}: drain`);
  }
});
