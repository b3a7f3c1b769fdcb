import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { test } from 'node:test';
import { setImmediate as tick } from 'node:timers/promises';
import { expectTypeOf } from 'expect-type';
import { ErrorCodes, Tracker } from 'loopfleet';
import { internal } from './helpers.js';

function deferred<T = void>(): { promise: Promise<T>; resolve: (v: T) => void; reject: (e: unknown) => void } {
  let resolve!: (v: T) => void;
  let reject!: (e: unknown) => void;
  const promise = new Promise<T>((res, rej) => {
    resolve = res;
    reject = rej;
  });
  return { promise, resolve, reject };
}

/** Whether `promise` has settled after the pending callbacks have run (no timing involved). */
async function settled(promise: Promise<unknown>): Promise<boolean> {
  let done = false;
  void promise.then(
    () => (done = true),
    () => (done = true),
  );
  await tick();
  return done;
}

/** Runs an ES module script in a fresh node with the built `loopfleet` entry as `INDEX`. */
function runScript(script: string, flags: string[] = []): Promise<{ code: number | null; stdout: string; stderr: string }> {
  const source = `const INDEX = ${JSON.stringify(internal('index.js'))};\n${script}`;
  return new Promise((resolve) => {
    execFile(process.execPath, [...flags, '--input-type=module', '-e', source], { timeout: 60_000 }, (err, stdout, stderr) => {
      resolve({ code: err ? ((err as { code?: number }).code ?? null) : 0, stdout, stderr });
    });
  });
}

test('add passes the value and the reason through, and counts until settled', async () => {
  const t = new Tracker();
  const a = deferred<number>();
  const b = deferred<number>();
  const ra = t.add(a.promise);
  const rb = t.add(b.promise);
  assert.equal(t.size, 2);
  a.resolve(42);
  assert.equal(await ra, 42);
  assert.equal(t.size, 1, 'counted before the returned promise settles');
  const boom = new Error('boom');
  b.reject(boom);
  await assert.rejects(rb, (err) => err === boom);
  assert.equal(t.size, 0);
  // Any thenable is accepted.
  const thenable = { then: (ok: (v: string) => void) => ok('thenable') } as unknown as PromiseLike<string>;
  assert.equal(await t.add(thenable), 'thenable');
  assert.throws(() => t.add(42 as never), { code: ErrorCodes.INVALID_ARG_TYPE, message: /Expected `promise` to be a promise or thenable, got 42/ });
});

test('all() resolves at once when empty, and when every tracked promise has settled (even rejected)', async () => {
  const t = new Tracker();
  assert.equal(await settled(t.all()), true);
  const a = deferred();
  const b = deferred();
  t.add(a.promise).catch(() => {});
  t.add(b.promise).catch(() => {});
  const all = t.all();
  a.reject(new Error('x'));
  assert.equal(await settled(all), false);
  b.resolve();
  assert.equal(await settled(all), true);
});

test('any() resolves when one settles, at once with none pending, and counts promises added later', async () => {
  const t = new Tracker();
  assert.equal(await settled(t.any()), true, 'nothing pending: resolves at once');
  const a = deferred();
  const b = deferred();
  t.add(a.promise);
  const any = t.any();
  t.add(b.promise);
  assert.equal(await settled(any), false);
  b.resolve();
  assert.equal(await settled(any), true, 'a promise added after any() counts');
  assert.equal(t.size, 1);
  a.resolve();
  await t.all();
});

test('untilFewer(n) resolves once fewer than n are pending; bad n rejects', async () => {
  const t = new Tracker();
  const ds = [deferred(), deferred(), deferred()];
  for (const d of ds) t.add(d.promise);
  assert.equal(await settled(t.untilFewer(4)), true);
  const two = t.untilFewer(2);
  const three = t.untilFewer(3);
  const one = t.untilFewer(1);
  assert.equal(await settled(three), false);
  ds[0]?.resolve();
  assert.equal(await settled(three), true);
  assert.equal(await settled(two), false);
  ds[1]?.resolve();
  assert.equal(await settled(two), true);
  assert.equal(await settled(one), false);
  ds[2]?.resolve();
  assert.equal(await settled(one), true);
  await assert.rejects(t.untilFewer(0), { code: ErrorCodes.INVALID_ARG_VALUE, message: /Expected `n` to be an integer >= 1, got 0/ });
  await assert.rejects(t.untilFewer(1.5), { code: ErrorCodes.INVALID_ARG_VALUE });
  await assert.rejects(t.untilFewer('2' as never), { code: ErrorCodes.INVALID_ARG_TYPE, message: /got "2"/ });
});

test('quit() releases every waiter and later waits; tracking goes on', async () => {
  const t = new Tracker();
  const d = deferred<string>();
  const r = t.add(d.promise);
  const waits = [t.all(), t.any(), t.untilFewer(1)];
  t.quit();
  for (const w of waits) assert.equal(await settled(w), true);
  assert.equal(await settled(t.all()), true, 'a wait after quit resolves at once');
  assert.equal(t.size, 1);
  d.resolve('still passed through');
  assert.equal(await r, 'still passed through');
  assert.equal(t.size, 0);
});

test('rejections are not swallowed: an unhandled one is still reported, a handled one is not', async () => {
  const { code, stdout, stderr } = await runScript(`
    const { Tracker } = await import(INDEX);
    const reported = [];
    process.on('unhandledRejection', (reason) => reported.push(reason.message));
    const t = new Tracker();
    t.add(Promise.reject(new Error('nobody handles this')));
    t.add(Promise.reject(new Error('handled through add'))).catch(() => {});
    t.add(Promise.reject(new Error('handled before add')).catch(() => {}));
    await t.all();
    setTimeout(() => console.log(JSON.stringify(reported)), 20);
  `);
  assert.equal(code, 0, stderr);
  assert.deepEqual(JSON.parse(stdout), ['nobody handles this']);

  // Default mode (no listener): the unhandled rejection still ends the process, after all() resolved.
  const crash = await runScript(`
    const { Tracker } = await import(INDEX);
    const t = new Tracker();
    t.add(Promise.reject(new Error('tracked and forgotten')));
    await t.all();
    console.log('all settled');
    setTimeout(() => console.log('survived'), 100);
  `);
  assert.equal(crash.code, 1);
  assert.match(crash.stderr, /tracked and forgotten/);
  assert.match(crash.stdout, /all settled/);
  assert.doesNotMatch(crash.stdout, /survived/);
});

test('settled promises are released: tracking 1M promises in turn keeps the heap flat', async () => {
  const { code, stdout, stderr } = await runScript(
    `
    const { Tracker } = await import(INDEX);
    const t = new Tracker();
    const heap = () => { globalThis.gc(); globalThis.gc(); return process.memoryUsage().heapUsed; };
    const round = async (n) => {
      for (let i = 0; i < n; i++) {
        t.add(Promise.resolve(i));
        if (t.size >= 1000) await t.untilFewer(500);
      }
      await t.all();
    };
    await round(20_000);
    const before = heap();
    await round(1_000_000);
    const after = heap();
    console.log(JSON.stringify({ before, after, size: t.size }));
  `,
    ['--expose-gc'],
  );
  assert.equal(code, 0, stderr);
  const { before, after, size } = JSON.parse(stdout) as { before: number; after: number; size: number };
  assert.equal(size, 0);
  // Keeping 1M promises (or their records) alive would cost well over 50 MB.
  assert.ok(after - before < 8 * 1024 * 1024, `heap grew by ${after - before} bytes`);
});

test('Tracker types', () => {
  if (Math.random() < 2) return; // type-level only: nothing below runs
  const t = new Tracker();
  expectTypeOf(t.add(Promise.resolve(1))).toEqualTypeOf<Promise<number>>();
  expectTypeOf(t.add({} as PromiseLike<'x'>)).toEqualTypeOf<Promise<'x'>>();
  expectTypeOf(t.all()).toEqualTypeOf<Promise<void>>();
  expectTypeOf(t.any()).toEqualTypeOf<Promise<void>>();
  expectTypeOf(t.untilFewer).parameter(0).toEqualTypeOf<number>();
  expectTypeOf(t.size).toEqualTypeOf<number>();
  expectTypeOf(t.quit()).toEqualTypeOf<void>();
  // @ts-expect-error only promises are tracked
  expectTypeOf(t.add).toBeCallableWith(1);
});
