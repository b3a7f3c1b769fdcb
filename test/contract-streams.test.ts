/** Contract suite, streams: pool.stream() over every runtime — laziness, early stop, errors, Node stream interop. */
import assert from 'node:assert/strict';
import { Writable } from 'node:stream';
import { describe, test } from 'node:test';
import { ErrorCodes, WorkerCrashedError } from 'loopfleet';
import { collect, pool, RUNTIMES, until } from './helpers.js';

type Streams = typeof import('./fixtures/streams.js').default;


for (const runtime of RUNTIMES) {
  describe(`streams [${runtime}]`, () => {
    test('yields every item of an async generator, in order', async (t) => {
      const p = pool<Streams>(t, { worker: 'streams', size: 2, runtime });
      assert.deepEqual(await collect(p.stream('count', 1000)), Array.from({ length: 1000 }, (_, i) => i));
    });

    test('empty and one-item streams', async (t) => {
      const p = pool<Streams>(t, { worker: 'streams', size: 1, runtime });
      assert.deepEqual(await collect(p.stream('count', 0)), []);
      assert.deepEqual(await collect(p.stream('count', 1)), [0]);
      assert.deepEqual(await collect(p.stream('array', 0)), []);
    });

    test('iterables, promised iterables and web ReadableStreams stream too', async (t) => {
      const p = pool<Streams>(t, { worker: 'streams', size: 1, runtime });
      assert.deepEqual(await collect(p.stream('array', 3)), ['item 0', 'item 1', 'item 2']);
      assert.deepEqual(await collect(p.stream('promisedIterable', 4)), [0, 1, 2, 3]);
      assert.deepEqual(await collect(p.stream('webStream', 5)), [0, 1, 2, 3, 4]);
    });

    test('a million small items arrive, all of them, in order', async (t) => {
      const p = pool<Streams>(t, { worker: 'streams', size: 1, runtime });
      let n = 0;
      let ordered = true;
      for await (const x of p.stream('syncRange', 1_000_000, { highWaterMark: 1024 })) {
        if (x !== n) ordered = false;
        n++;
      }
      assert.equal(n, 1_000_000);
      assert.ok(ordered);
    });

    test('lazy: the worker produces no further ahead than highWaterMark', async (t) => {
      const p = pool<Streams>(t, { worker: 'streams', size: 1, concurrency: 2, runtime });
      const it = p.stream('count', 10_000, { highWaterMark: 8 });
      let consumed = 0;
      for (let i = 0; i < 3; i++) {
        assert.equal((await it.next()).value, i);
        consumed++;
      }
      // Give an eager producer every chance to run ahead, then look.
      await new Promise((resolve) => setTimeout(resolve, 100));
      const produced = await p.run('produced');
      assert.ok(produced <= consumed + 8, `produced ${produced} items while ${consumed} were consumed (highWaterMark 8)`);
      assert.ok(produced >= consumed);
      await it.return();
    });

    test('break ends the generator in the worker (finally runs) and frees its slot', async (t) => {
      const p = pool<Streams>(t, { worker: 'streams', size: 1, concurrency: 1, runtime });
      let seen = 0;
      for await (const x of p.stream('endless')) {
        seen++;
        if (x === 49) break;
      }
      assert.equal(seen, 50);
      // With concurrency 1 this only runs once the stream has given its slot back.
      await until(async () => (await p.run('finalized')) === 1, 10_000, 'the generator finally block');
      const { running } = p.stats();
      assert.equal(running, 0);
    });

    test('an error thrown by the generator rejects next() after the items before it', async (t) => {
      const p = pool<Streams>(t, { worker: 'streams', size: 1, runtime });
      const items: number[] = [];
      await assert.rejects(
        async () => {
          for await (const x of p.stream('failAfter', 3)) items.push(x);
        },
        (err: Error) => err instanceof RangeError && err.message === 'boom after 3',
      );
      assert.deepEqual(items, [0, 1, 2]);
      assert.deepEqual(await collect(p.stream('count', 2)), [0, 1]);
    });

    test('a worker crash mid-stream rejects with LOOPFLEET_ERR_WORKER_CRASHED', async (t) => {
      const p = pool<Streams>(t, { worker: 'streams', size: 1, runtime });
      const items: number[] = [];
      await assert.rejects(
        async () => {
          for await (const x of p.stream('exitAfter', 2)) items.push(x);
        },
        (err: Error) => err instanceof WorkerCrashedError && err.code === ErrorCodes.WORKER_CRASHED,
      );
      assert.deepEqual(items, [0, 1]);
      assert.deepEqual(await collect(p.stream('count', 2)), [0, 1]);
    });

    test('a task that returns no iterable fails with LOOPFLEET_ERR_NOT_ITERABLE', async (t) => {
      const p = pool<Streams>(t, { worker: 'streams', size: 1, runtime });
      await assert.rejects(collect(p.stream('notIterable')), { code: ErrorCodes.NOT_ITERABLE, message: /notIterable.*a number/ });
    });

    test('an item that cannot be cloned fails the stream and stops its generator', async (t) => {
      const p = pool<Streams>(t, { worker: 'streams', size: 1, concurrency: 1, runtime });
      await assert.rejects(collect(p.stream('uncloneable')), { code: ErrorCodes.DATA_CLONE });
      // The generator was stopped (its finally ran) and its slot is free again (concurrency 1).
      await until(async () => (await p.run('finalized')) === 1, 10_000, 'the generator finally block');
    });

    test('bad calls reject the first next() and the pool keeps working', async (t) => {
      const p = pool<Streams>(t, { worker: 'streams', size: 1, runtime });
      await p.ready();
      // @ts-expect-error not a task of this worker
      await assert.rejects(collect(p.stream('nope')), { code: ErrorCodes.UNKNOWN_TASK });
      await assert.rejects(collect(p.stream('count', 1, { highWaterMark: 0 })), { code: ErrorCodes.INVALID_ARG_VALUE, message: /highWaterMark/ });
      // @ts-expect-error not an option
      await assert.rejects(collect(p.stream('count', 1, { retries: 1 })), { code: ErrorCodes.INVALID_ARG_VALUE, message: /Unknown stream option `retries`/ });
      assert.deepEqual(await collect(p.stream('count', 1)), [0]);
    });

    test('an aborted signal ends the stream with LOOPFLEET_ERR_ABORTED and runs finally', async (t) => {
      const p = pool<Streams>(t, { worker: 'streams', size: 1, concurrency: 2, runtime });
      const ac = new AbortController();
      const it = p.stream('endless', undefined, { signal: ac.signal });
      assert.equal((await it.next()).value, 0);
      ac.abort(new Error('enough'));
      await assert.rejects(async () => {
        for (;;) if ((await it.next()).done === true) break;
      }, (err: Error) => (err as { code?: string }).code === ErrorCodes.ABORTED && (err.cause as Error).message === 'enough');
      await until(async () => (await p.run('finalized')) === 1, 10_000, 'the generator finally block');
    });

    test('readable() gives an object-mode Readable', async (t) => {
      const p = pool<Streams>(t, { worker: 'streams', size: 1, runtime });
      const r = p.stream('count', 5).readable();
      assert.equal(r.readableObjectMode, true);
      assert.deepEqual(await r.toArray(), [0, 1, 2, 3, 4]);
    });

    test('pipeTo() a slow Writable respects its backpressure: memory stays bounded', async (t) => {
      const p = pool<Streams>(t, { worker: 'streams', size: 1, concurrency: 2, runtime });
      await p.run('reset');
      let written = 0;
      let maxAhead = 0;
      let sampling = true;
      const sampler = (async () => {
        while (sampling) {
          maxAhead = Math.max(maxAhead, (await p.run('produced')) - written);
          await new Promise((resolve) => setTimeout(resolve, 5));
        }
      })();
      const slow = new Writable({
        objectMode: true,
        highWaterMark: 4,
        write(_chunk, _enc, done) {
          written++;
          setTimeout(done, 1);
        },
      });
      await p.stream('count', 300, { highWaterMark: 16 }).pipeTo(slow);
      sampling = false;
      await sampler;
      assert.equal(written, 300);
      // Items ahead of the writer: at most the stream's 16, the Writable's 4 and one in its write().
      assert.ok(maxAhead <= 16 + 4 + 1, `the producer ran ${maxAhead} items ahead of the writer`);
    });
  });
}
