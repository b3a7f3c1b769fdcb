/**
 * Parent-side state of one worker instance: its transport, the tasks it has in flight, the
 * batch of records waiting to be sent to it, and the decoding of what it sends back.
 */
import type { TransferListItem } from 'node:worker_threads';
import { deserializeError, serializeError, type SerializedError } from '../error-codec.js';
import { DataCloneError } from '../errors.js';
import { eachRecord, Kind, Records, STRIDE, type Batch, type BootData, type FailPhase } from '../protocol.js';
import type { ExitReport, Runtime, SpawnOptions, WorkerTransport } from '../transport/types.js';
import { Deque } from '../deque.js';
import { transferProblem } from '../transfer.js';
import { InFlight } from './in-flight.js';
import { Prefetch } from './prefetch.js';
import { Task, TaskKind } from './task.js';
import type { WorkerSample } from '../metrics/types.js';
import type { OutputForwarder } from '../metrics/logs.js';

export type HandleState = 'starting' | 'ready' | 'retiring' | 'closing' | 'exited';

/** What a handle reports to the pool. */
export interface HandleHost {
  handleReady(h: WorkerHandle): void;
  handleMessage(h: WorkerHandle, value: unknown): void;
  handleRecycle(h: WorkerHandle): void;
  handleExit(h: WorkerHandle, report: ExitReport, previous: HandleState): void;
  /** This worker's message credits are free for the rest of its slot (it is closing). */
  released(slot: number): void;
  /** A copy of a sticky broadcast failed in its worker: replaying the call would fail too. */
  dropSticky(task: Task): void;
  schedulePump(): void;
}

export class WorkerHandle {
  state: HandleState = 'starting';
  readonly transport: WorkerTransport;
  /** Tasks sent to this worker and not settled, by id, in the order they were sent. */
  readonly tasks = new InFlight();
  /** Broadcast copies waiting for this very instance. */
  readonly bound = new Deque<Task>();
  /** Most tasks in flight at once: concurrency + prefetch (see prefetch.ts). */
  window: number;
  completed = 0;
  failed = 0;
  dispatched = 0;
  taskNames: readonly string[] | undefined;
  hasOnMessage = false;
  /** Start-up failure reported by the worker before it exited. */
  failure: { phase: FailPhase; error: Error } | undefined;
  /** Uncaught error reported by the worker before it exited. */
  fatal: Error | undefined;
  closeError: Error | undefined;
  /** Message credits this worker holds, as far as the parent knows (granted, not yet used). */
  held = 0;
  /** Metrics: the worker's latest resource sample, when its last sample or heartbeat arrived (performance.now()), messages it put. */
  sample: WorkerSample | undefined;
  beatAt = 0;
  messagesPut = 0;
  /** Reads the worker's stdout/stderr into the pool's logger. */
  output: OutputForwarder | undefined;

  readonly #out = new Records();
  #transfers: TransferListItem[] = [];
  #transferSet: Set<unknown> | undefined;
  #credits = 0;
  #creditScheduled = false;
  /** Transfer lists apply to threads; processes copy. */
  readonly #transfersApply: boolean;
  readonly #host: HandleHost;
  readonly #prefetch: Prefetch;

  constructor(
    readonly slot: number,
    runtime: Runtime,
    spawn: Omit<SpawnOptions, 'events' | 'workerId'>,
    boot: BootData,
    host: HandleHost,
    prefetch: number,
  ) {
    this.#host = host;
    this.#transfersApply = boot.runtime === 'thread';
    this.#prefetch = new Prefetch(boot.concurrency, prefetch);
    this.window = this.#prefetch.initial;
    this.transport = runtime.spawn({
      ...spawn,
      workerId: slot,
      events: {
        message: (batch) => this.#receive(batch),
        exit: (report) => {
          const previous = this.state;
          this.state = 'exited';
          host.handleExit(this, report, previous);
        },
      },
    });
    this.#out.push(Kind.Boot, 0, boot, 0);
    this.flush();
  }

  /** Tasks in flight on this worker. */
  get load(): number {
    return this.tasks.size;
  }

  get alive(): boolean {
    return this.state !== 'exited';
  }

  /** Queues a task into the next batch; the pump flushes. */
  dispatch(task: Task): void {
    if (task.transfer !== undefined && this.#transfersApply) {
      const problem = transferProblem(task.transfer, (this.#transferSet ??= new Set()));
      if (problem !== undefined) return task.reject(new DataCloneError(`${describeTask(task)}: its transfer list holds ${problem}`));
      for (const t of task.transfer) this.#transfers.push(t);
    }
    this.tasks.add(task);
    this.dispatched++;
    task.sentTo = this.slot;
    const ctl = task.ctl;
    task.timing?.sent();
    if (task.kind === TaskKind.Put) this.#out.grouped(Kind.PutMany, 0, task.id, task.arg);
    else if (ctl === undefined) this.#out.grouped(Kind.RunMany, task.name, task.id, task.arg);
    else {
      ctl.handle = this;
      const kind = task.kind === TaskKind.Stream ? Kind.Stream : ctl.timed ? Kind.RunTimed : Kind.RunCtl;
      this.#out.push(kind, task.id, task.name, task.arg);
    }
  }

  /** Tells the worker to abort a task's `ctx.signal` (or drop it if it has not started). */
  cancel(taskId: number, reason: Error): void {
    if (this.state === 'exited') return;
    this.#out.push(Kind.Cancel, taskId, serializeError(reason), 0);
    this.flush();
  }

  /** Grants a stream `n` more items; goes out with the next pump. */
  pull(taskId: number, n: number): void {
    if (this.state === 'exited') return;
    this.#out.push(Kind.Pull, taskId, n, 0);
    this.#host.schedulePump();
  }

  /** Ends this worker at once; its tasks fail as in a crash, with `cause` as the reason. */
  terminate(cause: Error): void {
    if (this.state === 'exited') return;
    this.fatal ??= cause;
    void this.transport.terminate();
  }

  /**
   * Gives `n` message credits back. Credits of one loop turn travel as one record: a consumer
   * taking messages one by one must not cost a message each.
   */
  credit(n: number): void {
    if (this.state === 'exited') return;
    this.#credits += n;
    if (this.#creditScheduled) return;
    this.#creditScheduled = true;
    setImmediate(() => {
      this.#creditScheduled = false;
      if (this.state === 'exited' || this.#credits === 0) return;
      this.#out.push(Kind.Credit, this.#credits, 0, 0);
      this.#credits = 0;
      this.flush();
    });
  }

  /**
   * Asks the worker to shut down. With `unlimited` (the pool is closing) it also gets unlimited
   * message credit: a worker flushes what it put before it exits, and pool shutdown must not wait
   * for a consumer that stopped reading. A worker recycled while the pool runs keeps to its
   * slot's budget instead.
   */
  close(unlimited: boolean): void {
    const starting = this.state === 'starting';
    this.state = 'closing';
    // Still in its runtime's own start-up, no user code run: end it now rather than wait for it
    // to finish starting only to be told to exit. Its exit is a clean one (state 'closing').
    if (starting && this.transport.cancelStart?.() === true) {
      this.transport.terminate().catch(() => {});
      return;
    }
    this.#out.push(Kind.Close, 0, 0, 0);
    if (unlimited) this.unlimitCredit();
    this.flush();
  }

  #unlimited = false;

  /** Unlimited message credit for a closing worker (see close). */
  unlimitCredit(): void {
    if (this.#unlimited || this.state === 'exited') return;
    this.#unlimited = true;
    this.#out.push(Kind.Credit, Infinity, 0, 0);
    this.flush();
    this.#host.released(this.slot);
  }

  get unlimited(): boolean {
    return this.#unlimited;
  }

  flush(): void {
    if (this.#out.length === 0 || this.state === 'exited') return;
    const batch = this.#out.take();
    const transfers = this.#transfers;
    // The transport uses the list synchronously: an empty one can stay (no allocation per flush).
    if (transfers.length > 0) this.#transfers = [];
    this.#transferSet = undefined;
    try {
      this.transport.send(batch, transfers);
    } catch {
      this.#sendEach(batch);
    }
  }

  /** The batch could not be cloned: send record by record and reject the tasks that fail. */
  #sendEach(batch: Batch): void {
    eachRecord(batch, (kind, a, b, c) => {
      const task = carriesTask(kind) ? this.tasks.get(a as number) : undefined;
      try {
        this.transport.send([kind, a, b, c], task?.transfer);
      } catch (err) {
        if (task === undefined) throw err;
        this.tasks.delete(task.id);
        this.dispatched--;
        task.reject(new DataCloneError(describeTask(task), err));
      }
    });
    this.#host.schedulePump();
  }

  #receive(batch: Batch): void {
    const tasks = this.tasks;
    for (let i = 0; i < batch.length; i += STRIDE) {
      switch (batch[i] as Kind) {
        case Kind.Ok:
          this.#ok(batch[i + 1] as number, batch[i + 2]);
          break;
        case Kind.OkMany: {
          const pairs = batch[i + 3] as unknown[];
          for (let j = 0; j < pairs.length; j += 2) this.#ok(pairs[j] as number, pairs[j + 1]);
          break;
        }
        case Kind.Err: {
          const id = batch[i + 1] as number;
          const task = tasks.get(id);
          if (task === undefined) break;
          tasks.delete(id);
          this.failed++;
          task.timing?.done();
          if (task.sticky !== undefined) this.#host.dropSticky(task);
          task.reject(deserializeError(batch[i + 2] as SerializedError));
          break;
        }
        case Kind.Item:
          tasks.get(batch[i + 1] as number)?.ctl?.stream?.push(batch[i + 2]);
          break;
        case Kind.Started:
          tasks.get(batch[i + 1] as number)?.ctl?.started();
          break;
        case Kind.Msg:
          this.messagesPut++;
          this.#host.handleMessage(this, batch[i + 2]);
          break;
        case Kind.Sample:
          this.beatAt = performance.now();
          if (batch[i + 2] !== null) this.sample = batch[i + 2] as WorkerSample;
          break;
        case Kind.Load:
          this.window = this.#prefetch.tune(batch[i + 1] as number, batch[i + 2] as number) ?? this.window;
          break;
        case Kind.Ready:
          if (this.state === 'starting') this.state = 'ready';
          this.taskNames = batch[i + 2] as string[];
          this.hasOnMessage = batch[i + 3] === 1;
          this.#host.handleReady(this);
          break;
        case Kind.Fail:
          this.failure = { phase: batch[i + 3] as FailPhase, error: deserializeError(batch[i + 2] as SerializedError) };
          break;
        case Kind.Fatal:
          this.fatal = deserializeError(batch[i + 2] as SerializedError);
          break;
        case Kind.Recycle:
          this.#host.handleRecycle(this);
          break;
        case Kind.Closed: {
          const err = batch[i + 2] as SerializedError | null;
          if (err !== null) this.closeError = deserializeError(err);
          break;
        }
        default:
          break;
      }
    }
    this.#host.schedulePump();
  }

  #ok(id: number, value: unknown): void {
    const task = this.tasks.get(id);
    if (task === undefined) return;
    this.tasks.delete(id);
    this.completed++;
    task.timing?.done();
    task.resolve(value);
  }
}

/** Records whose payload is a task's argument or a put message. */
function carriesTask(kind: Kind): boolean {
  return kind === Kind.Run || kind === Kind.Put || kind === Kind.RunCtl || kind === Kind.RunTimed || kind === Kind.Stream;
}

function describeTask(task: Task): string {
  return task.kind === TaskKind.Put ? 'the message given to put()' : `the argument of task ${JSON.stringify(task.name)}`;
}
