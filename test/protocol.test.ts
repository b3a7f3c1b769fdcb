/**
 * The batch buffer both sides write records into (src/protocol.ts): single records for a lone
 * task, group records once a second one joins, and batches that never share the buffer.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { internal } from './helpers.js';

const { Records, eachRecord } = (await import(internal('protocol.js'))) as typeof import('../dist/protocol.js');

// Record kinds (a const enum in the source): see src/protocol.ts.
const RUN = 2;
const PUT = 3;
const CANCEL = 10;
const RUN_MANY = 11;
const PUT_MANY = 12;
const OK = 22;
const OK_MANY = 32;

test('a lone task is a single record; a second of the same kind and name turns it into a group', () => {
  const r = new Records();
  r.grouped(RUN_MANY, 'add', 1, { a: 1 });
  assert.deepEqual(r.take(), [RUN, 1, 'add', { a: 1 }]);
  r.grouped(RUN_MANY, 'add', 2, 'x');
  r.grouped(RUN_MANY, 'add', 3, 'y');
  r.grouped(RUN_MANY, 'add', 4, 'z');
  assert.deepEqual(r.take(), [RUN_MANY, 0, 'add', [2, 'x', 3, 'y', 4, 'z']]);
  r.grouped(OK_MANY, 0, 5, 50);
  r.grouped(OK_MANY, 0, 6, 60);
  r.grouped(PUT_MANY, 0, 7, 'm');
  assert.deepEqual(r.take(), [OK_MANY, 0, 0, [5, 50, 6, 60], PUT, 7, 'm', 0]);
  r.grouped(OK_MANY, 0, 8, 80);
  assert.deepEqual(r.take(), [OK, 8, 80, 0]);
});

test('another name, kind or record in between starts a new run; order is kept', () => {
  const r = new Records();
  r.grouped(RUN_MANY, 'add', 1, 'a');
  r.grouped(RUN_MANY, 'add', 2, 'b');
  r.grouped(RUN_MANY, 'mul', 3, 'c');
  r.push(CANCEL, 1, 'why', 0);
  r.grouped(RUN_MANY, 'mul', 4, 'd');
  r.grouped(RUN_MANY, 'mul', 5, 'e');
  const batch = r.take();
  assert.deepEqual(batch, [RUN_MANY, 0, 'add', [1, 'a', 2, 'b'], RUN, 3, 'mul', 'c', CANCEL, 1, 'why', 0, RUN_MANY, 0, 'mul', [4, 'd', 5, 'e']]);
  const seen: unknown[][] = [];
  eachRecord(batch, (kind, a, b, c, index) => seen.push([kind, a, b, c, index]));
  assert.deepEqual(seen, [
    [RUN, 1, 'add', 'a', 0],
    [RUN, 2, 'add', 'b', 0],
    [RUN, 3, 'mul', 'c', 1],
    [CANCEL, 1, 'why', 0, 2],
    [RUN, 4, 'mul', 'd', 3],
    [RUN, 5, 'mul', 'e', 3],
  ]);
});

test('take() hands out a batch of its own: later writes do not change it, and the buffer starts empty', () => {
  const r = new Records();
  const payload = { big: true };
  r.grouped(RUN_MANY, 'add', 1, payload);
  r.grouped(RUN_MANY, 'add', 2, payload);
  const first = r.take();
  assert.equal(r.length, 0);
  r.grouped(OK_MANY, 0, 9, 90);
  const second = r.take();
  assert.deepEqual(first, [RUN_MANY, 0, 'add', [1, payload, 2, payload]], 'a later write does not change an earlier batch');
  assert.deepEqual(second, [OK, 9, 90, 0]);
  assert.equal(r.take().length, 0);
});
