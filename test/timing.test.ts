/** The millisecond histogram behind the wait and run percentiles of pool.metrics(). */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { internal } from './helpers.js';

const { MsHistogram } = (await import(internal('metrics/timing.js'))) as typeof import('../dist/metrics/timing.js');

describe('MsHistogram', () => {
  test('is empty until something is recorded', () => {
    assert.deepEqual(new MsHistogram().percentiles(), { p50: 0, p90: 0, p99: 0 });
  });

  test('values still in its buffer count when percentiles are read', () => {
    const h = new MsHistogram();
    for (const ms of [1, 2, 3, 4, 5, 6, 7, 8, 9, 10]) h.record(ms);
    const p = h.percentiles();
    assert.ok(Math.abs(p.p50 - 5) < 0.01, `p50 ${p.p50}`);
    assert.ok(Math.abs(p.p99 - 10) < 0.01, `p99 ${p.p99}`);
  });

  test('values before, at and after a full buffer all count, with microsecond precision', () => {
    const h = new MsHistogram();
    const n = 3 * MsHistogram.PENDING + 7;
    // 0.001 … n/1000 ms: every value once.
    for (let i = 1; i <= n; i++) h.record(i / 1000);
    const p = h.percentiles();
    assert.ok(Math.abs(p.p50 - n / 2 / 1000) <= 0.002, `p50 ${p.p50}`);
    assert.ok(Math.abs(p.p90 - (0.9 * n) / 1000) <= 0.002, `p90 ${p.p90}`);
    // Reading flushed the buffer: more values still count, none twice.
    for (let i = 0; i < n; i++) h.record(1000);
    const after = h.percentiles();
    assert.ok(Math.abs(after.p90 - 1000) / 1000 < 0.01, `p90 ${after.p90}`);
    assert.ok(after.p50 < 1, `half the values are still the small ones: p50 ${after.p50}`);
  });
});
