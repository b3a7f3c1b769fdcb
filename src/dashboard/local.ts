/** A pool of this process on the dashboard: its metrics are read once a second. */
import type { Pool } from '../pool/pool.js';
import type { AnyWorkerDefinition } from '../pool/types.js';
import type { Hub } from './hub.js';

export type AnyPool = Pool<AnyWorkerDefinition>;

export class LocalFeed {
  #done = false;

  constructor(
    readonly pool: AnyPool,
    readonly id: string,
    private readonly hub: Hub,
  ) {
    hub.define({ id, name: pool.name, runtime: pool.runtime, source: null, closed: false });
  }

  get done(): boolean {
    return this.#done;
  }

  /** Reads one snapshot and publishes it; marks the pool closed once every worker has gone. */
  sample(): void {
    if (this.#done) return;
    this.hub.push(this.id, this.pool.metrics());
    // A closed (or destroyed, or broken) pool has no live worker left and never starts one again.
    if (this.pool.stats().workers.every((w) => w.state === 'exited' || w.state === 'failed')) {
      this.#done = true;
      this.hub.close(this.id);
    }
  }
}
