/**
 * Worker lifecycle: starting workers into slots, replacing crashed and recycled ones, giving up
 * on slots whose workers cannot start, and settling the tasks of every worker that ends.
 * Invariant: every task a worker held is settled (or requeued) when that worker's exit arrives.
 */
import { WorkerCrashedError, WorkerInitError, WorkerModuleError } from '../errors.js';
import type { ResolvedOptions } from '../options.js';
import type { StickyCall } from '../protocol.js';
import type { ExitReport, Runtime } from '../transport/types.js';
import { PriorityQueue } from './priority-queue.js';
import { MessageCredits } from './credits.js';
import { Scheduler, type Slot } from './scheduler.js';
import type { Task } from './task.js';
import { WorkerHandle, type HandleHost, type HandleState } from './worker-handle.js';
import { bootMetrics, capturesStacks, countRestart, type RestartCause } from '../metrics/restarts.js';
import { consoleLogger, OutputForwarder, reportWorkerError } from '../metrics/logs.js';

export interface WorkerExitEvent {
  readonly workerId: number;
  readonly exitCode: number | null;
  readonly signal: string | null;
  /**
   * Why the worker ended when it was not asked to (crash, failed start); after a graceful exit,
   * the error its `close` hook threw, if any.
   */
  readonly error: Error | undefined;
}

/** What the fleet reports to the pool. */
export interface FleetEvents {
  ready(h: WorkerHandle): void;
  exit(event: WorkerExitEvent): void;
  message(h: WorkerHandle, value: unknown): void;
  /** No slot can run work any more. */
  broken(error: Error): void;
  afterPump(): void;
}

export interface SlotCounters extends Slot {
  completed: number;
  failed: number;
  restarts: number;
  /** A worker of this slot has been ready at least once. */
  started: boolean;
  /** Messages put by the slot's exited workers. */
  messagesPut: number;
}

export class Fleet implements HandleHost {
  readonly slots: SlotCounters[] = [];
  readonly retiring = new Set<WorkerHandle>();
  /** Every worker instance that has not exited yet: slot workers and retiring ones. */
  readonly live: WorkerHandle[] = [];
  readonly scheduler: Scheduler;
  readonly sticky: StickyCall[] = [];
  readonly credits: MessageCredits;
  /** Task names the worker module registers, known once a worker is ready. */
  taskNames: ReadonlySet<string> | undefined;
  hasOnMessage = true;
  closing = false;
  destroyed = false;
  /** Set when no slot can run work any more: what queued work rejects with. */
  broken: Error | undefined;
  /** Workers started to replace another, by cause. */
  readonly restartCauses: Record<string, number> = {};

  readonly #options: ResolvedOptions;
  readonly #runtime: Runtime;
  readonly #events: FleetEvents;

  constructor(options: ResolvedOptions, runtime: Runtime, events: FleetEvents) {
    this.#options = options;
    this.#runtime = runtime;
    this.#events = events;
    this.scheduler = new Scheduler(
      this.slots,
      this.live,
      options.strategy,
      options.maxQueue,
      options.maxTasksPerWorker,
      () => this.#afterPump(),
      (h) => this.retire(h),
    );
    this.credits = new MessageCredits(this.live, options.messageHighWaterMark, options.size);
    for (let i = 0; i < options.size; i++) {
      const slot: SlotCounters = {
        index: i,
        handle: undefined,
        pinned: new PriorityQueue<Task>(),
        startFailures: 0,
        error: undefined,
        completed: 0,
        failed: 0,
        restarts: 0,
        started: false,
        messagesPut: 0,
      };
      this.slots.push(slot);
    }
    for (const slot of this.slots) slot.handle = this.#spawn(slot);
  }

  schedulePump(): void {
    this.scheduler.schedule();
  }

  #spawn(slot: SlotCounters): WorkerHandle {
    const o = this.#options;
    // The slot's messages in the inbox and the credits its other workers hold count against its
    // high-water mark: a replacement does not bring a fresh set on top.
    const credits = this.credits.initial(slot.index);
    const h = new WorkerHandle(
      slot.index,
      this.#runtime,
      { poolName: o.name, execArgv: o.execArgv, env: o.env, resourceLimits: o.resourceLimits, captureStack: capturesStacks(o.metrics) },
      {
        module: o.module,
        id: slot.index,
        poolName: o.name,
        runtime: o.runtime,
        workerData: o.workerData,
        concurrency: o.concurrency,
        messageCredits: credits,
        maxHeapMB: Number.isFinite(o.maxHeapMB) ? o.maxHeapMB : 0,
        sticky: [...this.sticky],
        ...bootMetrics(o.metrics),
      },
      this,
      o.prefetch,
    );
    h.held = credits;
    h.output = new OutputForwarder(h.transport, o.logger ?? consoleLogger, o.name, slot.index, h.transport.pid);
    this.live.push(h);
    return h;
  }

  released(slot: number): void {
    this.credits.released(slot);
  }

  dropSticky(task: Task): void {
    const i = task.sticky === undefined ? -1 : this.sticky.indexOf(task.sticky);
    if (i >= 0) this.sticky.splice(i, 1);
  }

  /** Replaces a worker gracefully: no new work, a fresh worker in its slot, close once drained. */
  retire(h: WorkerHandle, cause: RestartCause = 'maxTasksPerWorker'): void {
    const slot = this.slots[h.slot] as SlotCounters;
    if (this.closing || h.state !== 'ready' || slot.handle !== h) return;
    h.state = 'retiring';
    this.retiring.add(h);
    slot.restarts++;
    countRestart(this.restartCauses, this.#options.name, h.slot, cause);
    slot.handle = this.#spawn(slot);
    this.scheduler.schedule();
  }

  handleReady(h: WorkerHandle): void {
    const slot = this.slots[h.slot] as SlotCounters;
    slot.startFailures = 0;
    slot.started = true;
    if (h.taskNames !== undefined) this.taskNames = new Set(h.taskNames);
    this.hasOnMessage = h.hasOnMessage;
    this.#events.ready(h);
  }

  handleMessage(h: WorkerHandle, value: unknown): void {
    this.credits.received(h);
    this.#events.message(h, value);
  }

  handleRecycle(h: WorkerHandle): void {
    this.retire(h, 'maxHeapMB');
  }

  handleExit(h: WorkerHandle, report: ExitReport, previous: HandleState): void {
    this.retiring.delete(h);
    const at = this.live.indexOf(h);
    if (at >= 0) this.live.splice(at, 1);
    const slot = this.slots[h.slot] as SlotCounters;
    slot.completed += h.completed;
    slot.failed += h.failed;
    slot.messagesPut += h.messagesPut;
    const current = slot.handle === h;
    let error: Error | undefined;
    if (this.destroyed) {
      // destroy() already settled every task.
    } else if (previous === 'starting') {
      error = this.#startError(h, report);
      this.#settle(h, error, false);
      slot.startFailures++;
      if (current) {
        const fatal = h.failure?.phase === 'load' || slot.startFailures >= this.#options.maxStartFailures || this.closing;
        if (fatal) this.#failSlot(slot, error);
        else this.#respawn(slot, 'startFailure');
      }
    } else {
      if (previous !== 'closing' || h.load > 0) {
        error = new WorkerCrashedError({ workerId: h.slot, exitCode: report.exitCode, signal: report.signal }, h.fatal ?? report.error ?? this.#oomHint(report));
      }
      if (error !== undefined) this.#settle(h, error, true);
      // A clean exit (error undefined) only follows a Close we sent: the slot simply ends.
      if (current && error !== undefined) {
        if (this.closing) this.#failSlot(slot, error);
        else this.#respawn(slot, 'crash');
      }
    }
    // Lines the worker wrote before it died come first, then its error with its stack.
    h.output?.drain();
    if (error !== undefined) reportWorkerError(this.#options.logger ?? consoleLogger, this.#options.name, h.slot, h.transport.pid, error);
    this.credits.released(h.slot);
    this.#events.exit({ workerId: h.slot, exitCode: report.exitCode, signal: report.signal, error: error ?? h.closeError });
    this.scheduler.schedule();
  }

  /** A process worker that V8 aborts has most likely hit its heap limit: say so. */
  #oomHint(report: ExitReport): Error | undefined {
    const limit = this.#options.resourceLimits?.maxOldGenerationSizeMb;
    if (report.signal !== 'SIGABRT' || limit === undefined) return undefined;
    return new Error(`probably out of memory: V8 aborted the process (resourceLimits.maxOldGenerationSizeMb = ${limit})`);
  }

  #respawn(slot: SlotCounters, cause: RestartCause): void {
    slot.restarts++;
    countRestart(this.restartCauses, this.#options.name, slot.index, cause);
    slot.handle = this.#spawn(slot);
  }

  /**
   * Settles what a dead worker held: in-flight tasks retry or reject, bound copies reject.
   * A sticky copy that was running when its worker died may be what killed it: replaying it in
   * every replacement would turn one crash into a crash loop, so the call is forgotten.
   */
  #settle(h: WorkerHandle, error: Error, retry: boolean): void {
    const requeue: Task[] = [];
    for (const task of h.tasks.values()) {
      // Only when the copy was alone on its worker can it be blamed; behind or beside other
      // tasks it keeps its record (a replay that fails then counts as a failed start).
      if (task.sticky !== undefined && retry && h.tasks.size === 1) this.dropSticky(task);
      // A transferred argument went with the dead worker (threads): it cannot be sent again.
      const moved = task.transfer !== undefined && task.transfer.length > 0 && this.#options.runtime === 'thread';
      if (retry && task.retries > 0 && task.bound === undefined && !moved && !task.done) {
        task.retries--;
        task.sentTo = -1;
        task.ctl?.requeued();
        requeue.push(task);
      } else {
        task.reject(error);
      }
    }
    h.tasks.clear();
    // Back to the front, in their original order.
    for (let i = requeue.length - 1; i >= 0; i--) {
      const task = requeue[i] as Task;
      if (task.target >= 0) (this.slots[task.target] as Slot).pinned.pushFront(task);
      else this.scheduler.queue.pushFront(task);
    }
    for (let t = h.bound.shift(); t !== undefined; t = h.bound.shift()) t.reject(error);
  }

  #startError(h: WorkerHandle, report: ExitReport): Error {
    const failure = h.failure;
    if (failure?.phase === 'load') {
      const e = failure.error as Error & { detail?: string; module?: string };
      const hint = this.#options.moduleHint;
      return new WorkerModuleError(e.module ?? this.#options.module, `${e.detail ?? e.message}${hint !== undefined ? ` (${hint})` : ''}`, e.cause);
    }
    if (failure !== undefined) return new WorkerInitError(h.slot, failure.phase, failure.error);
    const cause = h.fatal ?? report.error ?? new Error(`exited with ${report.signal !== null ? `signal ${report.signal}` : `code ${String(report.exitCode)}`} before it was ready`);
    return new WorkerInitError(h.slot, 'exit', cause);
  }

  /** The slot stops respawning; its pinned work rejects; with no slot left the pool is broken. */
  #failSlot(slot: Slot, error: Error): void {
    slot.handle = undefined;
    slot.error = error;
    for (let t = slot.pinned.shift(); t !== undefined; t = slot.pinned.shift()) t.reject(error);
    if (this.slots.every((s) => s.handle === undefined)) {
      this.broken = error;
      for (const task of this.scheduler.takeQueued()) task.reject(error);
      this.#events.broken(error);
    }
  }

  #afterPump(): void {
    for (const h of this.retiring) {
      if (h.state === 'retiring' && h.load === 0 && h.bound.length === 0) h.close(this.closing);
    }
    this.#events.afterPump();
  }

  /** Tasks in flight across every live worker. */
  get running(): number {
    let n = 0;
    for (const h of this.live) n += h.load + h.bound.length;
    return n;
  }

  get alive(): boolean {
    return this.live.length > 0;
  }

  /** destroy(): settles everything with `error` and ends every worker at once. */
  async terminate(error: Error): Promise<void> {
    this.destroyed = true;
    this.closing = true;
    for (const task of this.scheduler.takeQueued()) task.reject(error);
    const handles = [...this.live];
    for (const h of handles) this.#settle(h, error, false);
    await Promise.all(handles.map((h) => h.transport.terminate()));
  }
}
