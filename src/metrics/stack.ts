/**
 * Stack capture of a thread worker from the parent: an inspector session on this thread attaches
 * to the worker through the `NodeWorker` domain and pauses it briefly (see capture.ts). Other
 * workers the domain attaches to are detached at once.
 */
import { captureStack } from './capture.js';

type Listener = (method: string, params: unknown) => void;

/** The JavaScript stack of the worker thread `threadId`, or undefined if it cannot be had. */
export async function threadStack(threadId: number, timeoutMs: number): Promise<string | undefined> {
  let inspector: typeof import('node:inspector');
  try {
    inspector = await import('node:inspector');
  } catch {
    return undefined; // Node built without the inspector.
  }
  const session = new inspector.Session();
  const post = (method: string, params?: object): Promise<unknown> =>
    new Promise((resolve, reject) => session.post(method, params, (err, result) => (err ? reject(err) : resolve(result))));
  try {
    session.connect();
    const attached = new Promise<string>((resolve) => {
      session.on('NodeWorker.attachedToWorker', ({ params }) => {
        // The inspector numbers workers its own way; the title starts with `[worker <threadId>]`.
        if (params.workerInfo.title.startsWith(`[worker ${threadId}] `)) resolve(params.sessionId);
        else void post('NodeWorker.detach', { sessionId: params.sessionId }).catch(() => {});
      });
    });
    let timer: NodeJS.Timeout | undefined;
    const gaveUp = new Promise<undefined>((resolve) => (timer = setTimeout(() => resolve(undefined), timeoutMs)));
    await post('NodeWorker.enable', { waitForDebuggerOnStart: false });
    const sessionId = await Promise.race([attached, gaveUp]);
    clearTimeout(timer);
    if (sessionId === undefined) return undefined;
    // Commands to the worker travel as JSON strings; replies and events come back the same way.
    let nextId = 0;
    const pending = new Map<number, { resolve: (v: unknown) => void; reject: (e: Error) => void }>();
    const listeners: Listener[] = [];
    session.on('NodeWorker.receivedMessageFromWorker', ({ params }) => {
      if (params.sessionId !== sessionId) return;
      const m = JSON.parse(params.message) as { id?: number; method?: string; params?: unknown; result?: unknown; error?: { message: string } };
      if (m.id !== undefined) {
        const p = pending.get(m.id);
        pending.delete(m.id);
        if (m.error !== undefined) p?.reject(new Error(m.error.message));
        else p?.resolve(m.result);
      } else if (m.method !== undefined) {
        for (const l of listeners) l(m.method, m.params);
      }
    });
    const send = (method: string, params?: object): Promise<unknown> =>
      new Promise((resolve, reject) => {
        const id = ++nextId;
        pending.set(id, { resolve, reject });
        post('NodeWorker.sendMessageToWorker', { sessionId, message: JSON.stringify({ id, method, params }) }).catch(reject);
      });
    return await captureStack(send, { on: (l) => listeners.push(l) }, timeoutMs);
  } catch {
    return undefined;
  } finally {
    session.disconnect();
  }
}
