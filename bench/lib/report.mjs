// The table: one Markdown table for every scenario, median (min–max), and a reading of each row
// against the others of the same run.

const SHORT = { throughput: 'throughput', latency: 'latency', mandelbrot: 'Mandelbrot', startup: 'start-up', memory: 'memory', streaming: 'streaming', messages: 'message mode' };

export function fmt(v, unit) {
  if (unit === '/s') return v >= 1e6 ? `${(v / 1e6).toFixed(2)}M/s` : `${Math.round(v / 1000)}k/s`;
  if (unit === 'MB') return `${v.toFixed(0)} MB`;
  if (unit === 'ms') return `${v.toFixed(0)} ms`;
  return `${v.toFixed(0)} ${unit}`;
}

function cell(stats, field) {
  const s = stats[field.key];
  const range = field.unit === '/s' ? `${fmt(s.min, '/s').replace('/s', '')}–${fmt(s.max, '/s')}` : `${fmt(s.min, field.unit).split(' ')[0]}–${fmt(s.max, field.unit)}`;
  return `${fmt(s.median, field.unit)} (${range})`;
}

const ratio = (a, b) => (Number.isFinite(a / b) ? `${(a / b).toFixed(2)}×` : '–');

/** The reading column: each row against the anchors and floors of the same run. */
export function reading(scenario, row, results) {
  const rows = results[scenario].rows;
  const get = (id, key) => rows.find((r) => r.id === id)?.stats?.[key];
  const floorId = (kind) => `raw-${row.group}${kind}`;
  switch (scenario) {
    case 'throughput': {
      const mode = row.id.split(':')[1];
      const me = row.stats.rate.median;
      const parts = [];
      const poolifier = get(`poolifier:${mode}`, 'rate')?.median;
      if (row.subject !== 'poolifier' && poolifier !== undefined) parts.push(`${ratio(me, poolifier)} poolifier`);
      const raw = get(`${floorId('')}:${mode}`, 'rate')?.median;
      if (!row.subject.startsWith('raw-') && raw !== undefined) parts.push(`${ratio(me, raw)} raw per message`);
      const batched = get(`${floorId('-batched')}:${mode}`, 'rate')?.median;
      if (row.subject.startsWith('loopfleet-') && batched !== undefined) parts.push(`${ratio(me, batched)} raw batched with promises`);
      return parts.join(', ');
    }
    case 'latency': {
      const raw = get(floorId(''), 'p50')?.median;
      if (row.subject.startsWith('raw-') || raw === undefined) return '';
      const d = row.stats.p50.median - raw;
      return `p50 ${d >= 0 ? '+' : '−'}${Math.abs(d).toFixed(0)} µs vs raw`;
    }
    case 'mandelbrot': {
      const one = rows.find((r) => r.id === 'one-thread');
      if (row.id === 'one-thread' || one === undefined) return '';
      // Per-run speedups pair each run with the one-thread run of the same round.
      const per = row.samples.map((m, i) => one.samples[i].ms / m.ms).sort((a, b) => a - b);
      return `speedup ${(one.stats.ms.median / row.stats.ms.median).toFixed(2)} (${per[0].toFixed(2)}–${per.at(-1).toFixed(2)})`;
    }
    case 'startup': {
      const raw = get(floorId(''), 'ms')?.median;
      if (row.subject.startsWith('raw-') || row.id === 'node' || raw === undefined) return '';
      const d = row.stats.ms.median - raw;
      const c = row.stats.cpu.median - get(floorId(''), 'cpu').median;
      return `raw ${d >= 0 ? '+' : '−'} ${Math.abs(d).toFixed(0)} ms (CPU ${c >= 0 ? '+' : '−'} ${Math.abs(c).toFixed(0)} ms)`;
    }
    case 'streaming':
    case 'messages': {
      const raw = get(floorId(''), 'rate')?.median;
      if (row.subject.startsWith('raw-') || raw === undefined) return '';
      return `${ratio(row.stats.rate.median, raw)} raw`;
    }
    default:
      return '';
  }
}

export function table(results, readingOf) {
  const lines = ['| scenario | row | runtime | median (min–max) | reading |', '| --- | --- | --- | --- | --- |'];
  for (const [scenario, { rows }] of Object.entries(results)) {
    const fields = fieldsOf(scenario);
    for (const row of rows) {
      const value = row.na ?? fields.map((f) => `${fields.length > 1 ? `${f.name ?? f.key} ` : ''}${cell(row.stats, f)}`).join('; ');
      const read = row.na === undefined ? [readingOf(scenario, row, results), row.note].filter(Boolean).join('; ') : '';
      lines.push(`| ${SHORT[scenario] ?? scenario} | ${row.label} | ${row.group} | ${value} | ${read} |`);
    }
  }
  return lines.join('\n');
}

let scenarioFields;
export function setFields(f) {
  scenarioFields = f;
}
function fieldsOf(scenario) {
  return scenarioFields[scenario];
}
