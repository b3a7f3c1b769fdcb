/**
 * Messages that workers `ctx.put`, waiting for the parent to consume them. Each message is
 * consumed once: several `messages()` iterators share the stream like consumers of one channel.
 * With no iterator open, `'message'` listeners are the consumer. A message's credit goes back to
 * its worker when it is consumed, which bounds this buffer at `size × messageHighWaterMark`
 * messages whatever the producers do.
 */
import { Deque } from '../deque.js';
import type { WorkerHandle } from './worker-handle.js';

interface Entry {
  readonly value: unknown;
  readonly from: WorkerHandle;
  /** Already emitted to 'message' listeners. */
  heard: boolean;
}

interface Waiter {
  readonly owner: object;
  readonly settle: (result: IteratorResult<unknown>) => void;
  readonly fail: (error: Error) => void;
}

/** How the inbox hands credits back; the fleet routes them to the right worker instance. */
export interface CreditSink {
  /** A message from `from` waits in the buffer. */
  buffered(from: WorkerHandle): void;
  /** A message from `from` was consumed (`wasBuffered`: it had waited in the buffer). */
  consumed(from: WorkerHandle, wasBuffered: boolean): void;
}

export class Inbox {
  readonly #buffer = new Deque<Entry>();
  readonly #waiters = new Deque<Waiter>();
  #iterators = 0;
  /** Buffered messages no 'message' listener has heard yet (they arrived while none listened). */
  #unheard = 0;
  #ended = false;
  #error: Error | undefined;
  readonly #listeners: () => number;
  readonly #emit: (value: unknown, from: WorkerHandle) => void;
  readonly #credits: CreditSink;

  constructor(listeners: () => number, emit: (value: unknown, from: WorkerHandle) => void, credits: CreditSink) {
    this.#listeners = listeners;
    this.#emit = emit;
    this.#credits = credits;
  }

  get length(): number {
    return this.#buffer.length;
  }

  push(value: unknown, from: WorkerHandle): void {
    const heard = this.#listeners() > 0;
    if (heard) {
      // Listeners hear messages in arrival order: older unheard ones first.
      if (this.#unheard > 0) this.#flushUnheard();
      this.#safeEmit(value, from);
    }
    const waiter = this.#waiters.shift();
    if (waiter !== undefined) {
      this.#credits.consumed(from, false);
      waiter.settle({ value, done: false });
    } else if (this.#iterators === 0 && this.#listeners() > 0) {
      this.#credits.consumed(from, false);
    } else {
      this.#buffer.push({ value, from, heard });
      if (!heard) this.#unheard++;
      this.#credits.buffered(from);
    }
  }

  /** Emits the buffered messages listeners have not heard, in order; they stay buffered. */
  #flushUnheard(): void {
    this.#buffer.forEach((e) => {
      if (this.#listeners() === 0) return false; // a once-listener is gone: the rest stay unheard
      if (!e.heard) {
        e.heard = true;
        this.#unheard--;
        this.#safeEmit(e.value, e.from);
      }
      return this.#unheard > 0;
    });
  }

  #take(): Entry | undefined {
    const e = this.#buffer.shift();
    if (e !== undefined && !e.heard) this.#unheard--;
    return e;
  }

  /**
   * A throwing listener must not abort the decoding of the batch its message came in (the rest
   * of the batch holds results): its error is rethrown on its own, as an uncaught exception.
   */
  #safeEmit(value: unknown, from: WorkerHandle): void {
    try {
      this.#emit(value, from);
    } catch (err) {
      process.nextTick(() => {
        throw err;
      });
    }
  }

  /**
   * Listeners hear what they have not heard, in order. With no iterator open they are the
   * consumer too: the buffer empties and the credits go back.
   */
  #handToListeners(): void {
    if (this.#iterators > 0) {
      if (this.#unheard > 0 && this.#listeners() > 0) this.#flushUnheard();
      return;
    }
    while (this.#buffer.length > 0 && this.#listeners() > 0) {
      const e = this.#take() as Entry;
      if (!e.heard) this.#safeEmit(e.value, e.from);
      this.#credits.consumed(e.from, true);
    }
  }

  /** A 'message' listener was added: once it is in place, it hears what was buffered unheard. */
  listenerAdded(): void {
    if (this.#buffer.length === 0) return;
    process.nextTick(() => this.#handToListeners());
  }

  /** No worker can run: iterators reject with `error` once the buffer is empty. */
  fail(error: Error): void {
    this.#error = error;
    this.#ended = true;
    for (let w = this.#waiters.shift(); w !== undefined; w = this.#waiters.shift()) w.fail(error);
  }

  /** No more messages will arrive; iterators end once the buffer is empty. */
  end(): void {
    this.#ended = true;
    for (let w = this.#waiters.shift(); w !== undefined; w = this.#waiters.shift()) w.settle({ value: undefined, done: true });
  }

  iterator<T>(): AsyncIterableIterator<T> {
    this.#iterators++;
    let open = true;
    const owner = {};
    const close = (): IteratorResult<T> => {
      if (open) {
        open = false;
        this.#iterators--;
        // A pending next() of this iterator must not swallow a later message.
        for (const w of this.#waiters.filterOut((x) => x.owner === owner)) w.settle({ value: undefined, done: true });
        // The last iterator left while listeners remain: they become the consumer.
        if (this.#iterators === 0) this.#handToListeners();
      }
      return { value: undefined, done: true };
    };
    const it: AsyncIterableIterator<T> = {
      next: () => {
        if (!open) return Promise.resolve({ value: undefined, done: true });
        const entry = this.#take();
        if (entry !== undefined) {
          this.#credits.consumed(entry.from, true);
          return Promise.resolve({ value: entry.value as T, done: false });
        }
        if (this.#error !== undefined) return Promise.reject(this.#error);
        if (this.#ended) return Promise.resolve(close());
        return new Promise<IteratorResult<T>>((resolve, reject) => {
          this.#waiters.push({
            owner,
            settle: (result) => resolve(result.done === true ? close() : (result as IteratorResult<T>)),
            fail: (error) => {
              close();
              reject(error);
            },
          });
        });
      },
      return: () => Promise.resolve(close()),
      [Symbol.asyncIterator]: () => it,
    };
    return it;
  }
}
