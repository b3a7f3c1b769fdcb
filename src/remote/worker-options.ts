/** Resolution and validation of `RemoteWorkerOptions`. */
import { availableParallelism } from 'node:os';
import { describe, InvalidArgTypeError, InvalidArgValueError } from '../errors.js';
import { checkInteger, checkName, REMOTE_DEFAULTS, resolveBroker, type RemoteWorkerOptions, type ResolvedBroker } from './options.js';
import type { RuntimeName } from '../options.js';

export interface ResolvedWorkerOptions extends ResolvedBroker {
  worker: URL | string;
  size: number;
  runtime: RuntimeName;
  concurrency: number;
  lease: number;
  maxDeliveries: number;
  eventsMaxLen: number;
  deadMaxLen: number;
  consumer: string | undefined;
  pool: NonNullable<RemoteWorkerOptions['pool']>;
  log: ((line: string) => void) | false;
}

export function resolveWorkerOptions(o: RemoteWorkerOptions): ResolvedWorkerOptions {
  const broker = resolveBroker(o);
  const d = REMOTE_DEFAULTS;
  if (typeof o.worker !== 'string' && !(o.worker instanceof URL)) {
    throw new InvalidArgTypeError(`Expected \`worker\` to be a path or a file URL, got ${describe(o.worker)}`);
  }
  const runtime = o.runtime ?? 'thread';
  if (runtime !== 'thread' && runtime !== 'process') throw new InvalidArgValueError(`Expected \`runtime\` to be 'thread' or 'process', got ${describe(runtime)}`);
  const size = checkInteger('size', o.size ?? availableParallelism(), 1, 1024);
  const lease = checkInteger('lease', o.lease ?? d.lease, 100);
  if (o.log !== undefined && o.log !== false && typeof o.log !== 'function') {
    throw new InvalidArgTypeError(`Expected \`log\` to be a function or false, got ${describe(o.log)}`);
  }
  if (o.pool !== undefined && (o.pool === null || typeof o.pool !== 'object')) throw new InvalidArgTypeError(`Expected \`pool\` to be an object, got ${describe(o.pool)}`);
  return {
    ...broker,
    worker: o.worker,
    size,
    runtime,
    concurrency: checkInteger('concurrency', o.concurrency ?? 2 * size, 1, 100_000),
    lease,
    maxDeliveries: checkInteger('maxDeliveries', o.maxDeliveries ?? d.maxDeliveries, 1),
    eventsMaxLen: checkInteger('eventsMaxLen', o.eventsMaxLen ?? d.eventsMaxLen, 100),
    deadMaxLen: checkInteger('deadMaxLen', o.deadMaxLen ?? d.deadMaxLen, 100),
    consumer: o.consumer === undefined ? undefined : checkName('consumer', o.consumer),
    pool: o.pool ?? {},
    log: o.log ?? ((line: string) => process.stderr.write(`${line}\n`)),
  };
}
