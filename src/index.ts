/**
 * `loopfleet`: the parent side. A pool of workers, each running its own event loop, over worker
 * threads or child processes, with messages both ways.
 */
export { Pool } from './pool/pool.js';
export { Tracker } from './tracker.js';
export type {
  AnyWorkerDefinition,
  BroadcastArgs,
  BroadcastOptions,
  CloseOptions,
  MessageIn,
  MessageOut,
  PoolEvents,
  PoolMapOptions,
  PoolStats,
  PutOptions,
  RunArgs,
  RunOptions,
  StreamArgs,
  StreamItem,
  StreamOptions,
  QueueOptions,
  CancelOptions,
  PlacementOptions,
  TaskArg,
  TaskName,
  TaskResult,
  TasksOf,
  WorkerState,
  WorkerStats,
} from './pool/types.js';
export type { WorkerExitEvent } from './pool/fleet.js';
export type { TaskStream } from './pool/task-stream.js';
export type { MapOptions, MapResult } from './pool/map.js';
export { DEFAULTS, type PoolOptions, type RuntimeName, type Strategy } from './options.js';
export type { MetricsOptions } from './options.js';
export type { BlockedEvent, LoopDelay, Logger, Percentiles, PoolMetrics, WorkerMetrics, WorkerSample } from './metrics/types.js';
export { CHANNELS } from './metrics/channels.js';
export { createStatsdSink, type StatsdClient, type StatsdSinkOptions } from './metrics/statsd.js';
export { createPrometheusSink, type PrometheusSink, type PrometheusSinkOptions } from './metrics/prometheus.js';
export type { MetricsSink } from './metrics/sink.js';
export type { ResourceLimits } from './transport/types.js';
export {
  AbortError,
  DataCloneError,
  ErrorCodes,
  InvalidArgTypeError,
  InvalidArgValueError,
  LoopfleetError,
  MissingDependencyError,
  NoMessageHandlerError,
  PortInUseError,
  PoolClosedError,
  PoolDestroyedError,
  NotIterableError,
  QueueFullError,
  TimeoutError,
  UnknownTaskError,
  WorkerCrashedError,
  WorkerIndexError,
  WorkerInitError,
  WorkerModuleError,
  type ErrorCode,
  type WorkerExitInfo,
} from './errors.js';
export { serveDashboard, type Dashboard, type DashboardOptions } from './dashboard/index.js';
// The remote errors too (their classes load no Redis client), so `instanceof` works from either entry.
export { BrokerError, DeadLetterError, DuplicateJobError, JobNotFoundError, LeaseLostError, PayloadTooLargeError } from './errors.js';
