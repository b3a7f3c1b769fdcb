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
  /**
   * `[RunCtl, taskId, taskName, arg]`: a task the parent may cancel. It gets its own `ctx.signal`,
   * and the worker reports Started (in the next batch) when it begins.
   */
  RunCtl = 6,
  /** `[RunTimed, taskId, taskName, arg]`: as RunCtl, but Started leaves at once, before the task
   * runs: the parent's timeout clock must start even if the task then blocks the worker's loop. */
  RunTimed = 7,
  /** `[Stream, taskId, taskName, arg]`: a task whose result is iterated; Started leaves at once and
   * the worker produces nothing until the parent grants items with Pull. */
  Stream = 8,
  /** `[Pull, taskId, n, 0]`: the stream's consumer has room for `n` more items. */
  Pull = 9,
  /** `[Cancel, taskId, SerializedError, 0]`: abort the task's `ctx.signal` (with that reason);
   * a task not started yet is dropped with an Err, a stream is ended (its `finally` runs). */
  Cancel = 10,
  /**
   * `[RunMany, 0, taskName, [id, arg, id, arg, …]]`: consecutive Run records of one task name as
   * one record (see `Records.grouped`). Cloning costs per value, and a Run record repeats its kind
   * and the task name (a new string on every decode): grouping halves what a plain task costs to
   * send.
   */
  RunMany = 11,
  /** `[PutMany, 0, 0, [id, message, …]]`: consecutive Put records as one. */
  PutMany = 12,

  // worker -> parent
  /** `[Ready, 0, taskNames, hasOnMessage]`: init and sticky replays done. */
  Ready = 20,
  /** `[Fail, 0, SerializedError, phase]`: the module did not load, or init/replay threw. */
  Fail = 21,
  /** `[Ok, taskId, value, 0]`; for a stream, its end. */
  Ok = 22,
  /** `[Err, taskId, SerializedError, 0]`. */
  Err = 23,
  /** `[Msg, 0, value, 0]`: `ctx.put(value)`. */
  Msg = 24,
  /** `[Load, completed, busyMs, 0]`: sent with each result batch; drives adaptive prefetch. */
  Load = 25,
  /** `[Recycle, 0, reason, 0]`: the worker asks to be replaced (memory bound reached). */
  Recycle = 26,
  /** `[Closed, 0, SerializedError | null, 0]`: `close(ctx)` finished; the worker exits next. */
  Closed = 27,
  /** `[Fatal, 0, SerializedError, 0]`: an uncaught error; the worker exits next. */
  Fatal = 28,
  /** `[Started, taskId, 0, 0]`: a RunCtl, RunTimed or Stream task began in the worker. */
  Started = 29,
  /** `[Item, taskId, value, 0]`: one item of a stream. */
  Item = 30,
  /** `[Sample, 0, WorkerSample | null, 0]`: resource sample, or `null` for a bare heartbeat. */
  Sample = 31,
  /** `[OkMany, 0, 0, [id, value, …]]`: consecutive Ok records as one. */
  OkMany = 32,
  /**
   * `[Hello, 0, 0, 0]`, process runtime only, first record a child sends: its Node start-up is
   * over and it waits for Boot. Handled by the transport (src/transport/process.ts), which holds
   * Boot back until then, so that a child closed before it can be killed without a race.
   */
  Hello = 33,
}

/**
 * The thread runtime's start gate: one Int32 in shared memory per worker (the Worker's
 * `workerData`). The worker moves it from Booting to Loading just before it imports the worker
 * module; the parent, closing, moves it from Booting to Cancelled. Whoever moves it first wins,
 * so a worker is either terminated before any user code ran in it or closed gracefully, never
 * cut off while loading. Without it, close() right after start had to wait for Node to finish
 * starting every worker (tens of ms each) only to tell it to exit. (The process runtime gets the
 * same from Hello.)
 */
export const enum StartGate {
  Booting = 0,
  Loading = 1,
  Cancelled = 2,
}

/**
 * The pipes of a `process` worker, by its fd: batches one way each (wire/frames.ts), and stack
 * capture requests (worker/stack-thread.ts). One-way pipes: a write that fails because the child
 * has died (EPIPE) destroys the socket it was written on, and what the child wrote before dying
 * must still be read to the end from the other.
 */
export const enum ProcessFd {
  ToWorker = 3,
  FromWorker = 4,
  Stack = 5,
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

/**
 * Calls `fn` with each single record a batch holds, group records (RunMany, PutMany, OkMany)
 * taken apart into the records they stand for: for the paths that must look at every task on its
 * own (a batch that failed to clone is sent again record by record).
 */
export function eachRecord(batch: Batch, fn: (kind: Kind, a: unknown, b: unknown, c: unknown, index: number) => void): void {
  for (let i = 0; i < batch.length; i += STRIDE) {
    const kind = batch[i] as Kind;
    const single = kind === Kind.RunMany ? Kind.Run : kind === Kind.PutMany ? Kind.Put : kind === Kind.OkMany ? Kind.Ok : undefined;
    if (single === undefined) {
      fn(kind, batch[i + 1], batch[i + 2], batch[i + 3], i / STRIDE);
      continue;
    }
    const pairs = batch[i + 3] as unknown[];
    for (let j = 0; j < pairs.length; j += 2) {
      if (single === Kind.Run) fn(single, pairs[j], batch[i + 2], pairs[j + 1], i / STRIDE);
      else fn(single, pairs[j], pairs[j + 1], 0, i / STRIDE);
    }
  }
}

/** Capacity above which a buffer that was used far below it is let go (see Records.take). */
const KEEP_CAPACITY = 4096;

/**
 * Records waiting for the next batch, in an array reused from batch to batch. Why: a batch built
 * by push() from an empty array reallocates as it grows, allocating about three times its final
 * size; at hundreds of thousands of tasks a second that garbage is a large part of the parent's
 * GC time. `take()` copies the records out at their exact size instead (sending clones them
 * anyway) and clears the buffer's references, so that it never keeps a payload alive.
 */
export class Records {
  #a: unknown[] = [];
  #n = 0;
  /** The record `grouped` wrote last: where it is, its group kind and key, and its pairs once
   * a second item joined it (until then it is a single record). */
  #groupAt = -1;
  #groupKind: Kind = 0 as Kind;
  #groupKey: unknown;
  #group: unknown[] | undefined;

  /** Slots written (records × STRIDE). */
  get length(): number {
    return this.#n;
  }

  push(kind: Kind, a: unknown, b: unknown, c: unknown): void {
    const arr = this.#a;
    const n = this.#n;
    if (n < arr.length) {
      arr[n] = kind;
      arr[n + 1] = a;
      arr[n + 2] = b;
      arr[n + 3] = c;
    } else {
      arr.push(kind, a, b, c);
    }
    this.#n = n + STRIDE;
  }

  /**
   * Writes one task's record of a group kind (RunMany, PutMany, OkMany): as a single record
   * (`[Run, id, key, value]`, `[Put, id, value, 0]`, `[Ok, id, value, 0]`) when it starts a run,
   * and when the record written last is of the same group kind and key, joined to it, which then
   * becomes `[kind, 0, key, [id, value, id, value, …]]`. A lone task (a round trip of one) keeps
   * the smaller single record; a run of records that differ only in id and value travels as one.
   */
  grouped(kind: Kind, key: unknown, id: number, value: unknown): void {
    const at = this.#n - STRIDE;
    if (at >= 0 && this.#groupAt === at && this.#groupKind === kind && this.#groupKey === key) {
      let pairs = this.#group;
      if (pairs === undefined) {
        const a = this.#a;
        pairs = [a[at + 1], a[at] === Kind.Run ? a[at + 3] : a[at + 2]];
        a[at] = kind;
        a[at + 1] = 0;
        a[at + 2] = key;
        a[at + 3] = pairs;
        this.#group = pairs;
      }
      pairs.push(id, value);
      return;
    }
    if (kind === Kind.RunMany) this.push(Kind.Run, id, key, value);
    else this.push(kind === Kind.PutMany ? Kind.Put : Kind.Ok, id, value, 0);
    this.#groupAt = this.#n - STRIDE;
    this.#groupKind = kind;
    this.#groupKey = key;
    this.#group = undefined;
  }

  /** The records written since the last take, as a batch of their own; empties the buffer. */
  take(): Batch {
    const arr = this.#a;
    const n = this.#n;
    const batch = arr.slice(0, n);
    this.#n = 0;
    this.#groupAt = -1;
    this.#group = undefined;
    this.#groupKey = undefined;
    for (let i = 0; i < n; i++) arr[i] = 0;
    if (arr.length > KEEP_CAPACITY && n < arr.length / 4) this.#a = [];
    return batch;
  }
}
