#!/usr/bin/env node
// loopfleet's benchmark suite. Every measurement runs in a fresh process; within a scenario the
// rows alternate (A B C … A B C …) for --runs rounds; the table gives median and min–max.
//
//   node bench/run.mjs [--runs 5] [--only throughput,latency,…] [--subjects loopfleet-thread,raw-thread]
//                      [--json results.json] [--scale 1] [--full]
//
// --full adds the slow "all at once" rows (anchors, per-message IPC); --scale shrinks every
// count (0.05 for a quick smoke run).
//
// Runs against the build (dist/): `npm run bench` at the repository root installs the anchors,
// builds and runs this.
import { execFileSync, spawnSync } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { cpus, loadavg } from 'node:os';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { SCENARIOS } from './lib/scenarios.mjs';
import { TARGETS } from './lib/targets.mjs';
import { reading, setFields, table } from './lib/report.mjs';

const { values } = parseArgs({
  options: {
    runs: { type: 'string', default: '5' },
    only: { type: 'string' },
    subjects: { type: 'string' },
    json: { type: 'string' },
    scale: { type: 'string', default: '1' },
    full: { type: 'boolean', default: false },
    resume: { type: 'string' },
  },
});
const runs = Number(values.runs);
if (!Number.isInteger(runs) || runs < 1) throw new Error(`Expected --runs to be an integer >= 1, got ${values.runs}`);
const names = values.only?.split(',') ?? Object.keys(SCENARIOS);
for (const n of names) if (!(n in SCENARIOS)) throw new Error(`Unknown scenario ${n}; known: ${Object.keys(SCENARIOS).join(', ')}`);
const subjects = values.subjects?.split(',');

const child = fileURLToPath(new URL('./child.mjs', import.meta.url));
const startupScript = fileURLToPath(new URL('./startup.mjs', import.meta.url));
const TIMEOUT_MS = 180_000;

function measure(scenario, row) {
  if (SCENARIOS[scenario].external) {
    const t0 = performance.now();
    const r = spawnSync(process.execPath, [startupScript, row.subject], { stdio: ['ignore', 'ignore', 'pipe'], timeout: TIMEOUT_MS });
    const ms = performance.now() - t0;
    const cpu = Number(/cpu-ms ([\d.]+)/.exec(String(r.stderr))?.[1]);
    // 13: the loop emptied while top-level await (close()) had not settled; see startup.mjs.
    if (r.status === 13) return { ms, cpu, closeHung: 1 };
    if (r.status !== 0) throw new Error(`start-up of ${row.id} failed (${r.status ?? r.signal}): ${r.stderr}`);
    return { ms, cpu };
  }
  const out = execFileSync(process.execPath, [child, scenario, row.id, values.scale], { encoding: 'utf8', timeout: TIMEOUT_MS, stdio: ['ignore', 'pipe', 'inherit'] });
  return JSON.parse(out.trim().split('\n').at(-1));
}

// --resume <log>: reuse the samples a previous run printed to stderr (for instance one that
// stopped half-way), measuring only what is missing.
const prior = {};
if (values.resume !== undefined) {
  for (const line of readFileSync(values.resume, 'utf8').split('\n')) {
    const m = /^(\S+) (\d+)\/\d+ (\S+): (\{.*\})$/.exec(line);
    if (m !== null) ((prior[m[1]] ??= {})[m[3]] ??= [])[Number(m[2]) - 1] = JSON.parse(m[4]);
  }
}

const results = {};
const started = Date.now();
// Other work on the machine shows up in every figure: the load average is reported with them.
const loadBefore = loadavg()[0];
for (const name of names) {
  const sc = SCENARIOS[name];
  const rows = sc.rows.filter((r) => (subjects === undefined || subjects.includes(r.subject)) && (values.full || r.full !== true));
  const samples = Object.fromEntries(rows.map((r) => [r.id, []]));
  const rounds = runs * (sc.runsFactor ?? 1);
  for (let run = 0; run < rounds; run++) {
    for (const row of rows) {
      const m = prior[name]?.[row.id]?.[run] ?? measure(name, row);
      samples[row.id].push(m);
      process.stderr.write(`${name} ${run + 1}/${rounds} ${row.id}: ${JSON.stringify(m)}\n`);
    }
  }
  if (sc.check !== undefined) {
    const seen = new Set(Object.values(samples).flat().map((m) => m[sc.check]));
    if (seen.size > 1) throw new Error(`${name}: results differ between runs: ${[...seen].join(', ')}`);
  }
  results[name] = { title: sc.title, rows: rows.map((r) => ({ ...r, ...summarize(sc, samples[r.id]) })) };
}

function summarize(sc, list) {
  if (list.some((m) => m.na !== undefined)) return { na: list.find((m) => m.na !== undefined).na, samples: list };
  const stats = {};
  for (const f of sc.fields) {
    const v = list.map((m) => m[f.key]).sort((a, b) => a - b);
    stats[f.key] = { median: v[Math.floor((v.length - 1) / 2)] * 0.5 + v[Math.ceil((v.length - 1) / 2)] * 0.5, min: v[0], max: v.at(-1) };
  }
  const hung = list.filter((m) => m.closeHung === 1).length;
  return { stats, samples: list, ...(hung > 0 ? { note: `close() never settled in ${hung} of ${list.length} runs` } : {}) };
}

const median = (scenario, id, key) => results[scenario]?.rows.find((r) => r.id === id)?.stats?.[key]?.median ?? NaN;
// A target is judged only when every row it reads was measured in this run.
const targets = TARGETS.flatMap((t) => {
  let missing = false;
  const met = t.check((...key) => {
    const v = median(...key);
    if (Number.isNaN(v)) missing = true;
    return v;
  });
  return missing ? [] : [{ text: t.text, met }];
});

const meta = {
  node: process.version,
  cpus: cpus().length,
  cpu: cpus()[0]?.model,
  runs,
  scale: Number(values.scale),
  date: new Date().toISOString(),
  minutes: (Date.now() - started) / 60000,
  load: [loadBefore, loadavg()[0]],
  versions: versions(),
};
setFields(Object.fromEntries(Object.entries(SCENARIOS).map(([k, v]) => [k, v.fields])));
console.log(table(results, reading));
const more = Object.entries(SCENARIOS).filter(([k, v]) => names.includes(k) && (v.runsFactor ?? 1) > 1).map(([k, v]) => `${k} ${runs * v.runsFactor}`);
console.log(`\n${runs} fresh-process runs per row${more.length > 0 ? ` (${more.join(', ')})` : ''}, alternating; median (min–max). Node ${meta.node}, ${meta.cpus} × ${meta.cpu}; ${meta.minutes.toFixed(1)} min; load average ${meta.load.map((l) => l.toFixed(1)).join(' → ')}.`);
console.log(`Versions: ${Object.entries(meta.versions).map(([k, v]) => `${k} ${v}`).join(', ')}`);
if (targets.length > 0) {
  console.log('\nTargets (issue 4), on these medians:');
  for (const t of targets) console.log(`  ${t.met ? 'met    ' : 'MISSED '} ${t.text}`);
}
if (values.json !== undefined) writeFileSync(values.json, `${JSON.stringify({ meta, results, targets }, null, 2)}\n`);

function versions() {
  const v = {};
  for (const name of ['loopfleet', 'piscina', 'tinypool', 'workerpool', 'poolifier']) {
    const dir = name === 'loopfleet' ? '../package.json' : `./node_modules/${name}/package.json`;
    try {
      v[name] = JSON.parse(readFileSync(new URL(dir, import.meta.url), 'utf8')).version;
    } catch {
      v[name] = 'missing';
    }
  }
  return v;
}
