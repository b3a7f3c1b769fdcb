/** Contract suite, pool.map(): order, laziness, errors and options through a real pool. */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { expectTypeOf } from 'expect-type';
import { ErrorCodes, type MapResult } from 'loopfleet';
import { collect, pool, RUNTIMES } from './helpers.js';

type Basic = typeof import('./fixtures/basic.js').default;


for (const runtime of RUNTIMES) {
  describe(`map [${runtime}]`, () => {
    test('ordered by default even when items finish out of order; unordered yields as they complete', async (t) => {
      const p = pool<Basic>(t, { worker: 'basic', size: 2, runtime });
      const sleeps = [300, 0, 150, 0, 60, 0, 0];
      assert.deepEqual(await collect(p.map('sleep', sleeps, { concurrency: 4 })), sleeps);
      const unordered = await collect(p.map('sleep', sleeps, { concurrency: 4, ordered: false }));
      assert.deepEqual([...unordered].sort((a, b) => a - b), [...sleeps].sort((a, b) => a - b));
      assert.notDeepEqual(unordered, sleeps, 'the 300 ms item cannot come out first');
    });

    test('an infinite async input, pulled only as capacity frees up, closed on break', async (t) => {
      const p = pool<Basic>(t, { worker: 'basic', size: 2, runtime });
      let pulled = 0;
      let closed = false;
      async function* naturals() {
        try {
          for (let i = 0; ; i++) {
            pulled++;
            yield { a: i, b: 1 };
          }
        } finally {
          closed = true;
        }
      }
      const sums: number[] = [];
      for await (const sum of p.map('add', naturals(), { concurrency: 8 })) {
        sums.push(sum);
        if (sums.length === 100) break;
      }
      assert.deepEqual(sums, Array.from({ length: 100 }, (_, i) => i + 1));
      assert.ok(closed, 'break closed the input');
      assert.ok(pulled <= 100 + 8, `pulled ${pulled} inputs for 100 results with concurrency 8`);
    });

    test('the first error rejects next(); collectErrors yields every outcome', async (t) => {
      const p = pool<Basic>(t, { worker: 'basic', size: 2, runtime });
      const bad = { message: 'no', code: 'E_NO' };
      await assert.rejects(collect(p.map('fail', [bad, bad])), { name: 'RangeError', code: 'E_NO' });
      const outcomes = await collect(p.map('echo', [1, () => 2, 3], { collectErrors: true }));
      expectTypeOf(outcomes).toEqualTypeOf<MapResult<unknown>[]>();
      assert.deepEqual(
        outcomes.map((o) => (o.ok ? o.value : (o.error as { code: string }).code)),
        [1, ErrorCodes.DATA_CLONE, 3],
      );
    });

    test('run options apply to every item; bad options and task names reject the first next()', async (t) => {
      const p = pool<Basic>(t, { worker: 'basic', size: 1, runtime });
      await assert.rejects(collect(p.map('sleep', [5_000], { timeout: 50 })), { code: ErrorCodes.TIMEOUT });
      // @ts-expect-error not an option
      await assert.rejects(collect(p.map('echo', [1], { bogus: 1 })), { code: ErrorCodes.INVALID_ARG_VALUE, message: /Unknown run option `bogus`/ });
      await assert.rejects(collect(p.map('echo', [1], { concurrency: 0 })), { code: ErrorCodes.INVALID_ARG_VALUE, message: /concurrency/ });
      // @ts-expect-error not a task
      await assert.rejects(collect(p.map('nope', [1])), { code: ErrorCodes.UNKNOWN_TASK });
      // @ts-expect-error not iterable
      await assert.rejects(collect(p.map('echo', 5)), { code: ErrorCodes.INVALID_ARG_TYPE, message: /`inputs` to be an iterable/ });
      const ac = new AbortController();
      const it = p.map('sleep', [5_000, 5_000], { signal: ac.signal });
      const first = it.next();
      ac.abort(new Error('stop'));
      await assert.rejects(first, { message: 'stop' });
      assert.deepEqual(await collect(p.map('add', [{ a: 1, b: 2 }])), [3]);
      expectTypeOf(p.map('add', [{ a: 1, b: 2 }])).toEqualTypeOf<AsyncIterableIterator<number>>();
    });
  });
}
