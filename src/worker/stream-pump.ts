/**
 * The worker side of `pool.stream()`: pulls items from what a task returned (an async generator,
 * any iterable or async iterable, a Node or web ReadableStream) only while the parent has granted
 * room for them, so a parent that stops reading stops the producer and memory stays flat.
 */
import { NotIterableError } from '../errors.js';

export interface StreamSink {
  /** Writes one item into the output batch; returns an error if it cannot be sent. */
  item(id: number, value: unknown): Error | undefined;
  /** The source ended (or was stopped): the task is over. */
  end(id: number): void;
  fail(id: number, err: unknown): void;
}

type AnyIterator = Iterator<unknown> | AsyncIterator<unknown>;

function describeResult(value: unknown): string {
  if (value === null) return 'null';
  if (value === undefined) return 'undefined';
  return typeof value === 'object' ? 'a non-iterable object' : `a ${typeof value}`;
}

/** The iterator to pull from, and whether its `next()` is synchronous. */
function open(name: string, source: unknown): { it: AnyIterator; sync: boolean } {
  // Strings are iterable, but a task returning one almost certainly meant run(), not stream().
  if (source !== null && typeof source === 'object') {
    const s = source as Partial<AsyncIterable<unknown> & Iterable<unknown>>;
    const asyncIterator = s[Symbol.asyncIterator];
    if (typeof asyncIterator === 'function') return { it: asyncIterator.call(s), sync: false };
    const iterator = s[Symbol.iterator];
    if (typeof iterator === 'function') return { it: iterator.call(s), sync: true };
  }
  throw new NotIterableError(name, describeResult(source));
}

export class StreamPump {
  #credits = 0;
  #wake: (() => void) | undefined;
  #stopped = false;

  constructor(
    readonly id: number,
    readonly name: string,
    private readonly sink: StreamSink,
  ) {}

  /** The parent has room for `n` more items. */
  pull(n: number): void {
    this.#credits += n;
    this.#wake?.();
  }

  /** The parent stopped (break, return(), abort, timeout): end the source, running its `finally`. */
  stop(): void {
    this.#stopped = true;
    this.#wake?.();
  }

  /** Pumps `result` (the task's return value, possibly a promise) until it ends, fails or is stopped. */
  async run(result: unknown): Promise<void> {
    let it: AnyIterator | undefined;
    try {
      const { it: opened, sync } = open(this.name, await result);
      it = opened;
      for (;;) {
        while (this.#credits === 0 && !this.#stopped) await new Promise<void>((resolve) => (this.#wake = resolve));
        this.#wake = undefined;
        if (this.#stopped) break;
        // A synchronous source fills all granted room in one go: one batch per grant.
        const step = sync ? (it as Iterator<unknown>).next() : await it.next();
        if (step.done === true) {
          it = undefined;
          break;
        }
        this.#credits--;
        const problem = this.sink.item(this.id, step.value);
        if (problem !== undefined) throw problem;
      }
      if (it !== undefined) await it.return?.();
    } catch (err) {
      // The source failed (or an item could not be sent): close it if it is not done yet.
      if (it !== undefined) await Promise.resolve(it.return?.()).catch(() => undefined);
      this.sink.fail(this.id, err);
      return;
    }
    this.sink.end(this.id);
  }
}
