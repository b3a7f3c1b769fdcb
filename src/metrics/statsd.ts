/**
 * statsd sink: each `'metrics'` snapshot of a pool goes out as statsd gauges, counters and
 * timings through hot-shots, an optional dependency loaded only when this sink is created.
 */
import type { Pool } from '../pool/pool.js';
import type { AnyWorkerDefinition } from '../pool/types.js';
import { loadOptional, type MetricsSink } from './sink.js';
import type { PoolMetrics } from './types.js';

/** The part of a hot-shots (or compatible) client the sink uses. */
export interface StatsdClient {
  gauge(name: string, value: number): void;
  increment(name: string, value: number): void;
  timing(name: string, ms: number): void;
  close(callback?: (error?: Error) => void): void;
}

export interface StatsdSinkOptions {
  /** statsd host. @default '127.0.0.1' */
  host?: string;
  /** statsd UDP port. @default 8125 */
  port?: number;
  /** Prefix of the pool's stats. @default `loopfleet.<pool name>.` */
  prefix?: string;
  /** Prefix of one worker's stats, after the pool's. @default (worker) => `worker.${worker}.` */
  workerPrefix?: (worker: number) => string;
  /** Use this client instead of creating one from host and port (the sink then does not close it). */
  client?: StatsdClient;
}

/**
 * Sends each metrics snapshot of `pool` to statsd:
 * - gauges: `queue`, `throughput`, and per worker `cpu`, `rss`, `heap_used`, `heap_total`, `elu`, `tasks_running`;
 * - counters (increments since the previous snapshot): `completed`, `failed`, `backpressure`,
 *   `restarts.<cause>`, and per worker `tasks_completed`, `tasks_failed`, `messages_put`;
 * - timings (ms): `wait_time.p50|p90|p99`, `run_time.p50|p90|p99`, and per worker `loop_delay.p50|p99|max`.
 */
export async function createStatsdSink<W extends AnyWorkerDefinition>(pool: Pool<W>, options: StatsdSinkOptions = {}): Promise<MetricsSink> {
  let client = options.client;
  const own = client === undefined;
  if (client === undefined) {
    const mod = await loadOptional<{ StatsD: new (o: object) => StatsdClient }>('hot-shots', 'createStatsdSink');
    client = new mod.StatsD({
      host: options.host ?? '127.0.0.1',
      port: options.port ?? 8125,
      // Metrics must never take the pool down: a failed send is dropped.
      errorHandler: () => {},
    });
  }
  const c = client;
  const prefix = options.prefix ?? `loopfleet.${pool.name}.`;
  const workerPrefix = options.workerPrefix ?? ((n: number) => `worker.${n}.`);
  const last = new Map<string, number>();
  /** Counters go out as increments: statsd sums them per flush. */
  const count = (name: string, total: number): void => {
    const delta = total - (last.get(name) ?? 0);
    last.set(name, total);
    if (delta > 0) c.increment(name, delta);
  };
  const send = (m: PoolMetrics): void => {
    const p = prefix;
    c.gauge(`${p}queue`, m.queue.total);
    c.gauge(`${p}throughput`, m.throughput);
    count(`${p}completed`, m.completed);
    count(`${p}failed`, m.failed);
    count(`${p}backpressure`, m.backpressure);
    for (const [cause, n] of Object.entries(m.restarts)) count(`${p}restarts.${cause}`, n);
    for (const q of ['p50', 'p90', 'p99'] as const) {
      c.timing(`${p}wait_time.${q}`, m.waitTime[q]);
      c.timing(`${p}run_time.${q}`, m.runTime[q]);
    }
    for (const w of m.workers) {
      const wp = `${p}${workerPrefix(w.worker)}`;
      c.gauge(`${wp}tasks_running`, w.tasksRunning);
      count(`${wp}tasks_completed`, w.tasksCompleted);
      count(`${wp}tasks_failed`, w.tasksFailed);
      count(`${wp}messages_put`, w.messagesPut);
      // No sample yet (a worker just started): no resource figures rather than zeros.
      if (w.sampledAt === 0) continue;
      c.gauge(`${wp}cpu`, w.cpu);
      c.gauge(`${wp}rss`, w.rss);
      c.gauge(`${wp}heap_used`, w.heapUsed);
      c.gauge(`${wp}heap_total`, w.heapTotal);
      c.gauge(`${wp}elu`, w.elu);
      c.timing(`${wp}loop_delay.p50`, w.loopDelay.p50);
      c.timing(`${wp}loop_delay.p99`, w.loopDelay.p99);
      c.timing(`${wp}loop_delay.max`, w.loopDelay.max);
    }
  };
  pool.on('metrics', send);
  let closed: Promise<void> | undefined;
  return {
    close: () =>
      (closed ??= new Promise<void>((resolve) => {
        pool.off('metrics', send);
        if (own) c.close(() => resolve());
        else resolve();
      })),
  };
}
