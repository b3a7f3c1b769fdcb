/** Public types of the parent side that derive from a worker module's definition. */
import type { TransferListItem } from 'node:worker_threads';
import type { TaskMap, WorkerContext, WorkerDefinition } from '../worker/define.js';
import type { WorkerExitEvent } from './fleet.js';
import type { MapOptions } from './map.js';
import type { BlockedEvent, PoolMetrics } from '../metrics/types.js';

// eslint-disable-next-line @typescript-eslint/no-explicit-any
export type AnyWorkerDefinition = WorkerDefinition<any, any, any>;

/** The task map of a worker definition. */
export type TasksOf<W> = W extends WorkerDefinition<infer T, infer _In, infer _Out> ? T : TaskMap;
/** What `pool.put()` accepts: the worker's `onMessage` parameter type. */
export type MessageIn<W> = W extends WorkerDefinition<infer _T, infer In, infer _Out> ? In : unknown;
type IsAny<T> = 0 extends 1 & T ? true : false;
/** The `Out` of tasks whose `ctx` parameter is annotated as `WorkerContext<Out>`. */
type TaskPuts<T> = {
  [K in keyof T]: T[K] extends (arg: never, ctx: infer C) => unknown ? (C extends WorkerContext<infer O> ? (IsAny<O> extends true ? never : O) : never) : never;
}[keyof T];
/**
 * What `pool.messages()` yields: what the worker's context `put`s, read from the `ctx`
 * annotations of `init`, `onMessage`, `close` and the tasks; `unknown` when none says.
 */
export type MessageOut<W> =
  W extends WorkerDefinition<infer T, infer _In, infer Out>
    ? unknown extends Out
      ? [TaskPuts<T>] extends [never]
        ? unknown
        : TaskPuts<T>
      : Out | TaskPuts<T>
    : unknown;

export type TaskName<W> = keyof TasksOf<W> & string;
/** A task's argument type; `unknown` for a pool whose worker type is not given. */
export type TaskArg<W, K extends TaskName<W>> = string extends keyof TasksOf<W> ? unknown : Parameters<TasksOf<W>[K]>[0];
export type TaskResult<W, K extends TaskName<W>> = Awaited<ReturnType<TasksOf<W>[K]>>;

/** Where a call waits in the queue. */
export interface QueueOptions {
  /**
   * Lower runs sooner, like Unix niceness: an integer from -20 to 20. Equal priorities run in
   * submission order. @default 0
   */
  priority?: number;
  /**
   * Calls of different series (at the same priority) interleave fairly, each series in its own
   * submission order: a long series submitted first does not hold back one submitted later.
   * Calls without a series form one series of their own.
   */
  series?: string | number;
}

/** Cancellation and timeouts of a call. */
export interface CancelOptions {
  /**
   * Aborting it removes a queued call (rejecting with `LOOPFLEET_ERR_ABORTED`, the reason as
   * `cause`), or rejects a running one at once and aborts its `ctx.signal` in the worker.
   */
  signal?: AbortSignal;
  /**
   * Milliseconds from the task's start in a worker (queue time does not count). Past it the call
   * rejects with `LOOPFLEET_ERR_TIMEOUT` and `ctx.signal` aborts. @default the pool's `timeout`
   */
  timeout?: number;
  /**
   * Milliseconds after an abort or timeout after which a task that has not returned has its
   * worker terminated and replaced. @default the pool's `terminateAfter` (never)
   */
  terminateAfter?: number;
}

/** Where a task runs and how its argument travels. */
export interface PlacementOptions {
  /** Run on this worker (slot index 0 to size - 1) rather than by the pool's strategy. */
  worker?: number;
  /** ArrayBuffers (or MessagePorts) in the argument to move instead of copy (thread runtime). */
  transfer?: readonly TransferListItem[];
  /**
   * When `maxQueue` tasks already wait: `true` waits for room, `false` rejects at once with
   * `LOOPFLEET_ERR_QUEUE_FULL`. @default true
   */
  wait?: boolean;
}

export interface RunOptions extends PlacementOptions, QueueOptions, CancelOptions {
  /** If the worker crashes while running this task, run it again elsewhere this many times. @default 0 */
  retries?: number;
}

/** `arg` may be omitted when the task accepts `undefined`. */
export type RunArgs<W, K extends TaskName<W>> = undefined extends TaskArg<W, K>
  ? [arg?: TaskArg<W, K>, options?: RunOptions]
  : [arg: TaskArg<W, K>, options?: RunOptions];

export interface StreamOptions extends PlacementOptions, QueueOptions, CancelOptions {
  /**
   * Items in flight or buffered at most; the worker's generator runs only while there is room.
   * @default the pool's `streamHighWaterMark` (64)
   */
  highWaterMark?: number;
}

/** `arg` may be omitted when the task accepts `undefined`. */
export type StreamArgs<W, K extends TaskName<W>> = undefined extends TaskArg<W, K>
  ? [arg?: TaskArg<W, K>, options?: StreamOptions]
  : [arg: TaskArg<W, K>, options?: StreamOptions];

/** What a streamed task yields: the items of the (async) iterable or ReadableStream it returns. */
export type StreamItem<W, K extends TaskName<W>> = ItemOf<TaskResult<W, K>>;
type ItemOf<R> = unknown extends R
  ? unknown
  : R extends AsyncIterable<infer T>
    ? T
    : R extends ReadableStream<infer T>
      ? T
      : R extends string
        ? never
        : R extends Iterable<infer T>
          ? T
          : never;

/** Options of `pool.map()`: how the map runs, and the run options applied to every item. */
export interface PoolMapOptions extends Omit<MapOptions, 'concurrency'>, QueueOptions, Omit<CancelOptions, 'signal'> {
  /** Items between "pulled from the input" and "handed to you", at most. @default 2 × size × concurrency */
  readonly concurrency?: number | undefined;
  /** If a worker crashes while running an item, run it again elsewhere this many times. @default 0 */
  retries?: number;
  /** Run every item on this worker. */
  worker?: number;
}

export interface PutOptions extends QueueOptions {
  /** Deliver to this worker (slot index) rather than by the pool's strategy. */
  worker?: number;
  /** ArrayBuffers in the message to move instead of copy (thread runtime). */
  transfer?: readonly TransferListItem[];
  /** As for `run`: wait for room in a full queue (default) or reject with `LOOPFLEET_ERR_QUEUE_FULL`. */
  wait?: boolean;
}

export type BroadcastArgs<W, K extends TaskName<W>> = undefined extends TaskArg<W, K>
  ? [arg?: TaskArg<W, K>, options?: BroadcastOptions]
  : [arg: TaskArg<W, K>, options?: BroadcastOptions];

export interface BroadcastOptions {
  /** Workers started later (replacements, recycled) replay this call, in order, before their first task. */
  sticky?: boolean;
}

export interface CloseOptions {
  /** Reject tasks still queued (not yet running) with `LOOPFLEET_ERR_POOL_CLOSED` instead of running them. @default false */
  rejectQueued?: boolean;
  /** Milliseconds after which close gives up waiting and calls `destroy()`. @default no limit */
  timeout?: number;
}

export type WorkerState = 'starting' | 'ready' | 'retiring' | 'closing' | 'exited' | 'failed';

export interface WorkerStats {
  /** Slot index. */
  readonly id: number;
  readonly state: WorkerState;
  /** Thread id or process id of the slot's current worker; -1 once failed. */
  readonly pid: number;
  /** Tasks in flight on the worker now. */
  readonly running: number;
  /** Tasks (and messages) completed in this slot, over all its workers. */
  readonly completed: number;
  /** Tasks (and messages) that failed in this slot, over all its workers. */
  readonly failed: number;
  /** Workers started in this slot after the first (crashes, recycling). */
  readonly restarts: number;
}

export interface PoolStats {
  readonly name: string;
  readonly runtime: 'thread' | 'process';
  readonly size: number;
  /** Tasks waiting in the parent: shared queue and targeted queues. */
  readonly queued: number;
  /** Tasks in flight in workers. */
  readonly running: number;
  readonly completed: number;
  readonly failed: number;
  /** Messages put by workers and not yet consumed. */
  readonly messages: number;
  readonly workers: readonly WorkerStats[];
}

export interface PoolEvents<Out = unknown> {
  /** A worker put a message (also delivered to `messages()` iterators). */
  message: [value: Out, workerId: number];
  /** The queue was full and has room again. */
  drain: [];
  workerReady: [workerId: number];
  workerExit: [event: WorkerExitEvent];
  /** A `put()` message failed in `onMessage`, or was lost with its worker. */
  messageError: [error: Error, workerId: number];
  /** A metrics snapshot, each `metrics.interval`. */
  metrics: [metrics: PoolMetrics];
  /** A worker's event loop is blocked past `metrics.blockedThreshold` (and later: it turned again). */
  blocked: [event: BlockedEvent];
}
