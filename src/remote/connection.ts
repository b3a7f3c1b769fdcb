/**
 * Redis connections for the remote side: key layout, connection factory (with the Lua scripts
 * registered), broker-error mapping, and the guarded blocking read.
 */
import { Redis, type RedisOptions } from 'ioredis';
import { BrokerError } from '../errors.js';
import { COMPLETE, ENQUEUE, FAIL, PROMOTE, RECLAIM, RENEW, REPLAY, RETIRE } from './scripts.js';

/** The consumer group every worker of a queue joins. */
export const GROUP = 'loopfleet';

/** Keys of one queue. All share the `{queue}` hash tag, so a queue lives in one Cluster slot. */
export interface QueueKeys {
  readonly work: string;
  readonly events: string;
  readonly dead: string;
  readonly delayed: string;
  readonly workers: string;
  /** Prefix of job hashes: `<prefix>:{<queue>}:job:<id>`. */
  readonly job: string;
}

export function queueKeys(prefix: string, queue: string): QueueKeys {
  const base = `${prefix}:{${queue}}:`;
  return {
    work: `${base}work`,
    events: `${base}events`,
    dead: `${base}dead`,
    delayed: `${base}delayed`,
    workers: `${base}workers`,
    job: `${base}job:`,
  };
}

type Reply = unknown;
/** A Redis connection with loopfleet's scripts as commands (EVALSHA, falling back to EVAL after a restart). */
export interface Broker extends Redis {
  lfEnqueue(key: string, ...args: (string | number)[]): Promise<(string | number)[]>;
  lfComplete(work: string, events: string, ...args: (string | number)[]): Promise<[number[], [string, string[]][]]>;
  lfFail(work: string, events: string, dead: string, delayed: string, ...args: (string | number)[]): Promise<number>;
  lfReclaim(work: string, events: string, dead: string, ...args: (string | number)[]): Promise<[string, [string, string[], number][]]>;
  lfRenew(work: string, workers: string, ...args: (string | number)[]): Promise<string[]>;
  lfPromote(work: string, delayed: string, ...args: (string | number)[]): Promise<number>;
  lfReplay(work: string, dead: string, ...args: (string | number)[]): Promise<number>;
  lfRetire(work: string, workers: string, ...args: (string | number)[]): Promise<Reply>;
}

/**
 * Opens a connection. `role`:
 * - `'command'` for scripts and plain commands. Workers retry forever across restarts
 *   (`maxRetriesPerRequest: null`): their completions must reach Redis eventually.
 * - `'blocking'` for one blocking read. An interrupted read is rejected rather than silently
 *   re-sent after a reconnect (ioredis#1285: a re-sent read can hang its awaiter forever); the
 *   read loop issues a fresh one.
 */
export function connect(url: string, role: 'command' | 'blocking', name: string, tls: RedisOptions['tls'] = undefined): Broker {
  const redis = new Redis(url, {
    lazyConnect: true,
    connectionName: name,
    maxRetriesPerRequest: null,
    // Auto-pipelining costs consumer throughput; our hot paths batch explicitly instead.
    enableAutoPipelining: false,
    autoResendUnfulfilledCommands: role !== 'blocking',
    retryStrategy: (times) => Math.min(50 * times, 1000),
    ...(tls === undefined ? {} : { tls }),
  }) as Broker;
  redis.defineCommand('lfEnqueue', { numberOfKeys: 1, lua: ENQUEUE });
  redis.defineCommand('lfComplete', { numberOfKeys: 2, lua: COMPLETE });
  redis.defineCommand('lfFail', { numberOfKeys: 4, lua: FAIL });
  redis.defineCommand('lfReclaim', { numberOfKeys: 3, lua: RECLAIM });
  redis.defineCommand('lfRenew', { numberOfKeys: 2, lua: RENEW });
  redis.defineCommand('lfPromote', { numberOfKeys: 2, lua: PROMOTE });
  redis.defineCommand('lfReplay', { numberOfKeys: 2, lua: REPLAY });
  redis.defineCommand('lfRetire', { numberOfKeys: 2, lua: RETIRE });
  return redis;
}

const AUTH_FAILURE = /WRONGPASS|NOAUTH|invalid password|invalid username/i;

/**
 * Connects and checks the server answers. A wrong password, an unreachable host or a TLS failure
 * rejects with `LOOPFLEET_ERR_BROKER` (and closes the connection) instead of retrying forever.
 */
export async function open(redis: Broker, url: string, timeoutMs: number): Promise<void> {
  let lastError: Error | undefined;
  const onError = (err: Error): void => {
    lastError = err;
  };
  redis.on('error', onError);
  let timer: NodeJS.Timeout | undefined;
  try {
    await Promise.race([
      redis.connect().then(() => redis.ping()),
      new Promise((_, reject) => {
        const check = (): void => {
          if (lastError !== undefined && AUTH_FAILURE.test(lastError.message)) reject(lastError);
        };
        redis.on('error', check);
        timer = setTimeout(() => reject(lastError ?? new Error(`no answer within ${timeoutMs} ms`)), timeoutMs);
      }),
    ]);
  } catch (err) {
    redis.disconnect();
    throw new BrokerError(redact(url), err);
  } finally {
    clearTimeout(timer);
    redis.off('error', onError);
  }
}

/** The broker URL without its password, for messages and logs. */
export function redact(url: string): string {
  return url.replace(/\/\/([^@/]*)@/, (_, auth: string) => `//${auth.includes(':') ? `${auth.split(':')[0]}:***` : '***'}@`);
}

/** True for a connection-level failure (the read loop retries), false for a real command error. */
export function isConnectionError(err: unknown): boolean {
  const message = (err as Error | undefined)?.message ?? '';
  return /Connection is closed|ECONNRESET|ECONNREFUSED|EPIPE|ETIMEDOUT|Stream isn't writeable|LOADING|UNBLOCKED|watchdog/i.test(message);
}

/**
 * Sends one blocking read and settles it whatever happens to the connection:
 * - When the connection closes, the read is rejected at once. ioredis, told not to re-send it
 *   after the reconnection, drops it without settling its promise; an awaited read would hang.
 * - When no answer comes within `block + grace` ms on a connection that looks healthy (a
 *   half-open socket, a reply lost in a failover), the connection is dropped and reconnected,
 *   which rejects the read as above. Never while ioredis is already reconnecting: a disconnect()
 *   then would park the client for good (bullmq#4585).
 * Entries the server handed out on a read lost this way stay pending for this consumer until
 * their lease lapses, and are then reclaimed: at-least-once, never lost.
 */
export async function guardedRead<T>(redis: Broker, send: () => Promise<T>, block: number, grace: number, onWedge: () => void): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  let onClose: (() => void) | undefined;
  const read = send();
  const guard = new Promise<never>((_, reject) => {
    onClose = () => reject(new Error('Connection is closed (the blocking read was interrupted)'));
    redis.once('close', onClose);
    const watchdog = (): void => {
      if (redis.status === 'ready') {
        onWedge();
        redis.disconnect(true);
      } else {
        timer = setTimeout(watchdog, grace);
      }
    };
    timer = setTimeout(watchdog, block + grace);
  });
  read.catch(() => {});
  try {
    return await Promise.race([read, guard]);
  } finally {
    clearTimeout(timer);
    if (onClose !== undefined) redis.off('close', onClose);
  }
}

/** Parses XREAD/XREADGROUP entry fields ([k, v, k, v]) into a record. */
export function fieldsOf(raw: readonly string[]): Record<string, string> {
  const out: Record<string, string> = {};
  for (let k = 0; k + 1 < raw.length; k += 2) out[raw[k] as string] = raw[k + 1] as string;
  return out;
}

export function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
