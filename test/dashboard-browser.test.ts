/**
 * The dashboard page in a real headless Chromium (Debian's `chromium`, driven by playwright-core):
 * it loads, shows one row per worker, and its numbers move while a load runs. Also writes the
 * screenshot of docs/dashboard.md when LOOPFLEET_UPDATE_SCREENSHOT=1.
 */
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { copyFile, mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it, type TestContext } from 'node:test';
import { decode } from 'fast-png';
import { chromium, type Page } from 'playwright-core';
import { serveDashboard, type Dashboard, type Pool } from 'loopfleet';
import { pool, until } from './helpers.js';
import { load } from './dashboard-client.js';

const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
const ARGS = ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'];
const SCREENSHOT = new URL('../../docs/dashboard.png', import.meta.url);

interface Browser {
  page: Page;
  /** Page errors and console errors, which no test expects. */
  problems: string[];
}

/** A fresh Chromium (own user-data-dir) with one page, closed when the test ends. */
async function browser(t: TestContext): Promise<Browser> {
  if (!existsSync(CHROMIUM)) throw new Error(`No Chromium at ${CHROMIUM}: install Debian's chromium package (apt-get install -y chromium), as .ci/run does, or set CHROMIUM_PATH`);
  const dir = await mkdtemp(join(tmpdir(), 'loopfleet-chromium-'));
  const context = await chromium.launchPersistentContext(dir, { executablePath: CHROMIUM, headless: true, args: ARGS, viewport: { width: 1280, height: 720 } });
  t.after(async () => {
    await context.close();
    await rm(dir, { recursive: true, force: true });
  });
  const page = context.pages()[0] ?? (await context.newPage());
  const problems: string[] = [];
  page.on('pageerror', (err) => problems.push(err.message));
  page.on('console', (m) => {
    if (m.type() === 'error') problems.push(m.text());
  });
  return { page, problems };
}

async function dashboard(t: TestContext, ...args: Parameters<typeof serveDashboard>): Promise<Dashboard> {
  const d = await serveDashboard(...args);
  t.after(() => d.close());
  return d;
}

interface Row {
  worker: string;
  who: string;
  values: Record<string, string>;
  charts: number;
}

/** What the page shows for each worker row of a pool. */
function rows(page: Page, id: string): Promise<Row[]> {
  return page.$$eval(`section[data-pool="${id}"] .worker`, (els) =>
    els.map((el) => ({
      worker: el.getAttribute('data-worker') ?? '',
      who: el.querySelector('.who')?.textContent ?? '',
      values: Object.fromEntries([...el.querySelectorAll('[data-metric]')].map((c) => [c.getAttribute('data-metric'), c.querySelector('.value')?.textContent ?? ''])),
      charts: el.querySelectorAll('canvas').length,
    })),
  );
}

/** A value of a pool's own row (throughput, queue, restarts, wait, run). */
function poolValue(page: Page, id: string, metric: string): Promise<string> {
  return page.$eval(`section[data-pool="${id}"] .pool-row [data-metric="${metric}"] .value`, (el) => el.textContent ?? '');
}

const done = (row: Row): number => Number(/([\d,]+) done/.exec(row.who)?.[1]?.replaceAll(',', '') ?? NaN);

describe('dashboard page in Chromium', () => {
  it('shows one row per worker, and its numbers move while a load runs', async (t) => {
    const web = pool(t, { worker: 'basic', size: 3, name: 'web', metrics: { interval: 1000 } });
    const crashy = pool(t, { worker: 'crash', size: 1, name: 'crashy', metrics: { interval: 1000 } });
    const d = await dashboard(t, [web, crashy]);
    const { page, problems } = await browser(t);
    await page.goto(d.url);

    await until(async () => (await rows(page, 'web')).length === 3, 20_000, 'three worker rows');
    await until(async () => (await rows(page, 'crashy')).length === 1, 20_000, 'one worker row for crashy');
    assert.equal(await page.textContent('#status'), 'live');
    const first = await rows(page, 'web');
    assert.deepEqual(
      first.map((r) => r.worker),
      ['0', '1', '2'],
    );
    for (const r of first) {
      assert.deepEqual(Object.keys(r.values), ['cpu', 'rss', 'delay', 'elu', 'tasks']);
      assert.equal(r.charts, 5, 'a uPlot chart per metric');
    }

    const stop = load(web as Pool, 12);
    t.after(stop);
    await assert.rejects((crashy as Pool).run('exit', 3), { code: 'LOOPFLEET_ERR_WORKER_CRASHED' });
    // Sample the page each second: the counters grow and the gauges change.
    const seen: Row[][] = [];
    const start = await rows(page, 'web');
    await until(
      async () => {
        const now = await rows(page, 'web');
        seen.push(now);
        const grew = now.every((r, i) => done(r) > done(start[i] as Row));
        const moving = ['cpu', 'tasks', 'elu'].some((m) => new Set(seen.map((s) => s.map((r) => r.values[m]).join('|'))).size > 1);
        return grew && moving && seen.length >= 3;
      },
      30_000,
      'the worker rows to move',
    );
    await stop();
    const last = seen.at(-1) as Row[];
    for (const r of last) {
      assert.match(r.values.rss ?? '', /^\d+(\.\d)? MB$/, 'RSS shown');
      assert.match(r.values.cpu ?? '', /^\d+ %$/, 'CPU shown');
      assert.match(r.values.delay ?? '', /^\d+(\.\d)? ms$/, 'loop delay shown');
    }
    assert.match(await poolValue(page, 'web', 'throughput'), /\/s$/);
    assert.match(await poolValue(page, 'web', 'queue'), /^\d+$/);
    await until(async () => (await poolValue(page, 'crashy', 'restarts')) === '1', 20_000, 'the restart on the page');
    assert.deepEqual(problems, []);
  });

  it('shows the pools of an aggregated dashboard, and says when the stream is lost', async (t) => {
    const remote = pool(t, { worker: 'basic', size: 2, name: 'remote', dashboard: true });
    const source = await (remote.dashboard as Promise<Dashboard>);
    const aggregator = await serveDashboard([], { sources: [source.url] });
    t.after(() => aggregator.close());
    const { page, problems } = await browser(t);
    await page.goto(aggregator.url);
    const id = `127.0.0.1:${source.port}/remote`;
    await until(async () => (await rows(page, id)).length === 2, 20_000, 'the remote pool on the page');
    assert.match((await page.textContent('#sources')) ?? '', new RegExp(`● ${source.url.replaceAll('.', '\\.')}`));
    assert.match((await page.textContent(`section[data-pool="${id}"] header`)) ?? '', /from http:\/\/127\.0\.0\.1/);
    await aggregator.close();
    await until(async () => (await page.textContent('#status')) === 'reconnecting', 20_000, 'the page to notice');
    assert.deepEqual(problems.filter((p) => !/ERR_CONNECTION_REFUSED/.test(p)), []);
  });

  it('takes the screenshot of docs/dashboard.md', async (t) => {
    const demo = pool(t, { worker: 'basic', size: 4, name: 'demo', dashboard: true });
    const d = await (demo.dashboard as Promise<Dashboard>);
    const stop = load(demo as Pool, 16);
    t.after(stop);
    const { page } = await browser(t);
    await page.goto(d.url);
    await until(async () => (await rows(page, 'demo')).length === 4, 20_000, 'four worker rows');
    // Some seconds of history, so that the charts have a shape.
    await new Promise((resolve) => setTimeout(resolve, 6000));
    const file = join(await mkdtemp(join(tmpdir(), 'loopfleet-shot-')), 'dashboard.png');
    await page.screenshot({ path: file, fullPage: true });
    const png = decode(await readFile(file));
    assert.equal(png.width, 1280);
    assert.ok(new Set(png.data.slice(0, 200_000)).size > 10, 'the screenshot is not blank');
    if (process.env.LOOPFLEET_UPDATE_SCREENSHOT === '1') await copyFile(file, SCREENSHOT);
    await rm(join(file, '..'), { recursive: true, force: true });
  });
});
