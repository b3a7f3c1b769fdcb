/** Regressions found by an adversarial review of streams, cancellation, priorities and map; each test is named after what broke. */
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { describe, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { later, pool, RUNTIMES, until } from './helpers.js';

type Review = typeof import('./fixtures/review.js').default;

/** Resolves with 'settled' or 'pending' after `ms`: a safety net, not a timing assertion. */
function within(promise: Promise<unknown>, ms: number): Promise<'settled' | 'pending'> {
  return Promise.race([promise.then(() => 'settled' as const, () => 'settled' as const), new Promise<'pending'>((r) => setTimeout(() => r('pending'), ms).unref())]);
}

for (const runtime of RUNTIMES) {
  describe(`review issue 3 [${runtime}]`, () => {
    test('close() ends a stream its consumer abandoned (it used to wait for it forever)', async (t) => {
      const p = pool<Review>(t, { worker: 'review', size: 1, runtime });
      const it = p.stream('endless', undefined, { highWaterMark: 4 });
      assert.equal((await it.next()).value, 0);
      // The consumer walks away without return() (e.g. it threw and dropped the iterator).
      assert.equal(await within(p.close(), 5_000), 'settled', 'close() hung on a stream nobody reads');
    });

    test('close() ends a stream whose consumer never called next() (it used to wait for it forever)', async (t) => {
      const p = pool<Review>(t, { worker: 'review', size: 1, runtime });
      p.stream('endless', undefined, { highWaterMark: 4 }); // created, never iterated
      await until(() => p.stats().running === 1, 10_000, 'the stream to start');
      assert.equal(await within(p.close(), 5_000), 'settled', 'close() hung on a stream nobody iterates');
    });

    test('a call aborted while it waited for room (maxQueue) leaves stats().queued at once', async (t) => {
      const p = pool<Review>(t, { worker: 'review', size: 1, runtime, maxQueue: 1, prefetch: 0 });
      await p.ready();
      const running = p.run('mark', { label: 'running', ms: 300 });
      await until(() => p.stats().running === 1, 10_000, 'the first task to run');
      const queued = p.run('mark', { label: 'queued', ms: 1 });
      const ac = new AbortController();
      const waiting = later(p.run('mark', { label: 'waiting', ms: 1 }, { signal: ac.signal }));
      await new Promise((r) => setImmediate(r));
      assert.equal(p.stats().queued, 2);
      ac.abort();
      await assert.rejects(waiting, { name: 'AbortError' });
      assert.equal(p.stats().queued, 1, 'the aborted call is gone, only one call is queued');
      await Promise.all([running, queued]);
    });

    test('aborting the only queued call releases onDrain() without waiting for a worker to report', async (t) => {
      const p = pool<Review>(t, { worker: 'review', size: 1, runtime, maxQueue: 1, prefetch: 0 });
      await p.ready();
      const stop = new AbortController();
      const running = later(p.run('mark', { label: 'long', ms: 60_000 }, { signal: stop.signal }));
      t.after(() => stop.abort());
      await until(() => p.stats().running === 1, 10_000, 'the long task to run');
      const ac = new AbortController();
      const queued = later(p.run('mark', { label: 'queued', ms: 1 }, { signal: ac.signal }));
      const drained = p.onDrain();
      await new Promise((resolve) => setTimeout(resolve, 50)); // past the pump this call scheduled
      ac.abort();
      await assert.rejects(queued, { name: 'AbortError' });
      assert.equal(p.stats().queued, 0);
      // The queue is empty now; nothing schedules the pump that releases drain waiters.
      assert.equal(await within(drained, 3_000), 'settled', 'onDrain() still pending with an empty queue');
      stop.abort();
      await assert.rejects(running, { name: 'AbortError' });
    });

    test('calls waiting for room (maxQueue) keep their priority: a -10 call runs before a 0 call submitted earlier', async (t) => {
      const p = pool<Review>(t, { worker: 'review', size: 1, runtime, maxQueue: 1, prefetch: 0 });
      await p.ready();
      const first = p.run('mark', { label: 'first', ms: 200 });
      await until(() => p.stats().running === 1, 10_000, 'the first task to run');
      const calls = [
        p.run('mark', { label: 'queued', ms: 1 }),
        p.run('mark', { label: 'low', ms: 1 }, { priority: 0 }),
        p.run('mark', { label: 'urgent', ms: 1 }, { priority: -10 }),
      ];
      await Promise.all([first, ...calls]);
      const order = await p.run('order');
      assert.deepEqual(order, ['first', 'queued', 'urgent', 'low']);
    });

    test('close() lets pool.map finish the items it had submitted (they used to be aborted) and ends its input', async (t) => {
      const p = pool<Review>(t, { worker: 'review', size: 1, runtime });
      await p.ready();
      const labels = ['a', 'b', 'c', 'd'].map((label) => ({ label, ms: 300 }));
      const it = p.map('mark', labels, { concurrency: 2 });
      assert.equal((await it.next()).value, 'a');
      // 'b' and 'c' were submitted before close() (the map refills its slot as 'a' is handed out):
      // a graceful close lets them finish.
      const closed = p.close();
      const got: unknown[] = [];
      let error: unknown;
      try {
        for (let r = await it.next(); r.done !== true; r = await it.next()) got.push(r.value);
      } catch (err) {
        error = err;
      }
      await closed;
      assert.deepEqual(got, ['b', 'c'], `a submitted item was aborted: got ${JSON.stringify(got)}, error ${String(error)}`);
    });
  });
}

const root = fileURLToPath(new URL('../../', import.meta.url));

test('types: pool.map accepts `collectErrors: boolean` (a non-literal boolean had no overload)', async () => {
  // Compiled inside the package so that 'loopfleet' resolves to this build, as for a user.
  const dir = `${root}build/review-types`;
  mkdirSync(dir, { recursive: true });
  writeFileSync(
    `${dir}/probe.ts`,
    [
      "import type { Pool } from 'loopfleet';",
      "import { defineWorker } from 'loopfleet/worker';",
      'const def = defineWorker({ tasks: { double: (n: number) => n * 2 } });',
      'export function f(p: Pool<typeof def>, collectErrors: boolean) {',
      '  return p.map("double", [1, 2], { collectErrors });',
      '}',
    ].join('\n'),
  );
  const tsc = createRequire(import.meta.url).resolve('typescript/bin/tsc');
  const args = [tsc, '--noEmit', '--strict', '--module', 'nodenext', '--moduleResolution', 'nodenext', '--target', 'es2022', '--skipLibCheck', '--types', 'node', `${dir}/probe.ts`];
  try {
    const result = await promisify(execFile)(process.execPath, args, { cwd: root }).then(
      () => '',
      (err: { stdout?: string }) => err.stdout ?? String(err),
    );
    assert.equal(result, '', 'pool.map(task, inputs, { collectErrors: flag }) does not compile');
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
