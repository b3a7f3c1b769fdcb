/**
 * The parent side of `pool.stream()`: an async iterator over the items a worker task produces.
 *
 * Flow control is by credit: the worker may produce only as many items as the consumer has room
 * for (`highWaterMark`); each item the consumer takes gives one back, returned in one Pull record
 * per loop turn. A consumer that stops pulling therefore stops the producer in the worker, and at
 * most `highWaterMark` items are ever in flight or buffered for one stream.
 */
import { createRequire } from 'node:module';
import type { Readable, ReadableOptions, Writable } from 'node:stream';
import { Deque } from '../deque.js';
import { AbortError } from '../errors.js';
import type { TaskControl } from './control.js';

type Waiter<T> = { resolve(r: IteratorResult<T, undefined>): void; reject(err: unknown): void };

const DONE: IteratorResult<never, undefined> = Object.freeze({ value: undefined, done: true });

export class TaskStream<T> implements AsyncIterableIterator<T, undefined> {
  readonly #buffer = new Deque<unknown>();
  readonly #waiters = new Deque<Waiter<T>>();
  /** open: items may come; ended/failed: no more will, what is buffered is still read; closed: over. */
  #state: 'open' | 'ended' | 'failed' | 'closed' = 'open';
  #error: unknown;
  #owed = 0;
  #pullScheduled = false;
  #ctl: TaskControl | undefined;

  /** @internal */
  constructor(
    readonly highWaterMark: number,
    failure?: unknown,
  ) {
    if (failure !== undefined) {
      this.#state = 'failed';
      this.#error = failure;
    }
  }

  /** @internal Binds the stream to its task's control (signal, timeout, the worker it runs on). */
  bind(ctl: TaskControl): void {
    this.#ctl = ctl;
    ctl.stream = this as TaskStream<unknown>;
  }

  // ---- producer side (the pool) -----------------------------------------------------------------

  /** @internal The task started in its worker: grant the first `highWaterMark` items. */
  started(): void {
    if (this.#state === 'open') this.#ctl?.handle?.pull(this.#ctl.task.id, this.highWaterMark);
  }

  /** @internal */
  push(value: unknown): void {
    if (this.#state !== 'open') return;
    const waiter = this.#waiters.shift();
    if (waiter === undefined) return this.#buffer.push(value);
    this.#owe();
    waiter.resolve({ value: value as T, done: false });
  }

  /** @internal The task returned: the stream ends after what is buffered. */
  end(): void {
    if (this.#state !== 'open') return;
    this.#state = 'ended';
    this.#wakeWaiters();
  }

  /** @internal The task failed, was aborted, timed out or lost its worker. */
  fail(error: unknown): void {
    if (this.#state !== 'open') return;
    this.#state = 'failed';
    this.#error = error;
    this.#wakeWaiters();
  }

  // ---- consumer side ------------------------------------------------------------------------------

  next(): Promise<IteratorResult<T, undefined>> {
    if (this.#buffer.length > 0) {
      this.#owe();
      return Promise.resolve({ value: this.#buffer.shift() as T, done: false });
    }
    switch (this.#state) {
      case 'open':
        return new Promise((resolve, reject) => this.#waiters.push({ resolve, reject }));
      case 'failed':
        this.#state = 'closed';
        return Promise.reject(this.#error);
      default:
        this.#state = 'closed';
        return Promise.resolve(DONE);
    }
  }

  /** Stops early (`break` calls this): the worker's generator ends and its `finally` runs. */
  return(): Promise<IteratorResult<T, undefined>> {
    const wasOpen = this.#state === 'open';
    this.#state = 'closed';
    this.#buffer.filterOut(() => true);
    if (wasOpen) this.#ctl?.stop(new AbortError('the stream was closed by its consumer'));
    this.#wakeWaiters();
    return Promise.resolve(DONE);
  }

  [Symbol.asyncIterator](): this {
    return this;
  }

  /**
   * The stream as a Node Readable in object mode. Reading is pulled: the Readable buffers at most
   * its own `highWaterMark` (default 16) on top of this stream's; destroying it stops the task.
   */
  readable(options: Omit<ReadableOptions, 'objectMode' | 'read'> = {}): Readable {
    return nodeStream().Readable.from(this, { objectMode: true, ...options });
  }

  /**
   * Writes every item into `destination`, waiting whenever it signals backpressure, and resolves
   * once it has finished (ending it unless `end: false`). A failing destination stops the task.
   */
  async pipeTo(destination: Writable, options: { end?: boolean; signal?: AbortSignal } = {}): Promise<void> {
    await nodeStream().promises.pipeline(this as AsyncIterable<T>, destination as NodeJS.WritableStream, options);
  }

  // ---- internals ------------------------------------------------------------------------------------

  #wakeWaiters(): void {
    for (let w = this.#waiters.shift(); w !== undefined; w = this.#waiters.shift()) {
      if (this.#state === 'failed') {
        this.#state = 'closed';
        w.reject(this.#error);
      } else {
        if (this.#state === 'ended') this.#state = 'closed';
        w.resolve(DONE);
      }
    }
  }

  /** One item was taken: its room goes back to the worker, batched per loop turn. */
  #owe(): void {
    this.#owed++;
    if (this.#pullScheduled) return;
    this.#pullScheduled = true;
    setImmediate(() => {
      this.#pullScheduled = false;
      const ctl = this.#ctl;
      if (this.#state === 'open' && ctl?.handle !== undefined) ctl.handle.pull(ctl.task.id, this.#owed);
      this.#owed = 0;
    });
  }
}

/** node:stream, loaded on first use: most pools never turn a stream into a Readable. */
function nodeStream(): typeof import('node:stream') {
  return createRequire(import.meta.url)('node:stream') as typeof import('node:stream');
}
