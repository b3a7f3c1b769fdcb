import assert from 'node:assert/strict';
import { test } from 'node:test';
import { setImmediate as tick } from 'node:timers/promises';
import { expectTypeOf } from 'expect-type';
import { ErrorCodes } from 'loopfleet';
import { collect, internal, pool, RUNTIMES } from './helpers.js';

const { mapTasks, DEFAULT_MAP_CONCURRENCY } = (await import(internal('pool/map.js'))) as typeof import('../dist/pool/map.js');
type MapResult<R> = import('../dist/pool/map.js').MapResult<R>;

type Basic = typeof import('./fixtures/basic.js').default;


/** A generator that counts what it yields and whether it was closed. */
function counted<T>(items: Iterable<T>): { gen: Generator<T>; pulled: () => number; closed: () => boolean } {
  let pulled = 0;
  let closed = false;
  const gen = (function* () {
    try {
      for (const item of items) {
        pulled++;
        yield item;
      }
    } finally {
      closed = true;
    }
  })();
  return { gen, pulled: () => pulled, closed: () => closed };
}

function* naturals(): Generator<number> {
  for (let i = 0; ; i++) yield i;
}

/** A fake `run` whose calls the test settles by hand; records each call's signal. */
function manual<A>() {
  const calls: { arg: A; signal: AbortSignal; resolve: (v: A) => void; reject: (e: unknown) => void }[] = [];
  const run = (arg: A, { signal }: { signal: AbortSignal }): Promise<A> =>
    new Promise<A>((resolve, reject) => {
      calls.push({ arg, signal, resolve, reject });
    });
  return { run, calls };
}

for (const runtime of RUNTIMES) {
  test(`${runtime}: ordered map yields in input order although items finish out of order; unordered does not wait`, async (t) => {
    const p = pool<Basic>(t, { worker: 'basic', size: 2, runtime });
    const sleeps = [300, 0, 150, 0, 60, 0, 0];
    const finished: number[] = [];
    const run = async (ms: number) => {
      const r = await p.run('sleep', ms);
      finished.push(r);
      return r;
    };
    assert.deepEqual(await collect(mapTasks(run, sleeps, { concurrency: 4 })), sleeps);
    assert.notDeepEqual(finished, sleeps, 'the items did finish out of order');
    const unordered = await collect(mapTasks(run, sleeps, { concurrency: 4, ordered: false }));
    assert.deepEqual([...unordered].sort((a, b) => a - b), [...sleeps].sort((a, b) => a - b));
  });

  test(`${runtime}: an infinite input works; an error fails fast and closes the input; collectErrors keeps going`, async (t) => {
    const p = pool<Basic>(t, { worker: 'basic', size: 2, runtime });
    const input = counted(naturals());
    const sums: number[] = [];
    for await (const sum of mapTasks((i: number) => p.run('add', { a: i, b: 1 }), input.gen, { concurrency: 3 })) {
      sums.push(sum);
      if (sums.length === 50) break;
    }
    assert.deepEqual(sums, Array.from({ length: 50 }, (_, i) => i + 1));
    assert.equal(input.closed(), true, 'break closed the input');
    assert.ok(input.pulled() <= 50 + 3, `pulled ${input.pulled()}: only as capacity freed up`);

    const run = (i: number) => (i === 3 ? p.run('fail', { message: 'three', code: 'E_THREE' }) : p.run('echo', i)) as Promise<number>;
    const failing = counted(naturals());
    const it = mapTasks(run, failing.gen, { concurrency: 2 });
    const seen: number[] = [];
    await assert.rejects(
      (async () => {
        for await (const v of it) seen.push(v);
      })(),
      { name: 'RangeError', code: 'E_THREE', message: 'three' },
    );
    assert.ok(seen.length <= 3 && seen.every((v, i) => v === i), `results before the error, in order: ${seen.join()}`);
    assert.equal(failing.closed(), true, 'the input was closed before the error was reported');
    assert.deepEqual(await it.next(), { done: true, value: undefined });

    const results = await collect(mapTasks(run, [0, 1, 2, 3, 4], { collectErrors: true, concurrency: 2 }));
    assert.deepEqual(
      results.map((r) => (r.ok ? r.value : (r.error as { code: string }).code)),
      [0, 1, 2, 'E_THREE', 4],
    );
    assert.deepEqual(
      results.map((r) => r.index),
      [0, 1, 2, 3, 4],
    );
    assert.ok(results[3]?.ok === false && results[3].error instanceof RangeError);
  });
}

test('ordered and unordered delivery, exactly, with runs settled by hand', async () => {
  const ordered = manual<string>();
  const it = mapTasks(ordered.run, ['a', 'b', 'c'], { concurrency: 3 });
  const first = it.next();
  await tick();
  assert.deepEqual(ordered.calls.map((c) => c.arg), ['a', 'b', 'c']);
  ordered.calls[2]?.resolve('C');
  ordered.calls[1]?.resolve('B');
  await tick();
  let got: unknown = 'pending';
  void first.then((r) => (got = r));
  await tick();
  assert.equal(got, 'pending', 'c and b finished, a has not: nothing to yield yet');
  ordered.calls[0]?.resolve('A');
  assert.deepEqual(await first, { done: false, value: 'A' });
  assert.deepEqual(await it.next(), { done: false, value: 'B' });
  assert.deepEqual(await it.next(), { done: false, value: 'C' });
  assert.deepEqual(await it.next(), { done: true, value: undefined });

  const unordered = manual<string>();
  const u = mapTasks(unordered.run, ['a', 'b', 'c'], { concurrency: 3, ordered: false });
  const one = u.next();
  await tick();
  unordered.calls[2]?.resolve('C');
  assert.deepEqual(await one, { done: false, value: 'C' });
  unordered.calls[0]?.resolve('A');
  assert.deepEqual(await u.next(), { done: false, value: 'A' });
  unordered.calls[1]?.resolve('B');
  assert.deepEqual(await u.next(), { done: false, value: 'B' });
  assert.deepEqual(await u.next(), { done: true, value: undefined });
});

test('input is pulled only as capacity frees up: results not yet taken hold their slot', async () => {
  const input = counted(naturals());
  const it = mapTasks(async (n: number) => n * 2, input.gen, { concurrency: 4 });
  assert.equal(input.pulled(), 0, 'nothing runs before the first next()');
  assert.deepEqual(await it.next(), { done: false, value: 0 });
  for (let i = 0; i < 5; i++) await tick();
  assert.equal(input.pulled(), 5, 'one handed out, four pulled ahead, then it waits for the consumer');
  assert.deepEqual(await it.next(), { done: false, value: 2 });
  for (let i = 0; i < 5; i++) await tick();
  assert.equal(input.pulled(), 6);
  await it.return?.();
  assert.equal(input.closed(), true);
});

test('break aborts the runs in flight and closes the input (sync and async inputs)', async () => {
  for (const asyncInput of [false, true]) {
    const { run, calls } = manual<number>();
    let closed = false;
    async function* asyncNaturals(): AsyncGenerator<number> {
      try {
        yield* naturals();
      } finally {
        closed = true;
      }
    }
    const sync = counted(naturals());
    const it = mapTasks(run, asyncInput ? asyncNaturals() : sync.gen, { concurrency: 3, ordered: false });
    const next = it.next();
    while (calls.length < 3) await tick();
    calls[1]?.resolve(10);
    assert.deepEqual(await next, { done: false, value: 10 });
    assert.deepEqual(await it.return?.(), { done: true, value: undefined });
    assert.equal(asyncInput ? closed : sync.closed(), true, 'input closed');
    const inFlight = calls.filter((_, i) => i !== 1);
    assert.ok(inFlight.length >= 2);
    for (const c of inFlight) {
      assert.equal(c.signal.aborted, true, 'in-flight run aborted');
      assert.equal((c.signal.reason as Error).name, 'AbortError');
    }
    assert.equal(calls[1]?.signal.aborted, true, 'one signal for the map: aborted for all');
    assert.deepEqual(await it.next(), { done: true, value: undefined });
    for (const c of inFlight) c.reject(new Error('aborted late')); // ignored, and not unhandled
  }
});

test('the first error aborts the others with it as the reason; a throwing input or run fails the map', async () => {
  const { run, calls } = manual<number>();
  const input = counted([1, 2, 3, 4]);
  const it = mapTasks(run, input.gen, { concurrency: 2 });
  const next = it.next();
  while (calls.length < 2) await tick();
  const boom = new Error('boom');
  calls[1]?.reject(boom);
  await assert.rejects(next, (err) => err === boom);
  assert.equal(calls[0]?.signal.reason, boom);
  assert.equal(input.closed(), true);

  const throwing = (function* () {
    yield 1;
    throw new TypeError('input broke');
  })();
  await assert.rejects(collect(mapTasks(async (x: number) => x, throwing, { concurrency: 1 })), { message: 'input broke' });
  const syncThrow = () => {
    throw new Error('run threw');
  };
  await assert.rejects(collect(mapTasks(syncThrow, [1], {})), { message: 'run threw' });
  assert.deepEqual(await collect(mapTasks(async (x: number) => x, [], {})), []);
});

test('signal: aborting stops the map with its reason; an already aborted signal runs nothing', async () => {
  const { run, calls } = manual<number>();
  const controller = new AbortController();
  const input = counted(naturals());
  const it = mapTasks(run, input.gen, { concurrency: 2, signal: controller.signal });
  const next = it.next();
  while (calls.length < 2) await tick();
  const reason = new Error('user stop');
  controller.abort(reason);
  await assert.rejects(next, (err) => err === reason);
  assert.ok(calls.every((c) => c.signal.reason === reason));
  assert.equal(input.closed(), true);

  const aborted = manual<number>();
  const stopped = mapTasks(aborted.run, [1, 2], { signal: AbortSignal.abort(reason) });
  await assert.rejects(stopped.next(), (err) => err === reason);
  assert.equal(aborted.calls.length, 0);
});

test('bad arguments throw clear errors at once', () => {
  const run = async (x: number) => x;
  assert.throws(() => mapTasks('run' as never, [1]), { code: ErrorCodes.INVALID_ARG_TYPE, message: /Expected `run` to be a function, got "run"/ });
  assert.throws(() => mapTasks(run, 5 as never), { code: ErrorCodes.INVALID_ARG_TYPE, message: /`inputs` to be an iterable or async iterable, got 5/ });
  assert.throws(() => mapTasks(run, [1], null as never), { code: ErrorCodes.INVALID_ARG_TYPE });
  assert.throws(() => mapTasks(run, [1], { concurrency: 0 }), { code: ErrorCodes.INVALID_ARG_VALUE, message: /`concurrency` to be an integer >= 1 or Infinity, got 0/ });
  assert.throws(() => mapTasks(run, [1], { concurrency: '2' as never }), { code: ErrorCodes.INVALID_ARG_TYPE });
  assert.throws(() => mapTasks(run, [1], { ordered: 1 as never }), { code: ErrorCodes.INVALID_ARG_TYPE, message: /`ordered` to be a boolean, got 1/ });
  assert.throws(() => mapTasks(run, [1], { collectErrors: 'yes' as never }), { code: ErrorCodes.INVALID_ARG_TYPE });
  assert.throws(() => mapTasks(run, [1], { signal: {} as never }), { code: ErrorCodes.INVALID_ARG_TYPE, message: /`signal` to be an AbortSignal/ });
  assert.throws(() => mapTasks(run, [1], { concurency: 2 } as never), { code: ErrorCodes.INVALID_ARG_VALUE, message: /Unknown map option `concurency`/ });
  assert.doesNotThrow(() => mapTasks(run, [1], { concurrency: Infinity }));
  assert.ok(Number.isInteger(DEFAULT_MAP_CONCURRENCY) && DEFAULT_MAP_CONCURRENCY >= 2);
});

test('map types', () => {
  if (Math.random() < 2) return; // type-level only: nothing below runs
  const run = async (x: number, _: { signal: AbortSignal }) => String(x);
  expectTypeOf(mapTasks(run, [1, 2])).toEqualTypeOf<AsyncIterableIterator<string>>();
  expectTypeOf(mapTasks(run, [1], { ordered: false, concurrency: 4 })).toEqualTypeOf<AsyncIterableIterator<string>>();
  expectTypeOf(mapTasks(run, [1], { collectErrors: true })).toEqualTypeOf<AsyncIterableIterator<MapResult<string>>>();
  const flag = Math.random() < 0.5;
  expectTypeOf(mapTasks(run, [1], { collectErrors: flag })).toEqualTypeOf<AsyncIterableIterator<string | MapResult<string>>>();
  const r = {} as MapResult<string>;
  if (r.ok) expectTypeOf(r.value).toEqualTypeOf<string>();
  else expectTypeOf(r.error).toEqualTypeOf<unknown>();
  // @ts-expect-error the input must match run's argument
  mapTasks(run, ['x']);
  // @ts-expect-error unknown option
  mapTasks(run, [1], { concurency: 2 });
});

test('concurrency: Infinity over an endless synchronous input still yields, and stops on break (it used to pull forever in one turn)', async () => {
  const input = counted(naturals());
  const got: number[] = [];
  const done = (async () => {
    for await (const v of mapTasks(async (x: number) => x * 2, input.gen, { concurrency: Infinity })) {
      got.push(v as number);
      if (got.length === 5) break;
    }
  })();
  const timeout = new Promise((_, reject) => setTimeout(() => reject(new Error('map never yielded')), 10_000).unref());
  await Promise.race([done, timeout]);
  assert.deepEqual(got, [0, 2, 4, 6, 8]);
  assert.ok(input.closed(), 'break closed the input');
  assert.ok(input.pulled() < 100_000, `pulled ${input.pulled()} items before the first result`);
});
