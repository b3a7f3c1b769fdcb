/**
 * Prometheus sink: a prom-client registry (an optional dependency, loaded only when this sink is
 * created) whose metrics, labelled with `pool` and `worker`, are read from the pools' snapshots at
 * each scrape; and, on demand, an HTTP server on loopback answering `GET /metrics`.
 */
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Pool } from '../pool/pool.js';
import type { AnyWorkerDefinition } from '../pool/types.js';
import { loadOptional, type MetricsSink } from './sink.js';
import type { PoolMetrics, WorkerMetrics } from './types.js';

export interface PrometheusSinkOptions {
  /** A prom-client `Registry` to register into. @default a new Registry */
  registry?: object;
  /** Metric name prefix. @default 'loopfleet_' */
  prefix?: string;
  /** Serve the registry over HTTP at `/metrics`. @default not served */
  serve?: { port?: number; host?: string };
}

export interface PrometheusSink extends MetricsSink {
  /** The prom-client Registry holding loopfleet's metrics (`await registry.metrics()` renders it). */
  readonly registry: { metrics(): Promise<string>; readonly contentType: string };
  /** `http://host:port/metrics` when served. */
  readonly url: string | undefined;
}

type Labels = Record<string, string>;
interface GaugeLike {
  reset(): void;
  set(labels: Labels, value: number): void;
}
interface PromClient {
  Registry: new () => PrometheusSink['registry'];
  Gauge: new (config: { name: string; help: string; labelNames: string[]; registers: object[]; collect?: () => void }) => GaugeLike;
}

type PoolValue = (m: PoolMetrics) => number;
type WorkerValue = (w: WorkerMetrics) => number;
/** Resource figures come from the worker's sample; counters from the pool. */
type Source = 'sample' | 'pool';

// Counters from snapshots are exposed as gauges named *_total: prom-client counters only count up
// from this process's own increments, and these totals live in the pool.
const POOL: [string, string, PoolValue][] = [
  ['queue_length', 'Tasks waiting in the pool.', (m) => m.queue.total],
  ['throughput', 'Tasks settled per second over the last metrics interval.', (m) => m.throughput],
  ['tasks_completed_total', 'Tasks completed since the pool started.', (m) => m.completed],
  ['tasks_failed_total', 'Tasks failed since the pool started.', (m) => m.failed],
  ['backpressure_total', 'Calls that found the queue full.', (m) => m.backpressure],
];
const WORKER: [string, string, Source, WorkerValue][] = [
  ['worker_cpu', 'CPU time over the last sample interval, as a fraction of one core.', 'sample', (w) => w.cpu],
  ['worker_rss_bytes', 'Resident set size of the worker process (thread workers: shared).', 'sample', (w) => w.rss],
  ['worker_heap_used_bytes', 'V8 heap used by the worker.', 'sample', (w) => w.heapUsed],
  ['worker_heap_total_bytes', 'V8 heap size of the worker.', 'sample', (w) => w.heapTotal],
  ['worker_elu', 'Event-loop utilisation over the last sample interval (0..1).', 'sample', (w) => w.elu],
  ['worker_tasks_running', 'Tasks in flight on the worker.', 'pool', (w) => w.tasksRunning],
  ['worker_tasks_completed_total', 'Tasks completed in this worker slot.', 'pool', (w) => w.tasksCompleted],
  ['worker_tasks_failed_total', 'Tasks failed in this worker slot.', 'pool', (w) => w.tasksFailed],
  ['worker_messages_put_total', 'Messages put by this worker slot.', 'pool', (w) => w.messagesPut],
];

/** Registers loopfleet's metrics for `pools` (one pool or several) in a prom-client registry. */
export async function createPrometheusSink<W extends AnyWorkerDefinition>(pools: Pool<W> | readonly Pool<W>[], options: PrometheusSinkOptions = {}): Promise<PrometheusSink> {
  const prom = await loadOptional<PromClient>('prom-client', 'createPrometheusSink');
  const list: readonly Pool<W>[] = Array.isArray(pools) ? pools : [pools as Pool<W>];
  const registry = (options.registry as PrometheusSink['registry'] | undefined) ?? new prom.Registry();
  const prefix = options.prefix ?? 'loopfleet_';
  const registers = [registry];
  const gauge = (name: string, help: string, labelNames: string[], fill: (g: GaugeLike, m: PoolMetrics) => void): void => {
    const g: GaugeLike = new prom.Gauge({
      name: prefix + name,
      help,
      labelNames,
      registers,
      // Read at scrape time: always the pools' current state, nothing to push.
      collect() {
        g.reset();
        for (const m of snapshots()) fill(g, m);
      },
    });
  };
  // One scrape reads each pool once, however many metrics it renders: prom-client collects every
  // metric of a scrape in the same turn of the loop, so the snapshots live until the next turn
  // (a time-based cache made a scrape right after new work miss it).
  let cache: PoolMetrics[] | undefined;
  const snapshots = (): PoolMetrics[] => {
    if (cache === undefined) {
      cache = list.map((p) => p.metrics());
      setImmediate(() => (cache = undefined));
    }
    return cache;
  };
  for (const [name, help, value] of POOL) gauge(name, help, ['pool'], (g, m) => g.set({ pool: m.pool }, value(m)));
  gauge('wait_time_seconds', 'Time tasks waited in the pool before going to a worker, over the last interval.', ['pool', 'quantile'], (g, m) => setQuantiles(g, { pool: m.pool }, m.waitTime));
  gauge('run_time_seconds', 'Time from a task going to a worker until its result, over the last interval.', ['pool', 'quantile'], (g, m) => setQuantiles(g, { pool: m.pool }, m.runTime));
  gauge('worker_restarts_total', 'Workers started to replace another, by cause.', ['pool', 'cause'], (g, m) => {
    for (const [cause, n] of Object.entries(m.restarts)) g.set({ pool: m.pool, cause }, n);
  });
  for (const [name, help, source, value] of WORKER) {
    gauge(name, help, ['pool', 'worker'], (g, m) => {
      // No sample yet (a worker just started): no resource series rather than zeros.
      for (const w of m.workers) if (source === 'pool' || w.sampledAt > 0) g.set({ pool: m.pool, worker: String(w.worker) }, value(w));
    });
  }
  gauge('worker_loop_delay_seconds', 'Event-loop delay of the worker over the last sample interval.', ['pool', 'worker', 'quantile'], (g, m) => {
    for (const w of m.workers) {
      if (w.sampledAt === 0) continue;
      const labels = { pool: m.pool, worker: String(w.worker) };
      g.set({ ...labels, quantile: '0.5' }, w.loopDelay.p50 / 1000);
      g.set({ ...labels, quantile: '0.99' }, w.loopDelay.p99 / 1000);
      g.set({ ...labels, quantile: '1' }, w.loopDelay.max / 1000);
    }
  });

  let server: Server | undefined;
  let url: string | undefined;
  if (options.serve !== undefined) {
    // node:http loads only when a server is asked for (it is most of this module's import cost).
    const { createServer } = await import('node:http');
    server = createServer((req, res) => {
      if (req.method !== 'GET' || req.url?.split('?')[0] !== '/metrics') {
        res.writeHead(404).end();
        return;
      }
      registry.metrics().then(
        (text) => res.writeHead(200, { 'content-type': registry.contentType }).end(text),
        (err: unknown) => res.writeHead(500).end(String(err)),
      );
    });
    const host = options.serve.host ?? '127.0.0.1';
    await new Promise<void>((resolve, reject) => {
      server?.once('error', reject).listen(options.serve?.port ?? 0, host, resolve);
    });
    const { port } = server.address() as AddressInfo;
    url = `http://${host.includes(':') ? `[${host}]` : host}:${port}/metrics`;
  }
  let closed: Promise<void> | undefined;
  return {
    registry,
    url,
    close: () => (closed ??= server === undefined ? Promise.resolve() : new Promise<void>((resolve) => server?.close(() => resolve()))),
  };
}

function setQuantiles(g: GaugeLike, labels: Labels, p: { p50: number; p90: number; p99: number }): void {
  g.set({ ...labels, quantile: '0.5' }, p.p50 / 1000);
  g.set({ ...labels, quantile: '0.9' }, p.p90 / 1000);
  g.set({ ...labels, quantile: '0.99' }, p.p99 / 1000);
}
