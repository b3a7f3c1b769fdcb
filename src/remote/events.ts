/**
 * Delivers results to waiting producers from the queue's events stream: one blocking XREAD on its
 * own connection serves every awaited job (no per-job polling). Events are read from the last id
 * seen before the first job was sent, so none is missed; a sweep of the job hashes after a
 * reconnection, and for results awaited longer than `sweepInterval`, covers events lost with an
 * outage or trimmed away (the stream is capped).
 */
import { DeadLetterError, JobNotFoundError, PoolDestroyedError } from '../errors.js';
import { deserializeError } from '../error-codec.js';
import { decode, decodeError } from './codec.js';
import { connect, guardedRead, isConnectionError, open, sleep, type Broker, type QueueKeys } from './connection.js';
import type { ResolvedBroker } from './options.js';

interface Waiter {
  resolve(value: unknown): void;
  reject(reason: unknown): void;
  /** Milliseconds part of the job's work-stream entry id: older events belong to an earlier job with this id. */
  after: number;
  /** When the job was known to be stored (0: not yet), for the sweep. */
  since: number;
}

const msOf = (streamId: string): number => Number(streamId.slice(0, streamId.indexOf('-')));

export class EventStream {
  readonly #o: ResolvedBroker;
  readonly #keys: QueueKeys;
  readonly #cmd: Broker;
  readonly #read: Broker;
  readonly #sweepInterval: number;
  readonly #waiters = new Map<string, Waiter[]>();
  #last = '0-0';
  #closed = false;
  #started: Promise<void> | undefined;
  #loop: Promise<void> | undefined;
  #wake: (() => void) | undefined;
  #sweepTimer: NodeJS.Timeout | undefined;
  #lostConnection = false;

  constructor(o: ResolvedBroker, keys: QueueKeys, cmd: Broker, sweepInterval: number, name: string) {
    this.#o = o;
    this.#keys = keys;
    this.#cmd = cmd;
    this.#sweepInterval = sweepInterval;
    this.#read = connect(o.broker, 'blocking', `${name}:events`, o.tls);
    this.#read.on('error', () => {});
    this.#read.on('reconnecting', () => (this.#lostConnection = true));
    this.#read.on('ready', () => {
      if (this.#lostConnection) void this.#sweep(0);
    });
  }

  get size(): number {
    return this.#waiters.size;
  }

  /** Connects and notes where the stream ends now; later events are all read. */
  start(): Promise<void> {
    this.#started ??= (async () => {
      await open(this.#read, this.#o.broker, this.#o.connectTimeout);
      const last = (await this.#cmd.xrevrange(this.#keys.events, '+', '-', 'COUNT', 1))[0];
      if (last !== undefined) this.#last = last[0];
      this.#loop = this.#run();
      this.#scheduleSweep();
    })();
    return this.#started;
  }

  /** Registers interest in a job's outcome; call before the job is sent. */
  wait(id: string): Promise<unknown> {
    return new Promise((resolve, reject) => {
      const w: Waiter = { resolve, reject, after: 0, since: 0 };
      const list = this.#waiters.get(id);
      if (list === undefined) this.#waiters.set(id, [w]);
      else list.push(w);
      this.#wake?.();
    });
  }

  /** The job is stored as entry `entry` (its events are newer). */
  stored(id: string, entry: string): void {
    const now = Date.now();
    for (const w of this.#waiters.get(id) ?? []) {
      if (w.since === 0) {
        w.since = now;
        w.after = msOf(entry);
      }
    }
  }

  /** Settles every waiter of `id` with the outcome `text` (status letter + JSON). */
  settle(id: string, text: string, eventMs = Infinity): void {
    const list = this.#waiters.get(id);
    if (list === undefined) return;
    const keep = list.filter((w) => eventMs < w.after);
    if (keep.length === list.length) return;
    if (keep.length > 0) this.#waiters.set(id, keep);
    else this.#waiters.delete(id);
    let value: unknown;
    let error: unknown;
    try {
      if (text[0] === 'd') value = decode(text.slice(1));
      else if (text[0] === 'f') error = deserializeError(decodeError(text.slice(1)));
      else error = new DeadLetterError(id, (JSON.parse(text.slice(1)) as { reason: string }).reason);
    } catch (err) {
      error = err;
    }
    for (const w of list) {
      if (keep.includes(w)) continue;
      if (error === undefined) w.resolve(value);
      else w.reject(error);
    }
  }

  /** Rejects the waiters of `id` (its enqueue failed). */
  drop(id: string, reason: unknown): void {
    for (const w of this.#waiters.get(id) ?? []) w.reject(reason);
    this.#waiters.delete(id);
  }

  async close(destroy: boolean): Promise<void> {
    if (destroy) for (const id of [...this.#waiters.keys()]) this.drop(id, new PoolDestroyedError('The remote pool was destroyed'));
    this.#closed = true;
    clearTimeout(this.#sweepTimer);
    this.#wake?.();
    this.#read.disconnect();
    await this.#loop;
  }

  async #run(): Promise<void> {
    const { block } = this.#o;
    let pause = 50;
    while (!this.#closed) {
      if (this.#waiters.size === 0) {
        await new Promise<void>((resolve) => (this.#wake = resolve));
        this.#wake = undefined;
        continue;
      }
      let reply: unknown;
      try {
        reply = await guardedRead(this.#read, () => this.#read.call('XREAD', 'COUNT', 1000, 'BLOCK', block, 'STREAMS', this.#keys.events, this.#last), block, Math.max(1000, block), () => {});
        pause = 50;
      } catch (err) {
        if (this.#closed) break;
        if (!isConnectionError(err)) process.emitWarning(`loopfleet remote events: ${(err as Error).message}`);
        await sleep(pause);
        pause = Math.min(pause * 2, 1000);
        continue;
      }
      const entries = (reply as [string, [string, string[]][]][] | null)?.[0]?.[1] ?? [];
      for (const [streamId, fields] of entries) {
        const ms = msOf(streamId);
        for (let k = 0; k + 1 < fields.length; k += 2) this.settle(fields[k] as string, fields[k + 1] as string, ms);
        this.#last = streamId;
      }
    }
  }

  #scheduleSweep(): void {
    this.#sweepTimer = setTimeout(() => {
      void this.#sweep(this.#sweepInterval).finally(() => {
        if (!this.#closed) this.#scheduleSweep();
      });
    }, this.#sweepInterval);
    this.#sweepTimer.unref();
  }

  /** Reads the stored outcome of jobs awaited for at least `age` ms (a safety net, pipelined). */
  async #sweep(age: number): Promise<void> {
    this.#lostConnection = false;
    const now = Date.now();
    const ids = [...this.#waiters.entries()].filter(([, list]) => list.some((w) => w.since > 0 && now - w.since >= age)).map(([id]) => id);
    if (ids.length === 0) return;
    try {
      const pipeline = this.#cmd.pipeline();
      for (const id of ids) pipeline.hmget(this.#keys.job + id, 's', 'v');
      const replies = (await pipeline.exec()) ?? [];
      ids.forEach((id, k) => {
        const [err, hash] = replies[k] ?? [];
        if (err) return;
        const [state, value] = hash as (string | null)[];
        if (state === null || state === undefined) this.drop(id, new JobNotFoundError(id, this.#o.queue));
        else if (state === 'done') this.settle(id, `d${value ?? ''}`);
        else if (state === 'failed') this.settle(id, `f${value ?? ''}`);
        else if (state === 'dead') this.settle(id, `x${value ?? '{}'}`);
      });
    } catch {
      // Next sweep.
    }
  }
}
