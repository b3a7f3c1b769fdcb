/** `pool.stats()`: frozen snapshots built from the fleet's counters. */
import type { Fleet } from './fleet.js';
import type { PoolStats, WorkerStats } from './types.js';

export function snapshot(fleet: Fleet, name: string, runtime: 'thread' | 'process', messages: number): PoolStats {
  let completed = 0;
  let failed = 0;
  const workers: WorkerStats[] = fleet.slots.map((slot) => {
    const h = slot.handle;
    // Dead workers' counters were added to the slot's when they exited; live ones (the current
    // worker and any retiring one) are added here.
    let done = slot.completed;
    let failures = slot.failed;
    let running = 0;
    for (const x of fleet.live) {
      if (x.slot !== slot.index) continue;
      done += x.completed;
      failures += x.failed;
      running += x.load;
    }
    const w: WorkerStats = Object.freeze({
      id: slot.index,
      state: h === undefined ? 'failed' : h.state,
      pid: h === undefined ? -1 : h.transport.pid,
      running,
      completed: done,
      failed: failures,
      restarts: slot.restarts,
    });
    completed += w.completed;
    failed += w.failed;
    return w;
  });
  return Object.freeze({
    name,
    runtime,
    size: fleet.slots.length,
    queued: fleet.scheduler.queued,
    running: fleet.running,
    completed,
    failed,
    messages,
    workers: Object.freeze(workers),
  });
}
