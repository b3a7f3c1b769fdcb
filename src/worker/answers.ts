/**
 * What a worker sends back to the parent: task results and errors, stream items, `ctx.put`
 * messages and records of its own, written into one Output and flushed once per loop turn, with
 * the load report riding along. Kept apart from the runtime, which decides what runs when.
 */
import { serializeError } from '../error-codec.js';
import { DataCloneError } from '../errors.js';
import { Kind } from '../protocol.js';
import type { ParentChannel } from '../transport/types.js';
import { isTransfer } from './define.js';
import { LoadMeter } from './load-meter.js';
import type { MessageOutbox } from './outbox.js';
import { Output } from './output.js';
import type { StreamPump } from './stream-pump.js';

/** A task the parent may cancel: its own signal, and its pump when it is a stream. */
export interface Control {
  readonly controller: AbortController;
  pump: StreamPump | undefined;
}

export class Answers {
  readonly out: Output;
  /** Load reports for the parent's adaptive prefetch, and the recycle request (`maxHeapMB`). */
  readonly load = new LoadMeter();
  /** Cancellable tasks and streams that have started, by task id; settling one forgets it. */
  readonly controls = new Map<number, Control>();
  /** Where `ctx.put` messages wait for credit; set once the worker module is loaded. */
  outbox: MessageOutbox | undefined;
  /** True while a batch is being decoded: its results leave together at the end. */
  receiving = false;
  #flushScheduled = false;
  readonly #flushBound = (): void => this.flush();

  constructor(channel: ParentChannel) {
    this.out = new Output(channel, (id) => this.controls.get(id)?.pump?.stop());
  }

  /** Writes one stream item (moving its buffers when it is a `transfer()`). */
  item(id: number, value: unknown): Error | undefined {
    if (isTransfer(value)) {
      const problem = this.out.addTransfers(value.transferList);
      if (problem !== undefined) return new DataCloneError(`an item of a stream: its transfer list holds ${problem}`);
      value = value.value;
    }
    this.out.write(Kind.Item, id, value, 0);
    this.scheduleFlush();
    return undefined;
  }

  settled(id: number, kind: Kind.Ok | Kind.Err, value: unknown): void {
    this.controls.delete(id);
    this.out.write(kind, id, value, 0);
    this.load.completed();
    this.scheduleFlush();
  }

  ok(id: number, value: unknown): void {
    if (this.controls.size > 0) this.controls.delete(id);
    if (isTransfer(value)) {
      // A record of its own: its transfer list is kept by record (Output.addTransfers).
      const problem = this.out.addTransfers(value.transferList);
      if (problem !== undefined) return this.fail(id, new DataCloneError(`the result of a task: its transfer list holds ${problem}`));
      this.out.write(Kind.Ok, id, value.value, 0);
    } else {
      this.out.grouped(Kind.OkMany, 0, id, value);
    }
    this.load.completed();
    this.scheduleFlush();
  }

  fail(id: number, err: unknown): void {
    this.controls.delete(id);
    this.out.write(Kind.Err, id, serializeError(err), 0);
    this.load.completed();
    this.scheduleFlush();
  }

  /** A `ctx.put` message whose credit has come. */
  message(value: unknown): Error | undefined {
    if (isTransfer(value)) {
      const problem = this.out.addTransfers(value.transferList);
      if (problem !== undefined) return new DataCloneError(`a message from ctx.put(): its transfer list holds ${problem}`);
      value = value.value;
    }
    this.out.write(Kind.Msg, 0, value, 0);
    this.scheduleFlush();
    return undefined;
  }

  /** Writes a record of the worker's own (not a task result) and flushes it this loop turn. */
  write(kind: Kind, value: unknown): void {
    this.out.write(kind, 0, value, 0);
    this.scheduleFlush();
  }

  scheduleFlush(): void {
    if (this.#flushScheduled || this.receiving) return;
    this.#flushScheduled = true;
    // setImmediate, not a microtask: results of every task that settles during this turn of the
    // loop (including promise chains) leave together in one message.
    setImmediate(this.#flushBound);
  }

  flush(): void {
    this.#flushScheduled = false;
    this.load.report(this.out);
    this.out.send(this.outbox);
  }
}
