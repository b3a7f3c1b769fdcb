/** Contract suite, queue order: priorities, FIFO among equals, fair series, targeted calls. */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { ErrorCodes, type RunOptions } from 'loopfleet';
import { pool, RUNTIMES } from './helpers.js';

type Basic = typeof import('./fixtures/basic.js').default;

for (const runtime of RUNTIMES) {
  describe(`queue order [${runtime}]`, () => {
    /** Runs `calls` on one worker that takes one task at a time, queued behind a blocker; returns the order they ran in. */
    async function order(t: import('node:test').TestContext, calls: [label: string, options: RunOptions][], target?: number): Promise<string[]> {
      const p = pool<Basic>(t, { worker: 'basic', size: 1, concurrency: 1, prefetch: 0, runtime });
      await p.ready();
      const blocker = p.run('sleep', 100);
      const ran: string[] = [];
      await Promise.all(calls.map(([label, options]) => p.run('echo', label, target === undefined ? options : { ...options, worker: target }).then(() => ran.push(label))));
      await blocker;
      return ran;
    }

    test('lower priority runs sooner: 2,1,4,0,3 run as 0,1,2,3,4', async (t) => {
      const ran = await order(t, [2, 1, 4, 0, 3].map((n) => [`p${n}`, { priority: n }]));
      assert.deepEqual(ran, ['p0', 'p1', 'p2', 'p3', 'p4']);
    });

    test('negative priorities, and FIFO among equal priorities', async (t) => {
      const ran = await order(t, [['a', {}], ['b', { priority: -20 }], ['c', {}], ['d', { priority: -20 }], ['e', { priority: 20 }], ['f', {}]]);
      assert.deepEqual(ran, ['b', 'd', 'a', 'c', 'f', 'e']);
    });

    test('targeted calls ({ worker }) honour priorities too', async (t) => {
      const ran = await order(t, [3, 0, 2, 1].map((n) => [`p${n}`, { priority: n }]), 0);
      assert.deepEqual(ran, ['p0', 'p1', 'p2', 'p3']);
    });

    test('two series submitted together interleave, each in its own order', async (t) => {
      const calls: [string, RunOptions][] = [];
      for (let i = 1; i <= 3; i++) calls.push([`a${i}`, { series: 'a' }]);
      for (let i = 1; i <= 3; i++) calls.push([`b${i}`, { series: 'b' }]);
      assert.deepEqual(await order(t, calls), ['a1', 'b1', 'a2', 'b2', 'a3', 'b3']);
    });

    test('a late series does not starve behind a long one', async (t) => {
      const calls: [string, RunOptions][] = [];
      for (let i = 0; i < 20; i++) calls.push([`long${i}`, { series: 'long' }]);
      for (let i = 0; i < 3; i++) calls.push([`short${i}`, { series: 'short' }]);
      const ran = await order(t, calls);
      const lastShort = ran.indexOf('short2');
      // Every other turn once it arrives: done long before the long series is.
      assert.ok(lastShort < 8, `the late series finished at position ${lastShort} of ${ran.length}: ${ran.join(',')}`);
      assert.deepEqual(ran.filter((x) => x.startsWith('long')), Array.from({ length: 20 }, (_, i) => `long${i}`));
      assert.deepEqual(ran.filter((x) => x.startsWith('short')), ['short0', 'short1', 'short2']);
    });

    test('put() honours priority; bad priorities and series are refused', async (t) => {
      const p = pool<Basic>(t, { worker: 'basic', size: 1, runtime });
      await assert.rejects(p.run('echo', 1, { priority: 21 }), { code: ErrorCodes.INVALID_ARG_VALUE, message: /Expected `priority` to be an integer from -20 to 20, got 21/ });
      await assert.rejects(p.run('echo', 1, { priority: 1.5 }), { code: ErrorCodes.INVALID_ARG_VALUE });
      // @ts-expect-error not a number
      await assert.rejects(p.run('echo', 1, { priority: 'high' }), { code: ErrorCodes.INVALID_ARG_TYPE });
      // @ts-expect-error not a key
      await assert.rejects(p.run('echo', 1, { series: {} }), { code: ErrorCodes.INVALID_ARG_TYPE, message: /Expected `series` to be a string or a number/ });
      assert.equal(await p.run('echo', 7, { priority: -3, series: 's' }), 7);
    });
  });
}
