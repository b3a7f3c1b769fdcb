/**
 * How many tasks a worker may hold at once (its window): its concurrency plus the tasks sent
 * ahead so that it never waits for the parent between two. A fixed `prefetch` is just added;
 * `'auto'` keeps about TARGET_MS of work queued at the worker, from the load reports it sends
 * (tasks completed and time busy), averaged.
 */

/** Upper bound of tasks sent ahead to one worker under `prefetch: 'auto'`. */
const MAX_AUTO = 1024;
/** Work that `prefetch: 'auto'` keeps queued at each worker, in ms. */
const TARGET_MS = 2;

export class Prefetch {
  #avgTaskMs = -1;

  constructor(
    private readonly concurrency: number,
    /** Tasks sent ahead; negative for 'auto'. */
    private readonly fixed: number,
  ) {}

  /**
   * The window before any load report. Auto prefetch sends nothing ahead until the first report
   * says how long tasks take: long tasks must not be handed out blindly, and tiny ones ramp up
   * after one round trip.
   */
  get initial(): number {
    return this.concurrency + (this.fixed >= 0 ? this.fixed : 0);
  }

  /** A load report: the new window, or undefined when it does not change (fixed prefetch). */
  tune(completed: number, busyMs: number): number | undefined {
    if (this.fixed >= 0 || completed <= 0) return undefined;
    const sample = busyMs / completed;
    this.#avgTaskMs = this.#avgTaskMs < 0 ? sample : this.#avgTaskMs * 0.7 + sample * 0.3;
    const ahead = this.#avgTaskMs > 0 ? Math.floor(TARGET_MS / this.#avgTaskMs) : MAX_AUTO;
    return this.concurrency + Math.min(MAX_AUTO, ahead);
  }
}
