/**
 * Parent side of the metrics: builds `PoolMetrics` snapshots from the fleet's counters and the
 * workers' latest samples, and each interval rolls the wait/run windows, computes throughput and
 * publishes. Everything here runs once per interval or on demand, never per task (task timing is
 * sampled, see timing.ts).
 */
import type { MetricsOptions, ResolvedOptions } from '../options.js';
import type { Fleet, SlotCounters } from '../pool/fleet.js';
import type { Scheduler } from '../pool/scheduler.js';
import { BlockedWatcher } from './blocked.js';
import { metricsChannel } from './channels.js';
import { consoleLogger } from './logs.js';
import { heartbeatPeriod } from './restarts.js';
import { TaskTimer } from './timing.js';
import type { BlockedEvent, LoopDelay, PoolMetrics, WorkerMetrics } from './types.js';

/**
 * Tasks waiting in the parent by priority: the shared queue, the per-worker queues and calls
 * waiting for room. The default priority, '0', is always present, so series of it never gap.
 */
export function queueByPriority(scheduler: Scheduler): Record<string, number> {
  const counts: Record<string, number> = { '0': 0 };
  const add = (priority: string, n: number): void => {
    counts[priority] = (counts[priority] ?? 0) + n;
  };
  for (const [p, n] of Object.entries(scheduler.queue.countByPriority())) add(p, n);
  for (const slot of scheduler.slots) for (const [p, n] of Object.entries(slot.pinned.countByPriority())) add(p, n);
  for (const [p, n] of Object.entries(scheduler.waiting.countByPriority())) add(p, n);
  return counts;
}

const NO_DELAY: LoopDelay = Object.freeze({ p50: 0, p99: 0, max: 0 });

export class MetricsCollector {
  readonly timer = new TaskTimer();
  /** Calls that found the queue full. */
  backpressure = 0;
  readonly #fleet: Fleet;
  readonly #pool: string;
  readonly #runtime: 'thread' | 'process';
  readonly #interval: number;
  readonly #publish: (m: PoolMetrics) => void;
  readonly #tick: NodeJS.Timeout;
  readonly #blocked: BlockedWatcher | undefined;
  #lastSettled = 0;
  #lastAt = performance.now();
  #throughput = 0;

  constructor(fleet: Fleet, o: ResolvedOptions, metrics: Required<MetricsOptions>, emit: { metrics(m: PoolMetrics): void; blocked(e: BlockedEvent): void }) {
    this.#fleet = fleet;
    this.#pool = o.name;
    this.#runtime = o.runtime;
    this.#interval = metrics.interval;
    this.#publish = (m) => emit.metrics(m);
    this.#tick = setInterval(() => this.#onTick(), metrics.interval).unref();
    const period = heartbeatPeriod(metrics.blockedThreshold);
    if (period > 0) {
      this.#blocked = new BlockedWatcher(fleet, o.name, metrics.blockedThreshold, period, o.concurrency, metrics.captureStack, o.logger ?? consoleLogger, (e) => emit.blocked(e));
    }
  }

  #onTick(): void {
    const fleet = this.#fleet;
    if (fleet.destroyed || (fleet.closing && !fleet.alive)) return this.stop();
    const now = performance.now();
    const seconds = (now - this.#lastAt) / 1000;
    const settled = this.#settled();
    this.#throughput = seconds > 0 ? (settled - this.#lastSettled) / seconds : 0;
    this.timer.roll();
    this.#lastSettled = settled;
    this.#lastAt = now;
    const m = this.snapshot();
    this.#publish(m);
    if (metricsChannel.hasSubscribers) metricsChannel.publish(m);
  }

  stop(): void {
    clearInterval(this.#tick);
    this.#blocked?.stop();
  }

  #settled(): number {
    let n = 0;
    for (const slot of this.#fleet.slots) n += slot.completed + slot.failed;
    for (const h of this.#fleet.live) n += h.completed + h.failed;
    return n;
  }

  snapshot(): PoolMetrics {
    const fleet = this.#fleet;
    let completed = 0;
    let failed = 0;
    const workers = fleet.slots.map((slot) => {
      const w = this.#worker(slot);
      completed += w.tasksCompleted;
      failed += w.tasksFailed;
      return w;
    });
    const { wait, run } = this.timer.last;
    return Object.freeze({
      pool: this.#pool,
      runtime: this.#runtime,
      at: Date.now(),
      interval: this.#interval,
      workers: Object.freeze(workers),
      queue: Object.freeze({ total: fleet.scheduler.queued, byPriority: Object.freeze(queueByPriority(fleet.scheduler)) }),
      waitTime: Object.freeze(wait),
      runTime: Object.freeze(run),
      throughput: this.#throughput,
      completed,
      failed,
      restarts: Object.freeze({ ...fleet.restartCauses }),
      backpressure: this.backpressure,
    });
  }

  #worker(slot: SlotCounters): WorkerMetrics {
    const h = slot.handle;
    // Dead workers' counters were added to the slot's when they exited; live ones are added here.
    let completed = slot.completed;
    let failed = slot.failed;
    let messages = slot.messagesPut;
    let running = 0;
    for (const x of this.#fleet.live) {
      if (x.slot !== slot.index) continue;
      completed += x.completed;
      failed += x.failed;
      messages += x.messagesPut;
      running += x.load;
    }
    const s = h?.sample;
    const id = h === undefined ? -1 : h.transport.pid;
    const thread = this.#runtime === 'thread';
    return Object.freeze({
      worker: slot.index,
      pid: thread ? process.pid : id,
      threadId: thread ? id : 0,
      state: h === undefined ? 'failed' : h.state,
      cpu: s?.cpu ?? 0,
      cpuSource: s?.cpuSource ?? (thread ? 'thread' : 'process'),
      rss: s?.rss ?? 0,
      heapUsed: s?.heapUsed ?? 0,
      heapTotal: s?.heapTotal ?? 0,
      elu: s?.elu ?? 0,
      loopDelay: Object.freeze(s?.loopDelay ?? NO_DELAY),
      ...(s?.activeHandles !== undefined ? { activeHandles: s.activeHandles } : {}),
      ...(s?.activeRequests !== undefined ? { activeRequests: s.activeRequests } : {}),
      tasksRunning: running,
      tasksCompleted: completed,
      tasksFailed: failed,
      messagesPut: messages,
      sampledAt: s?.sampledAt ?? 0,
    });
  }
}
