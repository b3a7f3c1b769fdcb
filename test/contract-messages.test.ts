/** Contract suite, messages: put/messages both ways, backpressure on both sides, broadcast. */
import assert from 'node:assert/strict';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import { ErrorCodes } from 'loopfleet';
import { events, pool, RUNTIMES, take, until } from './helpers.js';

type Messages = typeof import('./fixtures/messages.js').default;
type Basic = typeof import('./fixtures/basic.js').default;
type Stateful = typeof import('./fixtures/stateful.js').default;
type FlakyInit = typeof import('./fixtures/flaky-init.js').default;

for (const runtime of RUNTIMES) {
  describe(`messages [${runtime}]`, () => {
    test('put() reaches onMessage; ctx.put() reaches messages() and the message event', async (t) => {
      const p = pool<Messages>(t, { worker: 'messages', size: 2, runtime });
      const seen = events<[unknown, number]>(p, 'message', 4);
      await p.put({ echo: 'a' }, { worker: 0 });
      await p.put({ echo: 'b' }, { worker: 1 });
      await p.put({ echo: 'c' }, { worker: 1 });
      await p.put({ echo: 'd' });
      const got = await take(p.messages(), 4);
      // Order holds per worker; across workers it depends on which started first.
      assert.deepEqual(
        got.filter((m) => m.worker === 0 && m.echo !== 'd'),
        [{ worker: 0, echo: 'a' }],
      );
      assert.deepEqual(
        got.filter((m) => m.worker === 1 && m.echo !== 'd'),
        [
          { worker: 1, echo: 'b' },
          { worker: 1, echo: 'c' },
        ],
      );
      assert.equal(got.filter((m) => m.echo === 'd').length, 1);
      const fromEvent = await seen;
      assert.deepEqual(
        fromEvent.map(([m, id]) => [(m as { worker: number }).worker, id]),
        got.map((m) => [m.worker, m.worker]),
      );
    });

    test('many workers to one consumer: every message arrives once, in order per worker', async (t) => {
      const p = pool<Messages>(t, { worker: 'messages', size: 2, runtime, messageHighWaterMark: 8 });
      const produced = Promise.all([p.run('produce', 300, { worker: 0 }), p.run('produce', 300, { worker: 1 })]);
      const got = await take(p.messages(), 600);
      assert.deepEqual(await produced, [300, 300]);
      for (const w of [0, 1]) {
        assert.deepEqual(
          got.filter((m) => m.worker === w).map((m) => m.seq),
          Array.from({ length: 300 }, (_, i) => i),
        );
      }
    });

    test('ctx.put waits while the parent does not consume: the buffer stays at the high-water mark', async (t) => {
      const p = pool<Messages>(t, { worker: 'messages', size: 1, runtime, concurrency: 2, messageHighWaterMark: 4 });
      const it = p.messages(); // an open consumer that does not pull
      const producing = p.run('produce', 20);
      await until(async () => (await p.run('sent')) === 4, 10_000, 'four messages sent');
      for (let i = 0; i < 10; i++) assert.equal(await p.run('sent'), 4, 'no message beyond the high-water mark leaves the worker');
      assert.equal(p.stats().messages, 4);
      const got = await take(it, 20);
      assert.equal(got.length, 20);
      assert.equal(await producing, 20);
      assert.equal(await p.run('sent'), 20);
    });

    test('a message that cannot be cloned rejects ctx.put with a coded error', async (t) => {
      const p = pool<Messages>(t, { worker: 'messages', size: 1, runtime });
      assert.equal(await p.run('putFunction'), ErrorCodes.DATA_CLONE);
    });

    test('onMessage errors and missing handlers are reported through messageError', async (t) => {
      const p = pool<Messages>(t, { worker: 'messages', size: 1, runtime });
      const errors = events<[Error, number]>(p, 'messageError', 1);
      await p.put({ fail: 'bad message' });
      const [[err]] = (await errors) as [[Error, number]];
      assert.equal(err.message, 'bad message');
      const q = pool(t, { worker: 'no-handler', size: 1, runtime });
      const missing = events<[Error & { code: string }, number]>(q, 'messageError', 1);
      await q.put('hello'); // before any worker is ready: the worker reports it
      assert.equal((await missing)[0]?.[0].code, ErrorCodes.NO_MESSAGE_HANDLER);
      await assert.rejects(q.put('again'), { code: ErrorCodes.NO_MESSAGE_HANDLER }, 'once known, put() itself rejects');
    });

    test('maxQueue: the non-waiting form fails fast, the waiting form waits, drain fires', async (t) => {
      const p = pool<Basic>(t, { worker: 'basic', size: 1, runtime, maxQueue: 2, prefetch: 0 });
      await p.ready();
      const first = [p.run('sleep', 30), p.run('sleep', 1), p.run('sleep', 1)];
      // Three calls in one tick: two fill the queue, the third waits for room.
      await assert.rejects(p.run('sleep', 1, { wait: false }), { code: ErrorCodes.QUEUE_FULL, maxQueue: 2 });
      const drained = events(p, 'drain', 1);
      const waited = p.run('sleep', 1);
      assert.ok(p.stats().queued >= 2);
      await drained;
      await p.onDrain();
      assert.deepEqual(await Promise.all([...first, waited]), [30, 1, 1, 1]);
      await p.onIdle();
      assert.equal(p.stats().queued, 0);
    });

    test('broadcast runs on every worker and resolves in worker order', async (t) => {
      const p = pool<Stateful>(t, { worker: 'stateful', size: 3, runtime });
      const results = await p.broadcast('apply', 'x');
      assert.deepEqual(results, [
        { worker: 0, value: 'x' },
        { worker: 1, value: 'x' },
        { worker: 2, value: 'x' },
      ]);
    });

    test('sticky broadcasts replay, in order, in workers started later', async (t) => {
      const p = pool<Stateful>(t, { worker: 'stateful', size: 2, runtime });
      await p.broadcast('apply', 'a', { sticky: true });
      await p.broadcast('apply', 'b');
      await p.broadcast('apply', 'c', { sticky: true });
      await assert.rejects(p.broadcast('failIfBad', 'bad', { sticky: true }), /refused/);
      const exited = events(p, 'workerExit', 1);
      const ready = events<[number]>(p, 'workerReady', 1);
      await assert.rejects(p.run('exit', 1, { worker: 0 }), { code: ErrorCodes.WORKER_CRASHED });
      await exited;
      assert.deepEqual(await ready, [[0]]);
      // The replacement replayed the sticky calls (not the plain one, not the failed one) before its first task.
      assert.deepEqual(await p.run('applied', undefined, { worker: 0 }), ['a', 'c']);
      assert.deepEqual(await p.run('applied', undefined, { worker: 1 }), ['a', 'b', 'c']);
    });

    test('regression: a sticky broadcast survives a worker that failed to start while it was sent', async (t) => {
      const dir = mkdtempSync(join(tmpdir(), 'loopfleet-sticky-'));
      const p = pool<FlakyInit>(t, { worker: 'flaky-init', size: 2, runtime, workerData: dir, maxTasksPerWorker: 2 });
      // The copy bound to slot 1's first worker is lost with it; the replacement replays the call.
      await assert.rejects(p.broadcast('set', 'table-v1', { sticky: true }), { code: ErrorCodes.WORKER_INIT });
      for (let i = 0; i < 8; i++) assert.equal(await p.run('get'), 'table-v1');
      assert.deepEqual(await Promise.all([0, 1].map((w) => p.run('get', undefined, { worker: w }))), ['table-v1', 'table-v1']);
    });
  });
}
