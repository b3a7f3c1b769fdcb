/**
 * The parent's table of tasks in flight at one worker (src/pool/in-flight.ts): a direct-mapped
 * table with an overflow, checked against a Map on random workloads shaped like a pool's.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { internal, prng } from './helpers.js';

const { InFlight } = (await import(internal('pool/in-flight.js'))) as typeof import('../dist/pool/in-flight.js');

interface Task {
  id: number;
}
const task = (id: number): Task => ({ id });
const table = (): InstanceType<typeof InFlight> => new InFlight();
const add = (t: InstanceType<typeof InFlight>, x: Task): void => t.add(x as never);
const ids = (t: InstanceType<typeof InFlight>): number[] => t.values().map((x) => x.id);

test('get, delete and size; values in the order tasks were added, not by id', () => {
  const t = table();
  for (const id of [5, 3, 9, 1]) add(t, task(id));
  assert.equal(t.size, 4);
  assert.equal(t.get(9)?.id, 9);
  assert.equal(t.get(2), undefined);
  assert.deepEqual(ids(t), [5, 3, 9, 1]);
  assert.equal(t.delete(3), true);
  assert.equal(t.delete(3), false);
  assert.equal(t.get(3), undefined);
  assert.deepEqual(ids(t), [5, 9, 1]);
  const seen: number[] = [];
  t.forEach((x) => seen.push(x.id));
  assert.deepEqual(seen, [5, 9, 1]);
  t.clear();
  assert.equal(t.size, 0);
  assert.deepEqual(ids(t), []);
  assert.equal(t.get(5), undefined);
});

test('ids that share a slot (a long task among many short ones) and ids past 2^31 are kept apart', () => {
  const t = table();
  const straggler = task(1);
  add(t, straggler);
  // Every later id that maps to the straggler's slot goes to the overflow; the table grows when it fills.
  for (let id = 2; id < 200_000; id++) {
    add(t, task(id));
    assert.equal(t.delete(id), true);
  }
  for (let id = 2 ** 31 - 5; id < 2 ** 31 + 5; id++) add(t, task(id));
  for (let id = 2 ** 31 - 5; id < 2 ** 31 + 5; id++) assert.equal(t.get(id)?.id, id);
  assert.equal(t.get(1), straggler);
  assert.equal(t.size, 11);
  assert.deepEqual(ids(t)[0], 1);
});

test('randomized model test against a Map (seeded): windows, stragglers, out-of-order completion', () => {
  for (const seed of [1, 2, 3, 42, 1234]) {
    const random = prng(seed);
    const t = table();
    const model = new Map<number, Task>();
    let next = 1;
    const window = 1 + Math.floor(random() * 3000);
    for (let step = 0; step < 40_000; step++) {
      const r = random();
      if (model.size < window && r < 0.55) {
        // Ids come from a counter shared with other workers: some are skipped.
        next += random() < 0.5 ? 1 : 1 + Math.floor(random() * 4);
        const x = task(next);
        add(t, x);
        model.set(next, x);
      } else if (model.size > 0) {
        // Mostly the oldest (results come back roughly in order), sometimes any, rarely never (stragglers).
        const keys = [...model.keys()];
        const pick = random() < 0.7 ? keys[0] : keys[Math.floor(random() * Math.min(keys.length, 64))];
        if (pick !== undefined && random() > 0.01) {
          assert.equal(t.delete(pick), true);
          model.delete(pick);
        }
      }
      if (step % 997 === 0) {
        assert.equal(t.size, model.size, `seed ${seed} step ${step}`);
        assert.deepEqual(ids(t), [...model.keys()], `seed ${seed} step ${step}`);
        for (let probe = next - window * 2; probe <= next + 2; probe++) assert.equal(t.get(probe), model.get(probe));
      }
    }
  }
});
