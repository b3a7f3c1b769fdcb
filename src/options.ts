/**
 * Pool options: the type is the reference documentation, defaults live in one constant, and
 * validation happens eagerly in the constructor with messages that name the option and the value.
 */
import { availableParallelism } from 'node:os';
import { isAbsolute, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { describe, InvalidArgTypeError, InvalidArgValueError } from './errors.js';
import type { ResourceLimits } from './transport/types.js';
import type { Logger } from './metrics/types.js';
import { dashboardMetrics, poolDashboard, type DashboardOptions, type ResolvedDashboardOptions } from './dashboard/options.js';

export type RuntimeName = 'thread' | 'process';
export type Strategy = 'least-loaded' | 'round-robin';

export interface PoolOptions {
  /**
   * The worker module: a file URL (`new URL('./worker.js', import.meta.url)`) or a path (relative
   * paths resolve against the current directory). Its default export must be `defineWorker(...)`.
   */
  worker: URL | string;
  /**
   * Number of workers. @default os.availableParallelism()
   */
  size?: number;
  /**
   * `'thread'` (node:worker_threads) or `'process'` (child processes). @default 'thread'
   */
  runtime?: RuntimeName;
  /**
   * Tasks one worker runs at once (a task "runs" until its promise settles; synchronous tasks
   * finish before the next starts). Raise it for IO-bound tasks. @default 1
   */
  concurrency?: number;
  /**
   * `'least-loaded'`: each task goes to the worker with the fewest tasks in flight.
   * `'round-robin'`: strict rotation (800 tasks over 8 workers give exactly 100 each).
   * @default 'least-loaded'
   */
  strategy?: Strategy;
  /** Name used in process titles, thread names and warnings. @default 'pool' */
  name?: string;
  /** Any cloneable value, available in workers as `ctx.workerData`. */
  workerData?: unknown;
  /**
   * Tasks (and `put` messages) that may wait in the parent. Past it, calls wait for room, or fail
   * with `LOOPFLEET_ERR_QUEUE_FULL` when called with `{ wait: false }`. @default Infinity
   */
  maxQueue?: number;
  /**
   * Messages a worker may have put and the parent not yet consumed; past it, `ctx.put` waits.
   * @default 64
   */
  messageHighWaterMark?: number;
  /**
   * Tasks sent ahead to a worker beyond `concurrency`, so that tiny tasks travel many per message.
   * `'auto'` keeps about 2 ms of work queued at each worker, measured as the pool runs: hundreds
   * of tiny tasks, none for long ones (which keeps long tasks balanced). @default 'auto'
   */
  prefetch?: 'auto' | number;
  /**
   * Replace a worker, gracefully, after it has been sent this many tasks (broadcast copies and
   * `put` messages count too). Its replacement starts as the last one is sent. @default Infinity
   */
  maxTasksPerWorker?: number;
  /** Replace a worker, gracefully, once its V8 heap in use exceeds this many MB. @default Infinity */
  maxHeapMB?: number;
  /**
   * Default `timeout` of `run` and `stream` calls, in ms, counted from the moment a task starts in
   * its worker (never while it waits in a queue). Past it the call rejects with
   * `LOOPFLEET_ERR_TIMEOUT` and the task's `ctx.signal` aborts. @default Infinity (none)
   */
  timeout?: number;
  /**
   * Default `terminateAfter` of `run` and `stream` calls: ms after an abort or timeout after which a
   * task that still has not returned has its worker terminated and replaced (its other tasks fail
   * with `LOOPFLEET_ERR_WORKER_CRASHED`, or retry). For tasks that cannot stop cooperatively, such
   * as a long synchronous loop. @default Infinity (never)
   */
  terminateAfter?: number;
  /**
   * Default `highWaterMark` of `stream` calls: items of one stream in flight or buffered at most.
   * The worker's generator runs only while there is room. @default 64
   */
  streamHighWaterMark?: number;
  /**
   * Consecutive failed starts (module load, `init`, sticky replay, exit before ready) after which a
   * worker slot stops respawning and its work rejects with the cause. A module that fails to load
   * or has no `defineWorker` export fails at once. @default 3
   */
  maxStartFailures?: number;
  /**
   * V8 resource limits per worker. In the process runtime they become V8 flags
   * (`--max-old-space-size`, `--max-semi-space-size`, `--stack-size`); `codeRangeSizeMb` has no
   * flag there and is ignored.
   */
  resourceLimits?: ResourceLimits;
  /**
   * Node flags for the workers. @default inherited from this process: child processes get its
   * flags (less `-e`, `-p`, `--input-type`, `-i`, `-c`); worker threads inherit through Node,
   * which leaves out V8 and per-process flags such as `--max-old-space-size` (they apply to the
   * whole process already, and Node refuses them when given to a thread explicitly).
   */
  execArgv?: readonly string[];
  /** Environment of the workers. @default process.env */
  env?: Readonly<Record<string, string | undefined>>;
  /**
   * Per-worker resource sampling and pool metrics (`pool.metrics()`, the `'metrics'` event, the
   * `loopfleet:metrics` diagnostics channel); `false` turns sampling off. See docs/observability.md.
   * @default { interval: 10_000 }
   */
  metrics?: MetricsOptions | false;
  /**
   * Where workers' console output (stdout and stderr, tagged with pool and worker), their
   * uncaught errors and blocked-loop warnings go: any pino-compatible logger
   * (`info/warn/error(obj, msg)`). @default the console
   */
  logger?: Logger;
  /**
   * Serve a live dashboard of this pool on loopback: `true` for any free port, or `{ port, host }`.
   * Read its address from `(await pool.dashboard).url`; it closes with the pool. Workers then report
   * their metrics every second unless `metrics.interval` is given. See docs/dashboard.md.
   * @default false
   */
  dashboard?: boolean | Pick<DashboardOptions, 'port' | 'host'>;
}

export interface MetricsOptions {
  /** Milliseconds between samples in each worker, and between `'metrics'` events. @default 10_000 */
  interval?: number;
  /**
   * Warn (logger, `'blocked'` event, `loopfleet:blocked` channel) when a worker's event loop has
   * not turned for this many milliseconds; workers then send a heartbeat every quarter of it.
   * @default Infinity (off)
   */
  blockedThreshold?: number;
  /**
   * With `blockedThreshold`: also capture where the blocked worker is (its JavaScript stack,
   * through the inspector; see docs/observability.md). @default false
   */
  captureStack?: boolean;
}

export const DEFAULTS = {
  runtime: 'thread',
  concurrency: 1,
  strategy: 'least-loaded',
  name: 'pool',
  maxQueue: Infinity,
  messageHighWaterMark: 64,
  prefetch: 'auto',
  maxTasksPerWorker: Infinity,
  maxHeapMB: Infinity,
  timeout: Infinity,
  terminateAfter: Infinity,
  streamHighWaterMark: 64,
  maxStartFailures: 3,
  metrics: { interval: 10_000, blockedThreshold: Infinity, captureStack: false },
} as const;

/** Options after validation and defaults. */
export interface ResolvedOptions {
  readonly module: string;
  /** Said in module errors when `worker` was a relative path. */
  readonly moduleHint: string | undefined;
  readonly size: number;
  readonly runtime: RuntimeName;
  readonly concurrency: number;
  readonly strategy: Strategy;
  readonly name: string;
  readonly workerData: unknown;
  readonly maxQueue: number;
  readonly messageHighWaterMark: number;
  /** -1 for auto. */
  readonly prefetch: number;
  readonly maxTasksPerWorker: number;
  readonly maxHeapMB: number;
  readonly timeout: number;
  readonly terminateAfter: number;
  readonly streamHighWaterMark: number;
  readonly maxStartFailures: number;
  readonly resourceLimits: ResourceLimits | undefined;
  readonly execArgv: readonly string[] | undefined;
  readonly env: Readonly<Record<string, string | undefined>> | undefined;
  /** Undefined when sampling is off. */
  readonly metrics: Required<MetricsOptions> | undefined;
  readonly logger: Logger | undefined;
  /** Undefined when there is no dashboard. */
  readonly dashboard: ResolvedDashboardOptions | undefined;
}

const KNOWN = new Set([
  'worker', 'size', 'runtime', 'concurrency', 'strategy', 'name', 'workerData', 'maxQueue', 'messageHighWaterMark', 'prefetch',
  'maxTasksPerWorker', 'maxHeapMB', 'maxStartFailures', 'resourceLimits', 'execArgv', 'env', 'timeout', 'terminateAfter',
  'streamHighWaterMark', 'metrics', 'logger', 'dashboard',
]);

export function resolveOptions(options: unknown): ResolvedOptions {
  if (options === null || typeof options !== 'object') {
    throw new InvalidArgTypeError(`Expected \`options\` to be an object, got ${describe(options)}`);
  }
  const o = options as Record<string, unknown>;
  for (const key of Object.keys(o)) {
    if (!KNOWN.has(key)) throw new InvalidArgValueError(`Unknown option \`${key}\`; known options: ${[...KNOWN].join(', ')}`);
  }
  return {
    module: moduleUrl(o.worker),
    moduleHint:
      typeof o.worker === 'string' && !o.worker.startsWith('file:') && !isAbsolute(o.worker)
        ? `the relative path ${JSON.stringify(o.worker)} was resolved against the current directory, ${process.cwd()}; pass new URL('${o.worker}', import.meta.url) to resolve it against your module`
        : undefined,
    size: integer(o, 'size', availableParallelism(), 1),
    runtime: oneOf(o, 'runtime', ['thread', 'process'], DEFAULTS.runtime),
    concurrency: integer(o, 'concurrency', DEFAULTS.concurrency, 1),
    strategy: oneOf(o, 'strategy', ['least-loaded', 'round-robin'], DEFAULTS.strategy),
    name: string(o, 'name', DEFAULTS.name),
    workerData: o.workerData,
    maxQueue: integer(o, 'maxQueue', DEFAULTS.maxQueue, 1, true),
    messageHighWaterMark: integer(o, 'messageHighWaterMark', DEFAULTS.messageHighWaterMark, 1),
    prefetch: prefetch(o.prefetch),
    maxTasksPerWorker: integer(o, 'maxTasksPerWorker', DEFAULTS.maxTasksPerWorker, 1, true),
    maxHeapMB: number(o, 'maxHeapMB', DEFAULTS.maxHeapMB),
    maxStartFailures: integer(o, 'maxStartFailures', DEFAULTS.maxStartFailures, 1),
    timeout: duration(o.timeout, 'timeout', DEFAULTS.timeout),
    terminateAfter: duration(o.terminateAfter, 'terminateAfter', DEFAULTS.terminateAfter, 0),
    streamHighWaterMark: integer(o, 'streamHighWaterMark', DEFAULTS.streamHighWaterMark, 1),
    resourceLimits: resourceLimits(o.resourceLimits),
    execArgv: stringArray(o, 'execArgv'),
    env: env(o.env),
    metrics: dashboardMetrics(metrics(o.metrics), o),
    logger: logger(o.logger),
    dashboard: poolDashboard(o),
  };
}

function moduleUrl(value: unknown): string {
  if (value instanceof URL) {
    if (value.protocol !== 'file:') throw new InvalidArgValueError(`Expected \`worker\` to be a file: URL, got ${value.href}`);
    return value.href;
  }
  if (typeof value === 'string' && value.length > 0) {
    if (value.startsWith('file:')) return new URL(value).href;
    return pathToFileURL(isAbsolute(value) ? value : resolve(value)).href;
  }
  throw new InvalidArgTypeError(`Expected \`worker\` to be a file URL or a path to the worker module, got ${describe(value)}`);
}

function integer(o: Record<string, unknown>, key: string, fallback: number, min: number, infinite = false, prefix = ''): number {
  const v = o[key];
  if (v === undefined) return fallback;
  if (typeof v !== 'number') throw new InvalidArgTypeError(`Expected \`${prefix}${key}\` to be a number, got ${describe(v)}`);
  if (infinite && v === Infinity) return v;
  if (!Number.isInteger(v) || v < min) {
    throw new InvalidArgValueError(`Expected \`${prefix}${key}\` to be an integer >= ${min}${infinite ? ' or Infinity' : ''}, got ${describe(v)}`);
  }
  return v;
}

/** Longest delay setTimeout honours; longer ones fire at once. */
const MAX_TIMER_MS = 2 ** 31 - 1;

/** A delay in ms: a number > min (>= 0 when min is 0) up to about 24.8 days, or Infinity for none. */
export function duration(v: unknown, key: string, fallback: number, min = 1): number {
  if (v === undefined) return fallback;
  if (typeof v !== 'number') throw new InvalidArgTypeError(`Expected \`${key}\` to be a number of milliseconds, got ${describe(v)}`);
  if (v === Infinity) return v;
  if (!(v >= min) || v > MAX_TIMER_MS) {
    throw new InvalidArgValueError(`Expected \`${key}\` to be a number of milliseconds from ${min} to ${MAX_TIMER_MS}, or Infinity, got ${describe(v)}`);
  }
  return v;
}

function prefetch(v: unknown): number {
  if (v === undefined || v === 'auto') return -1;
  if (typeof v !== 'number') throw new InvalidArgTypeError(`Expected \`prefetch\` to be 'auto' or an integer >= 0, got ${describe(v)}`);
  if (!Number.isInteger(v) || v < 0) throw new InvalidArgValueError(`Expected \`prefetch\` to be 'auto' or an integer >= 0, got ${describe(v)}`);
  return v;
}

function number(o: Record<string, unknown>, key: string, fallback: number): number {
  const v = o[key];
  if (v === undefined) return fallback;
  if (typeof v !== 'number') throw new InvalidArgTypeError(`Expected \`${key}\` to be a number, got ${describe(v)}`);
  if (!(v > 0)) throw new InvalidArgValueError(`Expected \`${key}\` to be a positive number, got ${describe(v)}`);
  return v;
}

function string(o: Record<string, unknown>, key: string, fallback: string): string {
  const v = o[key];
  if (v === undefined) return fallback;
  if (typeof v !== 'string' || v.length === 0) throw new InvalidArgTypeError(`Expected \`${key}\` to be a non-empty string, got ${describe(v)}`);
  return v;
}

function oneOf<T extends string>(o: Record<string, unknown>, key: string, allowed: readonly T[], fallback: T): T {
  const v = o[key];
  if (v === undefined) return fallback;
  if (!allowed.includes(v as T)) {
    throw new InvalidArgValueError(`Expected \`${key}\` to be one of ${allowed.map((a) => `'${a}'`).join(', ')}, got ${describe(v)}`);
  }
  return v as T;
}

function stringArray(o: Record<string, unknown>, key: string): readonly string[] | undefined {
  const v = o[key];
  if (v === undefined) return undefined;
  if (!Array.isArray(v) || !v.every((x) => typeof x === 'string')) {
    throw new InvalidArgTypeError(`Expected \`${key}\` to be an array of strings, got ${describe(v)}`);
  }
  return [...(v as string[])];
}

function env(v: unknown): Readonly<Record<string, string | undefined>> | undefined {
  if (v === undefined) return undefined;
  if (v === null || typeof v !== 'object' || Array.isArray(v)) throw new InvalidArgTypeError(`Expected \`env\` to be an object, got ${describe(v)}`);
  for (const [k, x] of Object.entries(v)) {
    if (x !== undefined && typeof x !== 'string') throw new InvalidArgTypeError(`Expected \`env.${k}\` to be a string, got ${describe(x)}`);
  }
  return { ...(v as Record<string, string | undefined>) };
}

function resourceLimits(v: unknown): ResourceLimits | undefined {
  if (v === undefined) return undefined;
  if (v === null || typeof v !== 'object' || Array.isArray(v)) throw new InvalidArgTypeError(`Expected \`resourceLimits\` to be an object, got ${describe(v)}`);
  const out: Record<string, number> = {};
  for (const [k, x] of Object.entries(v)) {
    if (!['maxOldGenerationSizeMb', 'maxYoungGenerationSizeMb', 'codeRangeSizeMb', 'stackSizeMb'].includes(k)) {
      throw new InvalidArgValueError(`Unknown option \`resourceLimits.${k}\``);
    }
    if (typeof x !== 'number') throw new InvalidArgTypeError(`Expected \`resourceLimits.${k}\` to be a number, got ${describe(x)}`);
    if (!(x > 0)) throw new InvalidArgValueError(`Expected \`resourceLimits.${k}\` to be a positive number, got ${describe(x)}`);
    out[k] = x;
  }
  return out;
}

function metrics(v: unknown): Required<MetricsOptions> | undefined {
  if (v === false) return undefined;
  if (v === undefined) return { ...DEFAULTS.metrics };
  if (v === null || typeof v !== 'object' || Array.isArray(v)) throw new InvalidArgTypeError(`Expected \`metrics\` to be an object or false, got ${describe(v)}`);
  const o = v as Record<string, unknown>;
  for (const key of Object.keys(o)) {
    if (!['interval', 'blockedThreshold', 'captureStack'].includes(key)) throw new InvalidArgValueError(`Unknown option \`metrics.${key}\`; known: interval, blockedThreshold, captureStack`);
  }
  const captureStack = o.captureStack ?? DEFAULTS.metrics.captureStack;
  if (typeof captureStack !== 'boolean') throw new InvalidArgTypeError(`Expected \`metrics.captureStack\` to be a boolean, got ${describe(captureStack)}`);
  return {
    interval: integer(o, 'interval', DEFAULTS.metrics.interval, 10, false, 'metrics.'),
    blockedThreshold: integer(o, 'blockedThreshold', DEFAULTS.metrics.blockedThreshold, 20, true, 'metrics.'),
    captureStack,
  };
}

function logger(v: unknown): Logger | undefined {
  if (v === undefined) return undefined;
  const l = v as Record<string, unknown> | null;
  if (l === null || typeof l !== 'object' || !['info', 'warn', 'error'].every((m) => typeof l[m] === 'function')) {
    throw new InvalidArgTypeError(`Expected \`logger\` to be a logger with info, warn and error methods (pino-compatible), got ${describe(v)}`);
  }
  return v as Logger;
}
