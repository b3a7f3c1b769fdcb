/**
 * The worker side of a remote queue: a consumer in the queue's group that feeds a local `Pool`
 * through its public API, so the same `defineWorker` modules run remote unchanged.
 *
 * One connection blocks in XREADGROUP (COUNT = free capacity) while the worker has room; another
 * runs the scripts: batched fenced completions that also fetch the next jobs (so a busy worker
 * refills without a separate read), failures (retry or dead letter), lease renewal every lease/2,
 * reclaim of lapsed leases (XAUTOCLAIM) and promotion of due retries.
 */
import { hostname } from 'node:os';
import { randomBytes } from 'node:crypto';
import { Pool } from '../index.js';
import { ErrorCodes, LeaseLostError } from '../errors.js';
import { connect, fieldsOf, GROUP, guardedRead, isConnectionError, open, queueKeys, redact, sleep, type Broker, type QueueKeys } from './connection.js';
import { decode, encode } from './codec.js';
import { QueueOps } from './queue-ops.js';
import { resolveWorkerOptions, type ResolvedWorkerOptions } from './worker-options.js';
import type { RemoteWorkerOptions } from './options.js';

interface Job {
  readonly entry: string;
  readonly id: string;
  readonly ttl: string;
  readonly ignore: boolean;
  lost: boolean;
  /** Finished in the local pool (its outcome may still be on its way to Redis). */
  settled: boolean;
}

/** Errors that no retry can fix: the job fails at once. */
const PERMANENT = new Set<unknown>([
  ErrorCodes.UNKNOWN_TASK,
  ErrorCodes.PAYLOAD_TOO_LARGE,
  ErrorCodes.DATA_CLONE,
  ErrorCodes.NO_MESSAGE_HANDLER,
  ErrorCodes.WORKER_MODULE,
]);

/** Completions sent per script call. */
const BATCH = 500;

export interface RemoteWorkerStats {
  readonly consumer: string;
  readonly queue: string;
  /** Jobs this consumer holds now. */
  readonly inFlight: number;
  readonly completed: number;
  /** Failed attempts (retried or final). */
  readonly failed: number;
  /** Jobs taken over from workers whose lease lapsed. */
  readonly reclaimed: number;
  /** Jobs whose outcome was discarded here because the lease was lost. */
  readonly leaseLost: number;
}

export class RemoteWorker {
  readonly consumer: string;
  readonly queue: string;
  readonly #o: ResolvedWorkerOptions;
  readonly #keys: QueueKeys;
  readonly #cmd: Broker;
  readonly #read: Broker;
  readonly #pool: Pool;
  readonly #ops: QueueOps;
  readonly #inFlight = new Map<string, Job>();
  /** Jobs running in the local pool; with `#reserved`, what counts against `concurrency`. */
  #active = 0;
  /** Jobs asked for by reads (blocking, fused with completions, reclaims) still in flight. */
  #reserved = 0;
  /** The part of `#reserved` held by the blocking read. */
  #blockReserved = 0;
  #done: [Job, string][] = [];
  #flushing = false;
  /** Completion script calls in flight. */
  #completing = 0;
  #stopping = false;
  #stopped: Promise<void> | undefined;
  #wake: (() => void) | undefined;
  #idle: (() => void) | undefined;
  #reading: Promise<void> | undefined;
  #leaseTimer: NodeJS.Timeout | undefined;
  #promoteTimer: NodeJS.Timeout | undefined;
  #cursor = '0-0';
  #counts = { completed: 0, failed: 0, reclaimed: 0, leaseLost: 0 };

  constructor(options: RemoteWorkerOptions) {
    this.#o = resolveWorkerOptions(options);
    this.queue = this.#o.queue;
    this.consumer = this.#o.consumer ?? `${hostname()}:${process.pid}:${randomBytes(4).toString('hex')}`;
    this.#keys = queueKeys(this.#o.prefix, this.#o.queue);
    this.#cmd = connect(this.#o.broker, 'command', `lf:${this.consumer}:cmd`, this.#o.tls);
    this.#read = connect(this.#o.broker, 'blocking', `lf:${this.consumer}:read`, this.#o.tls);
    for (const [redis, what] of [[this.#cmd, 'command'], [this.#read, 'read']] as const) {
      redis.on('error', (err: Error) => {
        if (!this.#stopping || !isConnectionError(err)) this.#log(`${what} connection: ${err.message}`);
      });
      redis.on('reconnecting', () => this.#log(`${what} connection lost; reconnecting`));
    }
    this.#ops = new QueueOps(this.#cmd, this.#keys, this.consumer, this.#o);
    this.#pool = new Pool({ ...this.#o.pool, worker: this.#o.worker, size: this.#o.size, runtime: this.#o.runtime });
  }

  /** Connects, joins the group, waits for the local pool, and starts consuming. */
  async start(): Promise<this> {
    const { broker, connectTimeout } = this.#o;
    try {
      await Promise.all([open(this.#cmd, broker, connectTimeout), open(this.#read, broker, connectTimeout), this.#pool.ready()]);
      await this.#ops.createGroup();
    } catch (err) {
      this.#stopping = true;
      this.#cmd.disconnect();
      this.#read.disconnect();
      await this.#pool.destroy();
      throw err;
    }
    this.#log(
      `started consumer ${this.consumer} on queue ${JSON.stringify(this.queue)} at ${redact(broker)}: ` +
        `${this.#pool.size} ${this.#pool.runtime} worker(s), concurrency ${this.#o.concurrency}, lease ${this.#o.lease} ms`,
    );
    this.#reading = this.#readLoop();
    this.#scheduleLease(0);
    this.#schedulePromote();
    return this;
  }

  /**
   * Graceful stop: fetches nothing more, finishes (and completes) the jobs it holds, closes the
   * local pool and the connections. Idempotent.
   */
  stop(): Promise<void> {
    this.#stopped ??= this.#stop();
    return this.#stopped;
  }

  stats(): RemoteWorkerStats {
    return { consumer: this.consumer, queue: this.queue, inFlight: this.#inFlight.size, ...this.#counts };
  }

  async #stop(): Promise<void> {
    this.#stopping = true;
    this.#log(`stopping: no new jobs; finishing ${this.#inFlight.size} in flight`);
    this.#wake?.();
    await this.#ops.unblock(`lf:${this.consumer}:read`);
    await this.#reading;
    if (this.#inFlight.size > 0) await new Promise<void>((resolve) => (this.#idle = resolve));
    clearTimeout(this.#leaseTimer);
    clearTimeout(this.#promoteTimer);
    await this.#pool.close();
    // Leaving the group is hygiene, not correctness: bounded, so a stop during an outage ends.
    const retire = this.#ops.retire();
    try {
      await Promise.race([retire, new Promise((_, reject) => setTimeout(reject, this.#o.connectTimeout, new Error('no answer')).unref())]);
    } catch (err) {
      this.#log(`could not leave the group: ${(err as Error).message}`);
    }
    this.#read.disconnect();
    this.#cmd.disconnect();
    const c = this.#counts;
    this.#log(`stopped: ${c.completed} completed, ${c.failed} failed attempts, ${c.reclaimed} reclaimed, ${c.leaseLost} lease(s) lost`);
  }

  async #readLoop(): Promise<void> {
    const { block } = this.#o;
    let pause = 50;
    while (!this.#stopping) {
      const free = this.#free();
      if (free <= 0) {
        await new Promise<void>((resolve) => (this.#wake = resolve));
        this.#wake = undefined;
        continue;
      }
      let reply: unknown;
      this.#reserved += free;
      this.#blockReserved = free;
      try {
        reply = await guardedRead(
          this.#read,
          () => this.#read.call('XREADGROUP', 'GROUP', GROUP, this.consumer, 'COUNT', free, 'BLOCK', block, 'STREAMS', this.#keys.work, '>'),
          block,
          Math.max(1000, block),
          () => this.#log('a blocking read got no answer in time; reconnecting its connection'),
        );
        pause = 50;
      } catch (err) {
        this.#reserved -= free;
        this.#blockReserved = 0;
        if (this.#stopping) break;
        const message = (err as Error).message;
        if (/NOGROUP/.test(message)) {
          // The group vanished (Redis restarted without persistence): join it again.
          await this.#ops.createGroup().catch(() => {});
        } else if (!isConnectionError(err)) {
          this.#log(`read failed: ${message}`);
        }
        await sleep(pause);
        pause = Math.min(pause * 2, 1000);
        continue;
      }
      this.#reserved -= free;
      this.#blockReserved = 0;
      // Entries already read are ours: run them even when a stop began meanwhile.
      const streams = reply as [string, [string, string[]][]][] | null;
      for (const [entry, raw] of streams?.[0]?.[1] ?? []) this.#dispatch(entry, fieldsOf(raw));
    }
  }

  #dispatch(entry: string, f: Record<string, string>): void {
    const [, , ignore, kind, ttl] = (f.o ?? '').split(',');
    // Our own entry, reclaimed by ourselves after a stall: it is still running here.
    if (this.#inFlight.has(entry)) return;
    const job: Job = { entry, id: f.i ?? entry, ttl: ttl ?? '86400', ignore: ignore === '1', lost: false, settled: false };
    this.#inFlight.set(entry, job);
    this.#active++;
    let arg: unknown;
    try {
      const text = f.a ?? '';
      if (Buffer.byteLength(text) > this.#o.maxPayload) encode(text, 'argument', this.#o.maxPayload);
      arg = decode(text);
    } catch (err) {
      void this.#failed(job, err);
      return;
    }
    const running = kind === 'p' ? this.#pool.put(arg) : this.#pool.run(f.n ?? '', arg);
    running.then(
      (value) => this.#succeeded(job, value),
      (err: unknown) => this.#failed(job, err),
    );
  }

  #free(): number {
    return this.#stopping ? 0 : this.#o.concurrency - this.#active - this.#reserved;
  }

  #settle(job: Job): void {
    if (!job.settled) {
      job.settled = true;
      this.#active--;
    }
  }

  #succeeded(job: Job, value: unknown): void {
    this.#settle(job);
    let text: string;
    try {
      text = job.ignore ? '' : encode(value, 'result', this.#o.maxPayload);
    } catch (err) {
      void this.#failed(job, err);
      return;
    }
    this.#done.push([job, text]);
    this.#scheduleFlush();
  }

  #scheduleFlush(): void {
    if (!this.#flushing) {
      this.#flushing = true;
      // Completions that finish in the same turn go to Redis in one script call.
      setImmediate(() => this.#flush());
    }
  }

  /**
   * Sends the completions gathered this turn, in script calls of up to BATCH, without waiting
   * for earlier calls: several completion round trips overlap, each also refilling the worker.
   */
  #flush(): void {
    this.#flushing = false;
    while (this.#done.length > 0) void this.#complete(this.#done.splice(0, BATCH));
  }

  async #complete(batch: [Job, string][]): Promise<void> {
    const fetch = Math.max(0, this.#free());
    this.#reserved += fetch;
    this.#completing++;
    try {
      const [fenced, fetched] = await this.#ops.complete(batch.map(([job, text]) => ({ ...job, text })), fetch);
      batch.forEach(([job], k) => {
        if (fenced[k] === 1) this.#counts.completed++;
        else this.#lost(job);
        this.#release(job);
      });
      this.#reserved -= fetch;
      for (const [entry, raw] of fetched) this.#dispatch(entry, fieldsOf(raw));
    } catch (err) {
      this.#reserved -= fetch;
      this.#log(`could not complete ${batch.length} job(s), retrying: ${(err as Error).message}`);
      await sleep(500);
      this.#done.unshift(...batch);
      this.#scheduleFlush();
    } finally {
      this.#completing--;
    }
    // The read loop waits while completions refill the worker; once they are all back, it may
    // block for more (the queue may be empty, or fetches came back short).
    if (this.#completing === 0) this.#wake?.();
  }

  async #failed(job: Job, err: unknown): Promise<void> {
    this.#settle(job);
    this.#counts.failed++;
    const permanent = PERMANENT.has((err as { code?: unknown } | null)?.code);
    for (;;) {
      try {
        const r = await this.#ops.fail(job.id, job.entry, err, permanent);
        if (r === 0) this.#lost(job);
        break;
      } catch (e) {
        this.#log(`could not record the failure of job ${job.id}, retrying: ${(e as Error).message}`);
        await sleep(500);
      }
    }
    this.#release(job);
    this.#wake?.();
  }

  #lost(job: Job): void {
    this.#counts.leaseLost++;
    this.#log(new LeaseLostError(job.id).message);
  }

  #release(job: Job): void {
    this.#inFlight.delete(job.entry);
    if (this.#inFlight.size === 0) this.#idle?.();
  }

  #scheduleLease(delay: number): void {
    this.#leaseTimer = setTimeout(() => {
      void this.#leaseTick().finally(() => {
        if (!this.#stopped || this.#inFlight.size > 0) this.#scheduleLease(Math.max(10, this.#o.lease / 2));
      });
    }, delay);
  }

  /** Renews our leases and heartbeat, then takes over lapsed jobs if there is room. */
  async #leaseTick(): Promise<void> {
    try {
      const lost = await this.#ops.renew([...this.#inFlight.values()].filter((j) => !j.lost).map((j) => j.entry));
      for (const entry of lost) {
        const job = this.#inFlight.get(entry);
        if (job !== undefined && !job.lost) {
          job.lost = true;
          this.#log(`lease on job ${job.id} lapsed and was taken over; it runs on here, but its outcome will be discarded`);
        }
      }
      // An idle worker sits in a blocking read that reserved all its room; lapsed jobs must not
      // wait behind it (they would never be reclaimed by idle workers). If both the read and the
      // reclaim then return jobs, the worker briefly holds up to twice its concurrency.
      const free = this.#free() + this.#blockReserved;
      if (this.#stopping || free <= 0) return;
      this.#reserved += free;
      const [cursor, claimed] = await this.#ops.reclaim(this.#cursor, free).finally(() => {
        this.#reserved -= free;
        // The read loop may have found no room while this reclaim held it.
        this.#wake?.();
      });
      this.#cursor = cursor;
      if (claimed.length > 0) {
        this.#counts.reclaimed += claimed.length;
        this.#log(`reclaimed ${claimed.length} job(s) whose lease lapsed`);
        for (const [entry, raw] of claimed) this.#dispatch(entry, fieldsOf(raw));
      }
    } catch (err) {
      if (!isConnectionError(err)) this.#log(`lease upkeep failed: ${(err as Error).message}`);
    }
  }

  #schedulePromote(): void {
    this.#promoteTimer = setTimeout(() => {
      void this.#ops
        .promote()
        .catch((err: Error) => {
          if (!isConnectionError(err)) this.#log(`promotion of retries failed: ${err.message}`);
        })
        .finally(() => {
          if (!this.#stopping) this.#schedulePromote();
        });
    }, Math.min(this.#o.lease / 2, 1000));
  }

  #log(line: string): void {
    if (this.#o.log !== false) this.#o.log(`[loopfleet worker ${new Date().toISOString()}] ${line}`);
  }
}

/** Starts a `RemoteWorker` and resolves once it consumes. */
export function serveQueue(options: RemoteWorkerOptions): Promise<RemoteWorker> {
  return new RemoteWorker(options).start();
}
