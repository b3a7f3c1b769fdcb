// The loopfleet dashboard page: reads the server's event stream (/events) and draws one section
// per pool, with one row per worker; every chart is a uPlot sparkline of the last two minutes.
/* global uPlot */

const HISTORY = 120;
const MB = 1024 * 1024;

const fmt = {
  pct: (v) => (v == null ? '–' : `${(v * 100).toFixed(0)} %`),
  mb: (v) => (v == null ? '–' : `${(v / MB).toFixed(v < 100 * MB ? 1 : 0)} MB`),
  ms: (v) => (v == null ? '–' : `${v < 10 ? v.toFixed(1) : v.toFixed(0)} ms`),
  rate: (v) => (v == null ? '–' : `${v < 10 ? v.toFixed(1) : Math.round(v).toLocaleString('en')}/s`),
  int: (v) => (v == null ? '–' : Math.round(v).toLocaleString('en')),
};

// Charts of a worker row, and of a pool's own row: [key, label, colour, format, fixed y range].
const WORKER_CHARTS = [
  ['cpu', 'CPU', '--cpu', fmt.pct, [0, 1]],
  ['rss', 'RSS', '--rss', fmt.mb, null],
  ['delay', 'Loop delay p99', '--delay', fmt.ms, null],
  ['elu', 'Loop utilisation', '--elu', fmt.pct, [0, 1]],
  ['tasks', 'Tasks/s', '--tasks', fmt.rate, null],
];
const POOL_CHARTS = [
  ['throughput', 'Tasks/s', '--tasks', fmt.rate, null],
  ['queue', 'Queue', '--queue', fmt.int, null],
  ['restarts', 'Restarts', '--restarts', fmt.int, null],
  ['wait', 'Wait p99', '--delay', fmt.ms, null],
  ['run', 'Run p99', '--rss', fmt.ms, null],
];

const css = getComputedStyle(document.documentElement);
const pools = new Map();
const main = document.getElementById('pools');

function el(tag, attrs = {}, ...children) {
  const e = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs)) e.setAttribute(k, v);
  e.append(...children);
  return e;
}

/** One sparkline: a label, the current value, the peak over the window, and a uPlot chart. */
class Spark {
  constructor(parent, [key, label, colour, format, range], xs, big) {
    this.format = format;
    this.ys = [];
    this.value = el('span', { class: 'value' }, '–');
    this.peak = el('span', { class: 'peak' });
    const chart = el('div', { class: 'chart' });
    // Worker rows are labelled by the column heads; the pool's own charts by themselves.
    this.cell = el('div', { class: 'cell', 'data-metric': key }, el('div', { class: 'label' }, big ? `${label} ` : '', this.value, this.peak), chart);
    parent.append(this.cell);
    const stroke = css.getPropertyValue(colour).trim() || '#333';
    this.plot = new uPlot(
      {
        width: Math.max(60, chart.clientWidth),
        height: big ? 64 : 44,
        pxAlign: false,
        cursor: { show: false },
        select: { show: false },
        legend: { show: false },
        scales: {
          x: { time: true, range: () => xs.window() },
          y: { range: range ? () => range : (_u, _min, max) => [0, max > 0 ? max * 1.1 : 1] },
        },
        axes: [{ show: false }, { show: big, size: 64, space: 18, font: '11px system-ui, sans-serif', ticks: { show: false }, grid: { stroke: '#eef0f3' }, values: (_u, ticks) => ticks.map((t) => format(t)) }],
        series: [{}, { stroke, fill: `${stroke}22`, width: 1.5, points: { show: false } }],
      },
      [xs.values, this.ys],
      chart,
    );
    this.observer = new ResizeObserver(() => this.plot.setSize({ width: Math.max(60, chart.clientWidth), height: big ? 64 : 44 }));
    this.observer.observe(chart);
  }

  destroy() {
    this.observer.disconnect();
    this.plot.destroy();
  }

  /** Appends a value (null: no data at that time), keeping it aligned with the x values. */
  push(v) {
    this.ys.push(v);
  }

  trim(n) {
    if (n > 0) this.ys.splice(0, n);
  }

  pad(length) {
    while (this.ys.length < length) this.ys.unshift(null);
  }

  draw(xs) {
    const last = this.ys.at(-1);
    this.value.textContent = this.format(last);
    let peak = null;
    for (const y of this.ys) if (y != null && (peak == null || y > peak)) peak = y;
    this.peak.textContent = peak == null ? '' : `max ${this.format(peak)}`;
    this.plot.setData([xs.values, this.ys]);
  }
}

/** The shared time axis of a pool's charts, in seconds. */
class Axis {
  values = [];
  /** The last two minutes; until there is that much history, what there is. */
  window() {
    const last = this.values.at(-1) ?? Date.now() / 1000;
    const first = this.values[0] ?? last;
    return [Math.min(last - 1, Math.max(first, last - HISTORY)), last];
  }
}

class WorkerRow {
  constructor(parent, index, xs) {
    this.row = el('div', { class: 'worker', 'data-worker': String(index) });
    this.name = el('b', {}, `#${index}`);
    this.pid = el('span');
    this.state = el('span', { class: 'state' });
    this.done = el('span', { class: 'done' });
    this.row.append(el('div', { class: 'who' }, this.name, this.pid, this.state, this.done));
    parent.append(this.row);
    this.sparks = Object.fromEntries(WORKER_CHARTS.map((spec) => [spec[0], new Spark(this.row, spec, xs, false)]));
    this.prev = undefined;
  }

  show(w) {
    this.pid.textContent = w.threadId > 0 ? `pid ${w.pid} · thread ${w.threadId}` : `pid ${w.pid}`;
    this.state.textContent = w.state;
    this.done.textContent = `${fmt.int(w.tasksCompleted)} done${w.tasksFailed > 0 ? ` · ${fmt.int(w.tasksFailed)} failed` : ''}`;
    this.row.classList.toggle('gone', w.state === 'exited' || w.state === 'failed');
  }
}

class PoolView {
  constructor(info) {
    this.id = info.id;
    this.xs = new Axis();
    this.rows = new Map();
    this.prev = undefined;
    this.stateEl = el('span', { class: 'tag state' });
    this.noteEl = el('span', { class: 'muted note' });
    this.totalsEl = el('span', { class: 'muted totals' });
    const title = el('h2', {}, info.name);
    const source = info.source ? el('span', { class: 'muted' }, `from ${info.source}`) : '';
    this.section = el('section', { class: 'pool', 'data-pool': info.id });
    this.section.append(el('header', {}, title, el('span', { class: 'tag' }, info.runtime), this.stateEl, source, this.totalsEl, this.noteEl));
    const poolRow = el('div', { class: 'pool-row' });
    this.workersEl = el('div', { class: 'workers' });
    this.workersEl.append(el('div', { class: 'worker-head' }, el('span', {}, 'Worker'), ...WORKER_CHARTS.map((c) => el('span', {}, c[1]))));
    this.section.append(poolRow, this.workersEl);
    main.append(this.section);
    this.sparks = Object.fromEntries(POOL_CHARTS.map((spec) => [spec[0], new Spark(poolRow, spec, this.xs, true)]));
    this.setClosed(info.closed);
    for (const sample of info.samples) this.add(sample, false);
    this.draw();
  }

  setClosed(closed) {
    this.closed = closed;
    this.section.classList.toggle('closed', closed);
    this.stateEl.textContent = closed ? 'closed' : 'live';
  }

  remove() {
    for (const s of this.allSparks()) s.destroy();
    this.section.remove();
  }

  add(m, draw = true) {
    const prev = this.prev;
    this.prev = m;
    const seconds = prev ? (m.at - prev.at) / 1000 : 0;
    const xs = this.xs.values;
    xs.push(m.at / 1000);
    const restarts = Object.values(m.restarts ?? {}).reduce((a, b) => a + b, 0);
    const pool = this.sparks;
    // From the counters rather than m.throughput, which moves once per metrics interval.
    pool.throughput.push(prev && seconds > 0 ? Math.max(0, m.completed + m.failed - prev.completed - prev.failed) / seconds : null);
    pool.queue.push(m.queue?.total ?? null);
    pool.restarts.push(restarts);
    pool.restarts.cell.title = Object.entries(m.restarts ?? {}).map(([cause, n]) => `${cause}: ${n}`).join(', ') || 'no restarts';
    pool.wait.push(m.waitTime?.p99 ?? null);
    pool.run.push(m.runTime?.p99 ?? null);
    this.totalsEl.textContent = `${fmt.int(m.completed)} done · ${fmt.int(m.failed)} failed · ${m.workers.length} worker${m.workers.length === 1 ? '' : 's'}`;
    this.noteEl.textContent = `workers sampled every ${(m.interval / 1000).toLocaleString('en')} s`;
    const seen = new Set();
    for (const w of m.workers) {
      seen.add(w.worker);
      let row = this.rows.get(w.worker);
      if (row === undefined) {
        row = new WorkerRow(this.workersEl, w.worker, this.xs);
        for (const s of Object.values(row.sparks)) s.pad(xs.length - 1);
        this.rows.set(w.worker, row);
        this.sortRows();
      }
      const before = row.prev;
      // Tasks per second from the parent's counters, over the time between two snapshots; a
      // replaced worker (another pid) restarts its count.
      const tps = before && seconds > 0 ? Math.max(0, w.tasksCompleted - before.tasksCompleted) / seconds : null;
      row.prev = w;
      const s = row.sparks;
      // A worker that has not reported yet (sampledAt 0) has no resource figures, not zeros.
      const sampled = w.sampledAt > 0;
      s.cpu.push(sampled ? w.cpu : null);
      s.rss.push(sampled ? w.rss : null);
      s.delay.push(sampled ? (w.loopDelay?.p99 ?? null) : null);
      s.elu.push(sampled ? w.elu : null);
      s.tasks.push(tps);
      row.show(w);
    }
    for (const [index, row] of this.rows) {
      if (seen.has(index)) continue;
      for (const s of Object.values(row.sparks)) s.push(null);
      row.prev = undefined;
    }
    const excess = xs.length - HISTORY;
    if (excess > 0) {
      xs.splice(0, excess);
      for (const s of this.allSparks()) s.trim(excess);
    }
    if (draw) this.draw();
  }

  *allSparks() {
    yield* Object.values(this.sparks);
    for (const row of this.rows.values()) yield* Object.values(row.sparks);
  }

  sortRows() {
    for (const index of [...this.rows.keys()].sort((a, b) => a - b)) this.workersEl.append(this.rows.get(index).row);
  }

  draw() {
    for (const s of this.allSparks()) s.draw(this.xs);
  }
}

const status = document.getElementById('status');
const updated = document.getElementById('updated');
function setStatus(text) {
  status.textContent = text;
  status.className = `status ${text}`;
}

function define(info) {
  pools.get(info.id)?.remove();
  pools.set(info.id, new PoolView(info));
  document.getElementById('empty').hidden = pools.size > 0;
}

const events = new EventSource('/events');
events.addEventListener('open', () => setStatus('live'));
events.addEventListener('error', () => setStatus(events.readyState === EventSource.CLOSED ? 'closed' : 'reconnecting'));
events.addEventListener('pool', (e) => define(JSON.parse(e.data)));
events.addEventListener('metrics', (e) => {
  const { id, sample } = JSON.parse(e.data);
  pools.get(id)?.add(sample);
  updated.textContent = `updated ${new Date(sample.at).toLocaleTimeString('en-GB')}`;
});
events.addEventListener('closed', (e) => pools.get(JSON.parse(e.data).id)?.setClosed(true));
events.addEventListener('removed', (e) => {
  const { id } = JSON.parse(e.data);
  pools.get(id)?.remove();
  pools.delete(id);
  document.getElementById('empty').hidden = pools.size > 0;
});
events.addEventListener('sources', (e) => {
  const list = document.getElementById('sources');
  list.replaceChildren(
    ...JSON.parse(e.data).sources.map((s) =>
      el('li', { class: s.connected ? 'up' : 'down', title: s.error ?? '' }, `${s.connected ? '●' : '○'} ${s.url}${s.connected ? '' : ` (${s.error ?? 'connecting'})`}`),
    ),
  );
});
