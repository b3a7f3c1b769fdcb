/**
 * Wait and run times of sampled tasks. Timing every task would put two clock reads and two
 * histogram writes on the hot path; instead one task in `every` is timed, with `every` adapted
 * each interval so that about TARGET_PER_SECOND tasks are timed however fast the pool runs (and
 * every task while it is slow).
 */
import { createHistogram, type RecordableHistogram } from 'node:perf_hooks';
import type { Percentiles } from './types.js';

const TARGET_PER_SECOND = 2000;

export class TaskTiming {
  readonly #queuedAt = performance.now();
  #sentAt = 0;
  readonly #windows: TimingWindows;

  constructor(windows: TimingWindows) {
    this.#windows = windows;
  }

  /** The task left the parent's queue for a worker. */
  sent(): void {
    this.#sentAt = performance.now();
    this.#windows.wait.record(this.#sentAt - this.#queuedAt);
  }

  /** Its result (or error) arrived. */
  done(): void {
    if (this.#sentAt > 0) this.#windows.run.record(performance.now() - this.#sentAt);
  }
}

/** Milliseconds recorded with microsecond precision into Node's HDR histogram. */
export class MsHistogram {
  readonly #h: RecordableHistogram = createHistogram();

  record(ms: number): void {
    this.#h.record(Math.max(1, Math.round(ms * 1000)));
  }

  percentiles(): Percentiles {
    const h = this.#h;
    if (h.count === 0) return { p50: 0, p90: 0, p99: 0 };
    return { p50: h.percentile(50) / 1000, p90: h.percentile(90) / 1000, p99: h.percentile(99) / 1000 };
  }
}

export interface TimingWindows {
  readonly wait: MsHistogram;
  readonly run: MsHistogram;
}

/** Decides which tasks are timed, and rolls the windows each interval. */
export class TaskTimer {
  #current: TimingWindows = { wait: new MsHistogram(), run: new MsHistogram() };
  #last: { wait: Percentiles; run: Percentiles } = { wait: zero(), run: zero() };
  #every = 1;
  #countdown = 1;

  /** A TaskTiming for one task in `every`, else undefined. */
  sample(): TaskTiming | undefined {
    if (--this.#countdown > 0) return undefined;
    this.#countdown = this.#every;
    return new TaskTiming(this.#current);
  }

  /** Ends a window in which `settled` tasks settled over `seconds`. */
  roll(settled: number, seconds: number): void {
    const c = this.#current;
    this.#last = { wait: c.wait.percentiles(), run: c.run.percentiles() };
    // Tasks still in flight hold the old windows; they record there harmlessly.
    this.#current = { wait: new MsHistogram(), run: new MsHistogram() };
    const rate = seconds > 0 ? settled / seconds : 0;
    this.#every = Math.max(1, Math.floor(rate / TARGET_PER_SECOND));
    if (this.#countdown > this.#every) this.#countdown = this.#every;
  }

  get last(): { wait: Percentiles; run: Percentiles } {
    return this.#last;
  }
}

function zero(): Percentiles {
  return { p50: 0, p90: 0, p99: 0 };
}
