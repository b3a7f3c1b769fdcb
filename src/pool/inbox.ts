/**
 * Messages that workers `ctx.put`, waiting for the parent to consume them. Each message is
 * consumed once: several `messages()` iterators share the stream like consumers of one channel.
 * A worker gets its credit back when its message is consumed, which bounds this buffer at
 * `size × messageHighWaterMark` messages whatever the producers do.
 */
import { Deque } from '../deque.js';
import type { WorkerHandle } from './worker-handle.js';

interface Entry {
  readonly value: unknown;
  readonly from: WorkerHandle;
}

interface Waiter {
  readonly owner: object;
  readonly settle: (result: IteratorResult<unknown>) => void;
}

export class Inbox {
  readonly #buffer = new Deque<Entry>();
  readonly #waiters = new Deque<Waiter>();
  #iterators = 0;
  #ended = false;
  /** True when 'message' listeners exist: with no iterator open they count as the consumer. */
  readonly #hasListeners: () => boolean;

  constructor(hasListeners: () => boolean) {
    this.#hasListeners = hasListeners;
  }

  get length(): number {
    return this.#buffer.length;
  }

  push(value: unknown, from: WorkerHandle): void {
    const waiter = this.#waiters.shift();
    if (waiter !== undefined) {
      from.credit(1);
      waiter.settle({ value, done: false });
    } else if (this.#iterators === 0 && this.#hasListeners()) {
      from.credit(1);
    } else {
      this.#buffer.push({ value, from });
    }
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
      }
      return { value: undefined, done: true };
    };
    const it: AsyncIterableIterator<T> = {
      next: () => {
        if (!open) return Promise.resolve({ value: undefined, done: true });
        const entry = this.#buffer.shift();
        if (entry !== undefined) {
          entry.from.credit(1);
          return Promise.resolve({ value: entry.value as T, done: false });
        }
        if (this.#ended) return Promise.resolve(close());
        return new Promise<IteratorResult<T>>((resolve) => {
          this.#waiters.push({ owner, settle: (result) => resolve(result.done === true ? close() : (result as IteratorResult<T>)) });
        });
      },
      return: () => Promise.resolve(close()),
      [Symbol.asyncIterator]: () => it,
    };
    return it;
  }
}
