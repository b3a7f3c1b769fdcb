/** `pool.stats()`: frozen snapshots built from the fleet's counters. */
import type { Fleet } from './fleet.js';
import type { PoolStats, WorkerStats } from './types.js';

export function snapshot(fleet: Fleet, name: string, runtime: 'thread' | 'process', messages: number): PoolStats {
  let completed = 0;
  let failed = 0;
  const workers: WorkerStats[] = fleet.slots.map((slot) => {
    const h = slot.handle;
    // A dead handle's counters were already added to the slot's when it exited.
    const live = h !== undefined && h.alive;
    const w: WorkerStats = Object.freeze({
      id: slot.index,
      state: h === undefined ? 'failed' : h.state,
      pid: h === undefined ? -1 : h.transport.pid,
      running: live ? h.load : 0,
      completed: slot.completed + (live ? h.completed : 0),
      failed: slot.failed + (live ? h.failed : 0),
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
