/** Shared helpers: fixture URLs, the runtimes the contract suite runs against, pool cleanup. */
import type { TestContext } from 'node:test';
import { Pool, type AnyWorkerDefinition, type PoolOptions, type RuntimeName } from "loopfleet";
import type { WorkerDefinition } from "loopfleet/worker";

export const RUNTIMES: readonly RuntimeName[] = ['thread', 'process'];

/** A fixture worker module, loaded the way a user loads one: a file URL to compiled JS. */
export function fixture(name: string): URL {
  return new URL(`./fixtures/${name}.js`, import.meta.url);
}

/** A pool that is destroyed when the test ends, whatever happened. `worker`: a fixture name, a URL, or a './' path. */
export function pool<W extends AnyWorkerDefinition = WorkerDefinition>(
  t: TestContext,
  options: Omit<PoolOptions, 'worker'> & { worker: string | URL },
): Pool<W> {
  const p = new Pool<W>({ ...options, worker: typeof options.worker === 'string' && !options.worker.startsWith('./') ? fixture(options.worker) : options.worker });
  t.after(() => p.destroy());
  return p;
}

/** Resolves with the next `n` emissions of an event. */
export function events<T extends unknown[]>(emitter: { on(e: string, l: (...a: T) => void): unknown; off(e: string, l: (...a: T) => void): unknown }, name: string, n: number): Promise<T[]> {
  return new Promise((resolve) => {
    const seen: T[] = [];
    const listener = (...args: T): void => {
      seen.push(args);
      if (seen.length === n) {
        emitter.off(name, listener);
        resolve(seen);
      }
    };
    emitter.on(name, listener);
  });
}

/** Collects the next `n` messages from pool.messages(). */
export async function take<T>(it: AsyncIterable<T>, n: number): Promise<T[]> {
  const out: T[] = [];
  if (n === 0) return out;
  for await (const m of it) {
    out.push(m);
    if (out.length === n) break;
  }
  return out;
}

/** Every item of an async iterable, in order. */
export async function collect<T>(it: AsyncIterable<T>): Promise<T[]> {
  const out: T[] = [];
  for await (const x of it) out.push(x);
  return out;
}

/** True while a process with this pid exists. */
export function processAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

/** Polls `check` every few ms until it is true, failing after `limitMs` (a safety net, not a timing assertion). */
export async function until(check: () => boolean | Promise<boolean>, limitMs = 10_000, what = 'condition'): Promise<void> {
  const deadline = Date.now() + limitMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`Timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}

/**
 * Marks a promise as handled now, so that a rejection arriving before the test awaits it is not
 * reported as unhandled; returns the same promise for a later `assert.rejects`.
 */
export function later<T>(promise: Promise<T>): Promise<T> {
  promise.catch(() => {});
  return promise;
}

/** URL of a built internal module (dist/<path>), for unit tests of internals. */
export function internal(path: string): string {
  return new URL(`../../dist/${path}`, import.meta.url).href;
}

/** mulberry32: a small seeded PRNG, so that a failure replays exactly. */
export function prng(seed: number): () => number {
  return () => {
    seed = (seed + 0x6d2b79f5) | 0;
    let t = Math.imul(seed ^ (seed >>> 15), 1 | seed);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}
