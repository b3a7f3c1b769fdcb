/** The statsd sink against a real UDP listener, the Prometheus sink by scraping its /metrics endpoint. */
import assert from 'node:assert/strict';
import { createSocket } from 'node:dgram';
import type { AddressInfo } from 'node:net';
import { test } from 'node:test';
import { createPrometheusSink, createStatsdSink, ErrorCodes } from 'loopfleet';
import { internal, pool, until } from './helpers.js';

const INTERVAL = 150;

test('statsd: gauges, counters and timings arrive over UDP with the pool and worker prefixes', async (t) => {
  const socket = createSocket('udp4');
  t.after(() => socket.close());
  const received: string[] = [];
  socket.on('message', (packet) => received.push(...packet.toString('utf8').split('\n').filter((l) => l !== '')));
  await new Promise<void>((resolve) => socket.bind(0, '127.0.0.1', resolve));
  const { port } = socket.address() as AddressInfo;

  const p = pool(t, { worker: 'metrics-busy', size: 2, name: 'stats', metrics: { interval: INTERVAL } });
  const sink = await createStatsdSink(p, { port, prefix: 'app.stats.', workerPrefix: (n) => `w${n}.` });
  t.after(() => sink.close());
  await Promise.all(Array.from({ length: 40 }, () => p.run('noop')));

  const parse = (line: string): { name: string; value: number; type: string } => {
    const m = /^([^:]+):([^|]+)\|(\w+)/.exec(line);
    assert.ok(m !== null, `a statsd line: ${line}`);
    return { name: m[1] as string, value: Number(m[2]), type: m[3] as string };
  };
  const sum = (name: string): number => received.map(parse).filter((s) => s.name === name && s.type === 'c').reduce((n, s) => n + s.value, 0);
  const gauges = ['app.stats.queue', 'app.stats.throughput', 'app.stats.w0.cpu', 'app.stats.w0.rss', 'app.stats.w1.heap_used', 'app.stats.w1.elu', 'app.stats.w0.tasks_running'];
  const timings = ['app.stats.wait_time.p50', 'app.stats.run_time.p99', 'app.stats.w0.loop_delay.p99', 'app.stats.w1.loop_delay.max'];
  // Each worker samples on its own clock: wait until both have reported (not only one of them).
  const arrived = (): boolean => [...gauges, ...timings].every((name) => received.some((l) => l.startsWith(`${name}:`)));
  await until(() => sum('app.stats.completed') === 40 && arrived(), 20_000, 'the counters to add up and every series to arrive');
  const stats = received.map(parse);
  const types = new Map(stats.map((s) => [s.name, s.type]));
  for (const name of gauges) assert.equal(types.get(name), 'g', name);
  for (const name of timings) assert.equal(types.get(name), 'ms', name);
  assert.equal(sum('app.stats.w0.tasks_completed') + sum('app.stats.w1.tasks_completed'), 40, 'per-worker counters add up too');
  assert.equal(sum('app.stats.failed'), 0);
  assert.ok(stats.filter((s) => s.name === 'app.stats.w0.rss').every((s) => s.value > 1e6), 'rss in bytes');
  assert.equal(stats.filter((s) => s.name === 'app.stats.queue').at(-1)?.value, 0, 'nothing queued once all ran');
  assert.ok(stats.filter((s) => s.name === 'app.stats.queue').every((s) => s.value >= 0 && s.value <= 40));
  // Closed: nothing more is sent.
  await sink.close();
  const count = received.length;
  await new Promise((resolve) => setTimeout(resolve, 3 * INTERVAL));
  assert.equal(received.length, count);
});

test('Prometheus: labelled metrics of several pools, scraped over HTTP at /metrics', async (t) => {
  const a = pool(t, { worker: 'metrics-busy', size: 2, name: 'alpha', metrics: { interval: INTERVAL } });
  const b = pool(t, { worker: 'metrics-busy', size: 1, name: 'beta', runtime: 'process', metrics: { interval: INTERVAL } });
  const sink = await createPrometheusSink([a, b], { serve: { port: 0 } });
  t.after(() => sink.close());
  assert.match(sink.url ?? '', /^http:\/\/127\.0\.0\.1:\d+\/metrics$/);
  await Promise.all([...Array.from({ length: 30 }, () => a.run('noop')), ...Array.from({ length: 7 }, () => b.run('noop'))]);
  await until(() => a.metrics().workers.every((w) => w.sampledAt > 0) && b.metrics().workers.every((w) => w.sampledAt > 0), 20_000, 'samples');

  const res = await fetch(sink.url as string);
  assert.equal(res.status, 200);
  assert.match(res.headers.get('content-type') ?? '', /^text\/plain/);
  const text = await res.text();
  const value = (series: string): number => {
    const line = text.split('\n').find((l) => l.startsWith(`${series} `));
    assert.ok(line !== undefined, `${series} in\n${text}`);
    return Number(line.slice(series.length + 1));
  };
  assert.equal(value('loopfleet_tasks_completed_total{pool="alpha"}'), 30);
  assert.equal(value('loopfleet_tasks_completed_total{pool="beta"}'), 7);
  assert.equal(value('loopfleet_queue_length{pool="alpha"}'), 0);
  assert.equal(value('loopfleet_worker_tasks_completed_total{pool="alpha",worker="0"}') + value('loopfleet_worker_tasks_completed_total{pool="alpha",worker="1"}'), 30);
  assert.ok(value('loopfleet_worker_rss_bytes{pool="beta",worker="0"}') > 1e6);
  assert.ok(value('loopfleet_worker_heap_used_bytes{pool="alpha",worker="1"}') > 1e5);
  assert.ok(value('loopfleet_worker_elu{pool="alpha",worker="0"}') >= 0);
  assert.ok(value('loopfleet_worker_loop_delay_seconds{pool="alpha",worker="0",quantile="0.99"}') >= 0);
  assert.ok(value('loopfleet_run_time_seconds{pool="alpha",quantile="0.5"}') >= 0);
  assert.match(text, /# HELP loopfleet_worker_cpu CPU time/);
  assert.match(text, /# TYPE loopfleet_worker_cpu gauge/);
  // Read at scrape time: new work shows at the next scrape.
  await b.run('noop');
  assert.match(await (await fetch(sink.url as string)).text(), /loopfleet_tasks_completed_total\{pool="beta"\} 8\n/);
  assert.equal((await fetch(new URL('/other', sink.url))).status, 404);
  // The registry works without the server too.
  assert.match(await sink.registry.metrics(), /loopfleet_worker_cpu\{pool="alpha",worker="1"\}/);
});

test('a sink whose library is not installed fails with LOOPFLEET_ERR_MISSING_DEPENDENCY naming it', async () => {
  const { loadOptional } = (await import(internal('metrics/sink.js'))) as { loadOptional: (name: string, feature: string) => Promise<unknown> };
  await assert.rejects(loadOptional('loopfleet-no-such-package', 'createThingSink'), {
    code: ErrorCodes.MISSING_DEPENDENCY,
    message: /createThingSink\(\) needs the optional dependency "loopfleet-no-such-package": install it with `npm install loopfleet-no-such-package`/,
  });
});
