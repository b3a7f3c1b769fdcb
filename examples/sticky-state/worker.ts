/**
 * Worker module for the sticky-state example: a stateful worker.
 *
 * `setTable` stores a lookup table in this worker's memory; `lookup` reads it. The parent sends
 * the table once with a sticky broadcast, so every worker started later (a replacement after a
 * crash, or a recycled worker under `maxTasksPerWorker`) replays `setTable` before its first task.
 */
import { randomUUID } from 'node:crypto';
import { defineWorker } from 'loopfleet/worker';

export type Table = Readonly<Record<string, string>>;

export interface LookupResult {
  key: string;
  value: string;
  /** The worker slot that answered. */
  worker: number;
  /** Which worker instance answered: a recycled slot gets a new one. */
  instance: string;
}

/** This worker instance's state. A fresh worker starts with no table. */
let table: Map<string, string> | undefined;
/** Identifies this worker instance (a replacement in the same slot gets another). */
const instance = randomUUID().slice(0, 8);

export default defineWorker({
  tasks: {
    /** Stores the table; returns how many entries this worker now holds. */
    setTable(next: Table): number {
      table = new Map(Object.entries(next));
      return table.size;
    },

    lookup(key: string, ctx): LookupResult {
      if (table === undefined) throw new Error(`worker ${ctx.id} (instance ${instance}) has no table yet`);
      const value = table.get(key);
      if (value === undefined) throw new Error(`unknown key ${JSON.stringify(key)}`);
      return { key, value, worker: ctx.id, instance };
    },
  },
});
