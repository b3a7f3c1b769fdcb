/**
 * Options of the remote side (producer `RemotePool`, consumer `RemoteWorker`): the types carry the
 * docs, defaults live in `REMOTE_DEFAULTS`, validation is eager and names the option.
 */
import type { ConnectionOptions } from 'node:tls';
import { describe, InvalidArgTypeError, InvalidArgValueError } from '../errors.js';
import type { PoolOptions, RuntimeName } from '../options.js';

/** Options both sides share. */
export interface BrokerOptions {
  /**
   * Redis URL: `redis://[[user]:password@]host[:port][/db]`, or `rediss://…` for TLS.
   * @example 'redis://:secret@10.0.0.5:6379/0'
   */
  broker: string;
  /** Queue name. Queues on one Redis are isolated; all keys of a queue share the `{queue}` hash tag. */
  queue: string;
  /** Prefix of every key. @default 'lf' */
  prefix?: string;
  /** Largest argument or result, in bytes of its JSON encoding. @default 1048576 (1 MiB) */
  maxPayload?: number;
  /** Milliseconds a blocking read waits on the server before it is sent again. @default 5000 */
  block?: number;
  /** Milliseconds to wait for the first connection (a wrong password fails at once). @default 10000 */
  connectTimeout?: number;
  /**
   * TLS options for `rediss://` (a private CA: `{ ca: readFileSync('ca.pem') }`). The CLI worker
   * honours `NODE_EXTRA_CA_CERTS` instead. @default Node's defaults
   */
  tls?: ConnectionOptions;
}

/** Options of a `RemotePool` (producer). */
export interface RemotePoolOptions extends BrokerOptions {
  /** Seconds a result (or error) is kept for `job(id).result()` after the job ends. @default 86400 */
  resultTtl?: number;
  /** Capacity of the events stream (approximate, `MAXLEN ~`), shared by every producer of the queue. @default 10000 */
  eventsMaxLen?: number;
  /**
   * Milliseconds between checks of results awaited for long, a safety net for events missed
   * while disconnected or trimmed from the events stream. @default 10000
   */
  sweepInterval?: number;
}

/** Options of a `RemoteWorker` (consumer). */
export interface RemoteWorkerOptions extends BrokerOptions {
  /** The worker module, as for `Pool`: only the tasks it registers can run. */
  worker: URL | string;
  /** Workers of the local pool. @default os.availableParallelism() */
  size?: number;
  /** Runtime of the local pool. @default 'thread' */
  runtime?: RuntimeName;
  /** Jobs this consumer holds at once (fetched, running or queued in the local pool). @default 2 × size */
  concurrency?: number;
  /**
   * Milliseconds a job stays owned without renewal. Renewed every lease/2 while it runs; a job
   * idle for longer (its worker died or hangs) is reclaimed by another worker. @default 30000
   */
  lease?: number;
  /** Deliveries after which a job that never completes goes to the dead-letter stream. @default 5 */
  maxDeliveries?: number;
  /** Capacity of the events stream (`MAXLEN ~`). @default 10000 */
  eventsMaxLen?: number;
  /** Capacity of the dead-letter stream (`MAXLEN ~`). @default 10000 */
  deadMaxLen?: number;
  /** Consumer name in the group. @default `<hostname>:<pid>:<random>` */
  consumer?: string;
  /** Other options of the local pool (`name`, `concurrency` per worker is `poolConcurrency`, …). */
  pool?: Omit<PoolOptions, 'worker' | 'size' | 'runtime'>;
  /** Where the worker logs its start, stop and failures; `false` for silence. @default console.error */
  log?: ((line: string) => void) | false;
}

export const REMOTE_DEFAULTS = {
  prefix: 'lf',
  maxPayload: 1_048_576,
  block: 5000,
  connectTimeout: 10_000,
  resultTtl: 86_400,
  eventsMaxLen: 10_000,
  deadMaxLen: 10_000,
  sweepInterval: 10_000,
  lease: 30_000,
  maxDeliveries: 5,
  backoff: 1000,
} as const;

/** Throws an argument error unless `value` is an integer in [min, max]. */
export function checkInteger(name: string, value: unknown, min: number, max = Number.MAX_SAFE_INTEGER): number {
  if (typeof value !== 'number') throw new InvalidArgTypeError(`Expected \`${name}\` to be a number, got ${describe(value)}`);
  if (!Number.isInteger(value) || value < min || value > max) {
    throw new InvalidArgValueError(`Expected \`${name}\` to be an integer from ${min}${max === Number.MAX_SAFE_INTEGER ? ' up' : ` to ${max}`}, got ${describe(value)}`);
  }
  return value;
}

/** A queue, prefix or id: non-empty, printable, no braces (they would break the hash tag). */
export function checkName(name: string, value: unknown): string {
  if (typeof value !== 'string') throw new InvalidArgTypeError(`Expected \`${name}\` to be a string, got ${describe(value)}`);
  if (!/^[^\s{}]{1,200}$/u.test(value)) {
    throw new InvalidArgValueError(`Expected \`${name}\` to be 1 to 200 characters without spaces or braces, got ${describe(value)}`);
  }
  return value;
}

export type ResolvedBroker = Required<Omit<BrokerOptions, 'tls'>> & { tls: ConnectionOptions | undefined };

export function resolveBroker(o: BrokerOptions): ResolvedBroker {
  if (o === null || typeof o !== 'object') throw new InvalidArgTypeError(`Expected options to be an object, got ${describe(o)}`);
  if (typeof o.broker !== 'string') throw new InvalidArgTypeError(`Expected \`broker\` to be a Redis URL string, got ${describe(o.broker)}`);
  if (!/^rediss?:\/\//.test(o.broker)) throw new InvalidArgValueError(`Expected \`broker\` to start with redis:// or rediss://, got ${describe(o.broker.replace(/:[^:@/]*@/, ':***@'))}`);
  const d = REMOTE_DEFAULTS;
  return {
    broker: o.broker,
    queue: checkName('queue', o.queue),
    prefix: checkName('prefix', o.prefix ?? d.prefix),
    maxPayload: checkInteger('maxPayload', o.maxPayload ?? d.maxPayload, 64, 512 * 1024 * 1024),
    block: checkInteger('block', o.block ?? d.block, 10, 60_000),
    connectTimeout: checkInteger('connectTimeout', o.connectTimeout ?? d.connectTimeout, 1),
    tls: checkTls(o.tls),
  };
}

function checkTls(tls: unknown): ConnectionOptions | undefined {
  if (tls !== undefined && (tls === null || typeof tls !== 'object')) throw new InvalidArgTypeError(`Expected \`tls\` to be an object of TLS options, got ${describe(tls)}`);
  return tls as ConnectionOptions | undefined;
}
