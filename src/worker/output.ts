/**
 * What a worker sends to the parent: records collected into one batch per flush, with their
 * transfer lists, and the record-by-record fallback when a value in the batch cannot be cloned.
 */
import type { TransferListItem } from 'node:worker_threads';
import { serializeError } from '../error-codec.js';
import { DataCloneError } from '../errors.js';
import { eachRecord, Kind, Records, STRIDE, type Batch } from '../protocol.js';
import { transferProblem } from '../transfer.js';
import type { ParentChannel } from '../transport/types.js';
import type { MessageOutbox, PendingPut } from './outbox.js';

const NO_PUTS: readonly PendingPut[] = [];

type RecordTransfers = (readonly TransferListItem[] | undefined)[];

export class Output {
  readonly #out = new Records();
  #transfers: TransferListItem[] = [];
  #transferSet: Set<unknown> | undefined;
  /** Transfer lists by record index, when any record has one (for the fallback). */
  #recordTransfers: RecordTransfers | undefined;
  /** Processes copy: transfer lists mean nothing there. */
  transfersApply = true;
  readonly #ch: ParentChannel;
  /** Told when a stream item could not be sent: that stream has failed and must stop. */
  readonly #itemDropped: (taskId: number) => void;

  constructor(channel: ParentChannel, itemDropped: (taskId: number) => void) {
    this.#ch = channel;
    this.#itemDropped = itemDropped;
  }

  get size(): number {
    return this.#out.length;
  }

  write(kind: Kind, a: unknown, b: unknown, c: unknown): void {
    this.#out.push(kind, a, b, c);
  }

  /** Writes a record that may join the group written last (see Records.grouped); never one with transfers. */
  grouped(kind: Kind, key: unknown, id: number, value: unknown): void {
    this.#out.grouped(kind, key, id, value);
  }

  /** Adds the transfer list of the record about to be written; says what is wrong with it, if anything. */
  addTransfers(list: readonly TransferListItem[]): string | undefined {
    if (!this.transfersApply) return undefined;
    const problem = transferProblem(list, (this.#transferSet ??= new Set()));
    if (problem === undefined) {
      for (const t of list) this.#transfers.push(t);
      (this.#recordTransfers ??= [])[this.#out.length / STRIDE] = list;
    }
    return problem;
  }

  /** Sends what was written, then calls `done` once it has left (before the worker exits). */
  sendThen(done: () => void): void {
    this.#ch.send(this.#take(), undefined, done);
  }

  /** Sends what was written. `outbox` settles the ctx.put messages among the records once they have left. */
  send(outbox: MessageOutbox | undefined): void {
    if (this.#out.length === 0) return;
    const transfers = this.#transfers;
    const recordTransfers = this.#recordTransfers;
    const batch = this.#take();
    const puts = outbox?.take() ?? NO_PUTS;
    try {
      this.#ch.send(batch, transfers, puts.length > 0 ? () => outbox?.settle(puts) : undefined);
    } catch {
      this.#sendEach(batch, puts, recordTransfers, outbox);
    }
  }

  /** The records written so far; the transfer lists start again (no allocation when there were none). */
  #take(): Batch {
    if (this.#transfers.length > 0) this.#transfers = [];
    this.#transferSet = undefined;
    this.#recordTransfers = undefined;
    return this.#out.take();
  }

  /** A batch failed to clone: send record by record, turning each failing one into an error. */
  #sendEach(batch: Batch, puts: readonly PendingPut[], recordTransfers: RecordTransfers | undefined, outbox: MessageOutbox | undefined): void {
    const sent: PendingPut[] = [];
    let message = 0;
    eachRecord(batch, (kind, a, b, c, index) => {
      const put = kind === Kind.Msg ? puts[message++] : undefined;
      try {
        this.#ch.send([kind, a, b, c], recordTransfers?.[index]);
        if (put !== undefined) sent.push(put);
      } catch (err) {
        if (kind === Kind.Ok) {
          this.#ch.send([Kind.Err, a, serializeError(new DataCloneError(`the result of a task`, err)), 0]);
        } else if (kind === Kind.Item) {
          this.#ch.send([Kind.Err, a, serializeError(new DataCloneError('an item of a stream', err)), 0]);
          this.#itemDropped(a as number);
        } else if (put !== undefined) {
          outbox?.fail(put, new DataCloneError('a message from ctx.put()', err));
        } else {
          this.#ch.send([Kind.Err, a, serializeError(new DataCloneError('an error thrown by a task', err)), 0]);
        }
      }
    });
    // The process runtime writes asynchronously: settle once an (empty) marker batch has left.
    this.#ch.send([], undefined, () => outbox?.settle(sent));
  }
}
