/**
 * `loopfleet`: the parent side. A pool of workers, each running its own event loop, over worker
 * threads or child processes, with messages both ways.
 */
export { Pool } from './pool/pool.js';
export type {
  AnyWorkerDefinition,
  BroadcastArgs,
  BroadcastOptions,
  CloseOptions,
  MessageIn,
  MessageOut,
  PoolEvents,
  PoolStats,
  PutOptions,
  RunArgs,
  RunOptions,
  TaskArg,
  TaskName,
  TaskResult,
  TasksOf,
  WorkerState,
  WorkerStats,
} from './pool/types.js';
export type { WorkerExitEvent } from './pool/fleet.js';
export { DEFAULTS, type PoolOptions, type RuntimeName, type Strategy } from './options.js';
export type { MetricsOptions } from './options.js';
export type { BlockedEvent, LoopDelay, Logger, Percentiles, PoolMetrics, WorkerMetrics, WorkerSample } from './metrics/types.js';
export { CHANNELS } from './metrics/channels.js';
export { createStatsdSink, type StatsdClient, type StatsdSinkOptions } from './metrics/statsd.js';
export { createPrometheusSink, type PrometheusSink, type PrometheusSinkOptions } from './metrics/prometheus.js';
export type { MetricsSink } from './metrics/sink.js';
export type { ResourceLimits } from './transport/types.js';
export {
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
  QueueFullError,
  UnknownTaskError,
  WorkerCrashedError,
  WorkerIndexError,
  WorkerInitError,
  WorkerModuleError,
  type ErrorCode,
  type WorkerExitInfo,
} from './errors.js';
export { serveDashboard, type Dashboard, type DashboardOptions } from './dashboard/index.js';
