/**
 * Stack capture inside a `process` worker. The parent cannot reach a blocked process's event
 * loop, so this small thread, started in the worker process only when `metrics.captureStack` is
 * on, listens on an extra pipe (ProcessFd.Stack) on its own loop: each request line is answered with one
 * JSON line (with the request's id) holding the main thread's stack, captured over `connectToMainThread` (capture.ts).
 */
import { Session } from 'node:inspector';
import { Socket } from 'node:net';
import { captureStack } from '../metrics/capture.js';
import { ProcessFd } from '../protocol.js';

const TIMEOUT_MS = 2000;
const pipe = new Socket({ fd: ProcessFd.Stack, readable: true, writable: true });
let buffered = '';

pipe.setEncoding('utf8');
pipe.on('error', () => pipe.destroy());
pipe.on('data', (chunk: string) => {
  buffered += chunk;
  for (let nl = buffered.indexOf('\n'); nl >= 0; nl = buffered.indexOf('\n')) {
    const id = Number(buffered.slice(0, nl));
    buffered = buffered.slice(nl + 1);
    void answer(id);
  }
});

async function answer(id: number): Promise<void> {
  const session = new Session();
  let stack: string | undefined;
  try {
    session.connectToMainThread();
    const listeners: ((method: string, params: unknown) => void)[] = [];
    session.on('inspectorNotification', (m: { method: string; params?: unknown }) => {
      for (const l of listeners) l(m.method, m.params);
    });
    const post = (method: string, params?: object): Promise<unknown> =>
      new Promise((resolve, reject) => session.post(method, params, (err, result) => (err ? reject(err) : resolve(result))));
    stack = await captureStack(post, { on: (l) => listeners.push(l) }, TIMEOUT_MS);
  } catch {
    stack = undefined;
  } finally {
    session.disconnect();
  }
  pipe.write(`${JSON.stringify({ id, stack: stack ?? null })}\n`);
}
