#!/usr/bin/env node
// Cost of the pool's priority queue at depth: the queue is filled to `depth` items, then timed over
// `ops` rounds of push(one) + shift(one), so the depth stays constant. Scenarios: one priority or
// priorities mixed over -20..20, without series (ring buffers) or with 100 series (heaps). Each
// measurement runs in a fresh child process, so none inherits another's heap or JIT state.
//
//   node bench/queue-depth.mjs [--depths 1000,100000,1000000] [--ops 1000000] [--only name,...] [--json]
//
// Runs against the build (dist/): `npm run build` first. Expect a flat cost without series and a
// cost growing with log(depth) with series (plus cache misses once the queue outgrows the cache).
import { execFileSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';

const { values } = parseArgs({
  options: {
    depths: { type: 'string', default: '1000,100000,1000000' },
    ops: { type: 'string', default: '1000000' },
    only: { type: 'string' },
    json: { type: 'boolean', default: false },
    child: { type: 'string' },
  },
});

const SCENARIOS = {
  'uniform': { mixed: false, series: 0 },
  'mixed': { mixed: true, series: 0 },
  'uniform+series': { mixed: false, series: 100 },
  'mixed+series': { mixed: true, series: 100 },
};

/** A task record as the pool would declare it: every field present from the start. */
class Task {
  constructor(priority, series) {
    this.priority = priority;
    this.series = series;
    this.queueNode = undefined;
  }
}

async function child(name, depth, ops) {
  const { PriorityQueue } = await import(new URL('../dist/pool/priority-queue.js', import.meta.url).href);
  const { mixed, series } = SCENARIOS[name];
  let seed = 7;
  const random = () => ((seed = (Math.imul(seed, 1103515245) + 12345) | 0) >>> 0) / 4294967296;
  const make = () => new Task(mixed ? Math.floor(random() * 41) - 20 : 0, series > 0 ? Math.floor(random() * series) : undefined);
  const q = new PriorityQueue();
  for (let i = 0; i < depth; i++) q.push(make());
  const round = (n) => {
    for (let i = 0; i < n; i++) {
      const t = q.shift();
      // Re-queue as a new arrival (a fresh record, as a new task would be).
      q.push(make());
      if (t === undefined) throw new Error('queue ran dry');
    }
  };
  round(Math.min(ops, 200_000)); // warm-up
  const t0 = performance.now();
  round(ops);
  const ms = performance.now() - t0;
  if (q.length !== depth) throw new Error(`depth changed: ${q.length}`);
  return { name, depth, ops, nsPerOp: (ms * 1e6) / ops, opsPerSec: ops / (ms / 1000) };
}

if (values.child) {
  const [name, depth, ops] = values.child.split(':');
  console.log(JSON.stringify(await child(name, Number(depth), Number(ops))));
} else {
  const depths = values.depths.split(',').map(Number);
  const names = values.only ? values.only.split(',') : Object.keys(SCENARIOS);
  const rows = [];
  for (const name of names) {
    for (const depth of depths) {
      const out = execFileSync(process.execPath, ['--max-old-space-size=4096', fileURLToPath(import.meta.url), '--child', `${name}:${depth}:${values.ops}`], { encoding: 'utf8' });
      const row = JSON.parse(out);
      rows.push(row);
      if (!values.json) console.log(`${name.padEnd(16)} depth ${String(depth).padStart(8)}  ${row.nsPerOp.toFixed(0).padStart(5)} ns per push+shift  ${Math.round(row.opsPerSec).toLocaleString('en-US').padStart(11)} ops/s`);
    }
  }
  if (values.json) console.log(JSON.stringify(rows, null, 2));
}
