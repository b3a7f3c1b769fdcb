// Issue 4's targets, checked against the medians of the same run. The process runtime's targets
// are set from the raw child-process IPC floors measured alongside, the way the thread targets
// relate to the raw postMessage floors.
export const TARGETS = [
  { scenario: 'throughput', text: 'thread, 1,000 in flight: ≥ 1,000,000 tasks/s', check: (m) => m('throughput', 'loopfleet-thread:inflight', 'rate') >= 1e6 },
  {
    scenario: 'throughput',
    text: 'thread, 1,000 in flight: ≥ 8× poolifier',
    check: (m) => m('throughput', 'loopfleet-thread:inflight', 'rate') >= 8 * m('throughput', 'poolifier:inflight', 'rate'),
  },
  {
    scenario: 'throughput',
    text: 'process, 1,000 in flight: ≥ 40 % of raw IPC arrays of 100 (the thread target is 40 % of its batched floor)',
    check: (m) => m('throughput', 'loopfleet-process:inflight', 'rate') >= 0.4 * m('throughput', 'raw-process-batch:inflight', 'rate'),
  },
  { scenario: 'latency', text: 'thread p50 ≤ raw postMessage + promise', check: (m) => m('latency', 'loopfleet-thread', 'p50') <= m('latency', 'raw-thread', 'p50') },
  { scenario: 'latency', text: 'process p50 ≤ raw IPC + promise', check: (m) => m('latency', 'loopfleet-process', 'p50') <= m('latency', 'raw-process', 'p50') },
  { scenario: 'mandelbrot', text: 'thread speedup ≥ 1.97', check: (m) => m('mandelbrot', 'one-thread', 'ms') / m('mandelbrot', 'loopfleet-thread', 'ms') >= 1.97 },
  { scenario: 'mandelbrot', text: 'process speedup ≥ 1.97', check: (m) => m('mandelbrot', 'one-thread', 'ms') / m('mandelbrot', 'loopfleet-process', 'ms') >= 1.97 },
  { scenario: 'startup', text: 'thread start-up ≤ raw threads + 10 ms', check: (m) => m('startup', 'loopfleet-thread', 'ms') <= m('startup', 'raw-thread', 'ms') + 10 },
  { scenario: 'startup', text: 'process start-up ≤ raw fork + 10 ms', check: (m) => m('startup', 'loopfleet-process', 'ms') <= m('startup', 'raw-process', 'ms') + 10 },
  { scenario: 'memory', text: 'thread: parent RSS ≤ 80 MB', check: (m) => m('memory', 'loopfleet-thread', 'rss') <= 80 },
  { scenario: 'memory', text: 'process: parent RSS ≤ raw IPC parent + 10 MB', check: (m) => m('memory', 'loopfleet-process', 'rss') <= m('memory', 'raw-process', 'rss') + 10 },
];
