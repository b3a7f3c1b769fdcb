/**
 * Error classes with stable codes. Match on `err.code`, never on the message:
 * messages may be reworded, codes never change meaning. Every code is documented
 * in docs/errors.md (a test fails when one is missing).
 */

export const ErrorCodes = {
  INVALID_ARG_TYPE: 'LOOPFLEET_ERR_INVALID_ARG_TYPE',
  INVALID_ARG_VALUE: 'LOOPFLEET_ERR_INVALID_ARG_VALUE',
  QUEUE_FULL: 'LOOPFLEET_ERR_QUEUE_FULL',
  POOL_CLOSED: 'LOOPFLEET_ERR_POOL_CLOSED',
  POOL_DESTROYED: 'LOOPFLEET_ERR_POOL_DESTROYED',
  WORKER_CRASHED: 'LOOPFLEET_ERR_WORKER_CRASHED',
  WORKER_INIT: 'LOOPFLEET_ERR_WORKER_INIT',
  WORKER_MODULE: 'LOOPFLEET_ERR_WORKER_MODULE',
  WORKER_INDEX: 'LOOPFLEET_ERR_WORKER_INDEX',
  UNKNOWN_TASK: 'LOOPFLEET_ERR_UNKNOWN_TASK',
  DATA_CLONE: 'LOOPFLEET_ERR_DATA_CLONE',
  NO_MESSAGE_HANDLER: 'LOOPFLEET_ERR_NO_MESSAGE_HANDLER',
  ABORTED: 'LOOPFLEET_ERR_ABORTED',
  TIMEOUT: 'LOOPFLEET_ERR_TIMEOUT',
  NOT_ITERABLE: 'LOOPFLEET_ERR_NOT_ITERABLE',
  MISSING_DEPENDENCY: 'LOOPFLEET_ERR_MISSING_DEPENDENCY',
  PORT_IN_USE: 'LOOPFLEET_ERR_PORT_IN_USE',
  BROKER: 'LOOPFLEET_ERR_BROKER',
  DUPLICATE_JOB: 'LOOPFLEET_ERR_DUPLICATE_JOB',
  PAYLOAD_TOO_LARGE: 'LOOPFLEET_ERR_PAYLOAD_TOO_LARGE',
  DEAD_LETTER: 'LOOPFLEET_ERR_DEAD_LETTER',
  JOB_NOT_FOUND: 'LOOPFLEET_ERR_JOB_NOT_FOUND',
  LEASE_LOST: 'LOOPFLEET_ERR_LEASE_LOST',
} as const;

export type ErrorCode = (typeof ErrorCodes)[keyof typeof ErrorCodes];

/** Base class of every error loopfleet itself raises. */
export class LoopfleetError extends Error {
  readonly code: ErrorCode;
  constructor(code: ErrorCode, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.code = code;
  }
  override get name(): string {
    return this.constructor.name;
  }
}

/** An option or argument has the wrong type. Also a `TypeError`, as Node's own are. */
export class InvalidArgTypeError extends TypeError {
  readonly code = ErrorCodes.INVALID_ARG_TYPE;
  override get name(): string {
    return 'InvalidArgTypeError';
  }
}

/** An option or argument has the right type but a value out of range. Also a `RangeError`. */
export class InvalidArgValueError extends RangeError {
  readonly code = ErrorCodes.INVALID_ARG_VALUE;
  override get name(): string {
    return 'InvalidArgValueError';
  }
}

/** `maxQueue` tasks are already waiting and the call asked not to wait (`{ wait: false }`). */
export class QueueFullError extends LoopfleetError {
  constructor(readonly maxQueue: number) {
    super(ErrorCodes.QUEUE_FULL, `The pool's queue is full (maxQueue = ${maxQueue}); call without \`wait: false\` to wait for room, or await pool.onDrain()`);
  }
}

/** The pool is closing or closed: it accepts no new work. */
export class PoolClosedError extends LoopfleetError {
  constructor(message = 'The pool is closed and accepts no new work') {
    super(ErrorCodes.POOL_CLOSED, message);
  }
}

/** `destroy()` was called while this task was queued or running. */
export class PoolDestroyedError extends LoopfleetError {
  constructor(message = 'The pool was destroyed') {
    super(ErrorCodes.POOL_DESTROYED, message);
  }
}

export interface WorkerExitInfo {
  /** The worker's slot index (`ctx.id` in the worker). */
  readonly workerId: number;
  readonly exitCode: number | null;
  readonly signal: string | null;
}

/** The worker running this task exited, threw an uncaught error or ran out of memory. */
export class WorkerCrashedError extends LoopfleetError implements WorkerExitInfo {
  readonly workerId: number;
  readonly exitCode: number | null;
  readonly signal: string | null;
  constructor(info: WorkerExitInfo, cause?: unknown) {
    const how = info.signal !== null ? `signal ${info.signal}` : `exit code ${String(info.exitCode)}`;
    const why = cause instanceof Error ? `: ${cause.message}` : '';
    super(ErrorCodes.WORKER_CRASHED, `Worker ${info.workerId} crashed (${how})${why}`, cause === undefined ? undefined : { cause });
    this.workerId = info.workerId;
    this.exitCode = info.exitCode;
    this.signal = info.signal;
  }
}

/** The worker module's `init` (or the replay of a sticky broadcast) failed; `cause` holds the error. */
export class WorkerInitError extends LoopfleetError {
  constructor(readonly workerId: number, readonly phase: 'init' | 'replay' | 'exit', cause: unknown) {
    const detail = cause instanceof Error ? cause.message : String(cause);
    super(ErrorCodes.WORKER_INIT, `Worker ${workerId} failed to start (${phase}): ${detail}`, { cause });
  }
}

/** The worker module could not be loaded, or its default export is not `defineWorker(...)`. */
export class WorkerModuleError extends LoopfleetError {
  constructor(readonly module: string, readonly detail: string, cause?: unknown) {
    super(ErrorCodes.WORKER_MODULE, `Worker module ${module} ${detail}`, cause === undefined ? undefined : { cause });
  }
}

/** `{ worker: n }` names no worker of this pool. */
export class WorkerIndexError extends LoopfleetError {
  constructor(readonly index: unknown, readonly size: number) {
    super(ErrorCodes.WORKER_INDEX, `Expected \`worker\` to be an integer from 0 to ${size - 1}, got ${describe(index)}`);
  }
}

/** The worker module registers no task of that name. */
export class UnknownTaskError extends LoopfleetError {
  constructor(readonly task: string, readonly known: readonly string[]) {
    super(
      ErrorCodes.UNKNOWN_TASK,
      `Unknown task ${JSON.stringify(task)}; the worker module registers: ${known.length > 0 ? known.map((k) => JSON.stringify(k)).join(', ') : '(none)'}`,
    );
  }
}

/** A payload (argument, result or message) cannot be copied between threads or processes. */
export class DataCloneError extends LoopfleetError {
  constructor(what: string, cause?: unknown) {
    const detail = cause instanceof Error ? `: ${cause.message}` : '';
    super(ErrorCodes.DATA_CLONE, `Could not send ${what}${detail}`, cause === undefined ? undefined : { cause });
  }
}

/** `put()` reached a worker module that has no `onMessage`. */
export class NoMessageHandlerError extends LoopfleetError {
  constructor() {
    super(ErrorCodes.NO_MESSAGE_HANDLER, 'The worker module defines no onMessage handler, so it cannot receive put() messages');
  }
}

/** An optional dependency (a metrics sink's client library) is not installed. */
export class MissingDependencyError extends LoopfleetError {
  readonly dependency: string;
  constructor(dependency: string, feature: string, cause: unknown) {
    super(ErrorCodes.MISSING_DEPENDENCY, `${feature}() needs the optional dependency ${JSON.stringify(dependency)}: install it with \`npm install ${dependency}\``, { cause });
    this.dependency = dependency;
  }
}

/** A server of loopfleet's (the dashboard) could not listen: another server holds the port. */
export class PortInUseError extends LoopfleetError {
  constructor(readonly host: string, readonly port: number, cause?: unknown) {
    super(ErrorCodes.PORT_IN_USE, `Port ${port} on ${host} is already in use; pass another \`port\`, or 0 for any free port`, cause === undefined ? undefined : { cause });
  }
}

/**
 * The call's `signal` aborted: before the task started (it was removed from the queue) or while it
 * ran (its `ctx.signal` in the worker aborted too). `cause` is the signal's reason.
 */
export class AbortError extends LoopfleetError {
  constructor(reason?: unknown) {
    const why = reason instanceof Error ? `: ${reason.message}` : reason === undefined ? '' : `: ${String(reason)}`;
    super(ErrorCodes.ABORTED, `The task was aborted${why}`, reason === undefined ? undefined : { cause: reason });
  }
}

/** The task ran longer than its `timeout` (counted from its start in a worker). */
export class TimeoutError extends LoopfleetError {
  constructor(readonly timeout: number, task?: string) {
    super(ErrorCodes.TIMEOUT, `${task === undefined ? 'The task' : `Task ${JSON.stringify(task)}`} did not finish within its timeout of ${timeout} ms`);
  }
}

/** `pool.stream()` called a task whose result is not iterable (a generator, iterable or stream). */
export class NotIterableError extends LoopfleetError {
  constructor(readonly task: string, got: string) {
    super(ErrorCodes.NOT_ITERABLE, `Task ${JSON.stringify(task)} was called with stream() but returned ${got}; a streamed task must return an async generator, an iterable, an async iterable or a ReadableStream`);
  }
}

/** The Redis broker could not be reached or refused the connection (wrong password, TLS). */
export class BrokerError extends LoopfleetError {
  constructor(readonly broker: string, cause: unknown) {
    const detail = cause instanceof Error ? cause.message : String(cause);
    super(ErrorCodes.BROKER, `Could not connect to the broker ${broker}: ${detail}`, { cause });
  }
}

/** A remote job with this caller-supplied id is still queued, delayed or running. */
export class DuplicateJobError extends LoopfleetError {
  constructor(readonly jobId: string, readonly queue: string) {
    super(ErrorCodes.DUPLICATE_JOB, `A job with id ${JSON.stringify(jobId)} is already queued or running on queue ${JSON.stringify(queue)}`);
  }
}

/** A remote argument or result is larger than `maxPayload` bytes once encoded. */
export class PayloadTooLargeError extends LoopfleetError {
  constructor(readonly what: string, readonly size: number, readonly limit: number) {
    super(ErrorCodes.PAYLOAD_TOO_LARGE, `The ${what} is ${size} bytes once encoded, over the limit of ${limit} bytes (\`maxPayload\`)`);
  }
}

/** A remote job was moved to the dead-letter stream without a result (its worker died every time). */
export class DeadLetterError extends LoopfleetError {
  constructor(readonly jobId: string, readonly reason: string) {
    super(ErrorCodes.DEAD_LETTER, `Job ${JSON.stringify(jobId)} was moved to the dead-letter stream: ${reason}`);
  }
}

/** No remote job with this id is known: never enqueued, or its result expired (`resultTtl`). */
export class JobNotFoundError extends LoopfleetError {
  constructor(readonly jobId: string, readonly queue: string) {
    super(ErrorCodes.JOB_NOT_FOUND, `No job ${JSON.stringify(jobId)} on queue ${JSON.stringify(queue)} (never enqueued, or its result expired)`);
  }
}

/** A remote worker finished a job after its lease lapsed and another worker took it over. */
export class LeaseLostError extends LoopfleetError {
  constructor(readonly jobId: string) {
    super(ErrorCodes.LEASE_LOST, `Lease on job ${JSON.stringify(jobId)} was lost (reclaimed by another worker or dead-lettered); its outcome here was discarded`);
  }
}

/**
 * The class of a loopfleet error code, for errors rebuilt from a worker (a worker raises
 * UNKNOWN_TASK, DATA_CLONE, NO_MESSAGE_HANDLER, ...): they stay `instanceof` their class.
 */
export function errorClassFor(code: unknown): (abstract new (...args: never[]) => Error) | undefined {
  switch (code) {
    case ErrorCodes.UNKNOWN_TASK:
      return UnknownTaskError;
    case ErrorCodes.DATA_CLONE:
      return DataCloneError;
    case ErrorCodes.NO_MESSAGE_HANDLER:
      return NoMessageHandlerError;
    case ErrorCodes.WORKER_MODULE:
      return WorkerModuleError;
    case ErrorCodes.WORKER_INIT:
      return WorkerInitError;
    case ErrorCodes.WORKER_CRASHED:
      return WorkerCrashedError;
    case ErrorCodes.QUEUE_FULL:
      return QueueFullError;
    case ErrorCodes.POOL_CLOSED:
      return PoolClosedError;
    case ErrorCodes.POOL_DESTROYED:
      return PoolDestroyedError;
    case ErrorCodes.WORKER_INDEX:
      return WorkerIndexError;
    case ErrorCodes.INVALID_ARG_TYPE:
      return InvalidArgTypeError;
    case ErrorCodes.INVALID_ARG_VALUE:
      return InvalidArgValueError;
    case ErrorCodes.ABORTED:
      return AbortError;
    case ErrorCodes.TIMEOUT:
      return TimeoutError;
    case ErrorCodes.NOT_ITERABLE:
      return NotIterableError;
    case ErrorCodes.PAYLOAD_TOO_LARGE:
      return PayloadTooLargeError;
    default:
      return undefined;
  }
}

/** Renders a received value for an error message: `"abc"`, `-1`, `null`, `an object`. */
export function describe(value: unknown): string {
  if (value === null) return 'null';
  switch (typeof value) {
    case 'string':
      return JSON.stringify(value.length > 60 ? `${value.slice(0, 57)}...` : value);
    case 'number':
    case 'boolean':
    case 'bigint':
    case 'undefined':
      return String(value);
    case 'function':
      return 'a function';
    case 'symbol':
      return value.toString();
    default:
      return Array.isArray(value) ? 'an array' : 'an object';
  }
}
