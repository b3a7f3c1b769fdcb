/** Small pieces of the metrics that the fleet calls: restart causes, the Boot record's sampling config, stack capture. */
import type { MetricsOptions } from '../options.js';
import { restartChannel } from './channels.js';

/** Why a worker was started in place of another. */
export type RestartCause = 'crash' | 'startFailure' | 'maxTasksPerWorker' | 'maxHeapMB';

export function countRestart(counts: Record<string, number>, pool: string, worker: number, cause: RestartCause): void {
  counts[cause] = (counts[cause] ?? 0) + 1;
  if (restartChannel.hasSubscribers) restartChannel.publish({ pool, worker, cause });
}

/** Heartbeats come four times per threshold, so a block is seen at most a quarter late. */
export function heartbeatPeriod(blockedThreshold: number): number {
  return Number.isFinite(blockedThreshold) ? Math.max(5, Math.floor(blockedThreshold / 4)) : 0;
}

/** Whether workers must be able to give their stack (process workers then start a capture thread). */
export function capturesStacks(o: Required<MetricsOptions> | undefined): boolean {
  return o !== undefined && o.captureStack && Number.isFinite(o.blockedThreshold);
}

/** The `metrics` field of the Boot record: absent when metrics are off. */
export function bootMetrics(o: Required<MetricsOptions> | undefined): { metrics?: { interval: number; heartbeat: number } } {
  return o === undefined ? {} : { metrics: { interval: o.interval, heartbeat: heartbeatPeriod(o.blockedThreshold) } };
}
