#!/usr/bin/env node
// A/B: throughput of tiny tasks through a pool of 2 with metrics off, and on at the default
// interval (and, as a harsher case, at a 1 s interval with blocked-loop heartbeats every 250 ms).
// Every measurement runs in a fresh child process, scenarios alternating in an order that rotates
// each round, so that drift of a shared machine hits all of them alike; the table gives medians, ranges, and
// the median of the per-round ratios on/off (each round's runs are neighbours in time). Besides
// throughput it reports CPU time per task (process.cpuUsage: with threads the whole process, with
// processes the parent alone), which a busy shared machine disturbs far less than wall time.
//
//   node bench/metrics-overhead.mjs [--runtime thread|process] [--tasks 200000] [--inflight 1000] [--runs 9] [--warmup 1] [--json]
//   node bench/metrics-overhead.mjs --micro
//
// --micro isolates what metrics add to the parent's per-task path (the sampling decision and the
// two optional timing calls, with a task object shaped like the pool's), in CPU ns per task: a
// bound that a noisy machine cannot blur the way it blurs end-to-end throughput.
//
// Runs against the build (dist/): run `npm run build` first.
import { execFileSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';

const { values } = parseArgs({
  options: {
    runtime: { type: 'string', default: 'thread' },
    tasks: { type: 'string', default: '200000' },
    inflight: { type: 'string', default: '1000' },
    runs: { type: 'string', default: '9' },
    warmup: { type: 'string', default: '1' },
    json: { type: 'boolean', default: false },
    child: { type: 'string' },
    micro: { type: 'boolean', default: false },
  },
});
const N = Number(values.tasks);
const INFLIGHT = Number(values.inflight);
const WARMUP = Number(values.warmup);

const SCENARIOS = {
  off: ['metrics: false', false],
  on: ['metrics on, default interval (10 s)', undefined],
  fast: ['metrics every 1 s, blockedThreshold 1 s', { interval: 1000, blockedThreshold: 1000 }],
};

/** Keeps `inflight` calls outstanding until n have completed; checks every result. */
function drive(pool, n, inflight) {
  return new Promise((resolve, reject) => {
    let sent = 0;
    let done = 0;
    const next = () => {
      const i = sent++;
      pool.run('add', { a: i, b: 1 }).then((r) => {
        if (r !== i + 1) return reject(new Error(`wrong result for ${i}: ${r}`));
        if (++done === n) resolve();
        else if (sent < n) next();
      }, reject);
    };
    for (let k = 0; k < Math.min(inflight, n); k++) next();
  });
}

async function child(name) {
  // The build, as the suite loads it (bench/ is a package of its own: `loopfleet` does not resolve here).
  const { Pool } = await import(new URL('../dist/index.js', import.meta.url).href);
  const metrics = SCENARIOS[name][1];
  const pool = new Pool({ worker: new URL('./workers/loopfleet.mjs', import.meta.url), size: 2, runtime: values.runtime, ...(metrics !== undefined ? { metrics } : {}) });
  await pool.ready();
  try {
    for (let w = 0; w < WARMUP; w++) await drive(pool, N, INFLIGHT);
    const cpu0 = process.cpuUsage();
    const t0 = performance.now();
    await drive(pool, N, INFLIGHT);
    const rate = N / ((performance.now() - t0) / 1000);
    const cpu = process.cpuUsage(cpu0);
    return { rate, cpuPerTask: (cpu.user + cpu.system) / N };
  } finally {
    await pool.close();
  }
}

const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

/** CPU ns per task of the per-task metrics path, off (no timer) and on. */
async function micro() {
  const { TaskTimer } = await import(new URL('../dist/metrics/timing.js', import.meta.url).href);
  const n = 5e6;
  class Task {
    constructor(id) {
      this.id = id;
      this.timing = undefined;
    }
  }
  const run = (timer) => {
    const t0 = process.cpuUsage();
    let timed = 0;
    for (let i = 0; i < n; i++) {
      const t = new Task(i);
      if (timer !== undefined) t.timing = timer.sample();
      t.timing?.sent();
      t.timing?.done();
      if (t.timing !== undefined) timed++;
    }
    const c = process.cpuUsage(t0);
    return { ns: ((c.user + c.system) * 1000) / n, timed };
  };
  const off = [];
  const on = [];
  for (let r = 0; r < 7; r++) {
    off.push(run(undefined).ns);
    on.push(run(new TaskTimer()).ns);
  }
  console.log(`per-task metrics path, ${n} tasks x 7 alternating rounds, median CPU ns/task: off ${median(off).toFixed(1)}, on ${median(on).toFixed(1)} (${median(on) >= median(off) ? '+' : ''}${(median(on) - median(off)).toFixed(1)} ns)`);
}

if (values.micro) {
  await micro();
} else if (values.child !== undefined) {
  process.stdout.write(JSON.stringify(await child(values.child)));
} else {
  const names = Object.keys(SCENARIOS);
  const rates = Object.fromEntries(names.map((n) => [n, []]));
  const cpus = Object.fromEntries(names.map((n) => [n, []]));
  const self = fileURLToPath(import.meta.url);
  for (let r = 0; r < Number(values.runs); r++) {
    // The order rotates each round, so that no scenario always runs first or last.
    for (const n of names.map((_, i) => names[(i + r) % names.length])) {
      const args = [self, '--child', n, '--runtime', values.runtime, '--tasks', String(N), '--inflight', String(INFLIGHT), '--warmup', String(WARMUP)];
      const { rate, cpuPerTask } = JSON.parse(execFileSync(process.execPath, args, { encoding: 'utf8' }));
      rates[n].push(rate);
      cpus[n].push(cpuPerTask);
    }
  }
  const results = names.map((n) => {
    const ratios = rates[n].map((x, i) => x / rates.off[i]);
    const cpuRatios = cpus[n].map((x, i) => x / cpus.off[i]);
    return {
      scenario: n,
      name: SCENARIOS[n][0],
      median: median(rates[n]),
      min: Math.min(...rates[n]),
      max: Math.max(...rates[n]),
      ratioToOff: median(ratios),
      cpuPerTaskUs: median(cpus[n]),
      cpuRatioToOff: median(cpuRatios),
      runs: rates[n],
      cpuRuns: cpus[n],
    };
  });
  if (values.json) {
    console.log(JSON.stringify({ node: process.version, runtime: values.runtime, tasks: N, inflight: INFLIGHT, runs: Number(values.runs), results }, null, 2));
  } else {
    console.log(`${N} tiny tasks, ${values.runtime} pool of 2, ${INFLIGHT} in flight; median of ${values.runs} fresh-process runs (min-max); ratios = median of per-round ratios to off`);
    const k = (x) => `${Math.round(x / 1000)}k`;
    for (const r of results) {
      console.log(`${r.name.padEnd(42)} ${k(r.median).padStart(6)}/s  (${k(r.min)}-${k(r.max)})  ${r.ratioToOff.toFixed(3)}x off   cpu ${r.cpuPerTaskUs.toFixed(2)} µs/task  ${r.cpuRatioToOff.toFixed(3)}x off`);
    }
  }
}
