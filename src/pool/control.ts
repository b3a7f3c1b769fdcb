/**
 * Cancellation and timeouts of one task, on the pool side.
 *
 * - A task aborted (or timed out) while queued here is removed and rejects at once.
 * - A task aborted while its worker has it rejects at once too, and the worker is told: its
 *   `ctx.signal` aborts with the same reason (a stream is ended, running its `finally`). The
 *   worker's slot stays taken until the task actually returns.
 * - `timeout` counts from the task's start in the worker (the Started record), never queue time.
 * - With `terminateAfter`, a task that has still not returned that long after its abort has its
 *   worker terminated and replaced (its other tasks fail as in a crash, or retry).
 */
import { AbortError, TimeoutError } from '../errors.js';
import type { Task } from './task.js';
import type { TaskStream } from './task-stream.js';
import type { WorkerHandle } from './worker-handle.js';

export interface ControlOptions {
  readonly signal: AbortSignal | undefined;
  /** Milliseconds from the start in a worker; Infinity = none. */
  readonly timeout: number;
  /** Milliseconds after abort before the worker is terminated; Infinity = never. */
  readonly terminateAfter: number;
}

/**
 * The tasks listening to each signal. Why one listener per signal rather than per task: removing
 * an EventTarget listener is a linear search, so 100k tasks sharing one signal would settle in
 * quadratic time, and each abort would search again.
 */
interface Watchers {
  readonly controls: Set<TaskControl>;
  readonly listener: () => void;
}
const watching = new WeakMap<AbortSignal, Watchers>();

function watch(signal: AbortSignal, ctl: TaskControl): void {
  let w = watching.get(signal);
  if (w === undefined) {
    const controls = new Set<TaskControl>();
    const listener = (): void => {
      watching.delete(signal);
      // One error for all: creating (and capturing a stack for) one per task is most of the cost.
      const error = new AbortError(signal.reason);
      for (const c of [...controls]) c.stop(error);
    };
    w = { controls, listener };
    watching.set(signal, w);
    signal.addEventListener('abort', listener, { once: true });
  }
  w.controls.add(ctl);
}

function unwatch(signal: AbortSignal, ctl: TaskControl): void {
  const w = watching.get(signal);
  if (w === undefined || !w.controls.delete(ctl) || w.controls.size > 0) return;
  watching.delete(signal);
  signal.removeEventListener('abort', w.listener);
}

export class TaskControl {
  /** The worker instance the task was sent to, while it has it. */
  handle: WorkerHandle | undefined;
  stream: TaskStream<unknown> | undefined;
  #started = false;
  #timer: NodeJS.Timeout | undefined;
  #grace: NodeJS.Timeout | undefined;
  #graceWanted = false;
  #resolve: (value: unknown) => void = noop;
  #reject: (reason: unknown) => void = noop;

  constructor(
    readonly task: Task,
    readonly options: ControlOptions,
    /** Removes a task that was not sent yet from the pool's queues. */
    private readonly unqueue: (task: Task) => void,
  ) {}

  /** Whether the worker must report the start at once (a timeout or grace clock depends on it). */
  get timed(): boolean {
    return this.options.timeout !== Infinity || this.options.terminateAfter !== Infinity;
  }

  /**
   * Wraps the task's settle functions (set by the caller first) so that settling releases the
   * timers and the signal listener, and starts listening. Returns false if the signal has already
   * aborted: the task was rejected and must not be queued.
   */
  arm(): boolean {
    const task = this.task;
    this.#resolve = task.resolve;
    this.#reject = task.reject;
    task.resolve = (value) => {
      this.dispose();
      this.#resolve(value);
    };
    task.reject = (reason) => {
      this.dispose();
      this.#reject(reason);
    };
    const signal = this.options.signal;
    if (signal === undefined) return true;
    if (signal.aborted) {
      task.done = true;
      task.reject(new AbortError(signal.reason));
      return false;
    }
    watch(signal, this);
    return true;
  }

  /** The worker began the task: start the timeout clock (again, for a retry), or the grace period. */
  started(): void {
    this.#started = true;
    if (this.#timer !== undefined) clearTimeout(this.#timer);
    const { timeout } = this.options;
    if (timeout !== Infinity && !this.task.done) {
      this.#timer = setTimeout(() => this.stop(new TimeoutError(timeout, this.task.name)), timeout);
    }
    if (this.#graceWanted) this.#startGrace();
    this.stream?.started();
  }

  /** Sent back to the queue after its worker crashed: it has not started anywhere now. */
  requeued(): void {
    this.handle = undefined;
    this.#started = false;
    if (this.#timer !== undefined) clearTimeout(this.#timer);
    this.#timer = undefined;
  }

  /** Settles the task here and now with `error` (abort, timeout, a stream's consumer leaving). */
  stop(error: Error): void {
    const task = this.task;
    if (task.done) return;
    task.done = true;
    this.#unwatch();
    if (this.#timer !== undefined) clearTimeout(this.#timer);
    const h = this.handle;
    if (h === undefined) {
      this.unqueue(task);
      task.reject(error);
      return;
    }
    this.#reject(error);
    h.cancel(task.id, error);
    if (this.options.terminateAfter !== Infinity) {
      if (this.#started) this.#startGrace();
      else this.#graceWanted = true;
    }
  }

  #startGrace(): void {
    this.#graceWanted = false;
    if (this.#grace !== undefined) return;
    const { terminateAfter } = this.options;
    this.#grace = setTimeout(() => {
      const h = this.handle;
      if (h !== undefined && h.tasks.get(this.task.id) === this.task) {
        h.terminate(new Error(`terminated because task ${JSON.stringify(this.task.name)} had not returned ${terminateAfter} ms after it was aborted`));
      }
    }, terminateAfter);
  }

  /** The task has settled for good: nothing may fire any more. */
  dispose(): void {
    if (this.#timer !== undefined) clearTimeout(this.#timer);
    if (this.#grace !== undefined) clearTimeout(this.#grace);
    this.#timer = this.#grace = undefined;
    this.#unwatch();
  }

  #unwatch(): void {
    const signal = this.options.signal;
    if (signal !== undefined) unwatch(signal, this);
  }
}

function noop(): void {}
