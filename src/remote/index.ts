/**
 * `loopfleet/remote`: run tasks on worker pools on other machines, through Redis Streams.
 * A separate entry, so that `loopfleet` itself never loads ioredis.
 *
 * @example
 * // producer
 * import { RemotePool } from 'loopfleet/remote';
 * import type worker from './worker.js';
 * const pool = new RemotePool<typeof worker>({ broker: 'redis://127.0.0.1:6379', queue: 'images' });
 * const thumb = await pool.run('resize', { url, width: 200 });
 *
 * // consumer (or: npx loopfleet worker ./worker.js --broker redis://… --queue images)
 * import { serveQueue } from 'loopfleet/remote';
 * const consumer = await serveQueue({ worker: './worker.js', broker: 'redis://127.0.0.1:6379', queue: 'images' });
 * process.once('SIGTERM', () => consumer.stop());
 */
export { RemotePool } from './producer.js';
export { RemoteWorker, serveQueue, type RemoteWorkerStats } from './consumer.js';
export { REMOTE_DEFAULTS, type BrokerOptions, type RemotePoolOptions, type RemoteWorkerOptions } from './options.js';
export { queueKeys, type QueueKeys } from './connection.js';
export type {
  DeadLetter,
  EnqueueArgs,
  EnqueueOptions,
  JobState,
  JobStatus,
  RemoteJob,
  RemoteQueueStats,
  RemoteRunArgs,
  RemoteRunOptions,
  ReplayOptions,
} from './types.js';
export {
  BrokerError,
  DeadLetterError,
  DuplicateJobError,
  JobNotFoundError,
  LeaseLostError,
  PayloadTooLargeError,
} from '../errors.js';
