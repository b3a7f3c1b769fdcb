/** The window of tasks a worker may hold: fixed prefetch, and 'auto' from load reports. */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { internal } from './helpers.js';

const { Prefetch } = (await import(internal('pool/prefetch.js'))) as typeof import('../dist/pool/prefetch.js');

describe('Prefetch', () => {
  test('a fixed prefetch is added to the concurrency, and load reports do not change it', () => {
    const p = new Prefetch(4, 3);
    assert.equal(p.initial, 7);
    assert.equal(p.tune(100, 1), undefined);
  });

  test("'auto' sends nothing ahead before the first report", () => {
    assert.equal(new Prefetch(2, -1).initial, 2);
  });

  test("'auto' keeps about 2 ms of work queued: many tiny tasks, none for long ones, capped", () => {
    assert.equal(new Prefetch(1, -1).tune(1000, 100), 1 + 20, '0.1 ms tasks: 20 ahead');
    assert.equal(new Prefetch(1, -1).tune(10, 70), 1, '7 ms tasks: none ahead');
    assert.equal(new Prefetch(1, -1).tune(1000, 0), 1 + 1024, 'tasks too short to time: the cap');
    assert.equal(new Prefetch(1, -1).tune(0, 5), undefined, 'a report without completions says nothing');
  });

  test("'auto' averages reports, so one odd report moves the window only part of the way", () => {
    const p = new Prefetch(1, -1);
    assert.equal(p.tune(10, 10), 1 + 2, '1 ms tasks');
    // Then 0.1 ms tasks: the average moves to 0.7 × 1 + 0.3 × 0.1 = 0.73 ms, not to 0.1 ms.
    assert.equal(p.tune(10, 1), 1 + Math.floor(2 / 0.73));
  });
});
