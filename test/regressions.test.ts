/** Regressions, each named after what broke; run against both runtimes. */
import assert from 'node:assert/strict';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import { ErrorCodes } from 'loopfleet';
import { events, later, pool, RUNTIMES, take, until } from './helpers.js';

type Transfer = typeof import('./fixtures/transfer.js').default;
type Messages = typeof import('./fixtures/messages.js').default;
type Basic = typeof import('./fixtures/basic.js').default;
type Stateful = typeof import('./fixtures/stateful.js').default;
type Crash = typeof import('./fixtures/crash.js').default;

for (const runtime of RUNTIMES) {
  describe(`regressions [${runtime}]`, () => {
    test('an already-transferred ArrayBuffer fails only its own task, not the whole batch', async (t) => {
      const p = pool<Transfer>(t, { worker: 'transfer', size: 1, runtime });
      const buf = new ArrayBuffer(8);
      assert.equal(await p.run('byteLength', buf, { transfer: [buf] }), 8);
      const calls = [later(p.run('byteLength', buf, { transfer: [buf] })), ...[1, 2, 3].map((n) => p.run('byteLength', new ArrayBuffer(n)))];
      const results = await Promise.allSettled(calls);
      if (runtime === 'thread') {
        assert.equal((results[0] as PromiseRejectedResult).reason.code, ErrorCodes.DATA_CLONE);
        assert.match((results[0] as PromiseRejectedResult).reason.message, /detached/);
      } else {
        assert.equal((results[0] as PromiseFulfilledResult<number>).value, 8, 'processes copy: the buffer is still whole');
      }
      assert.deepEqual(
        results.slice(1).map((r) => (r as PromiseFulfilledResult<number>).value),
        [1, 2, 3],
      );
      const twice = new ArrayBuffer(4);
      const pair = await Promise.allSettled([p.run('byteLength', twice, { transfer: [twice] }), p.run('byteLength', twice, { transfer: [twice] })]);
      assert.equal(pair[0].status, 'fulfilled');
      if (runtime === 'thread') assert.equal((pair[1] as PromiseRejectedResult).reason.code, ErrorCodes.DATA_CLONE);
      await p.close();
    });

    test('a worker returning an already-transferred buffer fails only that task', async (t) => {
      const p = pool<Transfer>(t, { worker: 'transfer', size: 1, runtime });
      assert.equal((await p.run('giveKept')).byteLength, 8);
      const second = await Promise.allSettled([p.run('giveKept'), p.run('byteLength', new ArrayBuffer(2))]);
      if (runtime === 'thread') assert.equal((second[0] as PromiseRejectedResult).reason.code, ErrorCodes.DATA_CLONE);
      else assert.equal(second[0].status, 'fulfilled');
      assert.equal((second[1] as PromiseFulfilledResult<number>).value, 2);
      await p.close();
    });

    test('a ctx.put that cannot be cloned gives its credit to the next message', async (t) => {
      const p = pool<Messages>(t, { worker: 'messages', size: 1, runtime, messageHighWaterMark: 1 });
      const got = take(p.messages(), 1);
      assert.deepEqual(await p.run('badThenGood'), [ErrorCodes.DATA_CLONE, 'sent']);
      assert.equal((await got)[0]?.echo, 'good');
    });

    test('ctx.put resolves only once the message has left the worker', async (t) => {
      const p = pool<Messages>(t, { worker: 'messages', size: 1, runtime });
      const got = take(p.messages(), 1);
      await assert.rejects(p.run('bigThenExit', 4 * 1024 * 1024), { code: ErrorCodes.WORKER_CRASHED });
      assert.equal((await got)[0]?.echo?.toString().length, 4 * 1024 * 1024);
    });

    test('a message listener left alone after the iterator returns keeps the workers going', async (t) => {
      const p = pool<Messages>(t, { worker: 'messages', size: 1, runtime, messageHighWaterMark: 4 });
      let heard = 0;
      p.on('message', () => heard++);
      const it = p.messages();
      const producing = p.run('produce', 50);
      await until(() => p.stats().messages === 4, 10_000, 'the buffer to fill');
      await it.return?.();
      assert.equal(await producing, 50);
      assert.equal(heard, 50);
      assert.equal(p.stats().messages, 0);
    });

    test('a message listener added late receives what was buffered, and frees the workers', async (t) => {
      const p = pool<Messages>(t, { worker: 'messages', size: 1, runtime, messageHighWaterMark: 4 });
      const producing = p.run('produce', 30);
      await until(() => p.stats().messages === 4, 10_000, 'the buffer to fill');
      const seqs: number[] = [];
      p.on('message', (m) => seqs.push(m.seq ?? -1));
      assert.equal(await producing, 30);
      assert.deepEqual(
        seqs,
        Array.from({ length: 30 }, (_, i) => i),
      );
    });

    test('messages put during close() all reach the parent', async (t) => {
      const p = pool(t, { worker: 'close-puts', size: 1, runtime, messageHighWaterMark: 3 });
      const got: unknown[] = [];
      p.on('message', (m) => got.push(m));
      await p.ready();
      await p.close();
      assert.deepEqual(got, [0, 1, 2, 3, 4, 5, 6, 7, 8, 9]);
    });

    test('recycled workers keep the unconsumed messages of a slot at the high-water mark', async (t) => {
      const p = pool<Messages>(t, { worker: 'messages', size: 1, runtime, messageHighWaterMark: 2, maxTasksPerWorker: 1 });
      const it = p.messages(); // open, not reading
      assert.equal(await p.run('produce', 2), 2);
      const second = p.run('produce', 2);
      await until(() => p.stats().workers[0]?.state === 'ready' && (p.stats().workers[0]?.restarts ?? 0) >= 1, 10_000, 'the replacement');
      for (let i = 0; i < 20; i++) {
        await new Promise((resolve) => setTimeout(resolve, 5));
        assert.ok(p.stats().messages <= 2, `buffered ${p.stats().messages}`);
      }
      assert.equal((await take(it, 4)).length, 4);
      assert.equal(await second, 2);
    });

    test('close() does not wait for a worker whose init waits on ctx.signal', async (t) => {
      const p = pool(t, { worker: 'signal-init', size: 2, runtime });
      await p.close({ rejectQueued: true });
      assert.deepEqual(
        p.stats().workers.map((w) => w.state),
        ['exited', 'exited'],
      );
    });

    test('a sticky broadcast that crashes its workers is not replayed into their replacements', async (t) => {
      const p = pool<Stateful>(t, { worker: 'stateful', size: 2, runtime });
      await assert.rejects(p.broadcast('exit', 1, { sticky: true }), { code: ErrorCodes.WORKER_CRASHED });
      await until(() => p.stats().workers.every((w) => w.state === 'ready' && w.restarts === 1), 10_000, 'both replacements');
      assert.deepEqual(await p.broadcast('applied'), [[], []]);
      assert.ok(p.stats().workers.every((w) => w.state === 'ready' && w.restarts === 1));
    });

    test('maxTasksPerWorker holds for targeted tasks', async (t) => {
      const p = pool<Basic>(t, { worker: 'basic', size: 1, runtime, maxTasksPerWorker: 2 });
      const pids = await Promise.all(Array.from({ length: 6 }, () => p.run('whoami', undefined, { worker: 0 }).then((r) => `${r.pid}:${p.stats().workers[0]?.restarts}`)));
      assert.equal(p.stats().workers[0]?.restarts, 3, pids.join(' '));
    });

    test('onDrain resolves when the queue was filled exactly, without a call waiting', async (t) => {
      const p = pool<Basic>(t, { worker: 'basic', size: 1, runtime, maxQueue: 2 });
      const runs = [p.run('add', { a: 1, b: 0 }), p.run('add', { a: 2, b: 0 })];
      const drained = p.onDrain();
      assert.deepEqual(await Promise.all(runs), [1, 2]);
      await drained;
    });

    test('messageError names the worker the message went to', async (t) => {
      const p = pool<Messages>(t, { worker: 'messages', size: 2, runtime });
      await p.ready();
      const errors = events<[Error, number]>(p, 'messageError', 1);
      await p.put({ fail: 'boom' }, { worker: 1 });
      assert.deepEqual((await errors).map(([e, id]) => [e.message, id]), [['boom', 1]]);
      const untargeted = events<[Error, number]>(p, 'messageError', 1);
      await p.put({ fail: 'bang' });
      const [[err, id]] = (await untargeted) as [[Error, number]];
      assert.equal(err.message, 'bang');
      assert.ok(id === 0 || id === 1, `workerId ${id}`);
    });

    test('a task whose buffers were transferred to a crashed worker is not retried', async (t) => {
      const dir = mkdtempSync(join(tmpdir(), 'loopfleet-'));
      const p = pool<Crash>(t, { worker: 'crash', size: 1, runtime });
      const buf = new ArrayBuffer(16);
      await assert.rejects(p.run('crashOnce', join(dir, 'm'), { retries: 2, transfer: [buf] }), { code: ErrorCodes.WORKER_CRASHED });
      assert.equal(typeof (await p.run('pid')), 'number');
    });

    test('close() after a consumer broke out of messages() does not wait for it to read again', async (t) => {
      const p = pool(t, { worker: 'endless', size: 2, runtime, messageHighWaterMark: 8 });
      await p.put('start', { worker: 0 });
      await p.put('start', { worker: 1 });
      let read = 0;
      for await (const _ of p.messages()) if (++read === 10) break;
      await until(() => p.stats().messages >= 16, 10_000, 'both workers to fill their budget');
      await p.close();
      assert.deepEqual(
        p.stats().workers.map((w) => w.state),
        ['exited', 'exited'],
      );
    });
  });
}
