#!/usr/bin/env node
// Throughput of tiny tasks (add two numbers) through a pool of 2, against raw postMessage, in one
// run. Every measurement runs in a fresh child process, scenarios alternating (A B C A B C ...),
// so that no scenario inherits another's warmed-up heap or JIT. Every result is checked.
//
//   node bench/throughput.mjs [--tasks 200000] [--inflight 1000] [--runs 5] [--warmup 1] [--only name,...] [--json]
//
// Runs against the build (dist/): `npm run bench` builds first.
import { execFileSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { Worker } from 'node:worker_threads';

const { values } = parseArgs({
  options: {
    tasks: { type: 'string', default: '200000' },
    inflight: { type: 'string', default: '1000' },
    runs: { type: 'string', default: '5' },
    only: { type: 'string' },
    json: { type: 'boolean', default: false },
    warmup: { type: 'string', default: '1' },
    child: { type: 'string' },
  },
});
const WARMUP = Number(values.warmup);
const N = Number(values.tasks);
const INFLIGHT = Number(values.inflight);

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

/** Warm-up passes (JIT and heap reach their steady state), then the timed pass. */
async function measure(call, inflight) {
  for (let w = 0; w < WARMUP; w++) await drive(call, N, inflight);
  const t0 = performance.now();
  await drive(call, N, inflight);
  return N / ((performance.now() - t0) / 1000);
}

async function loopfleet(runtime, inflight) {
  const { Pool } = await import('loopfleet');
  const pool = new Pool({ worker: new URL('./add-worker.mjs', import.meta.url), size: 2, runtime });
  await pool.ready();
  try {
    return await measure((a, b) => pool.run('add', { a, b }), inflight);
  } finally {
    await pool.close();
  }
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
  try {
    return await measure(call, inflight);
  } finally {
    await Promise.all(workers.map((w) => w.terminate()));
  }
}

const SCENARIOS = {
  raw: ['raw postMessage, one message + promise per task', () => raw(INFLIGHT)],
  thread: ['loopfleet thread', () => loopfleet('thread', INFLIGHT)],
  process: ['loopfleet process', () => loopfleet('process', INFLIGHT)],
  'thread-all': ['loopfleet thread, all tasks at once', () => loopfleet('thread', N)],
};

if (values.child !== undefined) {
  const rate = await SCENARIOS[values.child][1]();
  process.stdout.write(String(rate));
} else {
  const names = values.only !== undefined ? values.only.split(',') : Object.keys(SCENARIOS);
  for (const n of names) if (!(n in SCENARIOS)) throw new Error(`Unknown scenario ${n}; known: ${Object.keys(SCENARIOS).join(', ')}`);
  const rates = Object.fromEntries(names.map((n) => [n, []]));
  const self = fileURLToPath(import.meta.url);
  for (let r = 0; r < Number(values.runs); r++) {
    for (const n of names) {
      const out = execFileSync(process.execPath, [self, '--child', n, '--tasks', String(N), '--inflight', String(INFLIGHT), '--warmup', String(WARMUP)], { encoding: 'utf8' });
      rates[n].push(Number(out));
    }
  }
  const results = names.map((n) => {
    const sorted = [...rates[n]].sort((a, b) => a - b);
    return { scenario: n, name: SCENARIOS[n][0], median: sorted[Math.floor(sorted.length / 2)], min: sorted[0], max: sorted[sorted.length - 1], runs: rates[n] };
  });
  const floor = results.find((r) => r.scenario === 'raw')?.median;
  if (values.json) {
    console.log(JSON.stringify({ node: process.version, tasks: N, inflight: INFLIGHT, runs: Number(values.runs), results }, null, 2));
  } else {
    console.log(`${N} tiny tasks, pool of 2, ${INFLIGHT} in flight; median of ${values.runs} fresh-process runs (min-max)`);
    const k = (x) => `${Math.round(x / 1000)}k`;
    for (const r of results) {
      const ratio = floor !== undefined ? `  ${(r.median / floor).toFixed(2)}x raw` : '';
      console.log(`${r.name.padEnd(50)} ${k(r.median).padStart(6)}/s  (${k(r.min)}-${k(r.max)})${ratio}`);
    }
  }
}
