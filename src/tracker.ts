/**
 * `Tracker`: counts promises until they settle, and lets you wait for all, any or "fewer than n"
 * of them. AsynQueue's DeferredTracker, for promises.
 */
import { describe, InvalidArgTypeError, InvalidArgValueError } from './errors.js';

interface FewerWaiter {
  readonly n: number;
  readonly resolve: () => void;
}

/**
 * Tracks promises without holding on to them, so that you can wait until they have all settled
 * (graceful shutdown), until any one settles, or until fewer than `n` are pending (a concurrency
 * limit). The tracker keeps only a count: a settled promise is released at once, so tracking
 * millions of promises in turn keeps memory flat.
 *
 * Rejections pass through, they are never swallowed. JavaScript cannot observe a promise's
 * settlement without attaching a handler to it, and any rejection handler marks it as handled.
 * So `add()` attaches one that counts and then re-throws, into the promise it returns: that
 * promise settles exactly like the original (same value, same reason), and if it rejects and
 * nobody handles it, Node reports an unhandled rejection with the original reason, just as it
 * would have without the tracker. **Handle the promise `add()` returns** (or add a promise that
 * is already handled, such as `p.catch(log)`): handling only the original leaves the returned
 * one unhandled.
 *
 * @example
 * ```ts
 * const tracker = new Tracker();
 * for await (const job of jobs) {
 *   await tracker.untilFewer(100); // at most 100 in flight
 *   tracker.add(pool.run('process', job)).catch(report);
 * }
 * await tracker.all(); // every job has settled
 * ```
 */
export class Tracker {
  #size = 0;
  #quit = false;
  /** Waiters of `untilFewer(n)` (and `all()`, which is `untilFewer(1)`), sorted by ascending n. */
  #fewer: FewerWaiter[] = [];
  #any: (() => void)[] = [];

  /** How many tracked promises have not settled yet. */
  get size(): number {
    return this.#size;
  }

  /**
   * Tracks `promise` until it settles. Returns a promise that settles exactly like it (same value
   * or same reason) once the tracker has counted the settlement; await or handle that one.
   * Throws `InvalidArgTypeError` if `promise` is not a promise or thenable.
   */
  add<T>(promise: PromiseLike<T>): Promise<T> {
    if (typeof (promise as { then?: unknown } | null)?.then !== 'function') {
      throw new InvalidArgTypeError(`Expected \`promise\` to be a promise or thenable, got ${describe(promise)}`);
    }
    this.#size++;
    return Promise.resolve(promise).then(
      (value) => {
        this.#settled();
        return value;
      },
      (reason: unknown) => {
        this.#settled();
        // Passing the rejection on (not swallowing it) is the point: see the class comment.
        throw reason;
      },
    );
  }

  /** Resolves when every tracked promise has settled, at once if none is pending. Never rejects. */
  all(): Promise<void> {
    return this.untilFewer(1);
  }

  /**
   * Resolves when the next tracked promise settles (one pending now or one added later).
   * With nothing pending it resolves at once: there is nothing to wait for, and a loop such as
   * `while (tracker.size >= n) await tracker.any()` must not hang. Never rejects.
   */
  any(): Promise<void> {
    if (this.#quit || this.#size === 0) return Promise.resolve();
    return new Promise((resolve) => this.#any.push(resolve));
  }

  /**
   * Resolves when fewer than `n` tracked promises are pending, at once if that is already so.
   * Rejects with `InvalidArgTypeError`/`InvalidArgValueError` unless `n` is an integer >= 1.
   */
  untilFewer(n: number): Promise<void> {
    if (typeof n !== 'number') {
      return Promise.reject(new InvalidArgTypeError(`Expected \`n\` to be an integer >= 1, got ${describe(n)}`));
    }
    if (!Number.isInteger(n) || n < 1) {
      return Promise.reject(new InvalidArgValueError(`Expected \`n\` to be an integer >= 1, got ${describe(n)}`));
    }
    if (this.#quit || this.#size < n) return Promise.resolve();
    return new Promise((resolve) => {
      // Sorted insert (binary search): settling pops the waiters with the largest n from the end.
      const list = this.#fewer;
      let lo = 0;
      let hi = list.length;
      while (lo < hi) {
        const mid = (lo + hi) >>> 1;
        if ((list[mid] as FewerWaiter).n <= n) lo = mid + 1;
        else hi = mid;
      }
      list.splice(lo, 0, { n, resolve });
    });
  }

  /**
   * Stops waiting: releases (resolves) every pending `all()`, `any()` and `untilFewer()`, and
   * makes later ones resolve at once. Tracking goes on: `add()` still counts and passes through.
   */
  quit(): void {
    this.#quit = true;
    const fewer = this.#fewer;
    const any = this.#any;
    this.#fewer = [];
    this.#any = [];
    for (const w of fewer) w.resolve();
    for (const resolve of any) resolve();
  }

  #settled(): void {
    this.#size--;
    if (this.#any.length > 0) {
      const any = this.#any;
      this.#any = [];
      for (const resolve of any) resolve();
    }
    const fewer = this.#fewer;
    while (fewer.length > 0 && (fewer[fewer.length - 1] as FewerWaiter).n > this.#size) (fewer.pop() as FewerWaiter).resolve();
  }
}
