/**
 * The parent's queues and the pump that moves tasks from them into workers' batches.
 *
 * Three queues, drained in this order each pump:
 *  1. per-instance `bound` queues (broadcast copies),
 *  2. per-slot `pinned` queues (`{ worker: n }`),
 *  3. the shared queue, by strategy.
 * The pump runs once per microtask checkpoint however many tasks were submitted, so a burst of
 * `run()` calls becomes one message per worker.
 */
import type { Strategy } from '../options.js';
import { PriorityQueue } from './priority-queue.js';
import type { Task } from './task.js';
import type { WorkerHandle } from './worker-handle.js';

export interface Slot {
  readonly index: number;
  /** The slot's current worker; undefined once the slot has failed for good. */
  handle: WorkerHandle | undefined;
  /** Tasks submitted with `{ worker: index }`; they survive a respawn of the slot's worker. */
  readonly pinned: PriorityQueue<Task>;
  /** Consecutive failed starts. */
  startFailures: number;
  /** Set when the slot stopped respawning: the error its work rejects with. */
  error: Error | undefined;
}

const SETTLED = Promise.resolve();

export class Scheduler {
  /** By priority, then fairly across series, then in order. */
  readonly queue = new PriorityQueue<Task>();
  /** Calls waiting for room in a full queue (`maxQueue`), by priority like the queue. */
  readonly waiting = new PriorityQueue<Task>();
  #rr = 0;
  #scheduled = false;
  #pumping = false;
  /**
   * The scheduled pump. It runs as a promise reaction (see schedule), where a throw (a user's
   * 'drain' listener, say) would become an unhandled rejection: rethrown on the next tick, it is
   * an uncaught exception, as it was from queueMicrotask.
   */
  readonly #pumpBound = (): void => {
    try {
      this.pump();
    } catch (err) {
      process.nextTick(() => {
        throw err;
      });
    }
  };

  constructor(
    readonly slots: readonly Slot[],
    /** Every live worker instance: slot workers and retiring ones (kept current by the fleet). */
    private readonly handles: readonly WorkerHandle[],
    readonly strategy: Strategy,
    readonly maxQueue: number,
    readonly maxTasksPerWorker: number,
    /** Runs after each pump: room, idle and shutdown bookkeeping. */
    private readonly afterPump: () => void,
    /** Called when a worker reached maxTasksPerWorker. */
    private readonly retire: (h: WorkerHandle) => void,
  ) {}

  schedule(): void {
    if (this.#scheduled) return;
    this.#scheduled = true;
    // Not queueMicrotask(): Node wraps each of those in an AsyncResource (a third of a
    // microsecond per call here, and loading node:async_hooks on the first); a reaction to a
    // settled promise runs at the same checkpoint.
    void SETTLED.then(this.#pumpBound);
  }

  get full(): boolean {
    return this.queue.length >= this.maxQueue;
  }

  pump(): void {
    // A listener called from afterPump (a 'drain' handler) may submit enough to pump again.
    if (this.#pumping) return this.schedule();
    this.#pumping = true;
    try {
      this.#pump();
    } finally {
      this.#pumping = false;
    }
  }

  #pump(): void {
    this.#scheduled = false;
    const slots = this.slots;
    const handles = this.handles;
    for (let i = 0; i < handles.length; i++) this.pumpBound(handles[i] as WorkerHandle);
    for (let s = 0; s < slots.length; s++) {
      const slot = slots[s] as Slot;
      // Re-read the slot's worker each time: sending may retire it (maxTasksPerWorker).
      for (let h = slot.handle; slot.pinned.length > 0 && h !== undefined && h.state === 'ready' && h.load < h.window; h = slot.handle) {
        this.#send(h, slot.pinned.shift() as Task);
      }
    }
    this.#dispatchQueue();
    if (this.#admitWaiting()) this.#dispatchQueue();
    for (let i = 0; i < handles.length; i++) (handles[i] as WorkerHandle).flush();
    this.afterPump();
  }

  /** Bound broadcast copies go out even to a retiring worker: they were meant for it. */
  private pumpBound(h: WorkerHandle): void {
    if (h.state !== 'ready' && h.state !== 'retiring') return;
    while (h.bound.length > 0 && h.load < h.window) this.#send(h, h.bound.shift() as Task);
  }

  #dispatchQueue(): void {
    if (this.queue.length === 0) return;
    if (this.strategy === 'round-robin') this.#roundRobin();
    else this.#leastLoaded();
  }

  /**
   * Each task to the ready worker with the fewest in flight. The least loaded worker takes tasks
   * in a run until it has as many as the next least loaded one, so that a burst costs one scan
   * of the slots per run, not per task (a worker whose answers just came back takes the run).
   */
  #leastLoaded(): void {
    const slots = this.slots;
    const queue = this.queue;
    while (queue.length > 0) {
      let best: WorkerHandle | undefined;
      let bestLoad = Infinity;
      let nextLoad = Infinity;
      for (let s = 0; s < slots.length; s++) {
        const h = (slots[s] as Slot).handle;
        if (h === undefined || h.state !== 'ready') continue;
        const load = h.load;
        if (load >= h.window) continue;
        if (load < bestLoad) {
          nextLoad = bestLoad;
          best = h;
          bestLoad = load;
        } else if (load < nextLoad) {
          nextLoad = load;
        }
      }
      if (best === undefined) return;
      // Up to one more than the runner-up: equal loads then take turns (in runs of one or two),
      // so that no worker gets more than one task ahead of another.
      const until = Math.min(best.window, nextLoad + 1);
      do this.#send(best, queue.shift() as Task);
      while (queue.length > 0 && best.state === 'ready' && best.load < until);
    }
  }

  /**
   * Strict rotation over slots: the next task waits for the next slot in turn, so n × size tasks
   * give exactly n to each worker. Slots that failed for good are skipped.
   */
  #roundRobin(): void {
    const slots = this.slots;
    const queue = this.queue;
    while (queue.length > 0) {
      let slot = slots[this.#rr] as Slot;
      for (let tries = 0; slot.handle === undefined && tries < slots.length; tries++) {
        this.#rr = (this.#rr + 1) % slots.length;
        slot = slots[this.#rr] as Slot;
      }
      const h = slot.handle;
      if (h === undefined || h.state !== 'ready' || h.load >= h.window) return;
      this.#send(h, queue.shift() as Task);
      this.#rr = (this.#rr + 1) % slots.length;
    }
  }

  #send(h: WorkerHandle, task: Task): void {
    h.dispatch(task);
    if (h.dispatched >= this.maxTasksPerWorker) this.retire(h);
  }

  /** Moves calls that waited for room into the queue; true if any moved. */
  #admitWaiting(): boolean {
    let moved = false;
    while (this.waiting.length > 0 && this.queue.length < this.maxQueue) {
      const task = this.waiting.shift() as Task;
      this.queue.push(task);
      task.admitted?.();
      moved = true;
    }
    return moved;
  }

  /** Removes one task that was not sent yet (aborted while queued), in O(log n). */
  remove(task: Task): void {
    const queue = task.target >= 0 ? this.slots[task.target]?.pinned : this.queue;
    if (queue?.delete(task) !== true) this.waiting.delete(task);
    // Room, idle and drain may have changed: let the pump's bookkeeping see it.
    this.schedule();
  }

  /** Removes and returns every queued task: shared, waiting and pinned. */
  takeQueued(): Task[] {
    // Concatenated without spreading into push(): queues can hold far more than an argument list.
    let out = this.queue.drain().concat(this.waiting.drain());
    for (const slot of this.slots) out = out.concat(slot.pinned.drain());
    return out;
  }

  get queued(): number {
    let n = this.queue.length + this.waiting.length;
    for (const slot of this.slots) n += slot.pinned.length;
    return n;
  }
}
