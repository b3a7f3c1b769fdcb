// The parallel ceiling of this machine for the Mandelbrot render: what no pool can beat.
//   node bench/parallel-ceiling.mjs [--rounds 7]
// Two bare worker threads each render the whole image (1600×1200, 1000 iterations, the same
// 20-row chunks, synchronously, no messages while rendering), first one thread alone, then both
// at once. With two free cores both at once take as long as one alone; the ratio
// 2 × alone / together is the speedup a perfect pool of two would get with no scheduling, no
// messages and no imbalance. On a VM whose two vCPUs share a host it stays below 2.
// Needs a build (npm run build).
import { Worker, isMainThread, parentPort } from 'node:worker_threads';
import { parseArgs } from 'node:util';

const IMAGE = { width: 1600, height: 1200, maxIter: 1000 };
const THUMB = { width: 160, height: 120, maxIter: 1000, y0: 0, rows: 120 };

if (!isMainThread) {
  const { renderRows } = await import('../dist/demo/mandelbrot.js');
  const chunks = [];
  for (let y0 = 0; y0 < IMAGE.height; y0 += 20) chunks.push({ ...IMAGE, y0, rows: 20 });
  renderRows(THUMB);
  renderRows(THUMB);
  parentPort.on('message', () => {
    const t0 = performance.now();
    let bytes = 0;
    for (const c of chunks) bytes += renderRows(c).length;
    if (bytes !== IMAGE.width * IMAGE.height * 3) throw new Error(`rendered ${bytes} bytes`);
    parentPort.postMessage(performance.now() - t0);
  });
  parentPort.postMessage('ready');
} else {
  const { values } = parseArgs({ options: { rounds: { type: 'string', default: '7' } } });
  const rounds = Number(values.rounds);
  const workers = [new Worker(new URL(import.meta.url)), new Worker(new URL(import.meta.url))];
  for (const w of workers) w.on('error', (err) => { console.error(err); process.exit(1); });
  const next = (w) => new Promise((resolve) => w.once('message', resolve));
  await Promise.all(workers.map(next));
  const render = (w) => {
    const done = next(w);
    w.postMessage('go');
    return done;
  };
  const ratios = [];
  for (let r = 0; r < rounds; r++) {
    // Alternating which worker renders alone; wall time of the pair, from the parent.
    const alone = await render(workers[r % 2]);
    const t0 = performance.now();
    await Promise.all(workers.map(render));
    const together = performance.now() - t0;
    ratios.push((2 * alone) / together);
    console.log(`round ${r + 1}: one thread alone ${alone.toFixed(0)} ms, two at once ${together.toFixed(0)} ms, ceiling ${((2 * alone) / together).toFixed(2)}`);
  }
  ratios.sort((a, b) => a - b);
  console.log(`parallel ceiling (2 × alone / together): median ${ratios[rounds >> 1].toFixed(2)} (${ratios[0].toFixed(2)}–${ratios.at(-1).toFixed(2)}) over ${rounds} rounds`);
  await Promise.all(workers.map((w) => w.terminate()));
}
