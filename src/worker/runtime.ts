/**
 * The worker side: loads the user's module, runs tasks and messages on this worker's own event
 * loop, and batches results back. Between tasks the worker simply returns to its event loop (no
 * Atomics.wait, no blocking read), so timers, sockets and subscriptions a task started keep running.
 */
import { deserializeError, serializeError, type SerializedError } from '../error-codec.js';
import { AbortError, DataCloneError, NoMessageHandlerError, UnknownTaskError } from '../errors.js';
import { Kind, STRIDE, type Batch, type BootData, type FailPhase } from '../protocol.js';
import type { ParentChannel } from '../transport/types.js';
import { isTransfer, type TaskFunction, type WorkerContext, type WorkerDefinition } from './define.js';
import { loadDefinition } from './load.js';
import { MessageOutbox } from './outbox.js';
import { Output } from './output.js';
import { LoadMeter } from './load-meter.js';
import { Sampler } from './sampler.js';
import { StreamPump, type StreamSink } from './stream-pump.js';

/** A task the parent may cancel: its own signal, and its pump when it is a stream. */
interface Control {
  readonly controller: AbortController;
  pump: StreamPump | undefined;
}

export class WorkerRuntime {
  readonly #ch: ParentChannel;
  #def: WorkerDefinition | undefined;
  readonly #tasks = new Map<string, TaskFunction>();
  #ctx: WorkerContext | undefined;
  readonly #abort = new AbortController();
  #outbox: MessageOutbox | undefined;
  #ready = false;
  #closing = false;
  #concurrency = 1;

  // Records waiting to start: flat, STRIDE slots each, consumed from #head (no shift()).
  #queue: unknown[] = [];
  #head = 0;
  /** Tasks whose promise has not settled yet. Synchronous tasks never count. */
  #running = 0;

  // Output waiting for the next flush.
  #flushScheduled = false;
  #launched: Promise<void> = Promise.resolve();
  readonly #out: Output;
  #earlyCredit = 0;
  /** True while a batch is being decoded: its results leave together at the end. */
  #receiving = false;
  readonly #flushBound = (): void => this.#flush();
  /** Cancellable tasks and streams that have started, by task id. */
  readonly #controls = new Map<number, Control>();
  readonly #sink: StreamSink = {
    item: (id, value) => this.#item(id, value),
    end: (id) => this.#settled(id, Kind.Ok, undefined),
    fail: (id, err) => this.#settled(id, Kind.Err, serializeError(err)),
  };

  /** Load reports for the parent's adaptive prefetch, and the recycle request (`maxHeapMB`). */
  readonly #load = new LoadMeter();

  /** `ready` runs once Ready is on its way (after this turn's flush): for work that must not delay it. */
  constructor(
    channel: ParentChannel,
    private readonly hooks: { readonly ready?: () => void } = {},
  ) {
    this.#ch = channel;
    this.#out = new Output(channel, (id) => this.#controls.get(id)?.pump?.stop());
    channel.onMessage((batch) => this.#receive(batch));
  }

  #receive(batch: Batch): void {
    this.#receiving = true;
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
          if (this.#outbox === undefined) this.#earlyCredit += batch[i + 1] as number;
          else this.#outbox.credit(batch[i + 1] as number);
          break;
        case Kind.Pull:
          this.#controls.get(batch[i + 1] as number)?.pump?.pull(batch[i + 2] as number);
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
    this.#receiving = false;
    this.#idleCheck();
    if (this.#out.size > 0) {
      // Every task of this batch finished synchronously: answer now rather than a loop turn later.
      if (this.#running === 0) this.#flush();
      else this.#scheduleFlush();
    }
  }

  /** A task (or put message) arrived: it starts now if it can, else it waits its turn. */
  #accept(kind: Kind, id: number, name: unknown, arg: unknown): void {
    this.#load.busy();
    if (this.#ready && this.#head === this.#queue.length && this.#running < this.#concurrency) this.#start(kind, id, name, arg);
    else this.#queue.push(kind, id, name, arg);
  }

  // ---- start-up -------------------------------------------------------------------------------

  async #launch(boot: BootData): Promise<void> {
    // The parent cancelled this start (close() before any user code ran) and is terminating us.
    if (this.#ch.claimStart?.() === false) return;
    this.#concurrency = boot.concurrency;
    this.#out.transfersApply = boot.runtime === 'thread';
    let phase: FailPhase = 'load';
    try {
      await this.#load.configure(boot.maxHeapMB);
      const def = await loadDefinition(boot.module);
      this.#def = def;
      for (const [name, fn] of Object.entries(def.tasks ?? {})) this.#tasks.set(name, fn);
      this.#outbox = new MessageOutbox(boot.messageCredits + this.#earlyCredit, (value) => this.#pushMessage(value));
      this.#ctx = Object.freeze({
        id: boot.id,
        workerData: boot.workerData,
        poolName: boot.poolName,
        runtime: boot.runtime,
        signal: this.#abort.signal,
        put: this.#outbox.put,
      });
      // Closed before init began: a worker that will never run a task need not start.
      if (this.#closing) return;
      phase = 'init';
      await def.init?.(this.#ctx);
      phase = 'replay';
      for (const call of boot.sticky) {
        if (this.#closing) return;
        const fn = this.#tasks.get(call.task);
        if (fn === undefined) throw new UnknownTaskError(call.task, [...this.#tasks.keys()]);
        await fn.call(def.tasks, call.arg as never, this.#ctx);
      }
    } catch (err) {
      this.#out.write(Kind.Fail, 0, serializeError(err), phase);
      this.#out.sendThen(() => this.#ch.exit(1));
      return;
    }
    this.#ready = true;
    this.#out.write(Kind.Ready, 0, [...this.#tasks.keys()], typeof this.#def?.onMessage === 'function' ? 1 : 0);
    this.#scheduleFlush();
    const ready = this.hooks.ready;
    if (ready !== undefined) setImmediate(ready);
    // Sampling starts once Ready is out: it reads /proc and starts timers, nothing a first task
    // should wait for (the parent ignores the heartbeats of a starting worker anyway).
    const metrics = boot.metrics;
    if (metrics !== undefined) setImmediate(() => new Sampler(metrics, (sample) => this.#write(Kind.Sample, sample)));
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
    this.#controls.set(id, control);
    const ctx = Object.freeze({ ...(this.#ctx as WorkerContext), signal: controller.signal });
    this.#out.write(Kind.Started, id, 0, 0);
    // Before the task runs: if it blocks this loop, the parent's timeout clock is already going.
    if (kind !== Kind.RunCtl) this.#flush();
    if (kind !== Kind.Stream) return this.#call(kind, id, name, arg, ctx);
    const fn = this.#tasks.get(name as string);
    if (fn === undefined) return this.#settled(id, Kind.Err, serializeError(new UnknownTaskError(String(name), [...this.#tasks.keys()])));
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
      if (fn === undefined) return this.#fail(id, new NoMessageHandlerError());
    } else {
      fn = this.#tasks.get(name as string);
      if (fn === undefined) return this.#fail(id, new UnknownTaskError(String(name), [...this.#tasks.keys()]));
    }
    let result: unknown;
    try {
      result = fn.call(self, arg as never, ctx);
    } catch (err) {
      return this.#fail(id, err);
    }
    if (result !== null && typeof result === 'object' && typeof (result as PromiseLike<unknown>).then === 'function') {
      this.#running++;
      (result as PromiseLike<unknown>).then(
        (value) => {
          this.#running--;
          this.#ok(id, value);
          this.#drain();
          this.#idleCheck();
        },
        (err: unknown) => {
          this.#running--;
          this.#fail(id, err);
          this.#drain();
          this.#idleCheck();
        },
      );
    } else {
      this.#ok(id, result);
    }
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
    const control = this.#controls.get(id);
    if (control !== undefined) {
      control.controller.abort(reason);
      control.pump?.stop();
      return;
    }
    const q = this.#queue;
    for (let i = this.#head; i < q.length; i += STRIDE) {
      if (q[i + 1] === id && q[i] !== Kind.Put) {
        q[i] = 0; // see #start
        return this.#fail(id, reason instanceof AbortError ? reason : new AbortError(reason));
      }
    }
  }

  /** Writes one stream item (moving its buffers when it is a `transfer()`). */
  #item(id: number, value: unknown): Error | undefined {
    if (isTransfer(value)) {
      const problem = this.#out.addTransfers(value.transferList);
      if (problem !== undefined) return new DataCloneError(`an item of a stream: its transfer list holds ${problem}`);
      value = value.value;
    }
    this.#out.write(Kind.Item, id, value, 0);
    this.#scheduleFlush();
    return undefined;
  }

  #settled(id: number, kind: Kind.Ok | Kind.Err, value: unknown): void {
    this.#controls.delete(id);
    this.#out.write(kind, id, value, 0);
    this.#load.completed();
    this.#scheduleFlush();
  }

  #ok(id: number, value: unknown): void {
    if (this.#controls.size > 0) this.#controls.delete(id);
    if (isTransfer(value)) {
      // A record of its own: its transfer list is kept by record (Output.addTransfers).
      const problem = this.#out.addTransfers(value.transferList);
      if (problem !== undefined) return this.#fail(id, new DataCloneError(`the result of a task: its transfer list holds ${problem}`));
      this.#out.write(Kind.Ok, id, value.value, 0);
    } else {
      this.#out.grouped(Kind.OkMany, 0, id, value);
    }
    this.#load.completed();
    this.#scheduleFlush();
  }

  #fail(id: number, err: unknown): void {
    this.#controls.delete(id);
    this.#out.write(Kind.Err, id, serializeError(err), 0);
    this.#load.completed();
    this.#scheduleFlush();
  }

  #pushMessage(value: unknown): Error | undefined {
    if (isTransfer(value)) {
      const problem = this.#out.addTransfers(value.transferList);
      if (problem !== undefined) return new DataCloneError(`a message from ctx.put(): its transfer list holds ${problem}`);
      value = value.value;
    }
    this.#out.write(Kind.Msg, 0, value, 0);
    this.#scheduleFlush();
    return undefined;
  }

  /** Writes a record of the worker's own (not a task result) and flushes it this loop turn. */
  #write(kind: Kind, value: unknown): void {
    this.#out.write(kind, 0, value, 0);
    this.#scheduleFlush();
  }

  #idleCheck(): void {
    if (this.#running === 0 && this.#head === this.#queue.length) this.#load.idle();
  }

  // ---- output ---------------------------------------------------------------------------------

  #scheduleFlush(): void {
    if (this.#flushScheduled || this.#receiving) return;
    this.#flushScheduled = true;
    // setImmediate, not a microtask: results of every task that settles during this turn of the
    // loop (including promise chains) leave together in one message.
    setImmediate(this.#flushBound);
  }

  #flush(): void {
    this.#flushScheduled = false;
    this.#load.report(this.#out);
    this.#out.send(this.#outbox);
  }

  // ---- shutdown -------------------------------------------------------------------------------

  async #close(): Promise<void> {
    if (this.#closing) return;
    this.#closing = true;
    // The signal first, so that an init or a subscription waiting on it can stop.
    const reason = new Error('The worker is shutting down');
    this.#abort.abort(reason);
    for (const control of this.#controls.values()) {
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
    await this.#outbox?.whenIdle();
    this.#flush();
    this.#ch.send([Kind.Closed, 0, error, 0], undefined, () => this.#ch.exit(0));
  }
}
