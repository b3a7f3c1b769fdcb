/**
 * The wire protocol shared by the pool side and the worker side.
 *
 * Every message on the channel is a *batch*: a flat array of records of exactly four slots,
 * `[kind, a, b, c]`. Why flat and batched: when a backlog exists, hundreds of tasks and results
 * travel in one postMessage, and cloning one flat array is far cheaper than cloning an array of
 * small objects (no per-record object header, no property names to serialise). The fixed stride
 * keeps decoding a tight loop with no allocation.
 *
 * Nothing here assumes that both sides share a machine: payloads are plain cloneable values.
 */

/** Slots per record. */
export const STRIDE = 4;

/** Record kinds. Numbers, not strings: they are compared once per record on the hot path. */
export const enum Kind {
  // parent -> worker
  /** `[Boot, 0, BootData, 0]`: first record a worker receives. */
  Boot = 1,
  /** `[Run, taskId, taskName, arg]`. */
  Run = 2,
  /** `[Put, taskId, message, 0]`: message mode; acknowledged by Ok/Err like a task. */
  Put = 3,
  /** `[Credit, n, 0, 0]`: the parent consumed `n` messages; the worker may `ctx.put` `n` more. */
  Credit = 4,
  /** `[Close, 0, 0, 0]`: finish, call `close(ctx)`, report Closed and exit. */
  Close = 5,

  // worker -> parent
  /** `[Ready, 0, taskNames, hasOnMessage]`: init and sticky replays done. */
  Ready = 10,
  /** `[Fail, 0, SerializedError, phase]`: the module did not load, or init/replay threw. */
  Fail = 11,
  /** `[Ok, taskId, value, 0]`. */
  Ok = 12,
  /** `[Err, taskId, SerializedError, 0]`. */
  Err = 13,
  /** `[Msg, 0, value, 0]`: `ctx.put(value)`. */
  Msg = 14,
  /** `[Load, completed, busyMs, 0]`: sent with each result batch; drives adaptive prefetch. */
  Load = 15,
  /** `[Recycle, 0, reason, 0]`: the worker asks to be replaced (memory bound reached). */
  Recycle = 16,
  /** `[Closed, 0, SerializedError | null, 0]`: `close(ctx)` finished; the worker exits next. */
  Closed = 17,
  /** `[Fatal, 0, SerializedError, 0]`: an uncaught error; the worker exits next. */
  Fatal = 18,
  /** `[Sample, 0, WorkerSample | null, 0]`: resource sample, or `null` for a bare heartbeat. */
  Sample = 19,
}

/** Phase a start-up failure happened in. */
export type FailPhase = 'load' | 'init' | 'replay';

export type Batch = unknown[];

/** A broadcast recorded with `{ sticky: true }`, replayed by workers started later. */
export interface StickyCall {
  readonly task: string;
  readonly arg: unknown;
}

/** What a worker needs to start; the payload of the Boot record. */
export interface BootData {
  /** File URL of the user's worker module. */
  readonly module: string;
  readonly id: number;
  readonly poolName: string;
  readonly runtime: 'thread' | 'process';
  readonly workerData: unknown;
  readonly concurrency: number;
  /** Messages the worker may put before the parent returns credit (the high-water mark, less
   * what its slot's dead predecessors left unconsumed). */
  readonly messageCredits: number;
  /** Heap bound in MB after which the worker asks to be recycled; 0 = none. */
  readonly maxHeapMB: number;
  readonly sticky: readonly StickyCall[];
  /** Resource sampling (interval and heartbeat ms); absent when metrics are off. */
  readonly metrics?: { readonly interval: number; readonly heartbeat: number };
}

