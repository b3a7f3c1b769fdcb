/**
 * rows: a worker task that is an async generator reading a CSV file line by line.
 *
 * The parent writes a temp file of 50,000 rows, then:
 * 1. streams it with `pool.stream('readRows', …)` and `break`s at the first row it wants; the
 *    worker's report shows that it stopped reading there (its generator's `finally` ran);
 * 2. pipes the whole stream into a deliberately slow object-mode Writable with `.pipeTo()`, and
 *    measures how far the producer ever ran ahead of the writer;
 * 3. looks rows up with `pool.map('findRow', …, { concurrency: 3, ordered: true })`: they finish
 *    in any order, and come back in input order;
 * 4. stops a slow task with `timeout` and another with a `signal`.
 * It removes the file at the end.
 *
 * Run: npm run build && npx tsc -p tsconfig.test.json && node build/examples/rows/main.js
 */
import { mkdtemp, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { pathToFileURL } from 'node:url';
import { Pool } from 'loopfleet';
import { formatRow, HEADER, Meter, rowAt, type Row } from './rows.js';
import type worker from './worker.js';
import type { FindRowResult, ScanReport } from './worker.js';

/** Part 1 looks for the first row in this city with at least this amount. */
export const SEARCH = { city: 'Lima', minCents: 99_800 } as const;
/** Part 3 looks up these ids, in this order: the small ones are found sooner. */
export const LOOKUP_IDS: readonly number[] = [30_000, 7, 18_000, 950, 45_000, 3, 9_000, 400];

const SEARCH_HIGH_WATER_MARK = 256;
const PIPE_HIGH_WATER_MARK = 64;
const WRITER_HIGH_WATER_MARK = 16;
const MAP_CONCURRENCY = 3;
/** Part 4: milliseconds before the timeout fires, and before the signal aborts. */
const STOP_AFTER_MS = 100;

export interface RowsSummary {
  /** The temp file (removed by the time main() returns). */
  file: { path: string; rows: number; bytes: number };
  /** Part 1: the row found, and how far the worker read before the `break` stopped it. */
  search: { found: Row | undefined; highWaterMark: number; worker: ScanReport };
  /** Part 2: rows written into the slow Writable, and how far the producer ran ahead of it. */
  pipe: { written: number; cents: number; maxAhead: number; highWaterMark: number; writerHighWaterMark: number };
  /** Part 3: one result per id of LOOKUP_IDS, in the order received. */
  lookups: { results: FindRowResult[]; concurrency: number; maxRunning: number };
  /** Part 4: the code each call rejected with, and what the worker saw (its report). */
  timeout: { code: string; worker: ScanReport };
  abort: { code: string; cause: string; worker: ScanReport };
}

export interface MainOptions {
  /** Where readable output goes. @default console.log */
  log?: (line: string) => void;
  /** Rows in the file. @default 50_000 */
  rows?: number;
}

/** The `code` of a rejection, or a description of an unexpected success. */
function codeOf(err: unknown): string {
  const code = (err as { code?: unknown } | null)?.code;
  return typeof code === 'string' ? code : String(err);
}

function describeScan(r: ScanReport, rows: number, bytes: number): string {
  return `parsed ${r.parsed} of ${rows} rows, read ${r.bytesRead} of ${bytes} bytes, stopped by ${r.stoppedBy ?? 'nothing'}`;
}

interface WriterStats {
  written: number;
  cents: number;
  /** The most rows the worker had yielded beyond those this writer had finished. */
  maxAhead: number;
}

/** A writer that takes its time: every row finishes on a later loop turn, every 250th after 1 ms. */
function slowWriter(produced: Int32Array): { writer: Writable; stats: WriterStats } {
  const stats: WriterStats = { written: 0, cents: 0, maxAhead: 0 };
  const writer = new Writable({
    objectMode: true,
    highWaterMark: WRITER_HIGH_WATER_MARK,
    write(row: Row, _encoding, done) {
      // Rows yielded minus rows finished: the rows in flight or buffered between the two.
      stats.maxAhead = Math.max(stats.maxAhead, Atomics.load(produced, 0) - stats.written);
      stats.written++;
      stats.cents += row.cents;
      if (stats.written % 250 === 0) setTimeout(done, 1);
      else setImmediate(done);
    },
  });
  return { writer, stats };
}

export async function main({ log = console.log, rows = 50_000 }: MainOptions = {}): Promise<RowsSummary> {
  const dir = await mkdtemp(join(tmpdir(), 'loopfleet-rows-'));
  const path = join(dir, 'rows.csv');
  // Thread runtime: the SharedArrayBuffers passed in task arguments are shared with the worker, not copied.
  const pool = new Pool<typeof worker>({
    worker: new URL('./worker.js', import.meta.url),
    runtime: 'thread',
    size: 2,
    concurrency: 4,
    name: 'rows',
  });
  try {
    const lines = [HEADER];
    for (let id = 0; id < rows; id++) lines.push(formatRow(rowAt(id)));
    await writeFile(path, `${lines.join('\n')}\n`);
    const bytes = (await stat(path)).size;
    log(`wrote ${rows} rows (${bytes} bytes) to ${path}`);

    // 1. Stream and stop at the first match. Worker 0 for both calls: the report is per worker.
    let found: Row | undefined;
    for await (const row of pool.stream('readRows', { path }, { highWaterMark: SEARCH_HIGH_WATER_MARK, worker: 0 })) {
      if (row.city === SEARCH.city && row.cents >= SEARCH.minCents) {
        found = row;
        break; // ends the generator in the worker: its `finally` closes the file
      }
    }
    const searchScan = await pool.run('lastScan', 'readRows', { worker: 0 });
    log(`search: found ${found === undefined ? 'nothing' : `row ${found.id} (${found.city}, ${(found.cents / 100).toFixed(2)})`}; the worker ${describeScan(searchScan, rows, bytes)}`);

    // 2. Pipe everything into a slow writer, watching how far the producer runs ahead.
    const produced = new Int32Array(new SharedArrayBuffer(Int32Array.BYTES_PER_ELEMENT));
    const { writer, stats: pipe } = slowWriter(produced);
    await pool.stream('readRows', { path, produced }, { highWaterMark: PIPE_HIGH_WATER_MARK }).pipeTo(writer);
    log(
      `pipe: wrote ${pipe.written} rows into a slow Writable; the producer ran at most ${pipe.maxAhead} rows ahead ` +
        `(bound: highWaterMark ${PIPE_HIGH_WATER_MARK} + the Writable's ${WRITER_HIGH_WATER_MARK} = ${PIPE_HIGH_WATER_MARK + WRITER_HIGH_WATER_MARK})`,
    );

    // 3. Look rows up with bounded concurrency; results come back in input order.
    const meter = new Int32Array(new SharedArrayBuffer(Meter.length * Int32Array.BYTES_PER_ELEMENT));
    const ids = LOOKUP_IDS.filter((id) => id < rows);
    const results: FindRowResult[] = [];
    for await (const r of pool.map('findRow', ids.map((id) => ({ path, id, meter })), { concurrency: MAP_CONCURRENCY, ordered: true })) {
      results.push(r);
    }
    const maxRunning = Atomics.load(meter, Meter.MAX_RUNNING);
    log(`map: received rows ${results.map((r) => r.row.id).join(',')}`);
    log(`map: they finished ${results.map((r) => `#${r.finished}`).join(',')}; at most ${maxRunning} ran at once (concurrency ${MAP_CONCURRENCY})`);

    // 4. A timeout, then an abort, on a task too slow to finish first.
    const timeoutCode = await pool.run('slowCount', { path }, { timeout: STOP_AFTER_MS, worker: 0 }).then(() => 'finished', codeOf);
    const timeoutScan = await pool.run('lastScan', 'slowCount', { worker: 0 });
    log(`timeout: the call rejected with ${timeoutCode}; the worker ${describeScan(timeoutScan, rows, bytes)}`);

    const controller = new AbortController();
    const timer = setTimeout(() => controller.abort(new Error('the user pressed stop')), STOP_AFTER_MS);
    let abortCause = '';
    const abortCode = await pool.run('slowCount', { path }, { signal: controller.signal, worker: 0 }).then(
      () => 'finished',
      (err: unknown) => {
        abortCause = err instanceof Error && err.cause instanceof Error ? err.cause.message : '';
        return codeOf(err);
      },
    );
    clearTimeout(timer);
    const abortScan = await pool.run('lastScan', 'slowCount', { worker: 0 });
    log(`abort: the call rejected with ${abortCode} (cause: ${abortCause}); the worker ${describeScan(abortScan, rows, bytes)}`);

    return {
      file: { path, rows, bytes },
      search: { found, highWaterMark: SEARCH_HIGH_WATER_MARK, worker: searchScan },
      pipe: { ...pipe, highWaterMark: PIPE_HIGH_WATER_MARK, writerHighWaterMark: WRITER_HIGH_WATER_MARK },
      lookups: { results, concurrency: MAP_CONCURRENCY, maxRunning },
      timeout: { code: timeoutCode, worker: timeoutScan },
      abort: { code: abortCode, cause: abortCause, worker: abortScan },
    };
  } finally {
    await pool.close();
    await rm(dir, { recursive: true, force: true });
    log(`removed ${dir}`);
  }
}

if (process.argv[1] !== undefined && import.meta.url === pathToFileURL(process.argv[1]).href) {
  main().catch((err: unknown) => {
    console.error(err);
    process.exitCode = 1;
  });
}
