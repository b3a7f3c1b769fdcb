/**
 * sticky-state: state loaded into workers once, and kept by the workers that replace them.
 *
 * The pool recycles each worker after 5 tasks (`maxTasksPerWorker: 5`). The lookup table is sent
 * with `broadcast('setTable', table, { sticky: true })`, so each replacement worker replays it
 * before its first task: all 30 lookups succeed although they are served by many worker
 * instances, most of which never saw the original broadcast.
 *
 * Run: npm run build && npx tsc -p tsconfig.test.json && node build/examples/sticky-state/main.js
 */
import { pathToFileURL } from 'node:url';
import { Pool } from 'loopfleet';
import type worker from './worker.js';
import type { LookupResult, Table } from './worker.js';

/** Country code -> capital. */
export const TABLE: Table = Object.freeze({
  fr: 'Paris',
  de: 'Berlin',
  it: 'Rome',
  es: 'Madrid',
  pt: 'Lisbon',
  nl: 'Amsterdam',
  be: 'Brussels',
  at: 'Vienna',
  ch: 'Bern',
  pl: 'Warsaw',
});

export interface StickyStateSummary {
  /** What each live worker answered to the broadcast: the size of its table. */
  broadcast: number[];
  /** One per lookup, in order. */
  lookups: LookupResult[];
  /** How many distinct worker instances served lookups. */
  instances: number;
  /** Per slot: workers started after the first one. */
  restarts: number[];
}

export interface MainOptions {
  /** Where readable output goes. @default console.log */
  log?: (line: string) => void;
  /** How many lookups to run. @default 30 */
  count?: number;
}

export async function main({ log = console.log, count = 30 }: MainOptions = {}): Promise<StickyStateSummary> {
  const pool = new Pool<typeof worker>({
    worker: new URL('./worker.js', import.meta.url),
    size: 2,
    maxTasksPerWorker: 5,
    name: 'sticky-state',
  });
  try {
    const broadcast = await pool.broadcast('setTable', TABLE, { sticky: true });
    log(`setTable broadcast (sticky): workers hold ${broadcast.join(', ')} entries`);

    const keys = Object.keys(TABLE);
    const wanted = Array.from({ length: count }, (_, i) => keys[i % keys.length] ?? 'fr');
    const lookups = await Promise.all(wanted.map((key) => pool.run('lookup', key)));
    for (const [i, r] of lookups.entries()) {
      log(`lookup #${String(i + 1).padStart(2)} ${r.key} -> ${r.value.padEnd(10)} (worker ${r.worker}, instance ${r.instance})`);
    }

    const instances = new Set(lookups.map((r) => r.instance)).size;
    const restarts = pool.stats().workers.map((w) => w.restarts);
    log(`${lookups.length} lookups succeeded, served by ${instances} worker instances`);
    for (const [i, n] of restarts.entries()) log(`worker ${i}: ${n} restarts`);
    return { broadcast, lookups, instances, restarts };
  } finally {
    await pool.close();
  }
}

if (process.argv[1] !== undefined && import.meta.url === pathToFileURL(process.argv[1]).href) {
  main().catch((err: unknown) => {
    console.error(err);
    process.exitCode = 1;
  });
}
