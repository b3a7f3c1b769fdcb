/**
 * `RemotePool`: the producer side of a remote queue. Calls are typed from the worker module like
 * `Pool`'s; jobs go to Redis in batches (one script call per turn of the event loop, up to 500
 * jobs), results come back through the events stream.
 */
import { randomBytes } from 'node:crypto';
import { describe, DuplicateJobError, InvalidArgTypeError, InvalidArgValueError, JobNotFoundError, PoolClosedError } from '../errors.js';
import { encode } from './codec.js';
import { connect, fieldsOf, GROUP, open, queueKeys, type Broker, type QueueKeys } from './connection.js';
import { EventStream } from './events.js';
import { checkInteger, checkName, REMOTE_DEFAULTS, resolveBroker, type RemotePoolOptions, type ResolvedBroker } from './options.js';
import type { AnyWorkerDefinition, MessageIn, TaskName, TaskResult } from '../pool/types.js';
import type { WorkerDefinition } from '../worker/define.js';
import type { DeadLetter, EnqueueArgs, EnqueueOptions, JobState, JobStatus, RemoteJob, RemoteQueueStats, RemoteRunArgs, ReplayOptions } from './types.js';

interface Outgoing {
  readonly id: string;
  readonly name: string;
  readonly arg: string;
  readonly opts: string;
  /** A caller-supplied id: checked for duplicates. */
  readonly check: boolean;
  resolve(entry: string): void;
  reject(err: unknown): void;
}

const BATCH = 500;
const OPTION_KEYS = new Set(['id', 'retries', 'backoff', 'resultTtl', 'ignoreResult']);

export class RemotePool<W extends AnyWorkerDefinition = WorkerDefinition> {
  readonly queue: string;
  readonly #o: ResolvedBroker;
  readonly #keys: QueueKeys;
  readonly #cmd: Broker;
  readonly #events: EventStream;
  readonly #resultTtl: number;
  readonly #idPrefix = `${randomBytes(6).toString('base64url')}-`;
  #seq = 0;
  #opened: Promise<void> | undefined;
  #outgoing: Outgoing[] = [];
  #sending = 0;
  #closing: Promise<void> | undefined;

  constructor(options: RemotePoolOptions) {
    this.#o = resolveBroker(options);
    this.queue = this.#o.queue;
    this.#resultTtl = checkInteger('resultTtl', options.resultTtl ?? REMOTE_DEFAULTS.resultTtl, 1);
    const eventsMaxLen = checkInteger('eventsMaxLen', options.eventsMaxLen ?? REMOTE_DEFAULTS.eventsMaxLen, 100);
    const sweep = checkInteger('sweepInterval', options.sweepInterval ?? REMOTE_DEFAULTS.sweepInterval, 10);
    void eventsMaxLen; // The cap is applied by workers, which write the events.
    this.#keys = queueKeys(this.#o.prefix, this.#o.queue);
    const name = `lf:producer:${this.#idPrefix.slice(0, -1)}`;
    this.#cmd = connect(this.#o.broker, 'command', name, this.#o.tls);
    this.#cmd.on('error', () => {});
    this.#events = new EventStream(this.#o, this.#keys, this.#cmd, sweep, name);
  }

  /** Connects (done by the first call anyway). Rejects with `LOOPFLEET_ERR_BROKER` if Redis cannot be reached or refuses the password. */
  connect(): Promise<void> {
    this.#opened ??= (async () => {
      await open(this.#cmd, this.#o.broker, this.#o.connectTimeout);
      try {
        await this.#cmd.xgroup('CREATE', this.#keys.work, GROUP, '0', 'MKSTREAM');
      } catch (err) {
        if (!/BUSYGROUP/.test((err as Error).message)) throw err;
      }
      await this.#events.start();
    })();
    return this.#opened;
  }

  /** Runs a task on some remote worker and resolves with its result (at-least-once: see docs/remote.md). */
  async run<K extends TaskName<W>>(task: K, ...args: RemoteRunArgs<W, K>): Promise<TaskResult<W, K>> {
    const [arg, options] = args as [unknown, EnqueueOptions | undefined];
    if (options?.ignoreResult !== undefined) throw new InvalidArgValueError('Expected no `ignoreResult` option for run(), which returns the result; use enqueue()');
    const out = this.#prepare(task, arg, options, 'r');
    await this.connect();
    const result = this.#events.wait(out.id);
    result.catch(() => {});
    try {
      this.#events.stored(out.id, await this.#send(out));
    } catch (err) {
      this.#events.drop(out.id, err);
    }
    return result as Promise<TaskResult<W, K>>;
  }

  /** Stores a job and resolves with its handle once Redis has it; the result can be read later, by id, from any producer. */
  async enqueue<K extends TaskName<W>>(task: K, ...args: EnqueueArgs<W, K>): Promise<RemoteJob<TaskResult<W, K>>> {
    const [arg, options] = args as [unknown, EnqueueOptions | undefined];
    const out = this.#prepare(task, arg, options, 'r');
    await this.connect();
    await this.#send(out);
    return this.job(out.id) as RemoteJob<TaskResult<W, K>>;
  }

  /** Message mode: delivers `message` to one remote worker's `onMessage`. Resolves once Redis has it. */
  async put(message: MessageIn<W>, options?: Pick<EnqueueOptions, 'id' | 'retries' | 'backoff'>): Promise<void> {
    const out = this.#prepare('', message, { ...options, ignoreResult: true }, 'p');
    await this.connect();
    await this.#send(out);
  }

  /** A handle on the job with this id (enqueued by any producer). */
  job(id: string): RemoteJob {
    checkName('id', id);
    return { id, status: () => this.#status(id), result: () => this.#result(id) };
  }

  /** The oldest dead letters (jobs that failed for good or kept killing their workers). */
  async deadLetters(count = 100): Promise<DeadLetter[]> {
    checkInteger('count', count, 1);
    await this.connect();
    const entries = await this.#cmd.xrange(this.#keys.dead, '-', '+', 'COUNT', count);
    return entries.map(([entry, raw]) => {
      const f = fieldsOf(raw);
      return {
        entry,
        id: f.i ?? '',
        kind: f.o?.split(',')[3] === 'p' ? 'put' : 'run',
        task: f.n ?? '',
        arg: f.a ? JSON.parse(f.a) : undefined,
        reason: f.r ?? '',
        at: new Date(Number(f.at)),
      };
    });
  }

  /** Puts dead letters back in the work stream as fresh jobs (attempt 1). Resolves with how many. */
  async replay(options: ReplayOptions = {}): Promise<number> {
    const entries = options.entries ?? [];
    if (!Array.isArray(entries) || entries.some((e) => typeof e !== 'string')) throw new InvalidArgTypeError(`Expected \`entries\` to be an array of strings, got ${describe(entries)}`);
    const count = checkInteger('count', options.count ?? 1000, 1);
    await this.connect();
    return this.#cmd.lfReplay(this.#keys.work, this.#keys.dead, this.#keys.job, count, ...entries);
  }

  async stats(): Promise<RemoteQueueStats> {
    await this.connect();
    const k = this.#keys;
    const replies = (await this.#cmd
      .multi()
      .xlen(k.work)
      .xpending(k.work, GROUP)
      .zcard(k.delayed)
      .xlen(k.dead)
      .zcount(k.workers, Date.now(), '+inf')
      .exec()) as [Error | null, unknown][];
    const [len, pending, delayed, dead, workers] = replies.map(([, v]) => v) as [number, [number], number, number, number];
    return { queue: this.queue, queued: len - pending[0], running: pending[0], delayed, dead, workers };
  }

  /** Stops taking calls, waits for the results still awaited, and disconnects. */
  close(): Promise<void> {
    this.#closing ??= (async () => {
      while (this.#sending > 0 || this.#events.size > 0) await new Promise((resolve) => setTimeout(resolve, 20));
      await this.#shutdown(false);
    })();
    return this.#closing;
  }

  /** Disconnects at once; awaited results reject with `LOOPFLEET_ERR_POOL_DESTROYED` (the jobs themselves stay in Redis). */
  destroy(): Promise<void> {
    this.#closing ??= this.#shutdown(true);
    return this.#closing;
  }

  async #shutdown(destroy: boolean): Promise<void> {
    await this.#events.close(destroy);
    if (this.#opened === undefined) this.#cmd.disconnect();
    else await this.#cmd.quit().catch(() => this.#cmd.disconnect());
  }

  #prepare(task: string, arg: unknown, options: EnqueueOptions | undefined, kind: 'r' | 'p'): Outgoing {
    if (this.#closing !== undefined) throw new PoolClosedError('The remote pool is closed and accepts no new jobs');
    if (typeof task !== 'string') throw new InvalidArgTypeError(`Expected the task name to be a string, got ${describe(task)}`);
    if (kind === 'r' && task === '') throw new InvalidArgValueError('Expected the task name to be a non-empty string, got ""');
    const o = options ?? {};
    if (o === null || typeof o !== 'object') throw new InvalidArgTypeError(`Expected options to be an object, got ${describe(o)}`);
    for (const key of Object.keys(o)) if (!OPTION_KEYS.has(key)) throw new InvalidArgValueError(`Unknown option \`${key}\``);
    const id = o.id === undefined ? this.#idPrefix + (++this.#seq).toString(36) : checkName('id', o.id);
    const retries = checkInteger('retries', o.retries ?? 0, 0, 1000);
    const backoff = checkInteger('backoff', o.backoff ?? REMOTE_DEFAULTS.backoff, 0);
    const ttl = checkInteger('resultTtl', o.resultTtl ?? this.#resultTtl, 1);
    const ignore = o.ignoreResult === true ? 1 : 0;
    const text = encode(arg, kind === 'p' ? 'message' : 'argument', this.#o.maxPayload);
    return { id, name: task, arg: text, opts: `${retries},${backoff},${ignore},${kind},${ttl}`, check: o.id !== undefined, resolve: noop, reject: noop };
  }

  /** Queues a job for the next batch; resolves with its stream entry id. */
  #send(out: Outgoing): Promise<string> {
    return new Promise<string>((resolve, reject) => {
      out.resolve = resolve;
      out.reject = reject;
      if (this.#outgoing.push(out) === 1) setImmediate(() => this.#flush());
    });
  }

  #flush(): void {
    while (this.#outgoing.length > 0) {
      const batch = this.#outgoing.splice(0, BATCH);
      const args: string[] = [this.#keys.job];
      for (const o of batch) args.push(o.id, o.name, o.arg, o.opts, o.check ? '1' : '0');
      this.#sending++;
      this.#cmd.lfEnqueue(this.#keys.work, ...args).then(
        (entries) => {
          this.#sending--;
          batch.forEach((o, k) => {
            const entry = entries[k];
            if (typeof entry === 'string') o.resolve(entry);
            else o.reject(new DuplicateJobError(o.id, this.queue));
          });
        },
        (err: unknown) => {
          this.#sending--;
          for (const o of batch) o.reject(err);
        },
      );
    }
  }

  async #status(id: string): Promise<JobStatus> {
    await this.connect();
    const [s, e, t, d] = await this.#cmd.hmget(this.#keys.job + id, 's', 'e', 't', 'd');
    if (s === null || s === undefined) throw new JobNotFoundError(id, this.queue);
    const attempt = Number(t ?? 1);
    if (s === 'queued' && e) {
      const pending = (await this.#cmd.xpending(this.#keys.work, GROUP, e, e, 1)) as [string, string, number, number][];
      const p = pending[0];
      if (p !== undefined) return { id, state: 'running', attempt, deliveries: p[3], consumer: p[1] };
      return { id, state: 'queued', attempt, deliveries: 0 };
    }
    return { id, state: s as JobState, attempt, deliveries: Number(d ?? 0) };
  }

  async #result(id: string): Promise<unknown> {
    await this.connect();
    // Listen first, then look: an outcome stored in between is still seen one way or the other.
    const result = this.#events.wait(id);
    result.catch(() => {});
    const [s, v, e] = await this.#cmd.hmget(this.#keys.job + id, 's', 'v', 'e');
    if (s === null || s === undefined) this.#events.drop(id, new JobNotFoundError(id, this.queue));
    else if (s === 'done') this.#events.settle(id, `d${v ?? ''}`);
    else if (s === 'failed') this.#events.settle(id, `f${v ?? ''}`);
    else if (s === 'dead') this.#events.settle(id, `x${v ?? '{}'}`);
    else this.#events.stored(id, e ?? '0-0');
    return result;
  }
}

function noop(): void {}
