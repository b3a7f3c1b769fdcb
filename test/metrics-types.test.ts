/** The public types of the metrics, sinks and logger options (checked when the tests compile). */
import { test } from 'node:test';
import { expectTypeOf } from 'expect-type';
import {
  createPrometheusSink,
  createStatsdSink,
  type BlockedEvent,
  type Logger,
  type MetricsSink,
  type Pool,
  type PoolMetrics,
  type PoolOptions,
  type PrometheusSink,
  type WorkerMetrics,
  type WorkerState,
} from 'loopfleet';

declare const pool: Pool;

test('metrics types', () => {
  if (Math.random() < 2) return; // type-level only: nothing below runs
  expectTypeOf(pool.metrics()).toEqualTypeOf<PoolMetrics>();
  expectTypeOf<PoolMetrics['workers']>().toEqualTypeOf<readonly WorkerMetrics[]>();
  expectTypeOf<PoolMetrics['runtime']>().toEqualTypeOf<'thread' | 'process'>();
  expectTypeOf<PoolMetrics['queue']['byPriority']>().toEqualTypeOf<Readonly<Record<string, number>>>();
  expectTypeOf<PoolMetrics['waitTime']>().toEqualTypeOf<{ readonly p50: number; readonly p90: number; readonly p99: number }>();
  expectTypeOf<WorkerMetrics['state']>().toEqualTypeOf<WorkerState>();
  expectTypeOf<WorkerMetrics['loopDelay']>().toEqualTypeOf<{ readonly p50: number; readonly p99: number; readonly max: number }>();
  expectTypeOf<WorkerMetrics['activeHandles']>().toEqualTypeOf<number | undefined>();
  // Read-only snapshots.
  const m = pool.metrics();
  // @ts-expect-error snapshots are read-only
  m.completed = 1;
  // Events.
  pool.on('metrics', (x) => expectTypeOf(x).toEqualTypeOf<PoolMetrics>());
  pool.on('blocked', (e) => {
    expectTypeOf(e).toEqualTypeOf<BlockedEvent>();
    expectTypeOf(e.stack).toEqualTypeOf<string | undefined>();
    expectTypeOf(e.tasks).toEqualTypeOf<readonly string[]>();
  });
  // Options.
  expectTypeOf<{ worker: string; metrics: false }>().toMatchTypeOf<PoolOptions>();
  expectTypeOf<{ worker: string; metrics: { interval: number; blockedThreshold: number; captureStack: boolean } }>().toMatchTypeOf<PoolOptions>();
  expectTypeOf<{ worker: string; metrics: true }>().not.toMatchTypeOf<PoolOptions>();
  expectTypeOf(console).toMatchTypeOf<Logger>();
  // Sinks.
  expectTypeOf(createStatsdSink(pool, { port: 8125, prefix: 'x.', workerPrefix: (n) => `w${n}.` })).toEqualTypeOf<Promise<MetricsSink>>();
  expectTypeOf(createPrometheusSink([pool, pool], { serve: { port: 0 } })).toEqualTypeOf<Promise<PrometheusSink>>();
  expectTypeOf<PrometheusSink['url']>().toEqualTypeOf<string | undefined>();
});
