import assert from 'node:assert/strict';
import { test } from 'node:test';
import { internal } from './helpers.js';

const { Deque } = (await import(internal('deque.js'))) as typeof import('../dist/deque.js');

test('Deque is FIFO across growth, with pushFront and filterOut', () => {
  const d = new Deque<number>();
  for (let i = 0; i < 1000; i++) d.push(i);
  for (let i = 0; i < 500; i++) assert.equal(d.shift(), i);
  for (let i = 1000; i < 1700; i++) d.push(i);
  d.pushFront(499);
  assert.equal(d.length, 1201);
  const seen: number[] = [];
  d.forEach((v) => seen.push(v) < 3);
  assert.deepEqual(seen, [499, 500, 501], 'forEach visits in order and stops when told');
  const odd = d.filterOut((x) => x % 2 === 1);
  assert.equal(odd[0], 499);
  assert.equal(d.length + odd.length, 1201);
  assert.deepEqual([d.shift(), d.shift(), d.shift()], [500, 502, 504]);
  while (d.length > 0) d.shift();
  assert.equal(d.shift(), undefined);
  assert.equal(d.length, 0);
});
