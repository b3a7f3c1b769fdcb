/** One unit of work travelling through the pool: a task call or a `put` message. */
import type { TransferListItem } from 'node:worker_threads';
import type { StickyCall } from '../protocol.js';
import type { TaskControl } from './control.js';
import type { WorkerHandle } from './worker-handle.js';
import type { TaskTiming } from '../metrics/timing.js';

export const enum TaskKind {
  Run = 0,
  Put = 1,
  Stream = 2,
}

export class Task {
  /** Set by the Promise executor before any other code sees the task. */
  resolve!: (value: unknown) => void;
  reject!: (reason: unknown) => void;
  /** Called when a call that waited for room enters the queue. */
  admitted: (() => void) | undefined;
  /** Slot of the worker it was sent to, or -1 while not sent. */
  sentTo = -1;
  /** For a copy of a sticky broadcast: the recorded call, dropped if this copy fails in its worker. */
  sticky: StickyCall | undefined;
  /** Lower runs sooner (-20 to 20). */
  priority = 0;
  /** Tasks of different series interleave fairly; undefined is the default series. */
  series: unknown = undefined;
  /** Signal, timeout and stream state, for the tasks that have any. */
  ctl: TaskControl | undefined;
  /** Set once the task was settled here (aborted, timed out) before its worker finished it. */
  done = false;
  /** The priority queue's bookkeeping while the task is queued. */
  queueNode: unknown = undefined;
  /** Set on the tasks that metrics sample for wait and run times. */
  timing: TaskTiming | undefined;

  constructor(
    readonly id: number,
    readonly kind: TaskKind,
    /** Task name; for a put, unused. */
    readonly name: string,
    /** The argument, or the put message. */
    readonly arg: unknown,
    readonly transfer: readonly TransferListItem[] | undefined,
    /** Crashes this task may still survive by running again elsewhere. */
    public retries: number,
    /** Slot index for `{ worker: n }`, or -1. */
    readonly target: number,
    /** A broadcast copy belongs to one worker instance, never to its replacement. */
    readonly bound: WorkerHandle | undefined,
  ) {}
}
