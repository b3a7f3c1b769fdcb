// Remote (Redis) bench: loopfleet/remote vs BullMQ vs bee-queue on one redis-server, in one run.
// 20,000 tiny jobs bulk-added, timed from the first add to the last completion; worker in a
// separate process with concurrency 10; libraries alternate within each round; >= 3 rounds.
// Usage (after `npm run build` at the root and `npm install` here): node run.mjs [--runs 5] [--jobs 20000] [--json out.json]
import { fork, spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { Redis } from 'ioredis';
import { RemotePool } from '../../dist/remote/index.js';

const { values } = parseArgs({ options: { runs: { type: 'string', default: '3' }, jobs: { type: 'string', default: '20000' }, json: { type: 'string' } } });
const RUNS = Number(values.runs);
const N = Number(values.jobs);
const here = new URL('.', import.meta.url);

const port = await new Promise((resolve) => {
  const s = createServer().listen(0, '127.0.0.1', () => {
    const p = s.address().port;
    s.close(() => resolve(p));
  });
});
const dir = mkdtempSync(join(tmpdir(), 'loopfleet-bench-redis-'));
const server = spawn('redis-server', ['--port', String(port), '--bind', '127.0.0.1', '--dir', dir, '--save', '', '--appendonly', 'no'], { stdio: 'ignore' });
const url = `redis://127.0.0.1:${port}`;
const admin = new Redis(url, { maxRetriesPerRequest: null, retryStrategy: () => 50 });
admin.on('error', () => {});
for (let i = 0; ; i++) {
  try {
    await admin.ping();
    break;
  } catch {
    if (i > 200) throw new Error('redis-server did not start');
    await new Promise((r) => setTimeout(r, 25));
  }
}
const version = (await admin.info('server')).match(/redis_version:(\S+)/)[1];

const message = (child, key) => new Promise((resolve) => child.on('message', (m) => m[key] && resolve()));
const exit = (child) => new Promise((resolve) => (child.exitCode !== null ? resolve() : child.once('exit', resolve)));
const jobs = () => Array.from({ length: N }, (_, i) => ({ a: i, b: 1 }));

/** End to end for a forked worker that reports 'done': from the bulk add to its last completion, ms. */
async function timeForked(worker, add, close) {
  const finished = message(worker, 'done');
  const start = performance.now();
  await add();
  await finished;
  const ms = performance.now() - start;
  await close();
  worker.send({ stop: true });
  await exit(worker);
  return ms;
}

const scenarios = {
  async loopfleet(queue) {
    const worker = spawn(process.execPath, [new URL('../../dist/cli/index.js', here).pathname, 'worker', new URL('tasks.mjs', here).pathname, '--broker', url, '--queue', queue, '--size', '1', '--concurrency', '10'], { stdio: ['ignore', 'ignore', 'pipe'] });
    await new Promise((resolve) => worker.stderr.on('data', (d) => String(d).includes('started consumer') && resolve()));
    const pool = new RemotePool({ broker: url, queue });
    await pool.connect();
    const data = jobs();
    const start = performance.now();
    await Promise.all(data.map((d) => pool.run('add', d)));
    const ms = performance.now() - start;
    await pool.close();
    worker.kill('SIGTERM');
    await exit(worker);
    return ms;
  },
  async bullmq(queue) {
    const { Queue } = await import('bullmq');
    const worker = fork(new URL('worker.mjs', here), ['bullmq', url, queue, String(N)]);
    await message(worker, 'ready');
    const q = new Queue(queue, { connection: { host: '127.0.0.1', port, maxRetriesPerRequest: null } });
    await q.waitUntilReady();
    const data = jobs().map((d) => ({ name: 'add', data: d, opts: { removeOnComplete: true } }));
    return timeForked(worker, () => q.addBulk(data), () => q.close());
  },
  async 'bee-queue'(queue) {
    const { default: Queue } = await import('bee-queue');
    const worker = fork(new URL('worker.mjs', here), ['bee-queue', url, queue, String(N)]);
    await message(worker, 'ready');
    const q = new Queue(queue, { redis: { url }, isWorker: false, getEvents: false });
    await q.ready();
    const data = jobs().map((d) => q.createJob(d));
    return timeForked(worker, () => q.saveAll(data), () => q.close());
  },
};

const names = Object.keys(scenarios);
const results = Object.fromEntries(names.map((n) => [n, []]));
try {
  for (let run = 0; run < RUNS; run++) {
    // Alternate the order each round so no library always runs first (or on a warmer server).
    const order = names.map((_, k) => names[(k + run) % names.length]);
    for (const name of order) {
      await admin.flushall();
      const ms = await scenarios[name](`bench-${name}-${run}`);
      results[name].push((N / ms) * 1000);
      process.stderr.write(`run ${run + 1}/${RUNS} ${name}: ${((N / ms) * 1000).toFixed(0)} jobs/s\n`);
    }
  }
} finally {
  admin.disconnect();
  server.kill('SIGKILL');
  await exit(server);
  rmSync(dir, { recursive: true, force: true });
}

const median = (xs) => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
};
const rows = names.map((n) => ({ library: n, median: median(results[n]), min: Math.min(...results[n]), max: Math.max(...results[n]) }));
const bull = rows.find((r) => r.library === 'bullmq').median;
console.log(`redis-server ${version}, node ${process.version}, ${N} jobs, worker concurrency 10, ${RUNS} runs\n`);
console.log('| library | median jobs/s | min–max jobs/s | vs BullMQ |');
console.log('| --- | ---: | ---: | ---: |');
for (const r of rows) console.log(`| ${r.library} | ${r.median.toFixed(0)} | ${r.min.toFixed(0)}–${r.max.toFixed(0)} | ${(r.median / bull).toFixed(2)}× |`);
if (values.json) writeFileSync(values.json, JSON.stringify({ redis: version, node: process.version, jobs: N, runs: RUNS, results }, null, 2));
