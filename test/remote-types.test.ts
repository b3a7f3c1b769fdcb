/**
 * Public types of `loopfleet/remote`: calls are typed from the worker module, as for `Pool`.
 * These checks run when the tests compile; the runtime test keeps the file in the runner's count.
 */
import { test } from 'node:test';
import { expectTypeOf } from 'expect-type';
import type { DeadLetter, JobState, JobStatus, RemoteJob, RemotePool, RemoteQueueStats, RemoteWorker, RemoteWorkerStats } from 'loopfleet/remote';
import { defineWorker } from 'loopfleet/worker';

const worker = defineWorker({
  tasks: {
    add: ({ a, b }: { a: number; b: number }) => a + b,
    async fetchServer(url: string) {
      return { url, server: 'x' as string | null };
    },
    noArg: () => 'ok' as const,
  },
  onMessage(message: { subscribe: string }) {
    return message;
  },
});
type W = typeof worker;

// Never called: the checks are for the compiler only.
export function typeChecks(pool: RemotePool<W>, untyped: RemotePool): void {

  expectTypeOf(pool.run('add', { a: 1, b: 2 })).toEqualTypeOf<Promise<number>>();
  expectTypeOf(pool.run('fetchServer', 'https://example.org')).toEqualTypeOf<Promise<{ url: string; server: string | null }>>();
  expectTypeOf(pool.run('noArg')).toEqualTypeOf<Promise<'ok'>>();
  expectTypeOf(pool.run('add', { a: 1, b: 2 }, { id: 'x', retries: 2, backoff: 100, resultTtl: 60 })).toEqualTypeOf<Promise<number>>();
  // @ts-expect-error unknown task name
  void pool.run('nope', 1);
  // @ts-expect-error wrong argument type
  void pool.run('add', { a: 1 });
  // @ts-expect-error the argument is required
  void pool.run('add');
  // @ts-expect-error ignoreResult belongs to enqueue(), not run()
  void pool.run('add', { a: 1, b: 2 }, { ignoreResult: true });

  expectTypeOf(pool.enqueue('add', { a: 1, b: 2 }, { ignoreResult: true })).toEqualTypeOf<Promise<RemoteJob<number>>>();
  expectTypeOf<RemoteJob<number>['result']>().returns.toEqualTypeOf<Promise<number>>();
  expectTypeOf<RemoteJob['status']>().returns.toEqualTypeOf<Promise<JobStatus>>();
  expectTypeOf(pool.job('id')).toEqualTypeOf<RemoteJob>();
  expectTypeOf<JobStatus['state']>().toEqualTypeOf<JobState>();

  expectTypeOf(pool.put({ subscribe: 'news' })).toEqualTypeOf<Promise<void>>();
  // @ts-expect-error put() takes the onMessage parameter type
  void pool.put({ unsubscribe: 'news' });

  expectTypeOf(pool.deadLetters()).toEqualTypeOf<Promise<DeadLetter[]>>();
  expectTypeOf(pool.replay({ count: 10 })).toEqualTypeOf<Promise<number>>();
  expectTypeOf(pool.stats()).toEqualTypeOf<Promise<RemoteQueueStats>>();

  // A pool without a worker type accepts any task name and argument.
  expectTypeOf(untyped.run('anything', { x: 1 })).toEqualTypeOf<Promise<unknown>>();

  expectTypeOf<RemoteWorker['stats']>().returns.toEqualTypeOf<RemoteWorkerStats>();
  expectTypeOf<RemoteWorker['stop']>().returns.toEqualTypeOf<Promise<void>>();
}

test('remote public types compile as documented', () => {});
