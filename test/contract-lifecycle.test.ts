/** Contract suite, lifecycle: start-up failures, crashes, recycling, shutdown. */
import assert from 'node:assert/strict';
import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import { ErrorCodes, PoolDestroyedError, WorkerCrashedError, type WorkerExitEvent } from 'loopfleet';
import { fixture, later, pool, RUNTIMES, take, until } from './helpers.js';

type Crash = typeof import('./fixtures/crash.js').default;
type Lifecycle = typeof import('./fixtures/lifecycle.js').default;
type LoadedMarker = typeof import('./fixtures/loaded-marker.js').default;
type Memory = typeof import('./fixtures/memory.js').default;
type MemoryPush = typeof import('./fixtures/memory-push.js').default;
type Basic = typeof import('./fixtures/basic.js').default;

for (const runtime of RUNTIMES) {
  describe(`start-up [${runtime}]`, () => {
    test('init runs before the first task', async (t) => {
      const p = pool<Lifecycle>(t, { worker: 'lifecycle', size: 2, runtime });
      assert.deepEqual(await p.broadcast('initialised'), [true, true]);
    });

    test('a module that fails to load rejects with LOOPFLEET_ERR_WORKER_MODULE at once, without respawning', async (t) => {
      const p = pool(t, { worker: 'load-error', size: 2, runtime, maxStartFailures: 5 });
      const exits: WorkerExitEvent[] = [];
      p.on('workerExit', (e) => exits.push(e));
      await assert.rejects(p.run('ok'), (err: Error & { code: string; cause?: Error }) => {
        assert.equal(err.code, ErrorCodes.WORKER_MODULE);
        assert.match(err.message, /load-error\.js failed to load/);
        assert.match(String(err.cause?.message), /module exploded while loading/);
        return true;
      });
      await assert.rejects(p.ready(), { code: ErrorCodes.WORKER_MODULE });
      await assert.rejects(p.run('ok'), { code: ErrorCodes.WORKER_MODULE }, 'later calls reject with the cause too');
      assert.equal(exits.length, 2, 'one start per slot, no respawn loop');
      assert.deepEqual(
        p.stats().workers.map((w) => w.state),
        ['failed', 'failed'],
      );
      await p.close();
    });

    test('a broken pool makes messages() iterators reject with the cause, and refuses put()', async (t) => {
      const p = pool(t, { worker: 'load-error', size: 1, runtime });
      await assert.rejects(
        (async () => {
          for await (const _ of p.messages());
        })(),
        { code: ErrorCodes.WORKER_MODULE, message: /failed to load: module exploded while loading/ },
      );
      await assert.rejects(p.put('hello'), { code: ErrorCodes.WORKER_MODULE });
    });

    test('a relative worker path that does not exist says how it was resolved', async (t) => {
      const p = pool(t, { worker: './no-such-worker.js', size: 1, runtime });
      await assert.rejects(p.ready(), (err: Error & { code: string }) => {
        assert.equal(err.code, ErrorCodes.WORKER_MODULE);
        assert.match(err.message, /relative path "\.\/no-such-worker\.js" was resolved against the current directory/);
        assert.match(err.message, /new URL\('\.\/no-such-worker\.js', import\.meta\.url\)/);
        return true;
      });
    });

    test('a default export that is not defineWorker() is a WORKER_MODULE error naming the fix', async (t) => {
      const p = pool(t, { worker: 'not-defined', size: 1, runtime });
      await assert.rejects(p.run('ok'), { code: ErrorCodes.WORKER_MODULE, message: /export default defineWorker/ });
    });

    test('a missing module file is a WORKER_MODULE error', async (t) => {
      const p = pool(t, { worker: fixture('does-not-exist'), size: 1, runtime });
      await assert.rejects(p.run('ok'), { code: ErrorCodes.WORKER_MODULE, message: /does-not-exist\.js/ });
    });

    test('init failures stop respawning after maxStartFailures and reject with the cause', async (t) => {
      const p = pool(t, { worker: 'init-fail', size: 2, runtime, maxStartFailures: 2 });
      const exits: WorkerExitEvent[] = [];
      p.on('workerExit', (e) => exits.push(e));
      const err = await p.run('ok').then(
        () => assert.fail('should reject'),
        (e: unknown) => e as Error & { code: string; cause: Error & { code: string } },
      );
      assert.equal(err.code, ErrorCodes.WORKER_INIT);
      assert.match(err.message, /cannot connect/);
      assert.equal(err.cause.code, 'ECONNREFUSED');
      await assert.rejects(p.ready(), { code: ErrorCodes.WORKER_INIT });
      assert.equal(exits.length, 4, 'two attempts per slot');
    });

    test('a worker that exits during init counts as a failed start', async (t) => {
      const p = pool(t, { worker: 'init-exit', size: 1, runtime, maxStartFailures: 2 });
      await assert.rejects(p.run('ok'), { code: ErrorCodes.WORKER_INIT, message: /code 9/ });
    });
  });

  describe(`crashes [${runtime}]`, () => {
    test('a worker that exits is replaced; its in-flight tasks reject with LOOPFLEET_ERR_WORKER_CRASHED', async (t) => {
      const p = pool<Crash>(t, { worker: 'crash', size: 1, runtime });
      const pid = await p.run('pid');
      const err = await p.run('exit', 3).then(
        () => assert.fail('should reject'),
        (e: unknown) => e as WorkerCrashedError,
      );
      assert.ok(err instanceof WorkerCrashedError);
      assert.equal(err.code, ErrorCodes.WORKER_CRASHED);
      assert.equal(err.workerId, 0);
      assert.equal(err.exitCode, 3);
      const next = await p.run('pid');
      if (runtime === 'process') assert.notEqual(next, pid);
      assert.equal(p.stats().workers[0]?.restarts, 1);
    });

    test('what a worker wrote before it died arrives, even when the parent writes to it after its death', async (t) => {
      // Room for a third task: the last run is sent at once, not queued in the parent.
      const p = pool<Crash>(t, { worker: 'crash', size: 1, runtime, concurrency: 3 });
      await p.ready();
      const done = p.run('later', 5);
      const died = p.run('exitLater', 50).catch((err: unknown) => err);
      // Both have left (they go out at the end of this turn).
      await new Promise((resolve) => setImmediate(resolve));
      // The parent's loop is busy while the answer comes and the worker dies; then it sends to
      // the dead worker before reading either (on processes, a write that fails with EPIPE).
      const end = Date.now() + 300;
      while (Date.now() < end);
      // Sent to a worker that is dead, it settles as a crash of that worker (or, on a machine so
      // slow that the worker was not dead yet, with its answer).
      const next = p.run('pid').catch((err: unknown) => err);
      assert.equal(await done, 'done');
      assert.equal(((await died) as WorkerCrashedError).code, ErrorCodes.WORKER_CRASHED);
      const settled = await next;
      assert.ok(typeof settled === 'number' || (settled as WorkerCrashedError).code === ErrorCodes.WORKER_CRASHED, String(settled));
      assert.equal(typeof (await p.run('pid')), 'number');
    });

    test('an uncaught error and an unhandled rejection crash the worker and carry the cause', async (t) => {
      const p = pool<Crash>(t, { worker: 'crash', size: 1, runtime });
      await assert.rejects(p.run('throwLater', 'kaboom'), (err: WorkerCrashedError) => {
        assert.equal(err.code, ErrorCodes.WORKER_CRASHED);
        assert.match(err.message, /kaboom/);
        assert.equal((err.cause as Error).message, 'kaboom');
        return true;
      });
      await assert.rejects(p.run('rejectLater', 'unhandled'), { code: ErrorCodes.WORKER_CRASHED, message: /unhandled/ });
      assert.equal(typeof (await p.run('pid')), 'number');
    });

    test('a worker that runs out of memory is replaced', async (t) => {
      const p = pool<Crash>(t, { worker: 'crash', size: 1, runtime, resourceLimits: { maxOldGenerationSizeMb: 32, maxYoungGenerationSizeMb: 8 } });
      await assert.rejects(p.run('oom'), { code: ErrorCodes.WORKER_CRASHED });
      assert.equal(typeof (await p.run('pid')), 'number');
    });

    test('every task in flight on a crashed worker settles; with retries it runs again elsewhere', async (t) => {
      const dir = mkdtempSync(join(tmpdir(), 'loopfleet-'));
      const p = pool<Crash>(t, { worker: 'crash', size: 2, runtime, concurrency: 4 });
      const retried = await p.run('crashOnce', join(dir, 'marker-a'), { retries: 1 });
      assert.equal(typeof retried, 'number');
      await assert.rejects(p.run('crashOnce', join(dir, 'marker-b')), { code: ErrorCodes.WORKER_CRASHED, exitCode: 7 });
      const hanging = [later(p.run('throwLater', 'x', { worker: 0 })), later(p.run('pid', undefined, { worker: 0 }))];
      const settled = await Promise.allSettled(hanging);
      assert.equal(settled[0]?.status, 'rejected');
      assert.ok(settled[1]?.status === 'fulfilled' || (settled[1]?.reason as { code?: string }).code === ErrorCodes.WORKER_CRASHED);
    });
  });

  describe(`recycling [${runtime}]`, () => {
    test('maxTasksPerWorker replaces workers gracefully between tasks', async (t) => {
      const p = pool<Basic>(t, { worker: 'basic', size: 1, runtime, maxTasksPerWorker: 3 });
      const results = await Promise.all(Array.from({ length: 10 }, (_, i) => p.run('add', { a: i, b: 0 })));
      assert.deepEqual(results, Array.from({ length: 10 }, (_, i) => i));
      const s = p.stats();
      assert.ok((s.workers[0]?.restarts ?? 0) >= 3, `restarts: ${s.workers[0]?.restarts}`);
      assert.equal(s.failed, 0);
    });

    test('maxHeapMB replaces a worker whose heap grew past the bound', async (t) => {
      const p = pool<Memory>(t, { worker: 'memory', size: 1, runtime, maxHeapMB: 48 });
      const pids = new Set<number>();
      for (let i = 0; i < 12; i++) pids.add(await p.run('grow', 8));
      // The bound is checked at most every 100 ms: keep going until the replacement shows.
      for (let i = 0; i < 200 && p.stats().workers[0]?.restarts === 0; i++) {
        await new Promise((resolve) => setTimeout(resolve, 10));
        await p.run('pid');
      }
      assert.ok((p.stats().workers[0]?.restarts ?? 0) >= 1);
    });

    test('maxHeapMB also replaces a worker that only puts messages and never answers a task (its heap was checked only with answers)', async (t) => {
      const p = pool<MemoryPush>(t, { worker: 'memory-push', size: 1, runtime, maxHeapMB: 48 });
      p.on('message', () => {});
      await until(() => (p.stats().workers[0]?.restarts ?? 0) >= 1, 20_000, 'the worker to be recycled');
    });
  });

  describe(`shutdown [${runtime}]`, () => {
    test('close() right after start: workers that have not begun loading the worker module end at once, without loading it', async (t) => {
      const dir = mkdtempSync(join(tmpdir(), 'loopfleet-marker-'));
      t.after(() => rmSync(dir, { recursive: true, force: true }));
      const p = pool<LoadedMarker>(t, { worker: 'loaded-marker', size: 2, runtime, env: { ...process.env, LOOPFLEET_TEST_MARKER_DIR: dir } });
      const exits: WorkerExitEvent[] = [];
      p.on('workerExit', (e: WorkerExitEvent) => exits.push(e));
      // Closed in the same turn as the pool was made: no worker can have started loading yet.
      await p.close();
      assert.equal(exits.length, 2);
      assert.ok(exits.every((e) => e.error === undefined), 'clean exits, not crashes or start failures');
      await assert.rejects(p.run('ping'), { code: ErrorCodes.POOL_CLOSED });
      assert.deepEqual(readdirSync(dir), [], 'no worker evaluated the module');
      // A pool that did start closes as before: the module loaded, the task ran.
      const q = pool<LoadedMarker>(t, { worker: 'loaded-marker', size: 1, runtime, env: { ...process.env, LOOPFLEET_TEST_MARKER_DIR: dir } });
      assert.equal(await q.run('ping'), 'pong');
      await q.close();
      assert.ok(readdirSync(dir).length >= 1);
    });

    test('close() lets queued and running tasks finish, runs close hooks, then rejects new work', async (t) => {
      const p = pool<Lifecycle>(t, { worker: 'lifecycle', size: 2, runtime });
      // Both workers started (a worker still starting when close() finds nothing to run is closed
      // without starting, and so without its close hook).
      await p.ready();
      const tasks = Array.from({ length: 6 }, () => p.run('sleep', 20));
      const closing = p.close();
      assert.equal(p.close(), closing, 'idempotent');
      await assert.rejects(p.run('sleep', 1), { code: ErrorCodes.POOL_CLOSED });
      assert.deepEqual(await Promise.all(tasks), [20, 20, 20, 20, 20, 20]);
      await closing;
      const closed = await take(p.messages(), 2);
      assert.deepEqual(closed.map((m) => m.closed).sort(), [0, 1]);
      assert.ok(closed.every((m) => m.aborted), 'ctx.signal aborted before close()');
      assert.deepEqual(
        p.stats().workers.map((w) => w.state),
        ['exited', 'exited'],
      );
    });

    test('close({ rejectQueued }) rejects queued tasks and finishes running ones', async (t) => {
      const p = pool<Lifecycle>(t, { worker: 'lifecycle', size: 1, runtime, prefetch: 0 });
      await p.ready();
      const running = p.run('sleep', 30);
      await new Promise((resolve) => setImmediate(resolve));
      const queued = [later(p.run('sleep', 1)), later(p.run('sleep', 1))];
      await p.close({ rejectQueued: true });
      assert.equal(await running, 30);
      for (const q of queued) await assert.rejects(q, { code: ErrorCodes.POOL_CLOSED });
    });

    test('close({ timeout }) turns into destroy()', async (t) => {
      const p = pool<Lifecycle>(t, { worker: 'lifecycle', size: 1, runtime });
      const hung = later(p.run('hang'));
      await p.close({ timeout: 50 });
      await assert.rejects(hung, (err: Error) => err instanceof PoolDestroyedError && (err as PoolDestroyedError).code === ErrorCodes.POOL_DESTROYED);
    });

    test('destroy() rejects everything pending, is idempotent and never starts a worker', async (t) => {
      const p = pool<Basic>(t, { worker: 'basic', size: 2, runtime });
      await p.ready();
      let starts = 0;
      p.on('workerReady', () => starts++);
      const pending = [later(p.run('hang')), later(p.run('hang')), later(p.run('sleep', 10_000)), later(p.broadcast('hang'))];
      const d = p.destroy();
      assert.equal(p.destroy(), d);
      await d;
      for (const x of pending) await assert.rejects(x, { code: ErrorCodes.POOL_DESTROYED });
      await assert.rejects(p.run('add', { a: 1, b: 1 }), { code: ErrorCodes.POOL_DESTROYED });
      await p.close();
      assert.equal(starts, 0);
      assert.deepEqual(
        p.stats().workers.map((w) => w.restarts),
        [0, 0],
        'no worker was even spawned',
      );
      assert.deepEqual(
        p.stats().workers.map((w) => w.state),
        ['exited', 'exited'],
      );
    });

    test('Symbol.asyncDispose closes the pool', async (t) => {
      const p = pool<Basic>(t, { worker: 'basic', size: 1, runtime });
      assert.equal(await p.run('add', { a: 1, b: 2 }), 3);
      await p[Symbol.asyncDispose]();
      await assert.rejects(p.run('add', { a: 1, b: 2 }), { code: ErrorCodes.POOL_CLOSED });
    });

    test('a crash during close() settles the crashed tasks and still closes', async (t) => {
      const p = pool<Crash>(t, { worker: 'crash', size: 1, runtime });
      const crashing = later(p.run('exit', 1));
      const closing = p.close();
      await assert.rejects(crashing, { code: ErrorCodes.WORKER_CRASHED });
      await closing;
      assert.equal(p.stats().workers[0]?.state, 'failed');
    });
  });
}
