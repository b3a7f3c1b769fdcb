/** The pool's promise helpers, `ready()`, `onIdle()` and `onDrain()`, and when they settle. */
import { PoolClosedError, PoolDestroyedError } from '../errors.js';
import type { Fleet } from './fleet.js';

interface ReadyWaiter {
  readonly resolve: () => void;
  readonly reject: (err: Error) => void;
}

export class Waiters {
  #drain: (() => void)[] = [];
  #idle: (() => void)[] = [];
  #ready: ReadyWaiter[] = [];
  readonly #fleet: Fleet;

  constructor(fleet: Fleet) {
    this.#fleet = fleet;
  }

  /** Nothing queued or running. */
  get idle(): boolean {
    return this.#fleet.scheduler.queued === 0 && this.#fleet.running === 0;
  }

  /** The queue has room and no call waits for it. */
  get roomy(): boolean {
    const s = this.#fleet.scheduler;
    return !s.full && s.waiting.length === 0;
  }

  onIdle(): Promise<void> {
    if (this.idle) return Promise.resolve();
    return new Promise((resolve) => this.#idle.push(resolve));
  }

  onDrain(): Promise<void> {
    if (this.roomy) return Promise.resolve();
    return new Promise((resolve) => this.#drain.push(resolve));
  }

  ready(destroyed: boolean): Promise<void> {
    return new Promise((resolve, reject) => {
      this.#ready.push({ resolve, reject });
      this.checkReady(destroyed);
    });
  }

  /** After a pump: releases drain and idle waiters whose condition holds. */
  afterPump(): void {
    if (this.#drain.length > 0 && this.roomy) for (const w of this.#drain.splice(0)) w();
    if (this.#idle.length > 0 && this.idle) for (const w of this.#idle.splice(0)) w();
  }

  checkReady(destroyed: boolean): void {
    if (this.#ready.length === 0) return;
    const fleet = this.#fleet;
    if (fleet.broken !== undefined) return this.#rejectReady(fleet.broken);
    if (fleet.slots.every((s) => s.started || s.error !== undefined)) {
      for (const w of this.#ready.splice(0)) w.resolve();
    } else if (fleet.closing && !fleet.alive) {
      // Closed before every worker started: they never will.
      this.#rejectReady(destroyed ? new PoolDestroyedError() : new PoolClosedError());
    }
  }

  /** The pool has ended: nothing can become idle, drained or ready any more. */
  settleAll(readyError: Error): void {
    for (const w of this.#idle.splice(0)) w();
    for (const w of this.#drain.splice(0)) w();
    this.#rejectReady(readyError);
  }

  #rejectReady(err: Error): void {
    for (const w of this.#ready.splice(0)) w.reject(err);
  }
}
