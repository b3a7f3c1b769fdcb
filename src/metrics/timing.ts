/**
 * Wait and run times of sampled tasks. Timing every task would put an allocation, two clock reads
 * and two histogram writes on the hot path; instead one task in `every` is timed. Every BATCH
 * timed tasks `every` is re-scaled from the rate they came at, so that about TARGET_PER_SECOND
 * tasks are timed however fast the pool runs (and every task while it runs slowly): the pool
 * reads the clock for that once per BATCH timed tasks, not per task.
 */
import { createRequire } from 'node:module';
import type { RecordableHistogram } from 'node:perf_hooks';
import type { Percentiles } from './types.js';

/**
 * node:perf_hooks (about 2 ms to load): not with the pool's import, but in the first idle moment
 * after a pool is made (while its workers start), or when a histogram fills, whichever is first.
 */
let createHistogram: typeof import('node:perf_hooks').createHistogram | undefined;
const require = createRequire(import.meta.url);
const loadHistograms = (): typeof import('node:perf_hooks').createHistogram =>
  (createHistogram ??= (require('node:perf_hooks') as typeof import('node:perf_hooks')).createHistogram);

const TARGET_PER_SECOND = 1000;
const BATCH = 64;

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

/**
 * Milliseconds recorded with microsecond precision into Node's HDR histogram. Values wait in a
 * small buffer and go in PENDING at a time (so that no task waits for node:perf_hooks to load).
 */
export class MsHistogram {
  static readonly PENDING = 64;
  #h: RecordableHistogram | undefined;
  readonly #pending = new Float64Array(MsHistogram.PENDING);
  #n = 0;

  record(ms: number): void {
    this.#pending[this.#n++] = Math.max(1, Math.round(ms * 1000));
    if (this.#n === MsHistogram.PENDING) this.#flush();
  }

  percentiles(): Percentiles {
    if (this.#n > 0) this.#flush();
    const h = this.#h;
    if (h === undefined || h.count === 0) return { p50: 0, p90: 0, p99: 0 };
    return { p50: h.percentile(50) / 1000, p90: h.percentile(90) / 1000, p99: h.percentile(99) / 1000 };
  }

  #flush(): void {
    const h = (this.#h ??= loadHistograms()());
    for (let i = 0; i < this.#n; i++) h.record(this.#pending[i] as number);
    this.#n = 0;
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
  #timed = 0;
  #batchStart = performance.now();

  constructor() {
    if (createHistogram === undefined) setImmediate(loadHistograms).unref();
  }

  /** A TaskTiming for one task in `every`, else undefined. */
  sample(): TaskTiming | undefined {
    if (--this.#countdown > 0) return undefined;
    if (++this.#timed === BATCH) this.#rescale();
    this.#countdown = this.#every;
    return new TaskTiming(this.#current);
  }

  #rescale(): void {
    const now = performance.now();
    const perSecond = (BATCH * 1000) / Math.max(1, now - this.#batchStart);
    this.#every = Math.max(1, Math.round((this.#every * perSecond) / TARGET_PER_SECOND));
    this.#timed = 0;
    this.#batchStart = now;
  }

  /** Ends a window: its percentiles become the reported ones. */
  roll(): void {
    const c = this.#current;
    this.#last = { wait: c.wait.percentiles(), run: c.run.percentiles() };
    // Tasks still in flight hold the old windows; they record there harmlessly.
    this.#current = { wait: new MsHistogram(), run: new MsHistogram() };
  }

  get last(): { wait: Percentiles; run: Percentiles } {
    return this.#last;
  }
}

function zero(): Percentiles {
  return { p50: 0, p90: 0, p99: 0 };
}
