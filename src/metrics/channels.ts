/**
 * Named `diagnostics_channel` channels. Publishing costs nothing while nobody subscribes, so
 * tools (APMs, the dashboard, tests) can listen to every pool in the process without a reference
 * to it.
 */
import { channel } from 'node:diagnostics_channel';

/** Channel names, for `diagnostics_channel.subscribe(name, listener)`. */
export const CHANNELS = {
  /** A `PoolMetrics` snapshot, each metrics interval of each pool. */
  metrics: 'loopfleet:metrics',
  /** A `BlockedEvent`: a worker's loop is blocked past the threshold (and, later, `resolved`). */
  blocked: 'loopfleet:blocked',
  /** `{ pool, worker, stream, line }`: one line a worker wrote to stdout or stderr. */
  log: 'loopfleet:log',
  /** `{ pool, worker, pid, error }`: a worker's uncaught error, before it is replaced. */
  workerError: 'loopfleet:worker:error',
  /** `{ pool, worker, cause }`: a worker is started to replace another (crash, start failure, recycling). */
  restart: 'loopfleet:worker:restart',
} as const;

export const metricsChannel = channel(CHANNELS.metrics);
export const blockedChannel = channel(CHANNELS.blocked);
export const logChannel = channel(CHANNELS.log);
export const workerErrorChannel = channel(CHANNELS.workerError);
export const restartChannel = channel(CHANNELS.restart);
