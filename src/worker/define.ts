/** The worker-module contract: `defineWorker`, the context a worker gets, and `transfer`. */
import type { TransferListItem } from 'node:worker_threads';

/** Shared, per-worker context passed to `init`, every task, `onMessage` and `close`. */
export interface WorkerContext<Out = unknown> {
  /** The worker's slot index, 0 to size - 1. A replacement worker keeps the slot's index. */
  readonly id: number;
  /** The pool's `workerData` option, cloned into this worker. */
  readonly workerData: unknown;
  /** The pool's `name` option. */
  readonly poolName: string;
  /** `'thread'` or `'process'`. */
  readonly runtime: 'thread' | 'process';
  /** Aborted when this worker begins to shut down (pool closing, recycling). */
  readonly signal: AbortSignal;
  /**
   * Sends a message to the parent (`pool.messages()` and the pool's `'message'` event) at any time.
   * Resolves once the message has left the worker. Waits, with the message held, while the parent
   * has `messageHighWaterMark` unconsumed messages from this worker: a parent that does not consume
   * slows its producers down instead of growing memory.
   * Rejects with `LOOPFLEET_ERR_DATA_CLONE` when the value cannot be copied.
   */
  put(value: Out): Promise<void>;
}

/**
 * A task: `(arg, ctx) => result`. Why `arg: never`: any parameter type must be accepted here
 * (it is checked at the call site, where `Pool<typeof worker>` reads each task's declared
 * parameter type), and an unannotated parameter must not silently become `any`: as `never`, it
 * makes the compiler ask for an annotation. `ctx` may stay unannotated; annotate it as
 * `WorkerContext<T>` to type what `ctx.put` sends (and so `pool.messages()`).
 */
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export type TaskFunction = (arg: never, ctx: WorkerContext<any>) => unknown;

export type TaskMap = Record<string, TaskFunction>;

export interface WorkerSpec<Tasks extends TaskMap, In, Out> {
  /** Runs once per worker before any task: open connections, load tables. A throw fails the start. */
  init?(ctx: WorkerContext<Out>): unknown;
  /**
   * Named tasks, called as `task(arg, ctx)`; may return a value or a promise.
   * (The mapped half of the type gives unannotated `ctx` parameters their type.)
   */
  tasks?: Tasks & { [K in keyof Tasks]: TaskFunction };
  /** Message mode: receives `pool.put(message)`. May call `ctx.put` now or later. */
  onMessage?(message: In, ctx: WorkerContext<Out>): unknown;
  /** Runs once when the worker shuts down gracefully, after `ctx.signal` aborted. */
  close?(ctx: WorkerContext<Out>): unknown;
}

export const DEFINITION = Symbol.for('loopfleet.worker-definition');

/** What `defineWorker` returns; a worker module's default export. */
export interface WorkerDefinition<Tasks extends TaskMap = TaskMap, In = unknown, Out = unknown> extends WorkerSpec<Tasks, In, Out> {
  readonly [DEFINITION]: 1;
}

/**
 * Declares a worker module. Export the result as the module's default export.
 *
 * @example
 * export default defineWorker({
 *   tasks: { add: ({ a, b }: { a: number; b: number }) => a + b },
 * });
 */
// eslint-disable-next-line @typescript-eslint/ban-types
export function defineWorker<Tasks extends TaskMap = {}, In = unknown, Out = unknown>(spec: WorkerSpec<Tasks, In, Out>): WorkerDefinition<Tasks, In, Out> {
  if (spec === null || typeof spec !== 'object') {
    throw new TypeError(`Expected defineWorker() to receive an object, got ${spec === null ? 'null' : typeof spec}`);
  }
  for (const hook of ['init', 'onMessage', 'close'] as const) {
    if (spec[hook] !== undefined && typeof spec[hook] !== 'function') {
      throw new TypeError(`Expected \`${hook}\` to be a function, got ${typeof spec[hook]}`);
    }
  }
  if (spec.tasks !== undefined) {
    if (spec.tasks === null || typeof spec.tasks !== 'object') throw new TypeError(`Expected \`tasks\` to be an object, got ${typeof spec.tasks}`);
    for (const [name, fn] of Object.entries(spec.tasks)) {
      if (typeof fn !== 'function') throw new TypeError(`Expected task ${JSON.stringify(name)} to be a function, got ${typeof fn}`);
    }
  }
  return Object.freeze({ ...spec, [DEFINITION]: 1 as const });
}

export function isWorkerDefinition(value: unknown): value is WorkerDefinition {
  return value !== null && typeof value === 'object' && (value as Record<symbol, unknown>)[DEFINITION] === 1;
}

/**
 * Brand of a `transfer()` value. The worker bootstrap is bundled with its own copy of this module
 * while worker modules import `loopfleet/worker`, so the runtime checks the brand, never
 * `instanceof` (as `isWorkerDefinition` checks DEFINITION).
 */
const TRANSFER = Symbol.for('loopfleet.transfer');

/** A result or message whose buffers move to the parent instead of being copied (thread runtime). */
export class Transfer<T> {
  constructor(
    readonly value: T,
    readonly transferList: readonly TransferListItem[],
  ) {}

  static {
    Object.defineProperty(this.prototype, TRANSFER, { value: true });
  }
}

/** True when `value` was made by `transfer()` (of any copy of this module). */
export function isTransfer(value: unknown): value is Transfer<unknown> {
  return typeof value === 'object' && value !== null && (value as Record<symbol, unknown>)[TRANSFER] === true;
}

/**
 * Returns `value` from a task (or `ctx.put`s it) moving the listed ArrayBuffers instead of copying
 * them. The buffers are detached in the worker afterwards. The process runtime copies instead.
 */
export function transfer<T>(value: T, transferList: readonly (TransferListItem | ArrayBufferLike)[]): T {
  // ArrayBufferLike: `typedArray.buffer` is typed as possibly shared; a SharedArrayBuffer is shared, not moved.
  return new Transfer(value, transferList.filter((t) => !(t instanceof SharedArrayBuffer)) as TransferListItem[]) as unknown as T;
}
