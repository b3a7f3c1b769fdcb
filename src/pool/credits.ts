/**
 * The message-credit ledger. Each worker slot has a budget of `messageHighWaterMark` messages:
 * messages of the slot waiting in the inbox plus credits its live workers hold never exceed it,
 * whatever recycling and crashes do. A consumed message frees one unit; the unit goes back to the
 * worker that put the message, or, when that worker is gone or closing, to the slot's oldest
 * live worker (a retiring worker may be waiting for credit to finish).
 *
 * When the pool closes, its closing workers get unlimited credit instead (see WorkerHandle.close):
 * shutting down must not wait for a consumer that may have stopped reading. What they put then
 * is buffered for `messages()` to drain, and their units return to the budget as it is consumed.
 */
import type { CreditSink } from './inbox.js';
import type { WorkerHandle } from './worker-handle.js';

export class MessageCredits implements CreditSink {
  readonly #live: readonly WorkerHandle[];
  readonly #highWaterMark: number;
  readonly #buffered: number[];

  constructor(live: readonly WorkerHandle[], highWaterMark: number, slots: number) {
    this.#live = live;
    this.#highWaterMark = highWaterMark;
    this.#buffered = new Array<number>(slots).fill(0);
  }

  /** Credits for a worker about to start in `slot` (not yet among the live ones). */
  initial(slot: number): number {
    return Math.max(0, this.#free(slot));
  }

  /** A message arrived from `h`: it used one credit. */
  received(h: WorkerHandle): void {
    h.held--;
  }

  buffered(from: WorkerHandle): void {
    this.#buffered[from.slot] = (this.#buffered[from.slot] ?? 0) + 1;
  }

  consumed(from: WorkerHandle, wasBuffered: boolean): void {
    if (wasBuffered) this.#buffered[from.slot] = (this.#buffered[from.slot] ?? 0) - 1;
    this.#refill(from.slot, from);
  }

  /** A worker of `slot` exited or began closing: what it held is free again. */
  released(slot: number): void {
    this.#refill(slot, undefined);
  }

  #free(slot: number): number {
    let held = 0;
    for (const h of this.#live) if (h.slot === slot && !h.unlimited && h.state !== 'exited') held += Math.max(0, h.held);
    return this.#highWaterMark - (this.#buffered[slot] ?? 0) - held;
  }

  #refill(slot: number, preferred: WorkerHandle | undefined): void {
    const free = this.#free(slot);
    if (free <= 0) return;
    const target = preferred !== undefined && accepts(preferred) ? preferred : this.#live.find((h) => h.slot === slot && accepts(h));
    if (target === undefined) return;
    target.held += free;
    target.credit(free);
  }
}

function accepts(h: WorkerHandle): boolean {
  return !h.unlimited && h.state !== 'exited';
}
