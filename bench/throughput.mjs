#!/usr/bin/env node
// Throughput of tiny tasks (add two numbers) through a pool of 2, against raw postMessage in the
// same run. Usage: node bench/throughput.mjs [--tasks 200000] [--inflight 1000] [--runs 3] [--json]
// Runs against the build (dist/), so `npm run build` first (npm run bench does).
import { parseArgs } from 'node:util';
import { Worker } from 'node:worker_threads';
import { Pool } from 'loopfleet';

const { values } = parseArgs({
  options: {
    tasks: { type: 'string', default: '200000' },
    inflight: { type: 'string', default: '1000' },
    runs: { type: 'string', default: '3' },
    json: { type: 'boolean', default: false },
  },
});
const N = Number(values.tasks);
const INFLIGHT = Number(values.inflight);
const RUNS = Number(values.runs);

/** Keeps `inflight` calls outstanding until n have completed; checks every result. */
function drive(call, n, inflight) {
  return new Promise((resolve, reject) => {
    let sent = 0;
    let done = 0;
    const next = () => {
      const i = sent++;
      call(i, 1).then((r) => {
        if (r !== i + 1) return reject(new Error(`wrong result for ${i}: ${r}`));
        if (++done === n) resolve();
        else if (sent < n) next();
      }, reject);
    };
    for (let k = 0; k < Math.min(inflight, n); k++) next();
  });
}

async function loopfleet(runtime, inflight) {
  const pool = new Pool({ worker: new URL('./add-worker.mjs', import.meta.url), size: 2, runtime });
  await pool.ready();
  await drive((a, b) => pool.run('add', { a, b }), 20_000, inflight); // warm-up
  const t0 = performance.now();
  await drive((a, b) => pool.run('add', { a, b }), N, inflight);
  const ms = performance.now() - t0;
  await pool.close();
  return ms;
}

async function raw(inflight) {
  const workers = [0, 1].map(() => new Worker(new URL('./raw-worker.mjs', import.meta.url)));
  const pending = new Map();
  let id = 0;
  for (const w of workers) {
    w.on('message', ([i, r]) => {
      const resolve = pending.get(i);
      pending.delete(i);
      resolve(r);
    });
  }
  const call = (a, b) =>
    new Promise((resolve) => {
      const i = id++;
      pending.set(i, resolve);
      workers[i & 1].postMessage([i, a, b]);
    });
  await drive(call, 20_000, inflight);
  const t0 = performance.now();
  await drive(call, N, inflight);
  const ms = performance.now() - t0;
  await Promise.all(workers.map((w) => w.terminate()));
  return ms;
}

const scenarios = [
  ['raw postMessage (promise per task)', () => raw(INFLIGHT)],
  ['loopfleet thread', () => loopfleet('thread', INFLIGHT)],
  ['loopfleet process', () => loopfleet('process', INFLIGHT)],
  ['loopfleet thread, all at once', () => loopfleet('thread', N)],
];
const results = [];
for (const [name, run] of scenarios) {
  const rates = [];
  for (let r = 0; r < RUNS; r++) rates.push(N / ((await run()) / 1000));
  rates.sort((a, b) => a - b);
  results.push({ name, median: rates[Math.floor(rates.length / 2)], min: rates[0], max: rates[rates.length - 1] });
}
const floor = results[0].median;
if (values.json) {
  console.log(JSON.stringify({ tasks: N, inflight: INFLIGHT, runs: RUNS, results }, null, 2));
} else {
  console.log(`${N} tiny tasks, pool of 2, ${INFLIGHT} in flight, median of ${RUNS} runs (min-max)`);
  for (const r of results) {
    const k = (x) => `${Math.round(x / 1000)}k`;
    console.log(`${r.name.padEnd(36)} ${k(r.median).padStart(6)}/s  (${k(r.min)}-${k(r.max)})  ${(r.median / floor).toFixed(2)}x raw`);
  }
}
