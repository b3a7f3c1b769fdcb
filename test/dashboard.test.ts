/**
 * The dashboard server without a browser: its page and assets, the event stream and the JSON
 * snapshot, many and disconnecting clients, close with streams open, a port in use, the pool
 * option, and aggregation of other dashboards (`loopfleet dashboard --source`).
 */
import assert from 'node:assert/strict';
import { mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { spawn } from 'node:child_process';
import { createServer, type Server } from 'node:net';
import { describe, it, type TestContext } from 'node:test';
import { createRequire } from 'node:module';
import { ErrorCodes, Pool, PortInUseError, serveDashboard, type Dashboard, type PoolMetrics } from 'loopfleet';
import { fixture, pool, until } from './helpers.js';
import { cliUrl, json, load, request, SseClient, startCli } from './dashboard-client.js';

/** A dashboard closed when the test ends. */
async function dashboard(t: TestContext, ...args: Parameters<typeof serveDashboard>): Promise<Dashboard> {
  const d = await serveDashboard(...args);
  t.after(() => d.close());
  return d;
}

/** A pool whose workers report every second, as the dashboard wants. */
function busyPool(t: TestContext, name: string, size = 2): Pool {
  return pool(t, { worker: 'basic', size, name, metrics: { interval: 1000 } });
}

interface Latest {
  pools: { id: string; name: string; runtime: string; source: string | null; closed: boolean; metrics: PoolMetrics | null }[];
  sources: { url: string; connected: boolean; error: string | null }[];
}

/** A TCP port nothing listens on (just released). */
async function freePort(): Promise<number> {
  const s: Server = createServer();
  await new Promise<void>((resolve) => s.listen(0, '127.0.0.1', resolve));
  const address = s.address();
  await new Promise((resolve) => s.close(resolve));
  return typeof address === 'object' && address !== null ? address.port : 0;
}

describe('dashboard server', () => {
  it('serves the page, its script and style, and uPlot from node_modules', async (t) => {
    const d = await dashboard(t, busyPool(t, 'page'));
    assert.match(d.url, /^http:\/\/127\.0\.0\.1:\d+\/$/);
    const page = await request(d.url);
    assert.equal(page.status, 200);
    assert.match(String(page.headers['content-type']), /^text\/html/);
    assert.match(String(page.headers['content-security-policy']), /default-src 'self'/);
    for (const asset of ['app.js', 'style.css', 'vendor/uPlot.min.css']) assert.ok(page.body.includes(`/${asset}`), asset);
    const uplot = await request(new URL('vendor/uPlot.iife.min.js', d.url).href);
    assert.equal(uplot.status, 200);
    assert.match(String(uplot.headers['content-type']), /^text\/javascript/);
    const shipped = await readFile(createRequire(import.meta.url).resolve('uplot/dist/uPlot.iife.min.js'), 'utf8');
    assert.equal(uplot.body, shipped);
    const app = await request(new URL('app.js', d.url).href);
    assert.match(app.body, /new EventSource\('\/events'\)/);
    assert.equal((await request(new URL('nope', d.url).href)).status, 404);
  });

  it('answers only to loopback host names (no DNS rebinding)', async (t) => {
    const d = await dashboard(t, busyPool(t, 'hosts'));
    const rebound = await request(d.url, { host: `evil.example:${d.port}` });
    assert.equal(rebound.status, 403);
    assert.equal((await request(new URL('metrics.json', d.url).href, { host: `localhost:${d.port}` })).status, 200);
  });

  it('streams a snapshot of every pool each second, which moves while a load runs', async (t) => {
    const p = busyPool(t, 'stream', 2);
    const d = await dashboard(t, p);
    const client = await SseClient.connect(t, d.url);
    const [info] = await client.wait('pool');
    assert.equal(info.id, 'stream');
    assert.equal(info.name, 'stream');
    assert.equal(info.runtime, 'thread');
    assert.equal(info.source, null);
    assert.equal(info.closed, false);
    await client.wait('synced');
    const stop = load(p);
    t.after(stop);
    const samples = (await client.wait('metrics', 4)).map((m: { id: string; sample: PoolMetrics }) => {
      assert.equal(m.id, 'stream');
      return m.sample;
    });
    await stop();
    for (const s of samples) assert.equal(s.workers.length, 2);
    const first = samples[0] as PoolMetrics;
    const last = samples.at(-1) as PoolMetrics;
    assert.ok(last.at > first.at, 'later snapshots are newer');
    assert.ok(last.completed > first.completed, `tasks completed moved: ${first.completed} -> ${last.completed}`);
    assert.ok(last.workers.every((w) => w.sampledAt > 0 && w.rss > 0), 'workers reported their resources');
    // The interval the dashboard asked for: a chart point per second for the workers too.
    assert.equal(last.interval, 1000);
  });

  it('serves the latest snapshot as JSON', async (t) => {
    const a = busyPool(t, 'same', 2);
    const b = busyPool(t, 'same', 1);
    const d = await dashboard(t, [a, b]);
    const latest = await json<Latest>(new URL('metrics.json', d.url).href);
    assert.deepEqual(
      latest.pools.map((x) => [x.id, x.name, x.metrics?.workers.length]),
      [
        ['same', 'same', 2],
        ['same#2', 'same', 1],
      ],
    );
    assert.deepEqual(latest.sources, []);
  });

  it('feeds many clients, and keeps feeding those that stay when others leave', async (t) => {
    const p = busyPool(t, 'many', 1);
    const d = await dashboard(t, p);
    const clients = await Promise.all(Array.from({ length: 12 }, () => SseClient.connect(t, d.url)));
    await Promise.all(clients.map((c) => c.wait('metrics', 1)));
    for (const c of clients.slice(0, 8)) c.close();
    const stay = clients.slice(8);
    const before = stay.map((c) => c.all('metrics').length);
    await Promise.all(stay.map((c, i) => c.wait('metrics', (before[i] as number) + 2)));
    // Every client saw the same snapshots, in the same order.
    const seen = stay.map((c) => c.all('metrics').map((m: { sample: PoolMetrics }) => m.sample.at));
    const shortest = Math.min(...seen.map((s) => s.length));
    for (const s of seen) assert.deepEqual(s.slice(0, shortest), seen[0]?.slice(0, shortest));
  });

  it('close() ends open streams and stops listening, without waiting for the clients', async (t) => {
    const p = busyPool(t, 'closing', 1);
    const d = await serveDashboard(p);
    const clients = await Promise.all(Array.from({ length: 5 }, () => SseClient.connect(t, d.url)));
    await Promise.all(clients.map((c) => c.wait('synced')));
    await d.close();
    await Promise.all(clients.map((c) => c.ended));
    await assert.rejects(request(d.url), { code: 'ECONNREFUSED' });
    await d.close();
  });

  it('rejects with LOOPFLEET_ERR_PORT_IN_USE when the port is taken', async (t) => {
    const first = await dashboard(t, busyPool(t, 'first', 1));
    const err = await serveDashboard(busyPool(t, 'second', 1), { port: first.port }).then(
      () => assert.fail('a second server on the same port'),
      (e: unknown) => e,
    );
    assert.ok(err instanceof PortInUseError);
    assert.equal(err.code, ErrorCodes.PORT_IN_USE);
    assert.equal(err.port, first.port);
    assert.match(err.message, new RegExp(`Port ${first.port} on 127\\.0\\.0\\.1 is already in use`));
  });

  it('validates its arguments', async (t) => {
    const p = busyPool(t, 'checked', 1);
    await assert.rejects(serveDashboard(p, { host: '0.0.0.0' }), { code: ErrorCodes.INVALID_ARG_VALUE, message: /loopback/ });
    await assert.rejects(serveDashboard(p, { port: 70000 }), { code: ErrorCodes.INVALID_ARG_VALUE, message: /`options.port`/ });
    await assert.rejects(serveDashboard({} as Pool), { code: ErrorCodes.INVALID_ARG_TYPE, message: /Expected `pools` to be a Pool/ });
    await assert.rejects(serveDashboard([], { sources: ['ftp://x/'] }), { code: ErrorCodes.INVALID_ARG_VALUE, message: /sources\[0\]/ });
    const quiet = pool(t, { worker: 'basic', size: 1, metrics: false });
    await assert.rejects(serveDashboard(quiet), { code: ErrorCodes.INVALID_ARG_VALUE, message: /metrics/ });
  });
});

describe('loading', () => {
  it('loopfleet does not load the dashboard server (or node:http) until one is opened', async () => {
    // Follow the static imports (not import()) from the package entry through dist/: the entry
    // re-exports the parent bundle, which imports its shared chunks and a few modules of dist/.
    const seen = new Set<string>();
    const builtins = new Set<string>();
    const visit = async (url: URL): Promise<void> => {
      if (seen.has(url.href)) return;
      seen.add(url.href);
      const code = await readFile(url, 'utf8');
      for (const [, from, bare] of code.matchAll(/^(?:import|export)\b[^;]*?\bfrom\s*["']([^"']+)["']|^import\s*["']([^"']+)["']/gm)) {
        const spec = from ?? bare;
        if (spec === undefined) continue;
        if (spec.startsWith('.')) await visit(new URL(spec, url));
        else builtins.add(spec);
      }
    };
    const dist = new URL('../../dist/', import.meta.url);
    await visit(new URL('index.js', dist));
    assert.ok(seen.has(new URL('lib/index.js', dist).href), 'the walk follows the imports');
    assert.ok(builtins.has('node:worker_threads'), 'the walk sees the builtins');
    assert.ok(!builtins.has('node:http'), 'node:http is loaded only when a server is opened');
    const lazy = (await readdir(new URL('lib/', dist))).filter((f) => f.startsWith('server-') && f.endsWith('.js'));
    assert.equal(lazy.length, 1, 'the dashboard server is a chunk of its own');
    assert.ok(!seen.has(new URL(`lib/${lazy[0]}`, dist).href), 'the dashboard server is loaded only when used');
  });
});

describe('the pool option `dashboard`', () => {
  it('serves the pool, samples its workers every second, and closes with the pool', async (t) => {
    const p = pool(t, { worker: 'basic', size: 2, name: 'opt', dashboard: true });
    assert.ok(p.dashboard !== undefined);
    const d = await p.dashboard;
    assert.equal(p.metrics().interval, 1000);
    const client = await SseClient.connect(t, d.url);
    await client.wait('metrics', 1, (m: { id: string }) => m.id === 'opt');
    await p.close();
    await client.ended;
    await assert.rejects(request(d.url), { code: 'ECONNREFUSED' });
  });

  it('is off by default, and keeps a metrics interval given', async (t) => {
    assert.equal(pool(t, { worker: 'basic', size: 1 }).dashboard, undefined);
    const p = pool(t, { worker: 'basic', size: 1, dashboard: { port: 0 }, metrics: { interval: 5000 } });
    await p.dashboard;
    assert.equal(p.metrics().interval, 5000);
  });

  it('reports a port in use through pool.dashboard and a warning; the pool still works', async (t) => {
    const taken = await dashboard(t, []);
    const warned = new Promise<Error>((resolve) => process.once('warning', resolve));
    const p = pool(t, { worker: 'basic', size: 1, name: 'clash', dashboard: { port: taken.port } });
    await assert.rejects(p.dashboard as Promise<Dashboard>, { code: ErrorCodes.PORT_IN_USE });
    const warning = await warned;
    assert.match(warning.message, /pool clash: the dashboard did not start: Port \d+/);
    assert.equal(await p.run('add', { a: 1, b: 2 }), 3);
  });

  it('is validated with the other options', () => {
    const worker = fixture('basic');
    assert.throws(() => new Pool({ worker, dashboard: { port: 'x' as unknown as number } }), { code: ErrorCodes.INVALID_ARG_TYPE, message: /`dashboard.port`/ });
    assert.throws(() => new Pool({ worker, dashboard: { host: '10.0.0.1' } }), { code: ErrorCodes.INVALID_ARG_VALUE, message: /`dashboard.host`/ });
    assert.throws(() => new Pool({ worker, dashboard: { sources: [] } as never }), { code: ErrorCodes.INVALID_ARG_VALUE, message: /Unknown option `dashboard.sources`/ });
    assert.throws(() => new Pool({ worker, dashboard: true, metrics: false }), { code: ErrorCodes.INVALID_ARG_VALUE, message: /`metrics` not to be false/ });
    assert.throws(() => new Pool({ worker, dashboard: 'yes' as never }), { code: ErrorCodes.INVALID_ARG_TYPE, message: /`dashboard` to be an object or true/ });
  });
});

describe('loopfleet dashboard --source', () => {
  it("shows other dashboards' pools, and picks up a source that starts later", async (t) => {
    const a = busyPool(t, 'alpha', 2);
    const da = await dashboard(t, a);
    const later = await freePort();
    const cli = startCli(t, ['dashboard', '--port', '0', '--source', da.url, '--source', String(later)]);
    const url = await cliUrl(cli, 'loopfleet dashboard:');
    const metricsUrl = new URL('metrics.json', url).href;
    const alpha = `127.0.0.1:${da.port}/alpha`;

    const stop = load(a);
    t.after(stop);
    let first: PoolMetrics | undefined;
    await until(async () => {
      const latest = await json<Latest>(metricsUrl);
      const entry = latest.pools.find((x) => x.id === alpha);
      first ??= entry?.metrics ?? undefined;
      return entry?.metrics != null && first !== undefined && entry.metrics.completed > first.completed;
    }, 20_000, "alpha's metrics to move on the aggregated page");
    const down = await json<Latest>(metricsUrl);
    assert.deepEqual(
      down.sources.map((s) => [s.url, s.connected]),
      [
        [da.url, true],
        [`http://127.0.0.1:${later}/`, false],
      ],
    );
    assert.equal(down.pools.find((x) => x.id === alpha)?.source, da.url);

    // The second source comes up: the aggregated page gets its pool within a few retries.
    const db = await dashboard(t, busyPool(t, 'beta', 1), { port: later });
    await until(async () => (await json<Latest>(metricsUrl)).pools.some((x) => x.id === `127.0.0.1:${db.port}/beta` && x.metrics !== null), 20_000, 'beta on the aggregated page');
    // ...and a source that goes away is shown as down.
    await db.close();
    await until(async () => (await json<Latest>(metricsUrl)).sources[1]?.connected === false, 20_000, 'beta shown as down');

    cli.child.kill('SIGINT');
    assert.equal(await cli.exited, 0);
  });

  it('survives a source process killed mid-stream, and shows it as down', async (t) => {
    // A process with a pool that serves its own dashboard, as a user's service would.
    const script = `
      import { Pool } from ${JSON.stringify(new URL('../../dist/index.js', import.meta.url).href)};
      const p = new Pool({ worker: new URL(${JSON.stringify(fixture('basic').href)}), size: 1, name: 'victim', dashboard: true });
      console.log((await p.dashboard).url);
      setInterval(() => void p.run('spin', 2), 20);
    `;
    // From a file: worker threads inherit `--input-type`, which only `-e` accepts.
    const dir = await mkdtemp(join(tmpdir(), 'loopfleet-source-'));
    t.after(() => rm(dir, { recursive: true, force: true }));
    await writeFile(join(dir, 'source.mjs'), script);
    const child = spawn(process.execPath, [join(dir, 'source.mjs')], { stdio: ['ignore', 'pipe', 'inherit'] });
    t.after(() => child.kill('SIGKILL'));
    const url = await new Promise<string>((resolve, reject) => {
      child.stdout.setEncoding('utf8').once('data', (d: string) => resolve(d.trim()));
      child.once('exit', () => reject(new Error('the source process exited')));
    });
    const aggregator = await dashboard(t, [], { sources: [url] });
    const metricsUrl = new URL('metrics.json', aggregator.url).href;
    await until(async () => (await json<Latest>(metricsUrl)).pools.some((x) => x.name === 'victim' && (x.metrics?.completed ?? 0) > 0), 20_000, 'the victim pool at work');
    child.kill('SIGKILL');
    await until(async () => (await json<Latest>(metricsUrl)).sources[0]?.connected === false, 20_000, 'the source shown as down');
    const latest = await json<Latest>(metricsUrl);
    assert.ok(latest.sources[0]?.error, 'with a reason');
    assert.equal(latest.pools.length, 1, 'its pool stays on the page, with its last figures');
  });

  it('replaces the pools of a source that restarted with others', async (t) => {
    const first = await serveDashboard(busyPool(t, 'before', 1));
    t.after(() => first.close());
    const aggregator = await dashboard(t, [], { sources: [first.url] });
    const metricsUrl = new URL('metrics.json', aggregator.url).href;
    const ids = async (): Promise<string[]> => (await json<Latest>(metricsUrl)).pools.map((x) => x.id);
    const prefix = `127.0.0.1:${first.port}/`;
    await until(async () => (await ids()).includes(`${prefix}before`), 20_000, 'the first pool');
    await first.close();
    await dashboard(t, busyPool(t, 'after', 1), { port: first.port });
    await until(async () => (await ids()).join() === `${prefix}after`, 20_000, 'the new pool, and the old one gone');
  });

  it('needs a --source, a loopback --host and a free port', async (t) => {
    const none = startCli(t, ['dashboard']);
    assert.equal(await none.exited, 2);
    assert.match(none.stderr, /--source/);
    const remote = startCli(t, ['dashboard', '--source', '9401', '--host', '0.0.0.0']);
    assert.equal(await remote.exited, 2);
    assert.match(remote.stderr, /loopback/);
    const taken = await dashboard(t, []);
    const clash = startCli(t, ['dashboard', '--source', '9401', '--port', String(taken.port)]);
    assert.equal(await clash.exited, 1);
    assert.match(clash.stderr, new RegExp(`Port ${taken.port} on 127\\.0\\.0\\.1 is already in use`));
    assert.doesNotMatch(clash.stderr, /\n\s+at /, 'no stack trace for a user error');
  });
});

describe('loopfleet mandelbrot --dashboard', () => {
  it('serves both pools while rendering and stays up until Ctrl-C', async (t) => {
    const dir = await mkdtemp(join(tmpdir(), 'loopfleet-dash-'));
    t.after(() => rm(dir, { recursive: true, force: true }));
    const cli = startCli(t, ['mandelbrot', '--width', '320', '--height', '240', '--iterations', '500', '-w', '2', '--json', '-o', join(dir, 'm.png'), '--dashboard', '--keep-open']);
    const url = await cliUrl(cli, 'Dashboard:');
    const client = await SseClient.connect(t, url);
    const names = ['mandelbrot-1-worker', 'mandelbrot-2-workers'];
    // Rendering may be over before the page connects: the history and the `closed` flags tell it all.
    await until(() => names.every((n) => client.all('closed', (d: { id: string }) => d.id === n).length > 0 || client.all('pool', (d: { id: string; closed: boolean }) => d.id === n && d.closed).length > 0), 30_000, 'both pools closed');
    for (const n of names) {
      const defined = client.all('pool', (d: { id: string }) => d.id === n);
      const samples = [...defined.flatMap((d: { samples: PoolMetrics[] }) => d.samples), ...client.all('metrics', (d: { id: string }) => d.id === n).map((d: { sample: PoolMetrics }) => d.sample)];
      assert.ok(samples.length > 0, `${n} has samples`);
      assert.equal(samples.at(-1)?.workers.length, n === names[0] ? 1 : 2);
    }
    await until(() => cli.stderr.includes('Ctrl-C to stop'), 20_000, 'the keep-open notice');
    assert.equal(JSON.parse(cli.stdout).workers, 2, 'the JSON summary is on stdout');
    cli.child.kill('SIGINT');
    assert.equal(await cli.exited, 0);
    await client.ended;
  });

  it('without --keep-open, says how long the page stays up; Ctrl-C ends it sooner', async (t) => {
    const dir = await mkdtemp(join(tmpdir(), 'loopfleet-dash-'));
    t.after(() => rm(dir, { recursive: true, force: true }));
    const cli = startCli(t, ['mandelbrot', '--width', '64', '--height', '48', '-w', '1', '-o', join(dir, 'm.png'), '--dashboard', '0']);
    const url = await cliUrl(cli, 'Dashboard:');
    await until(() => cli.stderr.includes('stays up 10 s more'), 20_000, 'the linger notice');
    assert.equal((await request(url)).status, 200, 'still serving after rendering');
    cli.child.kill('SIGINT');
    assert.equal(await cli.exited, 0);
    assert.match(cli.stdout, /Wrote .*m\.png/);
  });
});
