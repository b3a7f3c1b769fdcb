/** Public types of the remote producer (`RemotePool`). */
import type { TaskArg, TaskName } from '../pool/types.js';

export interface RemoteRunOptions {
  /**
   * Your own job id, for idempotency: a second job with the id is refused with
   * `LOOPFLEET_ERR_DUPLICATE_JOB` while the first is queued, delayed or running, and accepted again
   * once it ended. @default a generated id
   */
  id?: string;
  /** Run again this many times after a failure (a thrown error or a crashed worker), with backoff. @default 0 */
  retries?: number;
  /** Milliseconds before the first retry; doubled for each later one. @default 1000 */
  backoff?: number;
  /** Seconds the result (or error) is kept after the job ends. @default the pool's `resultTtl` */
  resultTtl?: number;
}

export interface EnqueueOptions extends RemoteRunOptions {
  /** Keep no result and send no completion event (status is still kept). @default false */
  ignoreResult?: boolean;
}

export type RemoteRunArgs<W, K extends TaskName<W>> = undefined extends TaskArg<W, K>
  ? [arg?: TaskArg<W, K>, options?: RemoteRunOptions]
  : [arg: TaskArg<W, K>, options?: RemoteRunOptions];

export type EnqueueArgs<W, K extends TaskName<W>> = undefined extends TaskArg<W, K>
  ? [arg?: TaskArg<W, K>, options?: EnqueueOptions]
  : [arg: TaskArg<W, K>, options?: EnqueueOptions];

/**
 * - `queued`: in the work stream, not yet fetched
 * - `running`: fetched by a worker that holds its lease (`consumer`)
 * - `delayed`: failed, waiting for its retry
 * - `done`, `failed`: ended (kept for `resultTtl`); a failed job is also in the dead-letter stream
 * - `dead`: moved to the dead-letter stream after `maxDeliveries` deliveries without an outcome
 */
export type JobState = 'queued' | 'running' | 'delayed' | 'done' | 'failed' | 'dead';

export interface JobStatus {
  readonly id: string;
  readonly state: JobState;
  /** Attempt number, from 1 (retries add one). */
  readonly attempt: number;
  /** Deliveries of the current attempt: above 1 when a worker died or lost its lease; 0 while queued. */
  readonly deliveries: number;
  /** The consumer holding the job, while `running`. */
  readonly consumer?: string;
}

/** A handle on a remote job. */
export interface RemoteJob<R = unknown> {
  readonly id: string;
  /** Current state, read from Redis. Rejects with `LOOPFLEET_ERR_JOB_NOT_FOUND` for an unknown or expired id. */
  status(): Promise<JobStatus>;
  /**
   * The result, now or once the job ends (delivered by the events stream). Rejects with the task's
   * error, `LOOPFLEET_ERR_DEAD_LETTER`, or `LOOPFLEET_ERR_JOB_NOT_FOUND`.
   */
  result(): Promise<R>;
}

export interface DeadLetter {
  /** Entry id in the dead-letter stream (for `replay({ entries })`). */
  readonly entry: string;
  readonly id: string;
  readonly kind: 'run' | 'put';
  readonly task: string;
  readonly arg: unknown;
  readonly reason: string;
  readonly at: Date;
}

export interface ReplayOptions {
  /** Replay these dead letters only (their `entry` ids). @default the oldest `count` */
  entries?: readonly string[];
  /** How many of the oldest to replay when `entries` is not given. @default 1000 */
  count?: number;
}

export interface RemoteQueueStats {
  readonly queue: string;
  /** Jobs in the work stream not yet fetched. */
  readonly queued: number;
  /** Jobs fetched and not yet completed (the group's pending entries). */
  readonly running: number;
  /** Jobs waiting for a retry. */
  readonly delayed: number;
  /** Entries in the dead-letter stream. */
  readonly dead: number;
  /** Workers that renewed their heartbeat recently. */
  readonly workers: number;
}
