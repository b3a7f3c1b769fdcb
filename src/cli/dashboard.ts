/**
 * `loopfleet dashboard`: one page for the pools of other processes. Each process serves its pools
 * with the pool option `dashboard: { port }`; this command reads their event streams and shows
 * them all, reconnecting to a process that restarts or starts later.
 */
import { InvalidArgumentError, Option, type Command } from 'commander';
import { serveDashboard } from '../index.js';
import type { AnyPool } from '../dashboard/local.js';
import { isLoopback } from '../dashboard/options.js';

export const DEFAULT_DASHBOARD_PORT = 9400;

interface DashboardCommandOptions {
  source: string[];
  port: number;
  host: string;
}

/** A TCP port: an integer from `min` to 65535. */
export function port(min: number): (value: string) => number {
  return (value) => {
    const n = /^\s*\d+\s*$/.test(value) ? Number(value) : NaN;
    if (!Number.isInteger(n) || n < min || n > 65535) throw new InvalidArgumentError(`Expected a port from ${min} to 65535, got ${JSON.stringify(value)}.`);
    return n;
  };
}

function loopback(value: string): string {
  if (!isLoopback(value)) throw new InvalidArgumentError(`Expected a loopback address (127.0.0.1, ::1 or localhost), got ${JSON.stringify(value)}: the dashboard has no authentication.`);
  return value;
}

/** `9401`, `:9401` or a URL; repeatable. */
function source(value: string, previous: string[] = []): string[] {
  const bare = /^:?(\d+)$/.exec(value.trim());
  if (bare !== null) return [...previous, `http://127.0.0.1:${port(1)(bare[1] ?? '')}/`];
  if (!URL.canParse(value) || new URL(value).protocol !== 'http:') {
    throw new InvalidArgumentError(`Expected a port or an http:// URL of a dashboard, got ${JSON.stringify(value)}.`);
  }
  return [...previous, value];
}

/** How long `mandelbrot --dashboard` keeps serving after rendering (without `--keep-open`). */
export const LINGER_MS = 10_000;

/** Shows a pool on the dashboard. */
export type ShowPool = (pool: AnyPool) => void;

/** Resolves on SIGINT or SIGTERM, or after `ms` when given. */
function stopped(ms?: number): Promise<void> {
  return new Promise<void>((resolve) => {
    const done = (): void => {
      clearTimeout(timer);
      process.off('SIGINT', done);
      process.off('SIGTERM', done);
      resolve();
    };
    const timer = ms === undefined ? undefined : setTimeout(done, ms);
    process.once('SIGINT', done);
    process.once('SIGTERM', done);
  });
}

/**
 * `mandelbrot --dashboard`: serves the page while `work` renders (it shows each pool it starts),
 * then for a moment more, or until Ctrl-C with `keepOpen`, so that one can watch.
 */
export async function watchDemo(port: number, keepOpen: boolean, work: (show: ShowPool) => Promise<void>): Promise<void> {
  const dashboard = await serveDashboard([], { port });
  process.stderr.write(`Dashboard: ${dashboard.url}\n`);
  try {
    await work((pool) => dashboard.add(pool));
  } catch (err) {
    await dashboard.close();
    throw err;
  }
  process.stderr.write(
    keepOpen
      ? `Dashboard still at ${dashboard.url} (Ctrl-C to stop)\n`
      : `Dashboard stays up ${LINGER_MS / 1000} s more at ${dashboard.url} (Ctrl-C to stop now; --keep-open to keep it)\n`,
  );
  await stopped(keepOpen ? undefined : LINGER_MS);
  await dashboard.close();
}

export function addDashboardCommand(program: Command): Command {
  return program
    .command('dashboard')
    .description('serve one live dashboard of the pools of other processes (started with the pool option `dashboard: { port }`)')
    .requiredOption('-s, --source <url>', 'a dashboard to read: its URL, or just its port on 127.0.0.1 (repeatable)', source)
    .addOption(new Option('-p, --port <port>', 'port to serve this page on (0: any free port)').argParser(port(0)).default(DEFAULT_DASHBOARD_PORT))
    .addOption(new Option('--host <host>', 'loopback address to listen on').argParser(loopback).default('127.0.0.1'))
    .action(async (options: DashboardCommandOptions) => {
      const dashboard = await serveDashboard([], { port: options.port, host: options.host, sources: options.source });
      const n = options.source.length;
      process.stderr.write(`loopfleet dashboard: ${dashboard.url} (${n} source${n === 1 ? '' : 's'}; Ctrl-C to stop)\n`);
      await stopped();
      await dashboard.close();
    });
}
