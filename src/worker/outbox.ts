/**
 * `ctx.put` with credit-based backpressure. The parent grants `messageHighWaterMark` credits per
 * worker and returns one for each message its consumer takes; without credit a message waits here,
 * with its sender's promise pending, so a parent that does not consume slows the producers down.
 */
import { Deque } from '../deque.js';

interface Pending {
  value: unknown;
  resolve: () => void;
  reject: (err: unknown) => void;
}

export class MessageOutbox {
  #credits: number;
  readonly #waiting = new Deque<Pending>();
  /** Messages pushed into the current output batch, settled when it is flushed. */
  #inBatch: Pending[] = [];
  readonly #emit: (value: unknown) => void;

  constructor(highWaterMark: number, emit: (value: unknown) => void) {
    this.#credits = highWaterMark;
    this.#emit = emit;
  }

  readonly put = (value: unknown): Promise<void> =>
    new Promise<void>((resolve, reject) => {
      const pending: Pending = { value, resolve, reject };
      if (this.#credits > 0 && this.#waiting.length === 0) this.#send(pending);
      else this.#waiting.push(pending);
    });

  #send(pending: Pending): void {
    this.#credits--;
    this.#inBatch.push(pending);
    this.#emit(pending.value);
  }

  credit(n: number): void {
    this.#credits += n;
    while (this.#credits > 0 && this.#waiting.length > 0) this.#send(this.#waiting.shift() as Pending);
  }

  /** The n-th message of the current batch could not be cloned. Its credit is given back. */
  failed(ordinal: number, err: unknown): void {
    const pending = this.#inBatch[ordinal];
    if (pending === undefined) return;
    this.#inBatch[ordinal] = { value: undefined, resolve: noop, reject: noop };
    this.#credits++;
    pending.reject(err);
  }

  /** The current batch left the worker. */
  flushed(): void {
    if (this.#inBatch.length === 0) return;
    const sent = this.#inBatch;
    this.#inBatch = [];
    for (const p of sent) p.resolve();
  }
}

function noop(): void {}
