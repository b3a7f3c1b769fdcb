/** Contract suite, tasks: run, errors, the worker's own loop, concurrency, distribution, transfers, stats. */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { ErrorCodes } from 'loopfleet';
import { events, later, pool, RUNTIMES, take } from './helpers.js';

type Basic = typeof import('./fixtures/basic.js').default;
type Ticker = typeof import('./fixtures/ticker.js').default;
type Concurrency = typeof import('./fixtures/concurrency.js').default;
type Transfer = typeof import('./fixtures/transfer.js').default;

for (const runtime of RUNTIMES) {
  describe(`tasks [${runtime}]`, () => {
    test('runs a named task and resolves with its result', async (t) => {
      const p = pool<Basic>(t, { worker: 'basic', size: 2, runtime });
      assert.equal(await p.run('add', { a: 2, b: 3 }), 5);
      const results = await Promise.all(Array.from({ length: 1000 }, (_, i) => p.run('add', { a: i, b: 1 })));
      assert.deepEqual(results, Array.from({ length: 1000 }, (_, i) => i + 1));
      assert.deepEqual(await p.run('echo', new Map([[1, { d: new Date(0) }]])), new Map([[1, { d: new Date(0) }]]));
    });

    test('workerData reaches every worker', async (t) => {
      const p = pool<Basic>(t, { worker: 'basic', size: 2, runtime, workerData: { region: 'eu', n: 1n } });
      assert.deepEqual(await p.broadcast('workerData'), [
        { region: 'eu', n: 1n },
        { region: 'eu', n: 1n },
      ]);
    });

    test('a task error is rebuilt in the parent and the worker survives', async (t) => {
      const p = pool<Basic>(t, { worker: 'basic', size: 1, runtime });
      const before = await p.run('whoami');
      const err = await p.run('fail', { message: 'nope', code: 'E_NOPE' }).then(
        () => assert.fail('should reject'),
        (e: unknown) => e as RangeError & { code: string; detail: unknown },
      );
      assert.ok(err instanceof RangeError);
      assert.equal(err.name, 'RangeError');
      assert.equal(err.message, 'nope');
      assert.equal(err.code, 'E_NOPE');
      assert.deepEqual(err.detail, { n: 42 });
      assert.match(err.stack ?? '', /fixtures[/\\]basic\.js/, 'the stack is the worker-side stack');
      const after = await p.run('whoami');
      assert.equal(after.pid, before.pid);
      assert.equal(p.stats().workers[0]?.restarts, 0);
    });

    test('the worker keeps running its event loop between tasks', async (t) => {
      const p = pool<Ticker>(t, { worker: 'ticker', size: 1, runtime });
      assert.equal(await p.run('startTicker', 5), 'started');
      // No task is running now; the ticks still arrive because the worker's loop is not parked.
      const ticks = await take(p.messages(), 5);
      assert.deepEqual(
        ticks.map((m) => m.tick),
        [1, 2, 3, 4, 5],
      );
      assert.equal(p.stats().running, 0);
    });

    test('a worker runs up to `concurrency` tasks at once, never more', async (t) => {
      const p = pool<Concurrency>(t, { worker: 'concurrency', size: 1, runtime, concurrency: 3 });
      await Promise.all(Array.from({ length: 9 }, () => p.run('track', 20)));
      assert.equal(await p.run('maxActive'), 3);
    });

    test('round-robin is exact', async (t) => {
      const p = pool<Basic>(t, { worker: 'basic', size: 4, runtime, strategy: 'round-robin' });
      const ids = await Promise.all(Array.from({ length: 400 }, () => p.run('whoami').then((r) => r.id)));
      const counts = [0, 0, 0, 0];
      for (const id of ids) counts[id] = (counts[id] ?? 0) + 1;
      assert.deepEqual(counts, [100, 100, 100, 100]);
      assert.deepEqual(ids.slice(0, 8), [0, 1, 2, 3, 0, 1, 2, 3]);
    });

    test('least-loaded spreads a burst over idle workers evenly, within one task', async (t) => {
      const p = pool<Basic>(t, { worker: 'basic', size: 4, runtime, prefetch: 200 });
      await p.ready();
      // 401 calls in one turn: the pump hands them out in runs (one slot scan per run).
      const ids = await Promise.all(Array.from({ length: 401 }, () => p.run('whoami').then((r) => r.id)));
      const counts = [0, 1, 2, 3].map((w) => ids.filter((id) => id === w).length);
      assert.equal(counts.reduce((a, b) => a + b), 401);
      assert.ok(Math.max(...counts) - Math.min(...counts) <= 1, `counts ${counts.join(', ')}`);
    });

    test('least-loaded sends work away from a busy worker', async (t) => {
      const p = pool<Basic>(t, { worker: 'basic', size: 2, runtime, prefetch: 0 });
      await p.ready();
      later(p.run('hang', undefined, { worker: 0 })); // worker 0 stays busy until the pool is destroyed
      const ids = await Promise.all(Array.from({ length: 20 }, () => p.run('whoami').then((r) => r.id)));
      assert.deepEqual(new Set(ids), new Set([1]));
    });

    test('{ worker: n } targets one worker; an out-of-range n is a coded error', async (t) => {
      const p = pool<Basic>(t, { worker: 'basic', size: 2, runtime });
      for (let i = 0; i < 5; i++) assert.equal((await p.run('whoami', undefined, { worker: 1 })).id, 1);
      for (const bad of [2, -1, 1.5, '1', Number.NaN]) {
        await assert.rejects(p.run('whoami', undefined, { worker: bad as number }), { code: ErrorCodes.WORKER_INDEX, message: /0 to 1/ });
      }
      assert.equal(await p.run('add', { a: 1, b: 1 }), 2, 'the pool keeps working');
    });

    test('bad payloads, task names and call options get coded errors; the pool keeps serving', async (t) => {
      const p = pool<Basic>(t, { worker: 'basic', size: 1, runtime });
      await assert.rejects(p.run('echo', { f: () => 1 }), { code: ErrorCodes.DATA_CLONE, message: /argument of task "echo"/ });
      await assert.rejects(p.run('returnsFunction'), { code: ErrorCodes.DATA_CLONE, message: /result/ });
      // Before any worker is ready the worker itself rejects the name; after, the parent does.
      await assert.rejects(p.run('nope' as 'add', { a: 1, b: 1 }), (err: Error & { code: string }) => {
        assert.equal(err.code, ErrorCodes.UNKNOWN_TASK);
        assert.match(err.message, /"nope".*"add", "echo"/);
        return true;
      });
      await assert.rejects(p.run(42 as unknown as 'add', { a: 1, b: 1 }), { code: ErrorCodes.INVALID_ARG_TYPE, name: 'InvalidArgTypeError' });
      await assert.rejects(p.run('add', { a: 1, b: 1 }, { retries: -1 }), { code: ErrorCodes.INVALID_ARG_VALUE, message: /retries/ });
      await assert.rejects(p.run('add', { a: 1, b: 1 }, 'x' as never), { code: ErrorCodes.INVALID_ARG_TYPE });
      // A batch with one bad task still delivers the good ones around it.
      const mixed = await Promise.allSettled([p.run('add', { a: 1, b: 2 }), p.run('echo', Symbol('x')), p.run('add', { a: 3, b: 4 })]);
      assert.deepEqual(
        mixed.map((r) => r.status),
        ['fulfilled', 'rejected', 'fulfilled'],
      );
      // Likewise results: one that cannot be cloned back fails alone, its neighbours arrive.
      const back = await Promise.allSettled([p.run('add', { a: 1, b: 2 }), p.run('returnsFunction'), p.run('add', { a: 3, b: 4 })]);
      assert.deepEqual(
        back.map((r) => (r.status === 'fulfilled' ? r.value : (r.reason as { code: string }).code)),
        [3, ErrorCodes.DATA_CLONE, 7],
      );
      assert.equal(await p.run('add', { a: 20, b: 22 }), 42);
    });

    test('ArrayBuffers are transferred in the thread runtime and copied in the process runtime', async (t) => {
      const p = pool<Transfer>(t, { worker: 'transfer', size: 1, runtime });
      const buf = new ArrayBuffer(1024);
      assert.equal(await p.run('byteLength', buf, { transfer: [buf] }), 1024);
      assert.equal(buf.byteLength, runtime === 'thread' ? 0 : 1024, 'transferred buffers are detached in the sender');
      const bytes = await p.run('filled', 4096);
      assert.ok(bytes instanceof Uint8Array);
      assert.equal(bytes.length, 4096);
      assert.equal(bytes[4095], 7);
    });

    test('stats() is a read-only snapshot', async (t) => {
      const p = pool<Basic>(t, { worker: 'basic', size: 2, runtime, name: 'stats-pool' });
      await p.ready();
      await Promise.all(Array.from({ length: 50 }, (_, i) => p.run('add', { a: i, b: i })));
      await p.run('fail', { message: 'x', code: 'X' }).catch(() => {});
      const s = p.stats();
      assert.equal(s.name, 'stats-pool');
      assert.equal(s.runtime, runtime);
      assert.equal(s.size, 2);
      assert.equal(s.queued, 0);
      assert.equal(s.running, 0);
      assert.equal(s.completed, 50);
      assert.equal(s.failed, 1);
      assert.equal(s.workers.length, 2);
      for (const w of s.workers) {
        assert.equal(w.state, 'ready');
        assert.ok(w.pid > 0);
      }
      assert.ok(Object.isFrozen(s) && Object.isFrozen(s.workers) && Object.isFrozen(s.workers[0]));
      const hang = later(p.run('hang'));
      await new Promise((resolve) => setImmediate(resolve));
      assert.equal(p.stats().running, 1, 'a new snapshot sees the running task');
      await p.destroy();
      await assert.rejects(hang, { code: ErrorCodes.POOL_DESTROYED });
    });

    test('workerReady fires once per worker', async (t) => {
      const p = pool<Basic>(t, { worker: 'basic', size: 3, runtime });
      const ready = await events<[number]>(p, 'workerReady', 3);
      assert.deepEqual(ready.map(([id]) => id).sort(), [0, 1, 2]);
      await p.ready();
    });
  });
}
