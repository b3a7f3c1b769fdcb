/**
 * The public types are part of the API. These checks run when the tests compile: a wrong type
 * fails `tsc`, not an assertion. The runtime test only keeps the file in the runner's count.
 */
import { test } from 'node:test';
import { expectTypeOf } from 'expect-type';
import type { MapResult, Pool, PoolStats, RunOptions, StreamItem, TaskArg, TaskName, TaskResult, TaskStream } from 'loopfleet';
import { defineWorker, type WorkerContext, type WorkerDefinition } from 'loopfleet/worker';

const worker = defineWorker({
  tasks: {
    add: ({ a, b }: { a: number; b: number }) => a + b,
    async fetchServer(url: string, ctx) {
      expectTypeOf(ctx.id).toEqualTypeOf<number>();
      expectTypeOf(ctx.signal).toEqualTypeOf<AbortSignal>();
      return { url, server: 'x' as string | null };
    },
    noArg: () => 'ok' as const,
  },
  async onMessage(message: { subscribe: string }, ctx: WorkerContext<{ topic: string; seq: number }>) {
    await ctx.put({ topic: message.subscribe, seq: 1 });
  },
});
type W = typeof worker;

const streaming = defineWorker({
  tasks: {
    async *rows(path: string) {
      yield { path, n: 1 };
    },
    numbers: (n: number) => Array.from({ length: n }, (_, i) => i),
    web: () => new ReadableStream<Uint8Array>(),
    promised: async () => new Set(['a']),
    text: () => 'not a stream',
  },
});
type S = typeof streaming;

defineWorker({
  tasks: {
    untyped(x) {
      // @ts-expect-error an unannotated argument is `never`, not a silent `any`: annotate it
      return x.foo;
    },
  },
});

declare const pool: Pool<W>;
declare const untyped: Pool;

test('public types', () => {
  if (Math.random() < 2) return; // type-level only: nothing below runs
  expectTypeOf<W>().toMatchTypeOf<WorkerDefinition>();
  expectTypeOf<TaskName<W>>().toEqualTypeOf<'add' | 'fetchServer' | 'noArg'>();
  expectTypeOf<TaskArg<W, 'fetchServer'>>().toEqualTypeOf<string>();
  expectTypeOf<TaskResult<W, 'fetchServer'>>().toEqualTypeOf<{ url: string; server: string | null }>();

  expectTypeOf(pool.run('add', { a: 1, b: 2 })).toEqualTypeOf<Promise<number>>();
  expectTypeOf(pool.run('fetchServer', 'http://x')).resolves.toEqualTypeOf<{ url: string; server: string | null }>();
  expectTypeOf(pool.run('noArg')).toEqualTypeOf<Promise<'ok'>>();
  expectTypeOf(pool.run('add', { a: 1, b: 2 }, { worker: 1, retries: 2, wait: false })).toEqualTypeOf<Promise<number>>();
  // @ts-expect-error unknown task name
  void pool.run('nope', 1);
  // @ts-expect-error wrong argument type
  void pool.run('add', 'x');
  // @ts-expect-error missing argument
  void pool.run('add');
  // @ts-expect-error unknown call option
  void pool.run('add', { a: 1, b: 2 }, { workerId: 1 });

  expectTypeOf(pool.broadcast('fetchServer', 'u')).toEqualTypeOf<Promise<{ url: string; server: string | null }[]>>();
  expectTypeOf(pool.broadcast('noArg', undefined, { sticky: true })).toEqualTypeOf<Promise<'ok'[]>>();

  expectTypeOf(pool.put).parameter(0).toEqualTypeOf<{ subscribe: string }>();
  // @ts-expect-error wrong message type
  void pool.put({ unsubscribe: 'x' });
  expectTypeOf(pool.messages()).toEqualTypeOf<AsyncIterableIterator<{ topic: string; seq: number }>>();
  pool.on('message', (m, workerId) => {
    expectTypeOf(m).toEqualTypeOf<{ topic: string; seq: number }>();
    expectTypeOf(workerId).toEqualTypeOf<number>();
  });

  // Without a worker type every name and argument is accepted and results are unknown.
  expectTypeOf(untyped.run('anything', 1)).toEqualTypeOf<Promise<unknown>>();
  expectTypeOf(untyped.messages()).toEqualTypeOf<AsyncIterableIterator<unknown>>();

  expectTypeOf(pool.stats()).toEqualTypeOf<PoolStats>();
  expectTypeOf<PoolStats['workers'][number]['state']>().toEqualTypeOf<'starting' | 'ready' | 'retiring' | 'closing' | 'exited' | 'failed'>();
  expectTypeOf<RunOptions['transfer']>().toEqualTypeOf<readonly import('node:worker_threads').TransferListItem[] | undefined>();
  expectTypeOf(pool.close({ rejectQueued: true, timeout: 1000 })).toEqualTypeOf<Promise<void>>();
  expectTypeOf(pool.destroy()).toEqualTypeOf<Promise<void>>();

  // Streams: the item type is read from what the task returns.
  const sp = {} as Pool<S>;
  expectTypeOf(sp.stream('rows', 'a.csv')).toEqualTypeOf<TaskStream<{ path: string; n: number }>>();
  expectTypeOf<StreamItem<S, 'numbers'>>().toEqualTypeOf<number>();
  expectTypeOf<StreamItem<S, 'web'>>().toEqualTypeOf<Uint8Array>();
  expectTypeOf<StreamItem<S, 'promised'>>().toEqualTypeOf<string>();
  expectTypeOf<StreamItem<S, 'text'>>().toEqualTypeOf<never>();
  expectTypeOf(sp.stream('numbers', 3).readable()).toEqualTypeOf<import('node:stream').Readable>();
  // @ts-expect-error wrong argument type
  void sp.stream('numbers', 'three');
  // @ts-expect-error retries are not a stream option
  void sp.stream('numbers', 3, { retries: 1 });
  expectTypeOf(untyped.stream('anything')).toEqualTypeOf<TaskStream<unknown>>();

  // map: results typed from the task, or outcomes with collectErrors.
  expectTypeOf(pool.map('add', [{ a: 1, b: 2 }])).toEqualTypeOf<AsyncIterableIterator<number>>();
  expectTypeOf(pool.map('add', [], { collectErrors: true, ordered: false, priority: 1 })).toEqualTypeOf<AsyncIterableIterator<MapResult<number>>>();
  // @ts-expect-error wrong input type
  void pool.map('add', ['x']);
  expectTypeOf<RunOptions['signal']>().toEqualTypeOf<AbortSignal | undefined>();
});
