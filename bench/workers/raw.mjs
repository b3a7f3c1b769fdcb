// The floors: a bare worker_threads worker or forked child, answering over postMessage / IPC as
// a hand-written pool would. Messages:
//   [id, { a, b }]              -> [id, a + b]              one add per message
//   ['batch', id0, { a, b }, …] -> ['batch', id0, r0, …]    arrays of 100 adds per message
//   ['calls', id, { a, b }, …]  -> ['replies', id, r, …]    batched calls, one promise each
// The argument is the same object { a, b } every pool is given, so that the floors clone what
// the pools clone.
//   [id, 'rows', opts]          -> [id, bytes]              a Mandelbrot chunk (moved, on threads)
//   ['stream', n]                                           a stream of n items, see below
//   ['echo', v]                 -> ['echo', v]              message mode
import { parentPort } from 'node:worker_threads';
import { add, rows } from './tasks.mjs';

const thread = parentPort !== null;
const post = thread ? (m, t) => parentPort.postMessage(m, t) : (m) => process.send(m);
const on = thread ? (f) => parentPort.on('message', f) : (f) => process.on('message', f);

// Hand-written stream with credit: at most WINDOW items unacknowledged; the parent returns credit
// in ['credit', k] messages. Over a MessagePort of its own on threads, over IPC for processes.
const WINDOW = 1024;
function stream(n, send, onCredit) {
  async function* items() {
    for (let i = 0; i < n; i++) yield i;
  }
  let credit = WINDOW;
  let wake;
  onCredit((k) => {
    credit += k;
    wake?.();
  });
  (async () => {
    for await (const item of items()) {
      if (credit === 0) await new Promise((r) => (wake = r));
      credit--;
      send(['item', item]);
    }
    send(['end']);
  })();
}

on((m) => {
  const first = m[0];
  if (typeof first === 'number') {
    if (m[1] === 'rows') {
      void rows(m[2]).then((chunk) => post([first, chunk], thread ? [chunk.buffer] : undefined));
    } else {
      post([first, add(m[1])]);
    }
  } else if (first === 'batch') {
    const out = ['batch', m[1]];
    for (let i = 2; i < m.length; i++) out.push(add(m[i]));
    post(out);
  } else if (first === 'calls') {
    const out = ['replies'];
    for (let i = 1; i < m.length; i += 2) out.push(m[i], add(m[i + 1]));
    post(out);
  } else if (first === 'echo') {
    post(m);
  } else if (first === 'stream') {
    if (thread) {
      const port = m[2];
      stream(m[1], (x) => port.postMessage(x), (f) => port.on('message', (c) => f(c[1])));
    } else {
      stream(m[1], (x) => process.send(x), (f) => process.on('message', (c) => c[0] === 'credit' && f(c[1])));
    }
  }
});
