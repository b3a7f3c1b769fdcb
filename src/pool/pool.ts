/**
 * The public Pool: validates calls, turns them into tasks, and orchestrates shutdown. Queues and
 * dispatch live in the scheduler, worker lifecycle in the fleet.
 */
import { EventEmitter } from 'node:events';
import { describe, ErrorCodes, InvalidArgTypeError, InvalidArgValueError, NoMessageHandlerError } from '../errors.js';
import { resolveOptions, type PoolOptions, type ResolvedOptions } from '../options.js';
import { parseBroadcastOptions, refusal } from './calls.js';
import type { TaskControl } from './control.js';
import { Intake } from './intake.js';
import { TaskStream } from './task-stream.js';
import { failedIterator, mapTasks, whileOpen, type MapResult } from './map.js';
import type { Fleet } from './fleet.js';
import { startFleet } from './start.js';
import { Inbox } from './inbox.js';
import { snapshot } from './stats.js';
import { Waiters } from './waiters.js';
import { Shutdown } from './shutdown.js';
import { Task, TaskKind } from './task.js';
import { MetricsCollector } from '../metrics/collector.js';
import { openPoolDashboard, type Dashboard } from '../dashboard/index.js';
import type { PoolMetrics } from '../metrics/types.js';
import type { WorkerDefinition } from '../worker/define.js';
import type {
  AnyWorkerDefinition,
  BroadcastArgs,
  BroadcastOptions,
  CloseOptions,
  MessageIn,
  MessageOut,
  PoolEvents,
  PoolStats,
  PoolMapOptions,
  PutOptions,
  RunArgs,
  RunOptions,
  StreamArgs,
  StreamItem,
  StreamOptions,
  TaskArg,
  TaskName,
  TaskResult,
} from './types.js';

function noop(): void {}

// One shared executor instead of a closure per task: `run` is the hot path.
let binding: Task | undefined;
function bindTask(resolve: (value: never) => void, reject: (reason: unknown) => void): void {
  const t = binding as Task;
  t.resolve = resolve as (value: unknown) => void;
  t.reject = reject;
  binding = undefined;
}

export class Pool<W extends AnyWorkerDefinition = WorkerDefinition> extends EventEmitter<PoolEvents<MessageOut<W>>> {
  readonly name: string;
  readonly size: number;
  readonly runtime: 'thread' | 'process';

  readonly #options: ResolvedOptions;
  /** `pool.map` inputs end once the pool closes: what was submitted finishes, nothing new starts. */
  readonly #open = (): boolean => !this.#fleet.closing;
  readonly #fleet: Fleet;
  readonly #intake: Intake;
  readonly #inbox: Inbox;
  readonly #waiters: Waiters;
  readonly #shutdown: Shutdown;
  readonly #metrics: MetricsCollector | undefined;
  #dashboard: Promise<Dashboard> | undefined;

  constructor(options: PoolOptions) {
    super();
    const o = resolveOptions(options);
    this.#options = o;
    this.name = o.name;
    this.size = o.size;
    this.runtime = o.runtime;
    this.#fleet = startFleet(o, {
      ready: (h) => {
        this.emit('workerReady', h.slot);
        this.#waiters.checkReady(this.#shutdown.destroyed);
      },
      exit: (event) => {
        this.emit('workerExit', event);
        this.#waiters.checkReady(this.#shutdown.destroyed);
        this.#shutdown.checkClosed();
      },
      message: (h, value) => this.#inbox.push(value, h),
      // Only a closing pool ends its message iterators quietly; a broken one says why.
      broken: (error) => {
        if (!this.#fleet.closing) this.#inbox.fail(error);
      },
      afterPump: () => this.#afterPump(),
    });
    this.#waiters = new Waiters(this.#fleet);
    this.#inbox = new Inbox(
      () => this.listenerCount('message'),
      (value, from) => this.emit('message', value as MessageOut<W>, from.slot),
      this.#fleet.credits,
    );
    this.#metrics = o.metrics && new MetricsCollector(this.#fleet, o, o.metrics, { metrics: (m) => this.emit('metrics', m), blocked: (e) => this.emit('blocked', e) });
    this.#intake = new Intake(this.#fleet, o, this.#metrics);
    this.#shutdown = new Shutdown(this.#fleet, this.#intake, this.#inbox, this.#waiters, () => this.#dashboard);
    (this as EventEmitter).on('newListener', (event: string | symbol) => {
      if (event === 'message') this.#inbox.listenerAdded();
    });
    // Loads the dashboard's server only for a pool that asked for one.
    if (o.dashboard !== undefined) this.#dashboard = openPoolDashboard(this, o.dashboard);
  }

  /**
   * Runs a named task on a worker and resolves with its result. Errors thrown by the task reject
   * with an error rebuilt here (name, message, the worker's stack, `code` and own properties).
   */
  run<K extends TaskName<W>>(task: K, ...args: RunArgs<W, K>): Promise<TaskResult<W, K>> {
    const [arg, options] = args as [unknown, RunOptions | undefined];
    const refused = refusal(this.#fleet, this.#shutdown.destroyed, task, true);
    if (refused !== undefined) return Promise.reject(refused);
    const call = this.#intake.parse(options, 'run');
    if (call instanceof Error) return Promise.reject(call);
    const t = this.#intake.task(TaskKind.Run, task, arg, call);
    binding = t;
    const promise = new Promise<TaskResult<W, K>>(bindTask);
    if (t.ctl === undefined || t.ctl.arm()) this.#intake.enqueue(t, call.wait);
    return promise;
  }

  /**
   * Runs a task whose result is iterated (an async generator, an iterable, an async iterable or a
   * ReadableStream) and returns its items as an async iterator. Lazy and bounded: the worker
   * produces only while the consumer pulls, at most `highWaterMark` items ahead. `break`,
   * `return()`, `signal` or `timeout` end the generator in the worker (its `finally` runs).
   * Errors, including bad arguments, reject the iterator's `next()`.
   */
  stream<K extends TaskName<W>>(task: K, ...args: StreamArgs<W, K>): TaskStream<StreamItem<W, K>> {
    const [arg, options] = args as [unknown, StreamOptions | undefined];
    const refused = refusal(this.#fleet, this.#shutdown.destroyed, task, true);
    const call = refused ?? this.#intake.parse(options, 'stream');
    if (call instanceof Error) return new TaskStream(0, call);
    const stream = new TaskStream<StreamItem<W, K>>(call.highWaterMark);
    const t = this.#intake.task(TaskKind.Stream, task, arg, call, true);
    t.resolve = () => stream.end();
    t.reject = (err) => stream.fail(err);
    stream.bind(t.ctl as TaskControl);
    if ((t.ctl as TaskControl).arm()) this.#intake.enqueue(t, call.wait);
    return stream;
  }

  /**
   * Runs `task` over every input, at most `concurrency` at a time (default: twice the pool's
   * `size × concurrency`), and yields the results: in input order with `ordered` (default), else
   * as they complete. Input is pulled only as capacity frees up, so an infinite generator works and
   * a consumer that stops pulling stops the input. The first failure aborts the runs in flight,
   * closes the input and rejects `next()`; with `collectErrors` every outcome is yielded instead.
   * `break` aborts the runs in flight. Run options (`priority`, `timeout`, …) apply to every run.
   */
  map<K extends TaskName<W>>(task: K, inputs: Iterable<TaskArg<W, K>> | AsyncIterable<TaskArg<W, K>>, options: PoolMapOptions & { collectErrors: true }): AsyncIterableIterator<MapResult<TaskResult<W, K>>>;
  map<K extends TaskName<W>>(task: K, inputs: Iterable<TaskArg<W, K>> | AsyncIterable<TaskArg<W, K>>, options?: PoolMapOptions & { collectErrors?: false }): AsyncIterableIterator<TaskResult<W, K>>;
  map<K extends TaskName<W>>(task: K, inputs: Iterable<TaskArg<W, K>> | AsyncIterable<TaskArg<W, K>>, options?: PoolMapOptions): AsyncIterableIterator<TaskResult<W, K> | MapResult<TaskResult<W, K>>>;
  map<K extends TaskName<W>>(task: K, inputs: Iterable<TaskArg<W, K>> | AsyncIterable<TaskArg<W, K>>, options: PoolMapOptions = {}): AsyncIterableIterator<unknown> {
    try {
      if (options === null || typeof options !== 'object') throw new InvalidArgTypeError(`Expected map \`options\` to be an object, got ${describe(options)}`);
      const { ordered, concurrency, collectErrors, signal, ...runOptions } = options;
      const refused = refusal(this.#fleet, this.#shutdown.destroyed, task, true) ?? this.#intake.parse(runOptions, 'run');
      if (refused instanceof Error) throw refused;
      const o = this.#options;
      const run = (arg: TaskArg<W, K>, { signal: stop }: { signal: AbortSignal }): Promise<unknown> =>
        this.run(task, ...([arg, { ...runOptions, signal: stop }] as unknown as RunArgs<W, K>));
      return mapTasks(run, whileOpen(inputs, this.#open), { ordered, concurrency: concurrency ?? 2 * o.size * o.concurrency, collectErrors, signal });
    } catch (err) {
      return failedIterator(err);
    }
  }

  /**
   * Message mode: delivers `message` to a worker's `onMessage`. Resolves once the message is
   * queued (at once unless the queue is full). Errors thrown by `onMessage`, or a message lost
   * with its worker, are reported by the `'messageError'` event.
   */
  put(message: MessageIn<W>, options?: PutOptions): Promise<void> {
    const refused = refusal(this.#fleet, this.#shutdown.destroyed);
    if (refused !== undefined) return Promise.reject(refused);
    // Once a worker has said it has no onMessage, fail here rather than in every worker.
    if (!this.#fleet.hasOnMessage) return Promise.reject(new NoMessageHandlerError());
    const call = this.#intake.parse(options, 'put');
    if (call instanceof Error) return Promise.reject(call);
    const t = this.#intake.task(TaskKind.Put, '', message, call);
    t.resolve = noop;
    const reportError = (err: unknown): void => this.#messageError(err, t);
    if (call.target >= 0 || !this.#fleet.scheduler.full) {
      t.reject = reportError;
      this.#intake.enqueue(t, call.wait);
      return Promise.resolve();
    }
    return new Promise<void>((resolve, reject) => {
      t.reject = reject;
      t.admitted = () => {
        t.reject = reportError;
        resolve();
      };
      this.#intake.enqueue(t, call.wait);
    });
  }

  /**
   * Runs a task once on every live worker; resolves with one result per worker, in worker order,
   * or rejects with the first failure. With `{ sticky: true }` workers started later replay it.
   */
  broadcast<K extends TaskName<W>>(task: K, ...args: BroadcastArgs<W, K>): Promise<TaskResult<W, K>[]> {
    const [arg, options] = args as [unknown, BroadcastOptions | undefined];
    const refused = refusal(this.#fleet, this.#shutdown.destroyed, task, true);
    if (refused !== undefined) return Promise.reject(refused);
    let sticky: boolean;
    try {
      sticky = parseBroadcastOptions(options);
    } catch (err) {
      return Promise.reject(err);
    }
    return this.#intake.broadcast(task, arg, sticky) as Promise<TaskResult<W, K>[]>;
  }

  /**
   * Messages workers `ctx.put`, as an async iterator. Each message goes to one consumer; the
   * iterator ends once the pool has closed and the buffer is empty. Not consuming slows the
   * workers' `ctx.put` down (backpressure), it never grows memory past the high-water mark.
   */
  messages(): AsyncIterableIterator<MessageOut<W>> {
    return this.#inbox.iterator<MessageOut<W>>();
  }

  /** Resolves once every worker has started (or its slot has failed); rejects if none can start. */
  ready(): Promise<void> {
    const refused = refusal(this.#fleet, this.#shutdown.destroyed);
    if (refused !== undefined) return Promise.reject(refused);
    return this.#waiters.ready(false);
  }

  /** Resolves when nothing is queued or running. */
  onIdle(): Promise<void> {
    return this.#waiters.onIdle();
  }

  /** Resolves when the queue has room (below `maxQueue`), at once if it has. */
  onDrain(): Promise<void> {
    return this.#waiters.onDrain();
  }

  /** A read-only snapshot. */
  stats(): PoolStats {
    return snapshot(this.#fleet, this.name, this.runtime, this.#inbox.length);
  }

  /**
   * A read-only snapshot of the pool's metrics: per-worker resource samples, queue, wait and run
   * times, throughput, restarts by cause, backpressure. See docs/observability.md.
   */
  metrics(): PoolMetrics {
    if (this.#metrics === undefined) throw new InvalidArgValueError('pool.metrics() needs metrics, which this pool was created without (`metrics: false`)');
    return this.#metrics.snapshot();
  }

  /**
   * The pool's live dashboard (the `dashboard` option): resolves once it listens, with its `url`;
   * rejects if it could not start (`LOOPFLEET_ERR_PORT_IN_USE`). Undefined without the option.
   */
  get dashboard(): Promise<Dashboard> | undefined {
    return this.#dashboard;
  }

  /**
   * Graceful shutdown: accepts no new work, lets queued and running tasks finish (or rejects the
   * queued ones), calls each worker's `close`, and waits for the workers to exit. Never starts a
   * worker. Idempotent.
   */
  close(options: CloseOptions = {}): Promise<void> {
    return this.#shutdown.close(options);
  }

  /** Immediate shutdown: terminates every worker and rejects every pending task with `LOOPFLEET_ERR_POOL_DESTROYED`. */
  destroy(): Promise<void> {
    return this.#shutdown.destroy();
  }

  async [Symbol.asyncDispose](): Promise<void> {
    await this.close();
  }

  // ---- internals ------------------------------------------------------------------------------

  #messageError(err: unknown, t: Task): void {
    const error = err instanceof Error ? err : new Error(String(err));
    // destroy() drops queued messages by design; that is not worth a report.
    if ((error as { code?: unknown }).code === ErrorCodes.POOL_DESTROYED) return;
    const workerId = t.sentTo >= 0 ? t.sentTo : t.target;
    if (this.listenerCount('messageError') > 0) this.emit('messageError', error, workerId);
    else process.emitWarning(`loopfleet pool ${this.name}: a put() message failed: ${error.message}`, { code: 'LOOPFLEET_MESSAGE_ERROR' });
  }

  #afterPump(): void {
    const waiters = this.#waiters;
    const drained = this.#intake.wasFull && waiters.roomy;
    if (drained) this.#intake.wasFull = false;
    waiters.afterPump();
    this.#shutdown.afterPump();
    // Last: a listener that throws must not skip the bookkeeping above (onIdle, close).
    if (drained) this.emit('drain');
  }
}
