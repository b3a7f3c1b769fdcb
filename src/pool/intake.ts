/**
 * How calls enter the pool: options parsed against the pool's defaults, tasks created (with a
 * control for signals, timeouts and streams), and queued where they belong. Kept apart from the
 * Pool class, which validates its public arguments and orchestrates shutdown.
 */
import { DataCloneError, QueueFullError, PoolClosedError } from '../errors.js';
import type { ResolvedOptions } from '../options.js';
import type { MetricsCollector } from '../metrics/collector.js';
import { defaultCall, parseCallOptions, type CallMethod, type CallOptions } from './calls.js';
import { TaskControl } from './control.js';
import type { Fleet } from './fleet.js';
import { Task, TaskKind } from './task.js';
import type { PutOptions, RunOptions, StreamOptions } from './types.js';

/** Queue length at which a call dispatches at once instead of at the next microtask checkpoint. */
const EAGER_PUMP = 256;

export class Intake {
  readonly #fleet: Fleet;
  readonly #options: ResolvedOptions;
  readonly #metrics: MetricsCollector | undefined;
  readonly #defaultCall: CallOptions;
  readonly #unqueue = (t: Task): void => this.#fleet.scheduler.remove(t);
  #nextId = 0;
  /** A call found the queue full since the last 'drain'. */
  wasFull = false;

  constructor(fleet: Fleet, options: ResolvedOptions, metrics: MetricsCollector | undefined) {
    this.#fleet = fleet;
    this.#options = options;
    this.#metrics = metrics;
    this.#defaultCall = defaultCall(options);
  }

  nextId(): number {
    return ++this.#nextId;
  }

  /** The call's options under the pool's defaults, or the error to reject with. */
  parse(options: RunOptions | PutOptions | StreamOptions | undefined, method: CallMethod): CallOptions | Error {
    if (options === undefined) return this.#defaultCall;
    try {
      return parseCallOptions(options, method, this.#fleet, this.#defaultCall);
    } catch (err) {
      return err as Error;
    }
  }

  /** A new task; it gets a control when it can be cancelled or timed out, or is a stream. */
  task(kind: TaskKind, name: string, arg: unknown, call: CallOptions, controlled = false): Task {
    const t = new Task(++this.#nextId, kind, name, arg, call.transfer, call.retries, call.target, undefined);
    t.priority = call.priority;
    t.series = call.series;
    if (controlled || (kind !== TaskKind.Put && (call.signal !== undefined || call.timeout !== Infinity || call.terminateAfter !== Infinity))) {
      t.ctl = new TaskControl(t, call, this.#unqueue);
    }
    return t;
  }

  /** Queues a task: its worker's queue, the shared queue, or (when full) the calls waiting for room. */
  enqueue(t: Task, wait: boolean): void {
    const s = this.#fleet.scheduler;
    const metrics = this.#metrics;
    if (metrics !== undefined) t.timing = metrics.timer.sample();
    if (t.target >= 0) {
      this.#fleet.slots[t.target]?.pinned.push(t);
    } else if (s.full) {
      this.wasFull = true;
      if (metrics !== undefined) metrics.backpressure++;
      if (!wait) return t.reject(new QueueFullError(this.#options.maxQueue));
      s.waiting.push(t);
    } else {
      s.queue.push(t);
      // Pipelining: a long burst goes out in slices, so that workers start on the first slice
      // while this thread still produces the rest. Only on reaching the mark: a queue that stays
      // long because workers are full waits for the next regular pump.
      if (s.queue.length === EAGER_PUMP) return s.pump();
    }
    s.schedule();
  }

  /**
   * One copy of a call per live worker, bound to that worker instance; resolves with the results
   * in worker order or rejects with the first failure. A sticky call is recorded (once it is known
   * to clone) for workers started later to replay.
   */
  broadcast(task: string, arg: unknown, sticky: boolean): Promise<unknown[]> {
    const fleet = this.#fleet;
    let record: { task: string; arg: unknown } | undefined;
    if (sticky) {
      try {
        structuredClone(arg);
      } catch (err) {
        return Promise.reject(new DataCloneError(`the argument of sticky broadcast ${JSON.stringify(task)}`, err));
      }
      record = { task, arg };
      fleet.sticky.push(record);
    }
    const results: Promise<unknown>[] = [];
    for (const slot of fleet.slots) {
      const h = slot.handle;
      if (h === undefined || !h.alive) continue;
      const t = new Task(this.nextId(), TaskKind.Run, task, arg, undefined, 0, slot.index, h);
      // A copy that fails in its worker (throws, or crashes it) drops the sticky record at once,
      // before any replacement could replay it; see Fleet#settle.
      t.sticky = record;
      results.push(
        new Promise((resolve, reject) => {
          t.resolve = resolve;
          t.reject = reject;
        }),
      );
      h.bound.push(t);
    }
    fleet.scheduler.schedule();
    return Promise.all(results);
  }

  /**
   * Streams are paced by their consumers, who may have stopped reading without saying so: close()
   * ends them (items already buffered are still delivered) rather than wait for them forever.
   */
  endStreams(): void {
    const open: Task[] = [];
    const collect = (t: Task): void => {
      if (t.kind === TaskKind.Stream && !t.done) open.push(t);
    };
    const s = this.#fleet.scheduler;
    s.queue.forEach(collect);
    s.waiting.forEach(collect);
    for (const slot of s.slots) slot.pinned.forEach(collect);
    for (const h of this.#fleet.live) h.tasks.forEach(collect);
    if (open.length === 0) return;
    const error = new PoolClosedError('The pool was closed while this stream was open');
    for (const t of open) t.ctl?.stop(error);
  }
}
