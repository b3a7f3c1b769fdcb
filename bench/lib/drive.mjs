// Drivers shared by the scenarios. Every one of them checks every result it gets.
import { MessageChannel } from 'node:worker_threads';
import { rawEndpoints } from './subjects.mjs';

/**
 * Runs `fn` (which resolves with a rate) and adds the CPU time this process spent per item, in µs:
 * all its threads (the parent and worker threads; not child processes). Less sensitive to a
 * busy machine than wall time, so it is the better figure for A/B comparisons.
 */
export async function withCpu(n, fn) {
  const c0 = process.cpuUsage();
  const rate = await fn();
  const c = process.cpuUsage(c0);
  return { rate, cpuUs: (c.user + c.system) / n };
}

/** Keeps `inflight` add calls outstanding until n have completed; returns tasks/s. */
export function drive(add, n, inflight) {
  return new Promise((resolve, reject) => {
    let sent = 0;
    let done = 0;
    const t0 = performance.now();
    const next = () => {
      const i = sent++;
      add(i, 1).then((r) => {
        if (r !== i + 1) return reject(new Error(`wrong result for task ${i}: ${r}`));
        if (++done === n) resolve(n / ((performance.now() - t0) / 1000));
        else if (sent < n) next();
      }, reject);
    };
    for (let k = 0; k < Math.min(inflight, n); k++) next();
  });
}

/**
 * The batched floor: arrays of `per` adds per message, `inflight` tasks outstanding (rounded to
 * whole batches), each batch to the worker with the fewest batches pending. Returns tasks/s.
 */
export function driveBatches(eps, n, inflight, per = 100) {
  return new Promise((resolve, reject) => {
    const batches = Math.ceil(n / per);
    const window = Math.max(1, Math.floor(inflight / per));
    const load = eps.map(() => 0);
    let sent = 0;
    let done = 0;
    const t0 = performance.now();
    const send = () => {
      const b = sent++;
      const first = b * per;
      const m = ['batch', first];
      for (let i = first; i < Math.min(n, first + per); i++) m.push({ a: i, b: 1 });
      const k = load[0] <= load[1] ? 0 : 1;
      load[k]++;
      eps[k].post(m);
    };
    eps.forEach((ep, k) =>
      ep.on((m) => {
        load[k]--;
        const first = m[1];
        for (let j = 2; j < m.length; j++) if (m[j] !== first + j - 2 + 1) return reject(new Error(`wrong result for task ${first + j - 2}: ${m[j]}`));
        if (++done === batches) resolve(n / ((performance.now() - t0) / 1000));
        else if (sent < batches) send();
      }),
    );
    for (let k = 0; k < Math.min(window, batches); k++) send();
  });
}

/** 10k sequential awaited calls after a warm-up; p50 and p99 in µs. */
export async function latency(add, n, warmup) {
  for (let i = 0; i < warmup; i++) if ((await add(i, 1)) !== i + 1) throw new Error(`wrong result for task ${i}`);
  const times = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    const t0 = performance.now();
    const r = await add(i, 2);
    times[i] = performance.now() - t0;
    if (r !== i + 2) throw new Error(`wrong result for task ${i}: ${r}`);
  }
  times.sort();
  const at = (q) => times[Math.min(n - 1, Math.floor(q * n))] * 1000;
  return { p50: at(0.5), p99: at(0.99) };
}

/** Checks that a stream delivered 0, 1, ..., n - 1 in order; returns items/s. */
export async function consume(iterable, n) {
  const t0 = performance.now();
  let expect = 0;
  for await (const item of iterable) {
    if (item !== expect) throw new Error(`stream item ${expect}: got ${item}`);
    expect++;
  }
  if (expect !== n) throw new Error(`stream ended after ${expect} of ${n} items`);
  return n / ((performance.now() - t0) / 1000);
}

/**
 * The hand-written stream floor: the worker posts one message per item and the parent returns
 * credit every half window (bench/workers/raw.mjs). Over a MessagePort of its own on threads, over
 * the IPC channel for a process. Returns an async iterable of the items.
 */
export function rawStream(ep, runtime, n) {
  const items = [];
  let ended = false;
  let wake;
  let consumed = 0;
  let ack;
  const onItem = (m) => {
    if (m[0] === 'item') items.push(m[1]);
    else if (m[0] === 'end') ended = true;
    else return;
    wake?.();
  };
  if (runtime === 'thread') {
    const { port1, port2 } = new MessageChannel();
    port1.on('message', onItem);
    ack = (k) => port1.postMessage(['credit', k]);
    ep.post(['stream', n, port2], [port2]);
    return iterate(() => port1.close());
  }
  ep.on(onItem);
  ack = (k) => ep.post(['credit', k]);
  ep.post(['stream', n]);
  return iterate(() => {});

  async function* iterate(done) {
    let head = 0;
    for (;;) {
      if (head < items.length) {
        yield items[head++];
        if (++consumed === 512) {
          ack(consumed);
          consumed = 0;
        }
        if (head === items.length) {
          items.length = 0;
          head = 0;
        }
      } else if (ended) {
        done();
        return;
      } else {
        await new Promise((r) => (wake = r));
        wake = undefined;
      }
    }
  }
}

/** Message mode: `window` round trips outstanding until n came back; each value checked once. */
export function roundTrips(send, onReply, n, window) {
  return new Promise((resolve, reject) => {
    const seen = new Uint8Array(n);
    let sent = 0;
    let done = 0;
    const t0 = performance.now();
    onReply((v) => {
      if (typeof v !== 'number' || v < 0 || v >= n || seen[v] === 1) return reject(new Error(`unexpected reply ${v}`));
      seen[v] = 1;
      if (++done === n) resolve(n / ((performance.now() - t0) / 1000));
      else if (sent < n) send(sent++);
    });
    for (let k = 0; k < Math.min(window, n); k++) send(sent++);
  });
}

export { rawEndpoints };
