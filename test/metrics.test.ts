/** pool.metrics(), the 'metrics' event and the loopfleet:metrics channel, against both runtimes. */
import assert from 'node:assert/strict';
import { subscribe, unsubscribe } from 'node:diagnostics_channel';
import { describe, test } from 'node:test';
import { CHANNELS, ErrorCodes, Pool, type PoolMetrics } from 'loopfleet';
import { fixture, later, pool, RUNTIMES, take, until } from './helpers.js';

const INTERVAL = 200;

/** Waits for the next 'metrics' event that satisfies `check` (the safety limit is generous). */
function nextMetrics(p: Pool, check: (m: PoolMetrics) => boolean, what: string, limitMs = 20_000): Promise<PoolMetrics> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      p.off('metrics', listener);
      reject(new Error(`Timed out waiting for metrics with ${what}`));
    }, limitMs);
    const listener = (m: PoolMetrics): void => {
      if (!check(m)) return;
      clearTimeout(timer);
      p.off('metrics', listener);
      resolve(m);
    };
    p.on('metrics', listener);
  });
}

for (const runtime of RUNTIMES) {
  describe(`metrics (${runtime})`, () => {
    test('snapshots hold every worker sample and the pool counters', async (t) => {
      const p = pool(t, { worker: 'metrics-busy', size: 2, runtime, metrics: { interval: INTERVAL } });
      await p.ready();
      await Promise.all(Array.from({ length: 200 }, () => p.run('noop')));
      const m = await nextMetrics(p, (x) => x.workers.every((w) => w.sampledAt > 0), 'a sample from every worker');
      assert.equal(m.pool, 'pool');
      assert.equal(m.runtime, runtime);
      assert.equal(m.interval, INTERVAL);
      assert.equal(m.completed, 200);
      assert.equal(m.failed, 0);
      assert.equal(m.workers.length, 2);
      assert.equal(m.workers.reduce((n, w) => n + w.tasksCompleted, 0), 200);
      assert.deepEqual(m.queue, { total: 0, byPriority: { '0': 0 } });
      assert.deepEqual(m.restarts, {});
      assert.equal(m.backpressure, 0);
      const stats = p.stats();
      for (const w of m.workers) {
        assert.equal(w.state, 'ready');
        assert.equal(w.tasksRunning, 0);
        assert.equal(w.tasksFailed, 0);
        assert.equal(w.messagesPut, 0);
        const id = stats.workers[w.worker]?.pid;
        if (runtime === 'thread') assert.deepEqual([w.pid, w.threadId], [process.pid, id]);
        else assert.deepEqual([w.pid, w.threadId], [id, 0]);
        assert.equal(w.cpuSource, runtime === 'thread' && process.platform !== 'linux' ? 'process' : runtime === 'thread' ? 'thread' : 'process');
        assert.ok(w.rss > 1e6 && w.heapUsed > 1e5 && w.heapTotal >= w.heapUsed, `memory: ${JSON.stringify(w)}`);
        assert.ok(w.elu >= 0 && w.elu <= 1, `elu ${w.elu}`);
        assert.ok(w.cpu >= 0, `cpu ${w.cpu}`);
        assert.ok(w.loopDelay.p50 >= 0 && w.loopDelay.p50 <= w.loopDelay.p99 && w.loopDelay.p99 <= w.loopDelay.max, JSON.stringify(w.loopDelay));
        assert.equal(typeof w.activeHandles, 'number');
        assert.equal(typeof w.activeRequests, 'number');
      }
      // Read-only snapshots, and a fresh one on each call.
      assert.ok(Object.isFrozen(m) && Object.isFrozen(m.workers) && Object.isFrozen(m.workers[0]) && Object.isFrozen(m.waitTime));
      assert.notEqual(p.metrics(), p.metrics());
      assert.equal(p.metrics().completed, 200);
    });

    test('a busy worker shows in its own CPU and loop utilisation; a load shows in throughput and wait/run times', async (t) => {
      const p = pool(t, { worker: 'metrics-busy', size: 2, runtime, metrics: { interval: INTERVAL } });
      await p.ready();
      let stop = false;
      t.after(() => void (stop = true));
      // Worker 0 spins in slices; worker 1 stays idle.
      const spinning = (async () => {
        while (!stop) await p.run('busyLoop', 50, { worker: 0 });
      })();
      const m = await nextMetrics(p, (x) => (x.workers[0]?.elu ?? 0) > 0.5 && (x.workers[0]?.cpu ?? 0) > 0.05 && x.throughput > 0, 'worker 0 busy');
      const [busy, idle] = m.workers;
      assert.ok(busy !== undefined && idle !== undefined);
      assert.ok(busy.elu > idle.elu, `elu ${busy.elu} vs ${idle.elu}`);
      assert.ok(m.runTime.p50 > 0 && m.runTime.p50 <= m.runTime.p90 && m.runTime.p90 <= m.runTime.p99, JSON.stringify(m.runTime));
      assert.ok(m.waitTime.p50 <= m.waitTime.p90 && m.waitTime.p90 <= m.waitTime.p99, JSON.stringify(m.waitTime));
      stop = true;
      await spinning;
    });

    test('restarts are counted by cause', async (t) => {
      const quiet = { info() {}, warn() {}, error() {} };
      const p = pool(t, { worker: 'crash', size: 1, runtime, maxTasksPerWorker: 2, logger: quiet, metrics: { interval: INTERVAL } });
      await assert.rejects(p.run('exit', 5), { code: ErrorCodes.WORKER_CRASHED });
      await p.run('pid');
      await p.run('pid');
      await until(() => p.metrics().restarts.maxTasksPerWorker === 1, 10_000, 'the recycling restart');
      assert.deepEqual(p.metrics().restarts, { crash: 1, maxTasksPerWorker: 1 });
    });

    test('backpressure counts calls that found the queue full; messagesPut counts ctx.put', async (t) => {
      const p = pool(t, { worker: 'metrics-busy', size: 1, runtime, maxQueue: 1, prefetch: 0, metrics: { interval: INTERVAL } });
      await p.ready();
      const first = later(p.run('sleep', 200));
      await until(() => p.stats().running === 1, 10_000, 'the first task to start');
      const queued = later(p.run('sleep', 1));
      await assert.rejects(p.run('noop', undefined, { wait: false }), { code: ErrorCodes.QUEUE_FULL });
      const waited = later(p.run('noop'));
      assert.equal(p.metrics().backpressure, 2);
      assert.equal(p.metrics().queue.total, 2);
      await Promise.all([first, queued, waited]);
      const done = p.run('putMany', 5);
      await take(p.messages(), 5);
      await done;
      assert.equal(p.metrics().workers[0]?.messagesPut, 5);
    });
  });
}

test('each snapshot is published on the loopfleet:metrics diagnostics channel', async (t) => {
  const seen: PoolMetrics[] = [];
  const listener = (m: unknown): void => void seen.push(m as PoolMetrics);
  subscribe(CHANNELS.metrics, listener);
  t.after(() => unsubscribe(CHANNELS.metrics, listener));
  const p = pool(t, { worker: 'metrics-busy', size: 1, name: 'channelled', metrics: { interval: INTERVAL } });
  await p.ready();
  await until(() => seen.some((m) => m.pool === 'channelled'), 10_000, 'a snapshot on the channel');
});

test('metrics: false turns sampling off, and metrics() says so', (t) => {
  const p = pool(t, { worker: 'metrics-busy', size: 1, metrics: false });
  assert.throws(() => p.metrics(), { code: ErrorCodes.INVALID_ARG_VALUE, message: /metrics: false/ });
});

test('metrics and logger options are validated', () => {
  const worker = fixture('metrics-busy');
  const bad: [unknown, RegExp][] = [
    [{ metrics: true }, /`metrics` to be an object or false, got true/],
    [{ metrics: { interval: 0 } }, /`metrics.interval` to be an integer >= 10, got 0/],
    [{ metrics: { interval: '1s' } }, /`metrics.interval` to be a number, got "1s"/],
    [{ metrics: { blockedThreshold: 5 } }, /`metrics.blockedThreshold` to be an integer >= 20 or Infinity, got 5/],
    [{ metrics: { captureStack: 'yes' } }, /`metrics.captureStack` to be a boolean/],
    [{ metrics: { intervall: 5 } }, /Unknown option `metrics.intervall`/],
    [{ logger: console.log }, /`logger` to be a logger with info, warn and error methods/],
  ];
  for (const [options, message] of bad) {
    assert.throws(() => new Pool({ worker, ...(options as object) }), { message }, JSON.stringify(options));
  }
});
