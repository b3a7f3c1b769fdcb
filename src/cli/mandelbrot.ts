/**
 * `loopfleet mandelbrot`: renders the Mandelbrot set on a pool, first with one worker as a
 * baseline, then with N, writes a PNG and reports the speedup.
 */
import { constants } from 'node:fs';
import { access, stat, writeFile } from 'node:fs/promises';
import { availableParallelism } from 'node:os';
import { dirname, resolve } from 'node:path';
import cliProgress from 'cli-progress';
import { InvalidArgumentError, Option, type Command } from 'commander';
import type { RuntimeName } from '../options.js';
import { encodePng, renderMandelbrot, type RenderOptions, type RenderResult } from '../demo/render.js';
import { DASHBOARD_INTERVAL } from '../dashboard/options.js';
import { port, watchDemo, type ShowPool } from './dashboard.js';

export interface MandelbrotOptions {
  workers: number;
  runtime: RuntimeName;
  width: number;
  height: number;
  iterations: number;
  chunkRows: number;
  output: string;
  compare: boolean;
  json: boolean;
  /** `--dashboard [port]`: true for any free port. */
  dashboard?: number | true;
  keepOpen: boolean;
}

const RUNTIMES: readonly RuntimeName[] = ['thread', 'process'];
const MAX_SIDE = 16_384;

/** A commander argument parser for an integer in [min, max]. */
function integer(min: number, max = Number.MAX_SAFE_INTEGER): (value: string) => number {
  return (value) => {
    const n = /^\s*[+]?\d+\s*$/.test(value) ? Number(value) : NaN;
    if (!Number.isSafeInteger(n)) throw new InvalidArgumentError(`Expected an integer, got ${JSON.stringify(value)}.`);
    if (n < min) throw new InvalidArgumentError(`Expected an integer >= ${min}.`);
    if (n > max) throw new InvalidArgumentError(`Expected an integer <= ${max}.`);
    return n;
  };
}

function runtime(value: string): RuntimeName {
  if (!(RUNTIMES as readonly string[]).includes(value)) {
    throw new InvalidArgumentError(`Expected one of ${RUNTIMES.join(', ')}.`);
  }
  return value as RuntimeName;
}

function plural(n: number, word: string): string {
  return `${n} ${word}${n === 1 ? '' : 's'}`;
}

function seconds(ms: number): string {
  return `${(ms / 1000).toFixed(2)} s`;
}

/** Renders once, with a progress bar on stderr when stderr is a terminal. */
async function render(options: MandelbrotOptions, workers: number, show?: ShowPool): Promise<RenderResult> {
  const bar = process.stderr.isTTY
    ? new cliProgress.SingleBar(
        {
          format: `${plural(workers, 'worker').padEnd(11)} [{bar}] {percentage}% | {value}/{total} rows | {duration_formatted}`,
          stream: process.stderr,
          hideCursor: true,
          fps: 20,
        },
        cliProgress.Presets.shades_classic,
      )
    : undefined;
  bar?.start(options.height, 0);
  try {
    return await renderMandelbrot({
      width: options.width,
      height: options.height,
      maxIter: options.iterations,
      chunkRows: options.chunkRows,
      workers,
      runtime: options.runtime,
      onProgress: bar === undefined ? undefined : (done) => bar.update(done),
      ...(show === undefined ? {} : dashboardOptions(workers, show)),
    });
  } finally {
    bar?.stop();
  }
}

/** On the dashboard, the baseline and the parallel pool are told apart by name; workers report every second. */
function dashboardOptions(workers: number, show: ShowPool): Pick<RenderOptions, 'poolOptions' | 'onPool'> {
  return { poolOptions: { name: `mandelbrot-${plural(workers, 'worker').replace(' ', '-')}`, metrics: { interval: DASHBOARD_INTERVAL } }, onPool: show };
}

/** Fails before any rendering when the PNG could not be written. */
async function checkOutput(output: string): Promise<void> {
  const dir = dirname(output);
  try {
    const info = await stat(dir);
    if (!info.isDirectory()) throw new Error(`${dir} is not a directory`);
    await access(dir, constants.W_OK);
  } catch (err) {
    const reason = (err as NodeJS.ErrnoException).code === 'ENOENT' ? `the directory ${dir} does not exist` : (err as Error).message;
    throw new OutputError(`cannot write --output ${output}: ${reason}`);
  }
}

/** A failure the user can fix: reported without a stack. */
export class OutputError extends Error {}

async function run(options: MandelbrotOptions, show?: ShowPool): Promise<void> {
  const { width, height, workers } = options;
  const output = resolve(options.output);
  await checkOutput(output);
  // With one worker the baseline would be the same run twice.
  const baseline = options.compare && workers > 1 ? await render(options, 1, show) : undefined;
  const parallel = await render(options, workers, show);
  const identical = baseline === undefined ? null : Buffer.compare(baseline.pixels, parallel.pixels) === 0;

  const png = encodePng(parallel.pixels, width, height);
  await writeFile(output, png);

  const speedup = baseline === undefined ? null : baseline.ms / parallel.ms;
  if (options.json) {
    const summary = {
      width,
      height,
      iterations: options.iterations,
      chunkRows: options.chunkRows,
      chunks: parallel.chunks,
      runtime: options.runtime,
      workers,
      baseline: baseline === undefined ? null : { workers: 1, ms: baseline.ms, startupMs: baseline.startupMs },
      parallel: { workers, ms: parallel.ms, startupMs: parallel.startupMs },
      speedup,
      identical,
      output,
      bytes: png.length,
    };
    process.stdout.write(`${JSON.stringify(summary, null, 2)}\n`);
    return;
  }
  const times = [`${plural(workers, 'worker')}: ${seconds(parallel.ms)}`];
  if (baseline !== undefined && speedup !== null) {
    times.unshift(`1 worker: ${seconds(baseline.ms)}`);
    times.push(`speedup ${speedup.toFixed(2)}x`);
  }
  process.stdout.write(
    `Mandelbrot ${width}x${height}, ${options.iterations} iterations, ${plural(parallel.chunks, 'chunk')} of ${options.chunkRows} rows, ${options.runtime} runtime\n` +
      `${times.join(' | ')}\n` +
      (identical === false ? 'warning: the 1-worker and the parallel images differ\n' : '') +
      `Wrote ${output} (${(png.length / 1024).toFixed(0)} KiB)\n`,
  );
}

/** Adds the `mandelbrot` command to `program` (as a subcommand, so it inherits exitOverride). */
export function addMandelbrotCommand(program: Command): Command {
  return program
    .command('mandelbrot')
    .description('render the Mandelbrot set on a pool of workers and compare with a single worker')
    .addOption(new Option('-w, --workers <n>', 'number of workers').argParser(integer(1, 1024)).default(availableParallelism()))
    .addOption(new Option('--runtime <runtime>', 'worker runtime: thread or process').argParser(runtime).default('thread'))
    .addOption(new Option('--width <px>', 'image width').argParser(integer(1, MAX_SIDE)).default(1600))
    .addOption(new Option('--height <px>', 'image height').argParser(integer(1, MAX_SIDE)).default(1200))
    .addOption(new Option('--iterations <n>', 'maximum iterations per pixel').argParser(integer(1)).default(1000))
    .addOption(new Option('--chunk-rows <n>', 'rows per task').argParser(integer(1)).default(20))
    .addOption(new Option('-o, --output <file>', 'PNG file to write').default('mandelbrot.png'))
    .option('--no-compare', 'skip the 1-worker baseline')
    .option('--json', 'print a JSON summary instead of text', false)
    .addOption(new Option('--dashboard [port]', 'serve a live dashboard of the workers while rendering (default port: any free one)').argParser(port(0)))
    .option('--keep-open', 'with --dashboard: keep serving after rendering until Ctrl-C', false)
    .action(async (options: MandelbrotOptions) => {
      if (options.dashboard === undefined) return run(options);
      await watchDemo(options.dashboard === true ? 0 : options.dashboard, options.keepOpen, (show) => run(options, show));
    });
}
