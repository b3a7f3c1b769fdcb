/**
 * The worker side: decodes the parent's batches and runs tasks and messages on this worker's own
 * event loop, in order, up to its concurrency. Start-up (module, context, init) is in startup.ts,
 * and what goes back to the parent (results, items, messages, flushing) in answers.ts. Between
 * tasks the worker simply returns to its event loop (no Atomics.wait, no blocking read), so
 * timers, sockets and subscriptions a task started keep running.
 */
import { deserializeError, serializeError, type SerializedError } from '../error-codec.js';
import { AbortError, NoMessageHandlerError, UnknownTaskError } from '../errors.js';
import { Kind, STRIDE, type Batch, type BootData } from '../protocol.js';
import type { ParentChannel } from '../transport/types.js';
import type { TaskFunction, WorkerContext, WorkerDefinition } from './define.js';
import { Answers, type Control } from './answers.js';
import { Sampler } from './sampler.js';
import { StreamPump, type StreamSink } from './stream-pump.js';
import { startUp, type StartupHost } from './startup.js';

export class WorkerRuntime {
  readonly #ch: ParentChannel;
  #def: WorkerDefinition | undefined;
  #tasks: ReadonlyMap<string, TaskFunction> = new Map();
  #ctx: WorkerContext | undefined;
  readonly #abort = new AbortController();
  #ready = false;
  #closing = false;
  #concurrency = 1;

  // Records waiting to start: flat, STRIDE slots each, consumed from #head (no shift()).
  #queue: unknown[] = [];
  #head = 0;
  /** Tasks whose promise has not settled yet. Synchronous tasks never count. */
  #running = 0;

  #launched: Promise<void> = Promise.resolve();
  #earlyCredit = 0;
  readonly #answers: Answers;
  readonly #sink: StreamSink = {
    item: (id, value) => this.#answers.item(id, value),
    end: (id) => this.#answers.settled(id, Kind.Ok, undefined),
    fail: (id, err) => this.#answers.settled(id, Kind.Err, serializeError(err)),
  };

  readonly #startupHost: StartupHost = {
    signal: this.#abort.signal,
    earlyCredit: () => this.#earlyCredit,
    pushMessage: (value) => this.#answers.message(value),
    closing: () => this.#closing,
    loaded: ({ def, tasks, outbox, ctx }) => {
      this.#def = def;
      this.#tasks = tasks;
      this.#answers.outbox = outbox;
      this.#ctx = ctx;
    },
  };

  /** `ready` runs once Ready is on its way (after this turn's flush): for work that must not delay it. */
  constructor(
    channel: ParentChannel,
    private readonly hooks: { readonly ready?: () => void } = {},
  ) {
    this.#ch = channel;
    this.#answers = new Answers(channel);
    channel.onMessage((batch) => this.#receive(batch));
  }

  #receive(batch: Batch): void {
    this.#answers.receiving = true;
    for (let i = 0; i < batch.length; i += STRIDE) {
      const kind = batch[i] as Kind;
      switch (kind) {
        case Kind.Run:
        case Kind.Put:
        case Kind.RunCtl:
        case Kind.RunTimed:
        case Kind.Stream:
          this.#accept(kind, batch[i + 1] as number, batch[i + 2], batch[i + 3]);
          break;
        case Kind.RunMany: {
          const name = batch[i + 2];
          const pairs = batch[i + 3] as unknown[];
          for (let j = 0; j < pairs.length; j += 2) this.#accept(Kind.Run, pairs[j] as number, name, pairs[j + 1]);
          break;
        }
        case Kind.PutMany: {
          const pairs = batch[i + 3] as unknown[];
          for (let j = 0; j < pairs.length; j += 2) this.#accept(Kind.Put, pairs[j] as number, pairs[j + 1], 0);
          break;
        }
        case Kind.Credit:
          // Credit can arrive before the module has loaded (a close while starting): keep it.
          if (this.#answers.outbox === undefined) this.#earlyCredit += batch[i + 1] as number;
          else this.#answers.outbox.credit(batch[i + 1] as number);
          break;
        case Kind.Pull:
          this.#answers.controls.get(batch[i + 1] as number)?.pump?.pull(batch[i + 2] as number);
          break;
        case Kind.Cancel:
          this.#cancel(batch[i + 1] as number, deserializeError(batch[i + 2] as SerializedError));
          break;
        case Kind.Close:
          void this.#close();
          break;
        case Kind.Boot:
          this.#launched = this.#launch(batch[i + 2] as BootData);
          break;
        default:
          break;
      }
    }
    this.#answers.receiving = false;
    this.#idleCheck();
    if (this.#answers.out.size > 0) {
      // Every task of this batch finished synchronously: answer now rather than a loop turn later.
      if (this.#running === 0) this.#answers.flush();
      else this.#answers.scheduleFlush();
    }
  }

  /** A task (or put message) arrived: it starts now if it can, else it waits its turn. */
  #accept(kind: Kind, id: number, name: unknown, arg: unknown): void {
    this.#answers.load.busy();
    if (this.#ready && this.#head === this.#queue.length && this.#running < this.#concurrency) this.#start(kind, id, name, arg);
    else this.#queue.push(kind, id, name, arg);
  }

  // ---- start-up -------------------------------------------------------------------------------

  async #launch(boot: BootData): Promise<void> {
    // The parent cancelled this start (close() before any user code ran) and is terminating us.
    if (this.#ch.claimStart?.() === false) return;
    this.#concurrency = boot.concurrency;
    this.#answers.out.transfersApply = boot.runtime === 'thread';
    const outcome = await startUp(boot, this.#answers.load, this.#startupHost);
    if (outcome.kind === 'closed') return;
    if (outcome.kind === 'failed') {
      this.#answers.out.write(Kind.Fail, 0, serializeError(outcome.error), outcome.phase);
      this.#answers.out.sendThen(() => this.#ch.exit(1));
      return;
    }
    this.#ready = true;
    this.#answers.out.write(Kind.Ready, 0, [...this.#tasks.keys()], typeof this.#def?.onMessage === 'function' ? 1 : 0);
    this.#answers.scheduleFlush();
    const ready = this.hooks.ready;
    if (ready !== undefined) setImmediate(ready);
    // Sampling starts once Ready is out: it reads /proc and starts timers, nothing a first task
    // should wait for (the parent ignores the heartbeats of a starting worker anyway).
    const metrics = boot.metrics;
    if (metrics !== undefined) setImmediate(() => new Sampler(metrics, (sample) => this.#answers.write(Kind.Sample, sample)));
    this.#drain();
    this.#idleCheck();
  }

  // ---- tasks ----------------------------------------------------------------------------------

  #start(kind: Kind, id: number, name: unknown, arg: unknown): void {
    if (kind === Kind.Run || kind === Kind.Put) return this.#call(kind, id, name, arg, this.#ctx as WorkerContext);
    if ((kind as number) === 0) return; // cancelled while it waited here
    // A cancellable task or a stream: its own signal, which also follows the worker's.
    const controller = new AbortController();
    const control: Control = { controller, pump: undefined };
    this.#answers.controls.set(id, control);
    const ctx = Object.freeze({ ...(this.#ctx as WorkerContext), signal: controller.signal });
    this.#answers.out.write(Kind.Started, id, 0, 0);
    // Before the task runs: if it blocks this loop, the parent's timeout clock is already going.
    if (kind !== Kind.RunCtl) this.#answers.flush();
    if (kind !== Kind.Stream) return this.#call(kind, id, name, arg, ctx);
    const fn = this.#tasks.get(name as string);
    if (fn === undefined) return this.#answers.settled(id, Kind.Err, serializeError(new UnknownTaskError(String(name), [...this.#tasks.keys()])));
    const pump = new StreamPump(id, name as string, this.#sink);
    control.pump = pump;
    this.#running++;
    let result: unknown;
    try {
      result = fn.call((this.#def as WorkerDefinition).tasks, arg as never, ctx);
    } catch (err) {
      result = Promise.reject(err);
    }
    void pump.run(result).then(() => {
      this.#running--;
      this.#drain();
      this.#idleCheck();
    });
  }

  #call(kind: Kind, id: number, name: unknown, arg: unknown, ctx: WorkerContext): void {
    const def = this.#def as WorkerDefinition;
    let fn: TaskFunction | undefined;
    let self: unknown = def.tasks;
    if (kind === Kind.Put) {
      fn = def.onMessage as TaskFunction | undefined;
      self = def;
      arg = name;
      if (fn === undefined) return this.#answers.fail(id, new NoMessageHandlerError());
    } else {
      fn = this.#tasks.get(name as string);
      if (fn === undefined) return this.#answers.fail(id, new UnknownTaskError(String(name), [...this.#tasks.keys()]));
    }
    let result: unknown;
    try {
      result = fn.call(self, arg as never, ctx);
    } catch (err) {
      return this.#answers.fail(id, err);
    }
    if (result !== null && typeof result === 'object' && typeof (result as PromiseLike<unknown>).then === 'function') {
      this.#running++;
      (result as PromiseLike<unknown>).then(
        (value) => {
          this.#running--;
          this.#answers.ok(id, value);
          this.#settledAsync();
        },
        (err: unknown) => {
          this.#running--;
          this.#answers.fail(id, err);
          this.#settledAsync();
        },
      );
    } else {
      this.#answers.ok(id, result);
    }
  }

  /**
   * An asynchronous task settled: the next one starts. If nothing runs or waits any more, its
   * answer leaves now: there is nothing left to batch it with, and waiting for the loop turn's
   * flush would only delay the parent (and a worker given one task at a time, its next task).
   */
  #settledAsync(): void {
    this.#drain();
    this.#idleCheck();
    if (this.#running === 0 && this.#head === this.#queue.length && !this.#answers.receiving) this.#answers.flush();
  }

  #drain(): void {
    while (this.#ready && this.#head < this.#queue.length && this.#running < this.#concurrency) {
      const q = this.#queue;
      const h = this.#head;
      this.#head = h + STRIDE;
      this.#start(q[h] as Kind, q[h + 1] as number, q[h + 2], q[h + 3]);
    }
    if (this.#head === this.#queue.length) {
      this.#queue = [];
      this.#head = 0;
    }
  }

  /** Aborts a started task's signal (a stream also stops), or drops one still waiting here. */
  #cancel(id: number, reason: Error): void {
    const control = this.#answers.controls.get(id);
    if (control !== undefined) {
      control.controller.abort(reason);
      control.pump?.stop();
      return;
    }
    const q = this.#queue;
    for (let i = this.#head; i < q.length; i += STRIDE) {
      if (q[i + 1] === id && q[i] !== Kind.Put) {
        q[i] = 0; // see #start
        return this.#answers.fail(id, reason instanceof AbortError ? reason : new AbortError(reason));
      }
    }
  }

  #idleCheck(): void {
    if (this.#running === 0 && this.#head === this.#queue.length) this.#answers.load.idle();
  }

  // ---- shutdown -------------------------------------------------------------------------------

  async #close(): Promise<void> {
    if (this.#closing) return;
    this.#closing = true;
    // The signal first, so that an init or a subscription waiting on it can stop.
    const reason = new Error('The worker is shutting down');
    this.#abort.abort(reason);
    for (const control of this.#answers.controls.values()) {
      control.controller.abort(reason);
      control.pump?.stop();
    }
    await this.#launched;
    let error: unknown = null;
    try {
      if (this.#ready && this.#ctx !== undefined) await this.#def?.close?.(this.#ctx);
    } catch (err) {
      error = serializeError(err);
    }
    // Messages put so far (also by close itself) reach the parent before the worker goes.
    await this.#answers.outbox?.whenIdle();
    this.#answers.flush();
    this.#ch.send([Kind.Closed, 0, error, 0], undefined, () => this.#ch.exit(0));
  }
}
