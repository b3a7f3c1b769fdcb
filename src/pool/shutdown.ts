/**
 * How a pool ends: graceful `close()` (queued and running work finishes, or queued work is
 * rejected; each worker's `close` runs; the promise settles once every worker has exited) and
 * immediate `destroy()` (workers terminated, pending work rejected). Kept apart from the Pool
 * class, which validates calls and wires the parts together.
 */
import { describe, InvalidArgTypeError, InvalidArgValueError, PoolClosedError, PoolDestroyedError } from '../errors.js';
import { closePoolDashboard, type Dashboard } from '../dashboard/index.js';
import type { Fleet } from './fleet.js';
import type { Inbox } from './inbox.js';
import type { Intake } from './intake.js';
import type { CloseOptions } from './types.js';
import type { Waiters } from './waiters.js';

export class Shutdown {
  #closed: Promise<void> | undefined;
  #closeDone: (() => void) | undefined;
  #destroyed: Promise<void> | undefined;

  constructor(
    private readonly fleet: Fleet,
    private readonly intake: Intake,
    private readonly inbox: Inbox,
    private readonly waiters: Waiters,
    /** The pool's dashboard, if it has one: it closes with the pool. */
    private readonly dashboard: () => Promise<Dashboard> | undefined,
  ) {}

  /** destroy() was called (or close() timed out). */
  get destroyed(): boolean {
    return this.#destroyed !== undefined;
  }

  close(options: CloseOptions): Promise<void> {
    if (this.#closed !== undefined) return this.#closed;
    if (options === null || typeof options !== 'object') return Promise.reject(new InvalidArgTypeError(`Expected close \`options\` to be an object, got ${describe(options)}`));
    const { timeout } = options;
    if (timeout !== undefined && (typeof timeout !== 'number' || !(timeout >= 0))) {
      return Promise.reject(new InvalidArgValueError(`Expected \`timeout\` to be a number >= 0, got ${describe(timeout)}`));
    }
    const fleet = this.fleet;
    fleet.closing = true;
    // From now on no worker waits for message credit: a running task blocked in ctx.put must be
    // able to finish although the reader may have gone (what workers put is buffered meanwhile).
    for (const h of fleet.live) h.unlimitCredit();
    this.intake.endStreams();
    if (options.rejectQueued === true) {
      const err = new PoolClosedError('The pool was closed before this task started');
      for (const t of fleet.scheduler.takeQueued()) t.reject(err);
    }
    this.#closed = new Promise<void>((resolve) => {
      let timer: NodeJS.Timeout | undefined;
      this.#closeDone = () => {
        if (timer !== undefined) clearTimeout(timer);
        this.inbox.end();
        resolve();
      };
      if (timeout !== undefined) {
        timer = setTimeout(() => void this.destroy(new PoolDestroyedError(`close() did not finish within its timeout of ${timeout} ms, so the pool was destroyed`)).then(this.#closeDone), timeout);
      }
    });
    this.#closed = this.#withDashboard(this.#closed);
    fleet.scheduler.schedule();
    this.checkClosed();
    return this.#closed;
  }

  destroy(err: PoolDestroyedError = new PoolDestroyedError()): Promise<void> {
    if (this.#destroyed !== undefined) return this.#destroyed;
    this.#destroyed = this.#withDashboard(
      this.fleet.terminate(err).then(() => {
        this.inbox.end();
        this.#closeDone?.();
        this.waiters.settleAll(err);
      }),
    );
    return this.#destroyed;
  }

  /** After each pump: a closing pool with nothing left to run asks its workers to close. */
  afterPump(): void {
    if (this.fleet.closing && this.#destroyed === undefined && this.waiters.idle) {
      // Starting workers too: with nothing left to run they need not finish starting, and an
      // init waiting on ctx.signal sees it abort. (Retiring workers close by themselves.)
      for (const h of this.fleet.live) if (h.state === 'ready' || h.state === 'starting') h.close(true);
    }
  }

  /** After a worker exited: a closing pool whose last worker is gone has closed. */
  checkClosed(): void {
    if (this.#closeDone !== undefined && !this.fleet.alive) {
      this.#closeDone();
      this.waiters.settleAll(this.fleet.broken ?? new PoolClosedError());
    }
  }

  #withDashboard(done: Promise<void>): Promise<void> {
    const dashboard = this.dashboard();
    return dashboard === undefined ? done : done.then(() => closePoolDashboard(dashboard));
  }
}
