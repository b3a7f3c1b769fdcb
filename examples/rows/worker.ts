/**
 * Worker module for the rows example: tasks that read a CSV file line by line.
 *
 * `readRows` is an async generator, consumed by the parent with `pool.stream()`: it reads only
 * while the parent pulls. `findRow` (used with `pool.map`) scans up to one id, and `slowCount`
 * crawls through the file, stopping cooperatively when its call times out or is aborted. Each run
 * leaves a report (rows parsed, bytes read, what stopped it) that `lastScan` returns, so the
 * parent can see how far the worker actually got.
 */
import { createReadStream } from 'node:fs';
import { createInterface } from 'node:readline';
import { setTimeout as sleep } from 'node:timers/promises';
import { defineWorker } from 'loopfleet/worker';
import { HEADER, Meter, parseRow, type Row } from './rows.js';

export type { Row } from './rows.js';

export interface ReadRowsArg {
  path: string;
  /**
   * Optional Int32Array of length 1 on a SharedArrayBuffer: the generator stores in it how many
   * rows it has yielded so far, which the parent reads while it consumes (thread runtime).
   */
  produced?: Int32Array;
}

export interface FindRowArg {
  path: string;
  id: number;
  /** Int32Array on a SharedArrayBuffer, with the slots of `Meter`, shared by every findRow task. */
  meter: Int32Array;
}

export interface FindRowResult {
  row: Row;
  worker: number;
  /** Rows this task parsed to reach the row. */
  parsed: number;
  /** 1 for the findRow task that finished first, 2 for the next, ... over all workers. */
  finished: number;
}

export interface SlowCountArg {
  path: string;
  /** Pause after this many rows... @default 100 */
  pauseEvery?: number;
  /** ...for this many milliseconds. @default 2 */
  pauseMs?: number;
}

export type ScannedTask = 'readRows' | 'slowCount';

/** How far one run of a task got in the file. */
export interface ScanReport {
  task: ScannedTask;
  /** Data rows parsed. */
  parsed: number;
  /** Bytes the file stream had read when the run ended. */
  bytesRead: number;
  /** The run read the whole file. */
  reachedEnd: boolean;
  /** The `code` of `ctx.signal.reason` if the call was stopped (aborted, timed out, closed), else null. */
  stoppedBy: string | null;
}

/** Counters of one run, filled in by `rowsOf`. */
interface Scan {
  parsed: number;
  bytesRead: number;
  reachedEnd: boolean;
}

/** The report of the last run of each task in this worker, settled once that run has ended. */
const reports = new Map<ScannedTask, Promise<ScanReport>>();

/** Starts a report for a run of `task`; call `finish` from the run's `finally`. */
function startScan(task: ScannedTask): { scan: Scan; finish(signal: AbortSignal): void } {
  const scan: Scan = { parsed: 0, bytesRead: 0, reachedEnd: false };
  let settle!: (report: ScanReport) => void;
  reports.set(task, new Promise((resolve) => (settle = resolve)));
  return {
    scan,
    finish(signal) {
      const code = signal.aborted ? (signal.reason as { code?: unknown } | undefined)?.code : undefined;
      settle({ task, ...scan, stoppedBy: typeof code === 'string' ? code : null });
    },
  };
}

/**
 * The rows of the file, parsed one line at a time. Returning early (a `break` or `return()` by the
 * caller) closes the file: only what was read ahead in the file stream's buffer was read for nothing.
 */
async function* rowsOf(path: string, scan: Scan): AsyncGenerator<Row, void, undefined> {
  const input = createReadStream(path, { encoding: 'utf8', highWaterMark: 16 * 1024 });
  const lines = createInterface({ input, crlfDelay: Infinity });
  try {
    let first = true;
    for await (const line of lines) {
      if (first) {
        first = false;
        if (line !== HEADER) throw new Error(`Expected the header ${JSON.stringify(HEADER)}, got ${JSON.stringify(line)}`);
        continue;
      }
      if (line === '') continue;
      const row = parseRow(line);
      scan.parsed++;
      yield row;
    }
    scan.reachedEnd = true;
  } finally {
    scan.bytesRead = input.bytesRead;
    lines.close();
    input.destroy();
  }
}

/** Raises `Meter.MAX_RUNNING` to `now` unless it is already higher (other workers race for it). */
function raiseMax(meter: Int32Array, now: number): void {
  for (let max = Atomics.load(meter, Meter.MAX_RUNNING); now > max; max = Atomics.load(meter, Meter.MAX_RUNNING)) {
    if (Atomics.compareExchange(meter, Meter.MAX_RUNNING, max, now) === max) return;
  }
}

export default defineWorker({
  tasks: {
    /** Streams the file's rows. The pump asks for the next row only while the parent has room. */
    async *readRows({ path, produced }: ReadRowsArg, ctx) {
      const { scan, finish } = startScan('readRows');
      try {
        for await (const row of rowsOf(path, scan)) {
          if (ctx.signal.aborted) return;
          if (produced !== undefined) Atomics.store(produced, 0, scan.parsed);
          yield row;
        }
      } finally {
        finish(ctx.signal);
      }
    },

    /** Scans the file up to the row with this id. A larger id takes longer. */
    async findRow({ path, id, meter }: FindRowArg, ctx): Promise<FindRowResult> {
      raiseMax(meter, Atomics.add(meter, Meter.RUNNING, 1) + 1);
      try {
        const scan: Scan = { parsed: 0, bytesRead: 0, reachedEnd: false };
        for await (const row of rowsOf(path, scan)) {
          if (ctx.signal.aborted) throw ctx.signal.reason;
          if (row.id === id) return { row, worker: ctx.id, parsed: scan.parsed, finished: Atomics.add(meter, Meter.FINISHED, 1) + 1 };
        }
        throw new Error(`No row with id ${id} in ${path}`);
      } finally {
        Atomics.sub(meter, Meter.RUNNING, 1);
      }
    },

    /** Counts the rows, pausing now and then: slow enough that a timeout or an abort stops it first. */
    async slowCount({ path, pauseEvery = 100, pauseMs = 2 }: SlowCountArg, ctx): Promise<number> {
      const { scan, finish } = startScan('slowCount');
      try {
        for await (const _row of rowsOf(path, scan)) {
          // The parent has already rejected the call; stopping here frees this task's slot.
          if (ctx.signal.aborted) throw ctx.signal.reason;
          if (scan.parsed % pauseEvery === 0) await sleep(pauseMs);
        }
        return scan.parsed;
      } finally {
        finish(ctx.signal);
      }
    },

    /** The report of the last run of `task` in this worker, once that run has ended. */
    async lastScan(task: ScannedTask, ctx): Promise<ScanReport> {
      const report = reports.get(task);
      if (report === undefined) throw new Error(`Worker ${ctx.id} has not run ${JSON.stringify(task)} yet`);
      return report;
    },
  },
});
