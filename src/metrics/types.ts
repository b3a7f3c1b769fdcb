/**
 * Public types of the metrics: plain read-only snapshots (`pool.metrics()`, the `'metrics'`
 * event, the `loopfleet:metrics` diagnostics channel). Times are milliseconds, sizes bytes.
 */
import type { WorkerState } from '../pool/types.js';

/** Event-loop delay from `perf_hooks.monitorEventLoopDelay`, in ms, over the worker's last sample interval. */
export interface LoopDelay {
  readonly p50: number;
  readonly p99: number;
  readonly max: number;
}

/** What one worker reports about itself each sample interval (the worker side of `WorkerMetrics`). */
export interface WorkerSample {
  /** CPU time (user + system) over the last interval, as a fraction of one core. */
  readonly cpu: number;
  /**
   * Where `cpu` comes from: `'thread'` is this worker thread's own CPU time
   * (`process.threadCpuUsage` or Linux `/proc/thread-self/stat`); `'process'` is the whole
   * process's (`process.cpuUsage`): exact for the process runtime, the sum over all threads for a
   * thread worker on a platform without per-thread accounting.
   */
  readonly cpuSource: 'thread' | 'process';
  /** Resident set size of the worker's process (for thread workers: the whole process, shared). */
  readonly rss: number;
  /** V8 heap of the worker's own isolate. */
  readonly heapUsed: number;
  readonly heapTotal: number;
  /** Event-loop utilisation over the last interval, 0..1. */
  readonly elu: number;
  readonly loopDelay: LoopDelay;
  /** Handles (sockets, timers, ...) keeping the worker's loop alive, where Node exposes them. */
  readonly activeHandles?: number;
  /** Pending requests (file system, DNS, ...), where Node exposes them. */
  readonly activeRequests?: number;
  /** When the worker took the sample (epoch ms); 0 before its first sample. */
  readonly sampledAt: number;
}

/** One worker slot: the latest sample of its current worker (zeros before its first), and the slot's task counters. */
export interface WorkerMetrics extends WorkerSample {
  /** Slot index (as `workerId` elsewhere). */
  readonly worker: number;
  /** Process id of the worker (for thread workers: the pool's own process). */
  readonly pid: number;
  /** Thread id for thread workers; 0 for process workers (their main thread). */
  readonly threadId: number;
  readonly state: WorkerState;
  /** Tasks in flight on the slot's workers now. */
  readonly tasksRunning: number;
  /** Over all the slot's workers since the pool started. */
  readonly tasksCompleted: number;
  readonly tasksFailed: number;
  /** Messages the slot's workers `ctx.put`, since the pool started. */
  readonly messagesPut: number;
}

/** Percentiles in ms; 0 when nothing was recorded in the window. */
export interface Percentiles {
  readonly p50: number;
  readonly p90: number;
  readonly p99: number;
}

export interface PoolMetrics {
  readonly pool: string;
  readonly runtime: 'thread' | 'process';
  /** When the snapshot was taken (epoch ms). */
  readonly at: number;
  /** The metrics interval in ms: windows below cover the last complete one. */
  readonly interval: number;
  readonly workers: readonly WorkerMetrics[];
  /** Tasks waiting in the parent now. */
  readonly queue: { readonly total: number; readonly byPriority: Readonly<Record<string, number>> };
  /** Time from submission until sent to a worker, over the last complete interval (sampled tasks). */
  readonly waitTime: Percentiles;
  /**
   * Time from being sent to a worker until its result arrived, over the last complete interval
   * (sampled tasks). With prefetch this includes time queued inside the worker.
   */
  readonly runTime: Percentiles;
  /** Tasks settled per second over the last complete interval. */
  readonly throughput: number;
  /** Since the pool started. */
  readonly completed: number;
  readonly failed: number;
  /** Workers started to replace another, by cause, since the pool started. */
  readonly restarts: Readonly<Record<string, number>>;
  /** Calls that found the queue full (`maxQueue`) and had to wait or were refused, since the pool started. */
  readonly backpressure: number;
}

/** A worker whose event loop has not turned for longer than `metrics.blockedThreshold`. */
export interface BlockedEvent {
  readonly pool: string;
  readonly worker: number;
  readonly pid: number;
  /** Names of the tasks in flight on the worker (`'onMessage'` for put messages); empty if none. */
  readonly tasks: readonly string[];
  /** How long the loop has been blocked so far (at least the threshold), in ms. */
  readonly blockedMs: number;
  /** Where the worker was, when `metrics.captureStack` is on and the capture worked. */
  readonly stack?: string;
  /** False while still blocked; true in the follow-up event once the loop turned again. */
  readonly resolved: boolean;
}

/**
 * The logger interface loopfleet writes to: pino's (also bunyan-like and console-like loggers
 * that take an object then a message). Only these three levels are used.
 */
export interface Logger {
  info(obj: object, msg?: string): void;
  warn(obj: object, msg?: string): void;
  error(obj: object, msg?: string): void;
}
