/**
 * Blocked-loop warnings, detected in the parent: a blocked loop cannot report itself, so each
 * worker sends a heartbeat every `period` ms and this watcher, on its own timer, notices when one
 * is overdue by more than the threshold. Then it logs a warning naming the pool, the worker, its
 * running task(s) and how long, optionally with a stack captured through the inspector, and once
 * the worker's heartbeats resume it reports how long the block lasted.
 */
import type { Fleet } from '../pool/fleet.js';
import { TaskKind } from '../pool/task.js';
import type { WorkerHandle } from '../pool/worker-handle.js';
import { blockedChannel } from './channels.js';
import type { BlockedEvent, Logger } from './types.js';

/** How long a stack capture may take before the warning goes out without one. */
const CAPTURE_TIMEOUT_MS = 2000;

interface Block {
  /** The heartbeat time that was overdue. */
  readonly beatAt: number;
  readonly tasks: readonly string[];
  /** The warning, sent once the stack capture (if any) is done: the follow-up must not overtake it. */
  readonly warned: Promise<void>;
}

export class BlockedWatcher {
  readonly #blocks = new Map<WorkerHandle, Block>();
  readonly #timer: NodeJS.Timeout;
  #lastCheck = performance.now();

  constructor(
    private readonly fleet: Fleet,
    private readonly pool: string,
    private readonly threshold: number,
    /** Heartbeat period of the workers, also this watcher's. */
    private readonly period: number,
    private readonly concurrency: number,
    private readonly captureStack: boolean,
    private readonly logger: Logger,
    private readonly emit: (e: BlockedEvent) => void,
  ) {
    this.#timer = setInterval(() => this.#check(), period).unref();
  }

  stop(): void {
    clearInterval(this.#timer);
  }

  #check(): void {
    const now = performance.now();
    const late = now - this.#lastCheck - this.period;
    this.#lastCheck = now;
    // This thread's own loop was held up: heartbeats that arrived meanwhile are still queued
    // behind this timer, so judging now would blame the workers. Look again next period.
    if (late > this.threshold / 2) return;
    for (const [h, block] of this.#blocks) {
      if (h.state === 'exited') this.#blocks.delete(h);
      else if (h.beatAt > block.beatAt) {
        this.#blocks.delete(h);
        const ms = h.beatAt - block.beatAt - this.period;
        void block.warned.then(() => this.#report(h, ms, block.tasks, true, undefined));
      }
    }
    for (const h of this.fleet.live) {
      // Start-up (loading the module, init) is not watched: on a busy machine it legitimately
      // holds a fresh worker's loop for a while, and no task can be blamed.
      if (h.beatAt === 0 || h.state === 'starting' || h.state === 'exited' || this.#blocks.has(h)) continue;
      const overdue = now - h.beatAt - this.period;
      if (overdue < this.threshold) continue;
      const beatAt = h.beatAt;
      const tasks = this.#running(h);
      const warned = this.captureStack
        ? h.transport.stack(CAPTURE_TIMEOUT_MS).then((stack) => this.#report(h, performance.now() - beatAt - this.period, tasks, false, stack))
        : Promise.resolve(this.#report(h, overdue, tasks, false, undefined));
      this.#blocks.set(h, { beatAt, tasks, warned });
    }
  }

  /** Names of the tasks most likely running: the oldest `concurrency` in flight (the rest wait in the worker). */
  #running(h: WorkerHandle): string[] {
    const names: string[] = [];
    for (const t of h.tasks.values()) {
      if (names.length === this.concurrency) break;
      names.push(t.kind === TaskKind.Put ? 'onMessage' : t.name);
    }
    return names;
  }

  #report(h: WorkerHandle, ms: number, tasks: readonly string[], resolved: boolean, stack: string | undefined): void {
    const blockedMs = Math.round(ms);
    const event: BlockedEvent = Object.freeze({
      pool: this.pool,
      worker: h.slot,
      pid: h.transport.pid,
      tasks: Object.freeze([...tasks]),
      blockedMs,
      ...(stack !== undefined ? { stack } : {}),
      resolved,
    });
    const running = tasks.length > 0 ? `running ${tasks.map((t) => JSON.stringify(t)).join(', ')}` : 'no task running';
    const msg = resolved
      ? `worker ${h.slot} of pool ${this.pool}: event loop was blocked for ${blockedMs} ms (${running})`
      : `worker ${h.slot} of pool ${this.pool}: event loop blocked for ${blockedMs} ms so far (${running})`;
    this.logger.warn({ pool: this.pool, worker: h.slot, pid: h.transport.pid, tasks, blockedMs, resolved, ...(stack !== undefined ? { stack } : {}) }, msg);
    this.emit(event);
    if (blockedChannel.hasSubscribers) blockedChannel.publish(event);
  }
}
