/** Contract suite, cancellation and timeouts: AbortSignal while queued and running, timeouts from the start, terminateAfter. */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { AbortError, ErrorCodes, TimeoutError, WorkerCrashedError } from 'loopfleet';
import { events, later, pool, RUNTIMES } from './helpers.js';

type Cancel = typeof import('./fixtures/cancel.js').default;

const isAbort = (reason: string) => (err: Error) =>
  err instanceof AbortError && err.code === ErrorCodes.ABORTED && err.name === 'AbortError' && (err.cause as Error).message === reason;

for (const runtime of RUNTIMES) {
  describe(`cancellation and timeouts [${runtime}]`, () => {
    test('abort while queued: the task is removed, never starts, and rejects with the reason', async (t) => {
      const p = pool<Cancel>(t, { worker: 'cancel', size: 1, concurrency: 1, prefetch: 0, runtime });
      await p.ready();
      const first = p.run('sleep', 300);
      const ac = new AbortController();
      const queued = later(p.run('sleep', 10, { signal: ac.signal }));
      await new Promise(setImmediate); // the first has been sent
      assert.equal(p.stats().queued, 1);
      ac.abort(new Error('changed my mind'));
      await assert.rejects(queued, isAbort('changed my mind'));
      assert.equal(p.stats().queued, 0);
      assert.equal(await first, 300);
      assert.equal(await p.run('started'), 1);
    });

    test('abort while running: rejects at once and aborts ctx.signal in the worker with the same reason', async (t) => {
      const p = pool<Cancel>(t, { worker: 'cancel', size: 1, concurrency: 2, runtime });
      await p.ready();
      const ac = new AbortController();
      const running = later(p.run('sleep', 60_000, { signal: ac.signal }));
      while ((await p.run('started')) < 1);
      ac.abort(new Error('stop now'));
      await assert.rejects(running, isAbort('stop now'));
      let reason;
      while ((reason = await p.run('lastReason')) === undefined);
      assert.deepEqual(reason, { name: 'AbortError', code: ErrorCodes.ABORTED, message: 'The task was aborted: stop now', cause: 'stop now' });
      // Other tasks get their own signal, not aborted.
      assert.equal(await p.run('signalIsShared'), false);
    });

    test('an already aborted signal rejects without queueing', async (t) => {
      const p = pool<Cancel>(t, { worker: 'cancel', size: 1, runtime });
      await assert.rejects(p.run('sleep', 1, { signal: AbortSignal.abort('too late') }), (err: Error) => err instanceof AbortError && err.cause === 'too late');
      assert.equal(p.stats().queued, 0);
      assert.equal(await p.run('started'), 0);
    });

    test('one signal aborting 10,000 queued tasks rejects every one and leaves the pool working', async (t) => {
      const p = pool<Cancel>(t, { worker: 'cancel', size: 1, concurrency: 1, prefetch: 0, runtime });
      await p.ready();
      const blocker = p.run('sleep', 200);
      const ac = new AbortController();
      const calls = Array.from({ length: 10_000 }, () => later(p.run('sleep', 1, { signal: ac.signal })));
      ac.abort();
      const settled = await Promise.allSettled(calls);
      assert.ok(settled.every((s) => s.status === 'rejected' && (s.reason as { code?: string }).code === ErrorCodes.ABORTED));
      assert.equal(p.stats().queued, 0);
      await blocker;
      assert.equal(await p.run('sleep', 1), 1);
    });

    test('timeout counts from the start in the worker, not the time queued', async (t) => {
      const p = pool<Cancel>(t, { worker: 'cancel', size: 1, concurrency: 1, prefetch: 0, runtime });
      const first = p.run('sleep', 1500);
      // Queued for about 1.5 s, runs for 20 ms: well within 1 s once started.
      assert.equal(await p.run('sleep', 20, { timeout: 1000 }), 20);
      assert.equal(await first, 1500);
    });

    test('timeout rejects with LOOPFLEET_ERR_TIMEOUT and aborts ctx.signal with it', async (t) => {
      const p = pool<Cancel>(t, { worker: 'cancel', size: 1, concurrency: 2, runtime });
      await assert.rejects(p.run('sleep', 60_000, { timeout: 50 }), (err: Error) => err instanceof TimeoutError && err.code === ErrorCodes.TIMEOUT && /"sleep".*50 ms/.test(err.message));
      let reason;
      while ((reason = await p.run('lastReason')) === undefined);
      assert.equal(reason.code, ErrorCodes.TIMEOUT);
    });

    test("the pool's default timeout applies, and a call can lift it", async (t) => {
      const p = pool<Cancel>(t, { worker: 'cancel', size: 1, concurrency: 2, runtime, timeout: 50 });
      await assert.rejects(p.run('sleep', 60_000), { code: ErrorCodes.TIMEOUT });
      assert.equal(await p.run('sleep', 100, { timeout: Infinity }), 100);
    });

    test('terminateAfter: a task blocking its loop past its timeout gets its worker replaced', async (t) => {
      const p = pool<Cancel>(t, { worker: 'cancel', size: 1, runtime });
      await p.ready();
      const exited = events(p, 'workerExit', 1);
      await assert.rejects(p.run('block', undefined, { timeout: 100, terminateAfter: 100 }), { code: ErrorCodes.TIMEOUT });
      const [exit] = (await exited)[0] as [{ error?: Error }];
      assert.match(String(exit.error?.cause), /terminated because task "block" had not returned 100 ms after it was aborted/);
      assert.equal(await p.run('sleep', 5), 5);
    });

    test('terminateAfter: a task ignoring its aborted signal has its worker replaced; its neighbours crash', async (t) => {
      // Concurrency 3: the third slot answers the test's polls.
      const p = pool<Cancel>(t, { worker: 'cancel', size: 1, concurrency: 3, runtime });
      await p.ready();
      const ac = new AbortController();
      const stubborn = later(p.run('stubborn', undefined, { signal: ac.signal, terminateAfter: 50 }));
      const neighbour = later(p.run('sleep', 60_000));
      while ((await p.run('started')) < 2);
      ac.abort('go');
      await assert.rejects(stubborn, { code: ErrorCodes.ABORTED });
      await assert.rejects(neighbour, (err: Error) => err instanceof WorkerCrashedError && /terminated because task "stubborn"/.test(String((err.cause as Error).message)));
      assert.equal(await p.run('sleep', 5), 5);
    });

    test('without terminateAfter a stubborn task keeps its worker', async (t) => {
      const p = pool<Cancel>(t, { worker: 'cancel', size: 1, concurrency: 2, runtime });
      const ac = new AbortController();
      const stubborn = later(p.run('stubborn', undefined, { signal: ac.signal }));
      while ((await p.run('started')) < 1);
      ac.abort();
      await assert.rejects(stubborn, { code: ErrorCodes.ABORTED });
      await new Promise((resolve) => setTimeout(resolve, 100));
      assert.equal(await p.run('started'), 1, 'same worker, same module state');
    });

    test('bad signal, timeout and terminateAfter values are refused with clear errors', async (t) => {
      const p = pool<Cancel>(t, { worker: 'cancel', size: 1, runtime });
      // @ts-expect-error not a signal
      await assert.rejects(p.run('sleep', 1, { signal: {} }), { code: ErrorCodes.INVALID_ARG_TYPE, message: /Expected `signal` to be an AbortSignal, got an object/ });
      await assert.rejects(p.run('sleep', 1, { timeout: 0 }), { code: ErrorCodes.INVALID_ARG_VALUE, message: /Expected `timeout` to be a number of milliseconds/ });
      await assert.rejects(p.run('sleep', 1, { timeout: 2 ** 31 }), { code: ErrorCodes.INVALID_ARG_VALUE });
      // @ts-expect-error not a number
      await assert.rejects(p.run('sleep', 1, { terminateAfter: '1s' }), { code: ErrorCodes.INVALID_ARG_TYPE, message: /terminateAfter/ });
      assert.equal(await p.run('sleep', 1), 1);
    });
  });
}
