/** Regressions, each named after what broke; run against both runtimes. */
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { MessagePort } from 'node:worker_threads';
import { build } from 'esbuild';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, test, type TestContext } from 'node:test';
import { DataCloneError, ErrorCodes, LoopfleetError, UnknownTaskError } from 'loopfleet';
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { events, fixture, later, pool, RUNTIMES, take, until } from './helpers.js';

const run = promisify(execFile);

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

    test('a task whose buffers were transferred to a crashed worker is not retried (threads); processes copy, so they retry', async (t) => {
      const dir = mkdtempSync(join(tmpdir(), 'loopfleet-'));
      const p = pool<Crash>(t, { worker: 'crash', size: 1, runtime });
      const buf = new ArrayBuffer(16);
      const call = p.run('crashOnce', join(dir, 'm'), { retries: 2, transfer: [buf] });
      if (runtime === 'thread') await assert.rejects(call, { code: ErrorCodes.WORKER_CRASHED });
      else assert.equal(typeof (await call), 'number');
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

    test('credits given back while a replacement is still loading its module are not lost', async (t) => {
      const p = pool<Messages>(t, { worker: 'messages', size: 1, runtime, messageHighWaterMark: 4 });
      const it = p.messages();
      await p.ready();
      const exited = events(p, 'workerExit', 1);
      await assert.rejects(p.run('putThenExit', 4), { code: ErrorCodes.WORKER_CRASHED });
      await exited;
      for (let i = 0; i < 4; i++) assert.equal((await it.next()).done, false); // consumed while the replacement starts
      const produced = p.run('produce', 3);
      for (let i = 0; i < 3; i++) assert.equal((await it.next()).done, false);
      assert.equal(await produced, 3);
    });

    test('destroy() and close({ rejectQueued }) handle hundreds of thousands of queued targeted tasks', async (t) => {
      const p = pool<Basic>(t, { worker: 'basic', size: 1, runtime });
      const calls = Array.from({ length: 150_000 }, (_, i) => later(p.run('add', { a: i, b: 0 }, { worker: 0 })));
      await p.destroy();
      const settled = await Promise.allSettled(calls);
      assert.ok(settled.every((r) => r.status === 'fulfilled' || (r.reason as { code?: string }).code === ErrorCodes.POOL_DESTROYED));
      const q = pool<Basic>(t, { worker: 'basic', size: 1, runtime });
      const more = Array.from({ length: 150_000 }, (_, i) => later(q.run('add', { a: i, b: 0 }, { worker: 0 })));
      await q.close({ rejectQueued: true });
      assert.ok((await Promise.allSettled(more)).some((r) => r.status === 'rejected'));
    });

    test('a worker recycled while subscribed keeps to the message budget while it closes', async (t) => {
      const p = pool(t, { worker: 'endless', size: 1, runtime, messageHighWaterMark: 4, maxTasksPerWorker: 2 });
      const it = p.messages(); // a reader that is slow right now
      await p.put('start');
      await until(() => p.stats().messages === 4, 10_000, 'the budget to fill');
      await p.run('ok'); // second task: the worker retires and runs its (slow) close
      await until(() => p.stats().workers[0]?.restarts === 1, 10_000, 'the recycle');
      for (let i = 0; i < 20; i++) {
        await new Promise((resolve) => setTimeout(resolve, 5));
        assert.ok(p.stats().messages <= 4, `buffered ${p.stats().messages}`);
      }
      await it.return?.();
    });

    test('a throwing message listener does not wedge its worker', async () => {
      const { stdout } = await run(process.execPath, [fixture('throwing-listener-parent').pathname, runtime]);
      assert.deepEqual(JSON.parse(stdout), { uncaught: ['listener bug'], produced: 2, running: 0 });
    });

    test("a throwing 'drain' listener is an uncaught exception (not an unhandled rejection) and skips none of the pool's bookkeeping", async () => {
      const { stdout } = await run(process.execPath, [fixture('throwing-drain-parent').pathname, runtime]);
      assert.deepEqual(JSON.parse(stdout), { uncaught: ['drain listener bug'], rejections: [], results: [20, 20, 20] });
    });

    test('a sticky copy queued behind an unrelated crashing task is still replayed', async (t) => {
      const p = pool<Stateful>(t, { worker: 'stateful', size: 1, runtime, prefetch: 4 });
      await p.ready();
      const crash = later(p.run('exitAfter', 50));
      await new Promise((resolve) => setImmediate(resolve));
      await assert.rejects(p.broadcast('apply', 'config-v1', { sticky: true }), { code: ErrorCodes.WORKER_CRASHED });
      await assert.rejects(crash, { code: ErrorCodes.WORKER_CRASHED });
      assert.deepEqual(await p.run('applied'), ['config-v1']);
      assert.equal(await p.run('id'), 0, 'the replacement keeps its slot index');
    });

    test('ready() rejects once the pool is closed or destroyed', async (t) => {
      const p = pool<Basic>(t, { worker: 'basic', size: 1, runtime });
      await p.ready();
      await p.close();
      await assert.rejects(p.ready(), { code: ErrorCodes.POOL_CLOSED });
      const q = pool(t, { worker: 'signal-init', size: 2, runtime });
      const waiting = later(q.ready());
      await q.close();
      await assert.rejects(waiting, { code: ErrorCodes.POOL_CLOSED });
      await q.destroy();
      await assert.rejects(q.ready(), { code: ErrorCodes.POOL_DESTROYED });
    });

    test('a ctx.put sent record by record (after a clone failure) has left the worker when it resolves', async (t) => {
      const p = pool<Messages>(t, { worker: 'messages', size: 1, runtime });
      const got = take(p.messages(), 1);
      const call = p.run('badResultAndBigPut', 4 * 1024 * 1024);
      assert.equal((await got)[0]?.echo?.toString().length, 4 * 1024 * 1024);
      await assert.rejects(call, (err: Error & { code: string }) => err.code === ErrorCodes.DATA_CLONE || err.code === ErrorCodes.WORKER_CRASHED);
    });

    test('listeners added while an iterator holds buffered messages hear them when it returns', async (t) => {
      const p = pool<Messages>(t, { worker: 'messages', size: 1, runtime, messageHighWaterMark: 8 });
      const it = p.messages();
      assert.equal(await p.run('produce', 3), 3);
      const heard: unknown[] = [];
      p.on('message', (m) => heard.push(m.seq));
      await it.return?.();
      assert.deepEqual(heard, [0, 1, 2]);
      assert.equal(p.stats().messages, 0);
    });

    test('a once-listener takes one buffered message; the rest stay for later consumers', async (t) => {
      const p = pool<Messages>(t, { worker: 'messages', size: 1, runtime, messageHighWaterMark: 8 });
      assert.equal(await p.run('produce', 3), 3);
      const first = events<[{ seq?: number }, number]>(p, 'message', 1);
      assert.equal((await first)[0]?.[0].seq, 0);
      await new Promise((resolve) => setImmediate(resolve));
      assert.equal(p.stats().messages, 2);
      assert.deepEqual(
        (await take(p.messages(), 2)).map((m) => m.seq),
        [1, 2],
      );
    });

    test('several messages() iterators share the stream: each message goes to exactly one', async (t) => {
      const p = pool<Messages>(t, { worker: 'messages', size: 2, runtime });
      const a = p.messages();
      const b = p.messages();
      const producing = Promise.all([p.run('produce', 50, { worker: 0 }), p.run('produce', 50, { worker: 1 })]);
      const [fromA, fromB] = await Promise.all([take(a, 50), take(b, 50)]);
      await producing;
      const all = [...fromA, ...fromB].map((m) => `${m.worker}:${m.seq}`);
      assert.equal(new Set(all).size, 100);
    });

    test('put() waits for room in a full queue, and stats count recycled workers immediately', async (t) => {
      const p = pool<Messages>(t, { worker: 'messages', size: 1, runtime, maxQueue: 1, prefetch: 0, maxTasksPerWorker: 3 });
      await p.ready();
      const got = take(p.messages(), 5);
      const puts = [1, 2, 3, 4, 5].map((n) => p.put({ echo: n }));
      assert.equal(p.stats().queued, 5);
      await assert.rejects(p.put({ echo: 6 }, { wait: false }), { code: ErrorCodes.QUEUE_FULL });
      await Promise.all(puts);
      assert.deepEqual(
        (await got).map((m) => m.echo),
        [1, 2, 3, 4, 5],
      );
      await p.onIdle();
      assert.equal(p.stats().completed, 5);
    });

    test('transfer lists must hold transferable objects, in both runtimes', async (t) => {
      const p = pool<Transfer>(t, { worker: 'transfer', size: 1, runtime });
      await assert.rejects(p.run('byteLength', new ArrayBuffer(1), { transfer: [42 as unknown as ArrayBuffer] }), {
        code: ErrorCodes.INVALID_ARG_TYPE,
        message: /`transfer` to list ArrayBuffers or MessagePorts, got 42/,
      });
    });

    test('close() finishes a task blocked in ctx.put after the reader went away', async (t) => {
      const p = pool<Messages>(t, { worker: 'messages', size: 1, runtime, messageHighWaterMark: 4 });
      const producing = p.run('produce', 100);
      let read = 0;
      for await (const _ of p.messages()) if (++read === 3) break;
      await until(() => p.stats().messages >= 4, 10_000, 'the budget to fill');
      await p.close();
      assert.equal(await producing, 100);
    });

    test('listeners hear buffered messages in arrival order when an iterator returns', async (t) => {
      const p = pool<Messages>(t, { worker: 'messages', size: 1, runtime, messageHighWaterMark: 8 });
      const it = p.messages(); // open, not reading
      assert.equal(await p.run('produce', 2), 2); // 0, 1 buffered, unheard
      const heard: number[] = [];
      p.on('message', (m) => heard.push(m.seq ?? -1));
      await new Promise((resolve) => setImmediate(resolve));
      assert.equal(await p.run('produce', 1), 1); // 0 again, from the same worker's counter reset
      await it.return?.();
      assert.deepEqual(heard, [0, 1, 0]);
      assert.equal(p.stats().messages, 0);
    });

    test('a transferable result beside an uncloneable one in the same batch still arrives', async (t) => {
      const p = pool<Transfer>(t, { worker: 'transfer', size: 1, runtime });
      await p.ready();
      const [port, bad] = await Promise.allSettled([p.run('port'), p.run('uncloneable')]);
      // (Processes cannot carry a MessagePort at all; there only the uncloneable result matters.)
      if (runtime === 'thread') assert.equal(port.status, 'fulfilled');
      assert.equal(bad.status, 'rejected');
    });

    test('loopfleet errors raised inside a worker come back as instances of their class', async (t) => {
      const p = pool<Basic>(t, { worker: 'basic', size: 1, runtime });
      // Before the first worker is ready, the worker itself rejects an unknown name.
      const unknown = await p.run('nope' as 'add', { a: 1, b: 1 }).catch((e: unknown) => e);
      assert.ok(unknown instanceof UnknownTaskError && unknown instanceof LoopfleetError, String(unknown));
      assert.deepEqual(unknown.known.includes('add'), true);
      const clone = await p.run('returnsFunction').catch((e: unknown) => e);
      assert.ok(clone instanceof DataCloneError, String(clone));
      assert.equal(clone.code, ErrorCodes.DATA_CLONE);
    });

    test('an error thrown by a close hook is reported with the workerExit event', async (t) => {
      const p = pool(t, { worker: 'close-throws', size: 1, runtime });
      await p.ready();
      const exited = events<[{ error: Error | undefined }]>(p, 'workerExit', 1);
      await p.close();
      assert.equal((await exited)[0]?.[0].error?.message, 'could not flush');
    });

    test('unknown call options and wrongly typed broadcast options are refused', async (t) => {
      const p = pool<Basic>(t, { worker: 'basic', size: 1, runtime });
      await assert.rejects(p.run('add', { a: 1, b: 1 }, { timeoutMs: 5 } as never), { code: ErrorCodes.INVALID_ARG_VALUE, message: /Unknown run option `timeoutMs`; known options: worker, transfer, retries, wait, priority, series, signal, timeout, terminateAfter/ });
      await assert.rejects(p.put({}, { retries: 1 } as never), { code: ErrorCodes.INVALID_ARG_VALUE, message: /Unknown put option `retries`/ });
      await assert.rejects(p.broadcast('whoami', undefined, { sticky: 'yes' } as never), { code: ErrorCodes.INVALID_ARG_TYPE, message: /`sticky` to be a boolean/ });
      assert.equal(await p.run('add', { a: 1, b: 1 }), 2);
    });

    test('an uncloneable argument of a cancellable call or a stream rejects with DATA_CLONE (it used to throw out of the pump)', async (t) => {
      const p = pool<Basic>(t, { worker: 'basic', size: 1, runtime });
      await assert.rejects(p.run('echo', () => 1, { signal: new AbortController().signal }), { code: ErrorCodes.DATA_CLONE });
      await assert.rejects(p.run('echo', () => 1, { timeout: 1000 }), { code: ErrorCodes.DATA_CLONE });
      await assert.rejects(p.stream('echo', () => 1).next(), { code: ErrorCodes.DATA_CLONE });
      assert.equal(await p.run('add', { a: 1, b: 1 }), 2);
    });

    test('a worker module bundled with its own copy of loopfleet/worker: its definition and its transfer() results are recognised (transfer() results were cloned as plain objects)', async (t) => {
      const dir = mkdtempSync(join(tmpdir(), 'loopfleet-bundled-'));
      t.after(() => rmSync(dir, { recursive: true, force: true }));
      const out = join(dir, 'transfer.mjs');
      // As a user's bundler would: loopfleet/worker inlined into the worker file.
      await build({
        entryPoints: [fileURLToPath(fixture('transfer'))],
        outfile: out,
        bundle: true,
        format: 'esm',
        platform: 'node',
        alias: { 'loopfleet/worker': fileURLToPath(new URL('../../dist/worker.js', import.meta.url)) },
        logLevel: 'silent',
      });
      assert.doesNotMatch(readFileSync(out, 'utf8'), /from ["']loopfleet/, 'loopfleet/worker is inlined');
      const p = pool<Transfer>(t, { worker: pathToFileURL(out), size: 1, runtime });
      const bytes = await p.run('filled', 3);
      assert.ok(bytes instanceof Uint8Array, 'the value itself arrives, not a { value, transferList } wrapper');
      assert.deepEqual([...bytes], [7, 7, 7]);
      if (runtime === 'thread') {
        const { port } = await p.run('port');
        assert.ok(port instanceof MessagePort, 'a MessagePort result (transferable only) arrives');
        port.close();
      }
      await p.close();
    });
  });
}

for (const runtime of RUNTIMES) {
  /** Runs `script` (ESM) in a new node with `flags`, from `-e` or from a file; resolves with its stdout. */
  const runNode = async (t: TestContext, flags: string[], script: string, from: 'eval' | 'file'): Promise<string> => {
    const args = [...flags];
    if (from === 'eval') args.push('--input-type=module', '-e', script);
    else {
      const dir = mkdtempSync(join(tmpdir(), 'loopfleet-flags-'));
      t.after(() => rmSync(dir, { recursive: true, force: true }));
      writeFileSync(join(dir, 'main.mjs'), script);
      args.push(join(dir, 'main.mjs'));
    }
    return new Promise<string>((resolve, reject) => {
      execFile(process.execPath, args, { cwd: new URL('../../', import.meta.url), timeout: 60_000 }, (err, stdout, stderr) =>
        err ? reject(new Error(`${err.message}\n${stderr}`)) : resolve(stdout),
      );
    });
  };
  const script = `
    import { Pool } from ${JSON.stringify(new URL('../../dist/index.js', import.meta.url).href)};
    const p = new Pool({ worker: ${JSON.stringify(fixture('basic').href)}, size: 1, runtime: ${JSON.stringify(runtime)} });
    console.log(await p.run('add', { a: 2, b: 3 }));
    await p.close();`;

  test(`[${runtime}] workers start under \`node --input-type=module -e\`, once each (they inherited the flag and failed; then -e re-ran the script in every worker)`, async (t) => {
    // Were the script to run again in a worker, it would print twice (and start a pool of its own).
    assert.equal((await runNode(t, [], script, 'eval')).trim(), '5');
  });

  for (const from of ['file', 'eval'] as const) {
    test(`[${runtime}] workers start when node runs with V8 and per-process flags (${from}): worker threads refused an inherited --max-old-space-size`, async (t) => {
      assert.equal((await runNode(t, ['--max-old-space-size=2048', '--expose-gc', '--stack-size=900'], script, from)).trim(), '5');
    });
  }
}
