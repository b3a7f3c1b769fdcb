// The scenarios: their rows (who is measured, and how), what each measurement returns, and how a
// row reads against the others. `measure` runs in a fresh child process (bench/child.mjs), except
// for start-up, whose child process is itself the measurement (bench/startup.mjs).
import { createHash } from 'node:crypto';
import { renderRows } from '../../dist/demo/mandelbrot.js';
import { consume, drive, driveBatches, latency, rawEndpoints, rawStream, roundTrips, withCpu } from './drive.mjs';
import { POOLS, SUBJECTS } from './subjects.mjs';

const SIZE = 2;
const RAW = ['raw-thread', 'raw-process'];
const group = (id) => SUBJECTS[id]?.group ?? (id.includes('process') ? 'process' : 'thread');
const label = (id) => SUBJECTS[id]?.label ?? id;

/** Scaled counts, so that `--scale 0.1` gives a quick smoke run. */
const count = (n, scale) => Math.max(1, Math.round(n * scale));

/** Why a limit: poolifier's destroy() sometimes never settles (also seen in ../shared/REFERENCE.md). */
const CLOSE_LIMIT_MS = 10_000;

async function withPool(id, opts, fn) {
  const s = await SUBJECTS[id].open({ size: SIZE, ...opts });
  let result;
  try {
    result = await fn(s);
  } finally {
    let timer;
    const hung = await Promise.race([s.close().then(() => false), new Promise((r) => (timer = setTimeout(r, CLOSE_LIMIT_MS, true)))]);
    clearTimeout(timer);
    if (hung && result !== undefined) result.closeHung = 1;
  }
  return result;
}

async function withRaw(runtime, fn) {
  const eps = rawEndpoints(runtime, SIZE);
  try {
    return await fn(eps);
  } finally {
    await Promise.all(eps.map((e) => e.close()));
  }
}

// ---- 1. throughput --------------------------------------------------------------------------

// "All at once" keeps the suite within ~15 minutes by leaving out the slowest rows unless
// --full: the anchors (tinypool and workerpool fall to ~3k/s with 200k queued, see BENCHMARKS.md)
// and the per-message child-process floor.
const AT_ONCE = new Set(['loopfleet-thread', 'loopfleet-process', 'raw-thread', 'raw-thread-batched']);
const throughputRows = [];
for (const [mode, modeLabel] of [['inflight', '1,000 in flight'], ['all', 'all at once']]) {
  for (const id of [...POOLS, ...RAW, 'raw-thread-batched', 'raw-process-batched']) {
    throughputRows.push({ id: `${id}:${mode}`, subject: id, label: `${label(id)}, ${modeLabel}`, group: group(id), mode, full: mode === 'all' && !AT_ONCE.has(id) });
  }
  for (const runtime of ['thread', 'process']) {
    throughputRows.push({
      id: `raw-${runtime}-batch:${mode}`,
      subject: `raw-${runtime}-batch`,
      label: `raw ${runtime === 'thread' ? 'postMessage' : 'child-process IPC'}, arrays of 100 tasks, ${modeLabel}`,
      group: runtime,
      mode,
    });
  }
}

const throughput = {
  title: 'Throughput: 200k tiny tasks (add two numbers), tasks/s',
  rows: throughputRows,
  fields: [{ key: 'rate', unit: '/s', better: 'higher' }],
  async measure(row, { scale }) {
    const n = count(200_000, scale);
    const inflight = row.mode === 'all' ? n : 1000;
    const warm = count(20_000, scale);
    if (row.subject.endsWith('-batch')) {
      const runtime = row.subject.includes('process') ? 'process' : 'thread';
      // Fresh endpoints for the timed pass: each driver installs its own listeners.
      await withRaw(runtime, (eps) => driveBatches(eps, warm, Math.min(inflight, warm)));
      return withRaw(runtime, (eps) => withCpu(n, () => driveBatches(eps, n, inflight)));
    }
    return withPool(row.subject, {}, async (s) => {
      await drive(s.add, warm, Math.min(inflight, warm));
      return withCpu(n, () => drive(s.add, n, inflight));
    });
  },
};

// ---- 2. latency -----------------------------------------------------------------------------

const latencyScenario = {
  title: 'Latency: 10k sequential tasks (each awaited), µs',
  rows: [...POOLS, ...RAW].map((id) => ({ id, subject: id, label: label(id), group: group(id) })),
  fields: [
    { key: 'p50', unit: 'µs', better: 'lower' },
    { key: 'p99', unit: 'µs', better: 'lower' },
  ],
  measure: (row, { scale }) => withPool(row.subject, {}, (s) => latency(s.add, count(10_000, scale), count(1_000, scale))),
};

// ---- 3. Mandelbrot --------------------------------------------------------------------------

const IMAGE = { width: 1600, height: 1200, maxIter: 1000 };
const CHUNK_ROWS = 20;
const THUMB = { width: 160, height: 120, maxIter: 1000, y0: 0, rows: 120 };

function chunks(scale) {
  const height = Math.max(CHUNK_ROWS, Math.round((IMAGE.height * scale) / CHUNK_ROWS) * CHUNK_ROWS);
  const width = Math.max(16, Math.round(IMAGE.width * scale));
  const out = [];
  for (let y0 = 0; y0 < height; y0 += CHUNK_ROWS) out.push({ ...IMAGE, width, height, y0, rows: Math.min(CHUNK_ROWS, height - y0) });
  return out;
}

/** Renders every chunk through `render`, all submitted at once; ms and a hash of the image. */
async function renderAll(render, scale) {
  const list = chunks(scale);
  const { width, height } = list[0];
  const rowBytes = width * 3;
  const pixels = new Uint8Array(width * height * 3);
  const t0 = performance.now();
  await Promise.all(
    list.map(async (c) => {
      const bytes = await render(c);
      if (bytes.length !== c.rows * rowBytes) throw new Error(`chunk at row ${c.y0}: ${bytes.length} bytes, expected ${c.rows * rowBytes}`);
      pixels.set(bytes, c.y0 * rowBytes);
    }),
  );
  const ms = performance.now() - t0;
  return { ms, hash: createHash('sha1').update(pixels).digest('hex').slice(0, 12) };
}

const mandelbrot = {
  title: `Mandelbrot ${IMAGE.width}×${IMAGE.height}, ${IMAGE.maxIter} iterations, ${CHUNK_ROWS}-row chunks: ms, and speedup over one thread`,
  rows: [{ id: 'one-thread', subject: 'one-thread', label: 'one thread (main thread, no pool)', group: 'thread' }, ...[...POOLS, ...RAW].map((id) => ({ id, subject: id, label: `${label(id)}, pool of 2`, group: group(id) }))],
  fields: [{ key: 'ms', unit: 'ms', better: 'lower' }],
  check: 'hash',
  async measure(row, { scale }) {
    if (row.subject === 'one-thread') {
      renderRows(THUMB);
      return renderAll(async (c) => renderRows(c), scale);
    }
    // Raw workers take one chunk at a time (a pull model), as a hand-written pool would.
    return withPool(row.subject, { limit: 1 }, async (s) => {
      // Warm every worker's JIT first (all libraries alike): twice as many thumbnails as workers.
      await Promise.all(Array.from({ length: 2 * SIZE }, () => s.rows(THUMB)));
      return renderAll(s.rows, scale);
    });
  },
};

// ---- 4. start-up ----------------------------------------------------------------------------

const startup = {
  title: 'Start-up: a whole process that imports, creates a pool of 2, runs one task and closes: wall ms, and CPU ms of all its threads',
  rows: [{ id: 'node', subject: 'node', label: 'node, empty script (for reference)', group: 'thread' }, ...[...POOLS, ...RAW].map((id) => ({ id, subject: id, label: label(id), group: group(id) }))],
  fields: [
    { key: 'ms', name: 'wall', unit: 'ms', better: 'lower' },
    { key: 'cpu', name: 'CPU', unit: 'ms', better: 'lower' },
  ],
  external: true,
  // The cheapest measurement (one short process) and the noisiest (a whole process start on a
  // shared host moves by ±20 ms): three times the rounds of the others.
  runsFactor: 3,
};

// ---- 5. memory ------------------------------------------------------------------------------

const memory = {
  title: 'Memory: parent RSS after 10k tasks (1,000 in flight), MB',
  rows: [...POOLS, ...RAW].map((id) => ({ id, subject: id, label: label(id), group: group(id) })),
  fields: [{ key: 'rss', unit: 'MB', better: 'lower' }],
  measure: (row, { scale }) =>
    withPool(row.subject, {}, async (s) => {
      await drive(s.add, count(10_000, scale), 1000);
      return { rss: process.memoryUsage.rss() / 1024 / 1024 };
    }),
};

// ---- 6. streaming ---------------------------------------------------------------------------

const STREAM_NA = 'n/a (pool.stream not available in this build)';

const streaming = {
  title: 'Streaming: 200k small items from a worker async generator to the parent, items/s',
  rows: [
    { id: 'loopfleet-thread', subject: 'loopfleet-thread', label: 'loopfleet (thread), pool.stream, highWaterMark 1024', group: 'thread' },
    { id: 'loopfleet-process', subject: 'loopfleet-process', label: 'loopfleet (process), pool.stream, highWaterMark 1024', group: 'process' },
    { id: 'raw-thread', subject: 'raw-thread', label: 'hand-written MessagePort stream (credit every 512)', group: 'thread' },
    { id: 'raw-process', subject: 'raw-process', label: 'hand-written child-process IPC stream (credit every 512)', group: 'process' },
  ],
  fields: [{ key: 'rate', unit: '/s', better: 'higher' }],
  async measure(row, { scale }) {
    const n = count(200_000, scale);
    const warm = count(20_000, scale);
    if (row.subject.startsWith('raw-')) {
      const runtime = group(row.subject);
      return withRaw(runtime, async ([ep]) => {
        await consume(rawStream(ep, runtime, warm), warm);
        // A thread gets a fresh MessagePort per stream; a process shares its IPC channel, so the
        // timed stream needs a fresh child.
        if (runtime === 'thread') return { rate: await consume(rawStream(ep, runtime, n), n) };
        return withRaw(runtime, async ([fresh]) => ({ rate: await consume(rawStream(fresh, runtime, n), n) }));
      });
    }
    return withPool(row.subject, {}, async (s) => {
      if (typeof s.pool.stream !== 'function') return { na: STREAM_NA };
      await consume(s.pool.stream('items', { n: warm }, { highWaterMark: 1024 }), warm);
      return { rate: await consume(s.pool.stream('items', { n }, { highWaterMark: 1024 }), n) };
    });
  },
};

// ---- 7. message mode ------------------------------------------------------------------------

const messages = {
  title: 'Message mode: 100k put → ctx.put round trips (1,000 outstanding), round trips/s',
  rows: [
    { id: 'loopfleet-thread', subject: 'loopfleet-thread', label: 'loopfleet (thread), put / ctx.put', group: 'thread' },
    { id: 'loopfleet-thread-wait', subject: 'loopfleet-thread', label: "loopfleet (thread), onMessage returns ctx.put's promise", group: 'thread', wait: true },
    { id: 'loopfleet-process', subject: 'loopfleet-process', label: 'loopfleet (process), put / ctx.put', group: 'process' },
    { id: 'loopfleet-process-wait', subject: 'loopfleet-process', label: "loopfleet (process), onMessage returns ctx.put's promise", group: 'process', wait: true },
    { id: 'raw-thread', subject: 'raw-thread', label: 'raw postMessage echo', group: 'thread' },
    { id: 'raw-process', subject: 'raw-process', label: 'raw child-process IPC echo', group: 'process' },
  ],
  fields: [{ key: 'rate', unit: '/s', better: 'higher' }],
  async measure(row, { scale }) {
    const n = count(100_000, scale);
    const warm = count(10_000, scale);
    let reply = () => {};
    const twice = async (send) => {
      await roundTrips(send, (f) => (reply = f), warm, 1000);
      return { rate: await roundTrips(send, (f) => (reply = f), n, 1000) };
    };
    if (row.subject.startsWith('raw-')) {
      return withRaw(group(row.subject), (eps) => {
        for (const ep of eps) ep.on((m) => reply(m[1]));
        let k = 0;
        return twice((v) => eps[k++ & 1].post(['echo', v]));
      });
    }
    return withPool(row.subject, { workerData: { wait: row.wait === true } }, (s) => {
      s.pool.on('message', (v) => reply(v));
      return twice((v) => void s.pool.put(v));
    });
  },
};

export const SCENARIOS = { throughput, latency: latencyScenario, mandelbrot, startup, memory, streaming, messages };
