/**
 * The consumer's commands on its queue: each state change a worker makes, as one call (mostly one
 * Lua script of scripts.ts). RemoteWorker keeps the accounting; this module knows the arguments.
 */
import { encodeError } from './codec.js';
import { GROUP, type Broker, type QueueKeys } from './connection.js';
import type { ResolvedWorkerOptions } from './worker-options.js';

/** A finished job on its way to Redis. */
export interface Outcome {
  readonly id: string;
  readonly entry: string;
  /** Result JSON ('' with ignoreResult). */
  readonly text: string;
  readonly ttl: string;
  readonly ignore: boolean;
}

export type Entries = [entry: string, fields: string[]][];

export class QueueOps {
  readonly #cmd: Broker;
  readonly #k: QueueKeys;
  readonly #consumer: string;
  readonly #o: ResolvedWorkerOptions;

  constructor(cmd: Broker, keys: QueueKeys, consumer: string, options: ResolvedWorkerOptions) {
    this.#cmd = cmd;
    this.#k = keys;
    this.#consumer = consumer;
    this.#o = options;
  }

  /** Creates the consumer group (from the start of the stream) unless it exists. */
  async createGroup(): Promise<void> {
    try {
      await this.#cmd.xgroup('CREATE', this.#k.work, GROUP, '0', 'MKSTREAM');
    } catch (err) {
      if (!/BUSYGROUP/.test((err as Error).message)) throw err;
    }
  }

  /** Wakes the consumer's blocked XREADGROUP at once (CLIENT UNBLOCK from the command connection). */
  async unblock(readConnectionName: string): Promise<void> {
    try {
      const list = (await this.#cmd.call('CLIENT', 'LIST', 'TYPE', 'normal')) as string;
      const line = list.split('\n').find((l) => l.includes(`name=${readConnectionName} `));
      const id = line?.match(/^id=(\d+)/)?.[1];
      if (id !== undefined) await this.#cmd.call('CLIENT', 'UNBLOCK', id);
    } catch {
      // The read returns within `block` ms anyway.
    }
  }

  /** Fenced completion of a batch, fetching up to `fetch` new jobs in the same call. */
  complete(batch: readonly Outcome[], fetch: number): Promise<[number[], Entries]> {
    const args: (string | number)[] = [GROUP, this.#consumer, this.#k.job, this.#o.eventsMaxLen, fetch];
    for (const j of batch) args.push(j.id, j.entry, j.text, j.ttl, j.ignore ? 1 : 0);
    return this.#cmd.lfComplete(this.#k.work, this.#k.events, ...args);
  }

  /** Fenced failure: 1 retried later, 2 failed for good (dead letter), 0 lease lost. */
  fail(id: string, entry: string, err: unknown, permanent: boolean): Promise<number> {
    const k = this.#k;
    const reason = (err instanceof Error ? `${err.name}: ${err.message}` : String(err)).slice(0, 500);
    const o = this.#o;
    return this.#cmd.lfFail(k.work, k.events, k.dead, k.delayed, GROUP, this.#consumer, k.job, o.eventsMaxLen, o.deadMaxLen, Date.now(), id, entry, encodeError(err), permanent ? 1 : 0, reason);
  }

  /** Renews the leases on `entries` and the heartbeat; resolves with the entries no longer ours. */
  renew(entries: readonly string[]): Promise<string[]> {
    return this.#cmd.lfRenew(this.#k.work, this.#k.workers, GROUP, this.#consumer, Date.now() + 2 * this.#o.lease, ...entries);
  }

  /** Takes over up to `count` jobs idle longer than the lease (dead-lettering those delivered too often). */
  reclaim(cursor: string, count: number): Promise<[string, [string, string[], number][]]> {
    const k = this.#k;
    const o = this.#o;
    return this.#cmd.lfReclaim(k.work, k.events, k.dead, GROUP, this.#consumer, k.job, o.eventsMaxLen, o.deadMaxLen, Date.now(), o.lease, cursor, count, o.maxDeliveries);
  }

  /** Moves due retries back into the work stream. */
  promote(): Promise<number> {
    return this.#cmd.lfPromote(this.#k.work, this.#k.delayed, this.#k.job, Date.now(), 100);
  }

  /** Leaves the group if this consumer owns no pending entry. */
  retire(): Promise<unknown> {
    return this.#cmd.lfRetire(this.#k.work, this.#k.workers, GROUP, this.#consumer);
  }
}
