// One adapter per library: open a pool of `size` workers and expose `add(a, b)`, `rows(opts)` and
// `close()`. Every adapter uses the library's defaults apart from the pool size, and loads its
// workers from bench/workers/, which all run the same task code (bench/workers/tasks.mjs).
import { fork } from 'node:child_process';
import { Worker } from 'node:worker_threads';

const worker = (name) => new URL(`../workers/${name}.mjs`, import.meta.url);
const workerPath = (name) => worker(name).pathname;

async function loopfleet(runtime, size, ready = true, workerData = undefined) {
  const { Pool } = await import('../../dist/index.js');
  const pool = new Pool({ worker: worker('loopfleet'), size, runtime, workerData });
  if (ready) await pool.ready();
  return {
    pool,
    add: (a, b) => pool.run('add', { a, b }),
    rows: (opts) => pool.run('rows', opts),
    close: () => pool.close(),
  };
}

async function piscina(size) {
  const { Piscina } = await import('piscina');
  const pool = new Piscina({ filename: worker('piscina').href, minThreads: size, maxThreads: size });
  return {
    add: (a, b) => pool.run({ a, b }, { name: 'add' }),
    rows: (opts) => pool.run(opts, { name: 'rows' }),
    close: () => pool.destroy(),
  };
}

async function tinypool(size) {
  const { Tinypool } = await import('tinypool');
  const pool = new Tinypool({ filename: worker('tinypool').href, minThreads: size, maxThreads: size });
  return {
    add: (a, b) => pool.run({ a, b }, { name: 'add' }),
    rows: (opts) => pool.run(opts, { name: 'rows' }),
    close: () => pool.destroy(),
  };
}

async function workerpool(size) {
  const { default: wp } = await import('workerpool');
  const pool = wp.pool(workerPath('workerpool'), { minWorkers: size, maxWorkers: size, workerType: 'thread' });
  return {
    add: (a, b) => pool.exec('add', [{ a, b }]),
    rows: (opts) => pool.exec('rows', [opts]),
    close: () => pool.terminate(),
  };
}

async function poolifier(size) {
  const { FixedThreadPool } = await import('poolifier');
  const pool = new FixedThreadPool(size, workerPath('poolifier'));
  return {
    add: (a, b) => pool.execute({ a, b }, 'add'),
    rows: (opts) => pool.execute(opts, 'rows'),
    close: () => pool.destroy(),
  };
}

/**
 * The floor: bare workers, a Map of pending promises and one message per task, as a hand-written
 * pool would do it. Each call goes to the worker with the fewest calls pending; with `limit`, at
 * most that many per worker, the rest waiting in a queue (a pull model, for long tasks).
 */
export function rawEndpoints(runtime, size) {
  const url = worker('raw');
  return Array.from({ length: size }, () => {
    if (runtime === 'thread') {
      const w = new Worker(url);
      return { post: (m, t) => w.postMessage(m, t), on: (f) => w.on('message', f), raw: w, close: () => w.terminate() };
    }
    const c = fork(url.pathname, [], { serialization: 'advanced', stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
    return {
      post: (m) => c.send(m),
      on: (f) => c.on('message', f),
      raw: c,
      close: () =>
        new Promise((resolve) => {
          if (c.exitCode !== null) return resolve();
          c.once('exit', resolve);
          c.kill();
        }),
    };
  });
}

function raw(runtime, size, limit = Infinity) {
  const eps = rawEndpoints(runtime, size);
  const pending = new Map();
  const load = eps.map(() => 0);
  const queue = [];
  let next = 0;
  const send = (k, id, m) => {
    load[k]++;
    eps[k].post(m);
    void id;
  };
  const pick = () => {
    let best = -1;
    for (let k = 0; k < eps.length; k++) if (load[k] < limit && (best < 0 || load[k] < load[best])) best = k;
    return best;
  };
  eps.forEach((ep, k) =>
    ep.on((m) => {
      const resolve = pending.get(m[0]);
      pending.delete(m[0]);
      load[k]--;
      if (queue.length > 0) send(k, ...queue.shift());
      resolve(m[1]);
    }),
  );
  const call = (m) =>
    new Promise((resolve) => {
      const id = m[0];
      pending.set(id, resolve);
      const k = pick();
      if (k < 0) queue.push([id, m]);
      else send(k, id, m);
    });
  return {
    add: (a, b) => call([next++, { a, b }]),
    rows: (opts) => call([next++, 'rows', opts]),
    close: () => Promise.all(eps.map((e) => e.close())),
  };
}

/**
 * The floor of a promise-per-call API that batches: what loopfleet's hot path does, and nothing
 * else. Calls made in one turn of the microtask queue go out as one message per worker
 * (['calls', id, arg, id, arg, …], to the worker with the fewest calls pending), each call with
 * its own promise in a Map; replies come back batched the same way (['replies', id, result, …],
 * one per message received). No queue, priorities, cancellation, metrics or error handling.
 */
function rawBatched(runtime, size) {
  const eps = rawEndpoints(runtime, size);
  const pending = new Map();
  const load = eps.map(() => 0);
  let out = eps.map(() => ['calls']);
  let scheduled = false;
  let next = 0;
  const flush = () => {
    scheduled = false;
    const batches = out;
    out = eps.map(() => ['calls']);
    batches.forEach((m, k) => m.length > 1 && eps[k].post(m));
  };
  eps.forEach((ep, k) =>
    ep.on((m) => {
      load[k] -= (m.length - 1) / 2;
      for (let j = 1; j < m.length; j += 2) {
        const resolve = pending.get(m[j]);
        pending.delete(m[j]);
        resolve(m[j + 1]);
      }
    }),
  );
  return {
    add: (a, b) =>
      new Promise((resolve) => {
        const id = next++;
        pending.set(id, resolve);
        let k = 0;
        for (let j = 1; j < eps.length; j++) if (load[j] < load[k]) k = j;
        load[k]++;
        out[k].push(id, { a, b });
        if (!scheduled) {
          scheduled = true;
          queueMicrotask(flush);
        }
      }),
    close: () => Promise.all(eps.map((e) => e.close())),
  };
}

/** Subjects: label, runtime group, and how to open one. */
export const SUBJECTS = {
  'loopfleet-thread': { label: 'loopfleet (thread)', group: 'thread', open: (o) => loopfleet('thread', o.size, o.ready, o.workerData) },
  'loopfleet-process': { label: 'loopfleet (process)', group: 'process', open: (o) => loopfleet('process', o.size, o.ready, o.workerData) },
  piscina: { label: 'piscina', group: 'thread', open: (o) => piscina(o.size) },
  tinypool: { label: 'tinypool', group: 'thread', open: (o) => tinypool(o.size) },
  workerpool: { label: 'workerpool', group: 'thread', open: (o) => workerpool(o.size) },
  poolifier: { label: 'poolifier', group: 'thread', open: (o) => poolifier(o.size) },
  'raw-thread': { label: 'raw postMessage + promise', group: 'thread', open: (o) => raw('thread', o.size, o.limit) },
  'raw-process': { label: 'raw child-process IPC + promise', group: 'process', open: (o) => raw('process', o.size, o.limit) },
  'raw-thread-batched': { label: 'raw postMessage, batched per microtask, a promise per call', group: 'thread', open: (o) => rawBatched('thread', o.size) },
  'raw-process-batched': { label: 'raw child-process IPC, batched per microtask, a promise per call', group: 'process', open: (o) => rawBatched('process', o.size) },
};

export const POOLS = ['loopfleet-thread', 'loopfleet-process', 'piscina', 'tinypool', 'workerpool', 'poolifier'];
