/**
 * `ctx.put` with credit-based backpressure. The parent grants `messageHighWaterMark` credits per
 * worker and returns one for each message its consumer takes; without credit a message waits here,
 * with its sender's promise pending, so a parent that does not consume slows the producers down.
 */
import { Deque } from '../deque.js';

export interface PendingPut {
  readonly value: unknown;
  readonly resolve: () => void;
  readonly reject: (err: unknown) => void;
}

export class MessageOutbox {
  #credits: number;
  readonly #waiting = new Deque<PendingPut>();
  /** Messages pushed into the current output batch, in order, settled once it has left. */
  #inBatch: PendingPut[] = [];
  #idleWaiters: (() => void)[] = [];
  /** Pushes a Msg record into the output; returns an error when the value cannot be sent. */
  readonly #emit: (value: unknown) => Error | undefined;

  constructor(credits: number, emit: (value: unknown) => Error | undefined) {
    this.#credits = credits;
    this.#emit = emit;
  }

  readonly put = (value: unknown): Promise<void> =>
    new Promise<void>((resolve, reject) => {
      const pending: PendingPut = { value, resolve, reject };
      if (this.#credits > 0 && this.#waiting.length === 0) this.#send(pending);
      else this.#waiting.push(pending);
    });

  #send(pending: PendingPut): void {
    const err = this.#emit(pending.value);
    if (err !== undefined) return pending.reject(err);
    this.#credits--;
    this.#inBatch.push(pending);
  }

  #drain(): void {
    while (this.#credits > 0 && this.#waiting.length > 0) this.#send(this.#waiting.shift() as PendingPut);
    this.#checkIdle();
  }

  credit(n: number): void {
    this.#credits += n;
    this.#drain();
  }

  /** The messages of the output batch being sent now, in record order. */
  take(): PendingPut[] {
    const batch = this.#inBatch;
    // Most flushes carry no message: keep the (empty) array rather than allocate one per flush.
    if (batch.length > 0) this.#inBatch = [];
    return batch;
  }

  /** These messages have left the worker. */
  settle(sent: readonly PendingPut[]): void {
    for (const p of sent) p.resolve();
    this.#checkIdle();
  }

  /** This message could not be cloned: it rejects and its credit is given back. */
  fail(pending: PendingPut, err: unknown): void {
    this.#credits++;
    pending.reject(err);
    this.#drain();
  }

  /** Resolves once no message waits for credit or for its batch to leave. */
  whenIdle(): Promise<void> {
    if (this.#idle()) return Promise.resolve();
    return new Promise((resolve) => this.#idleWaiters.push(resolve));
  }

  #idle(): boolean {
    return this.#waiting.length === 0 && this.#inBatch.length === 0;
  }

  #checkIdle(): void {
    if (this.#idleWaiters.length > 0 && this.#idle()) for (const w of this.#idleWaiters.splice(0)) w();
  }
}
