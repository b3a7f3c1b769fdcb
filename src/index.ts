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
export type { ResourceLimits } from './transport/types.js';
export {
  DataCloneError,
  ErrorCodes,
  InvalidArgTypeError,
  InvalidArgValueError,
  LoopfleetError,
  NoMessageHandlerError,
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
// The remote errors too (their classes load no Redis client), so `instanceof` works from either entry.
export { BrokerError, DeadLetterError, DuplicateJobError, JobNotFoundError, LeaseLostError, PayloadTooLargeError } from './errors.js';
