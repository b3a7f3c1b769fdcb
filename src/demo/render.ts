/**
 * Renders the Mandelbrot set on a pool: one task per chunk of rows, all submitted at once, the
 * chunks copied into place as they arrive. Also encodes the result as PNG.
 */
import { performance } from 'node:perf_hooks';
import { encode } from 'fast-png';
import { Pool } from '../index.js';
import type { PoolOptions, RuntimeName } from '../options.js';
import { CHANNELS, DEFAULT_VIEW, type View } from './mandelbrot.js';
import type mandelbrotWorker from './mandelbrot-worker.js';

export interface RenderOptions {
  readonly width: number;
  readonly height: number;
  readonly maxIter: number;
  /** Rows per task. */
  readonly chunkRows: number;
  /** Pool size. */
  readonly workers: number;
  /** @default 'thread' */
  readonly runtime?: RuntimeName;
  /** @default DEFAULT_VIEW */
  readonly view?: View;
  /** Called after each chunk lands, with the rows done so far and the image height. */
  readonly onProgress?: (doneRows: number, totalRows: number) => void;
  /** More pool options (a name, metrics), e.g. for the dashboard. */
  readonly poolOptions?: Omit<PoolOptions, 'worker' | 'size' | 'runtime'>;
  /** Called with the pool once created (the CLI's `--dashboard` shows it). */
  readonly onPool?: (pool: Pool<typeof mandelbrotWorker>) => void;
}

export interface RenderResult {
  /** RGB bytes, `width * height * CHANNELS`, row-major. */
  readonly pixels: Uint8Array<ArrayBuffer>;
  readonly width: number;
  readonly height: number;
  /** Milliseconds from submitting the first chunk (workers started) to assembling the last. */
  readonly ms: number;
  /** Milliseconds the workers took to start, before `ms` began. */
  readonly startupMs: number;
  /** Tasks submitted. */
  readonly chunks: number;
}

function positiveInteger(name: string, value: unknown): number {
  if (typeof value !== 'number' || !Number.isInteger(value) || value < 1) {
    throw new RangeError(`Expected \`${name}\` to be an integer >= 1, got ${String(value)}`);
  }
  return value;
}

export async function renderMandelbrot(options: RenderOptions): Promise<RenderResult> {
  const width = positiveInteger('width', options.width);
  const height = positiveInteger('height', options.height);
  const maxIter = positiveInteger('maxIter', options.maxIter);
  const chunkRows = positiveInteger('chunkRows', options.chunkRows);
  const workers = positiveInteger('workers', options.workers);
  const view = options.view ?? DEFAULT_VIEW;
  const { onProgress } = options;

  const started = performance.now();
  const pool = new Pool<typeof mandelbrotWorker>({
    worker: new URL('./mandelbrot-worker.js', import.meta.url),
    size: workers,
    runtime: options.runtime ?? 'thread',
    name: 'mandelbrot',
    ...options.poolOptions,
  });
  options.onPool?.(pool);
  try {
    // Time the rendering, not the spawning: a process takes far longer to start than a thread.
    await pool.ready();
    // Warm every worker's JIT on a thumbnail first, so that the timing compares steady-state
    // rendering (each worker compiles renderRows on its own; with one worker that cost is paid
    // once, with N workers N times in parallel, which would understate the speedup).
    await pool.broadcast('rows', { width: 160, height: 120, maxIter, y0: 0, rows: 120, view });
    const t0 = performance.now();
    const pixels = new Uint8Array(width * height * CHANNELS);
    const rowBytes = width * CHANNELS;
    let done = 0;
    const chunks: Promise<void>[] = [];
    for (let y0 = 0; y0 < height; y0 += chunkRows) {
      const rows = Math.min(chunkRows, height - y0);
      chunks.push(
        pool.run('rows', { width, height, maxIter, y0, rows, view }).then((chunk) => {
          if (chunk.length !== rows * rowBytes) throw new Error(`Chunk at row ${y0}: expected ${rows * rowBytes} bytes, got ${chunk.length}`);
          pixels.set(chunk, y0 * rowBytes);
          done += rows;
          onProgress?.(done, height);
        }),
      );
    }
    await Promise.all(chunks);
    const ms = performance.now() - t0;
    return { pixels, width, height, ms, startupMs: t0 - started, chunks: chunks.length };
  } finally {
    // After a failure, drop the chunks not started yet instead of rendering them for nothing.
    await pool.close({ rejectQueued: true });
  }
}

/** Encodes RGB (or, with `channels: 4`, RGBA) bytes as an 8-bit PNG. */
export function encodePng(pixels: Uint8Array, width: number, height: number, channels: 3 | 4 = CHANNELS): Uint8Array {
  if (pixels.length !== width * height * channels) {
    throw new RangeError(`Expected ${width * height * channels} bytes for a ${width}x${height} image with ${channels} channels, got ${pixels.length}`);
  }
  return encode({ width, height, data: pixels, channels, depth: 8 });
}
