/**
 * The dashboard's entry points as `loopfleet` exports them: they load the server (and its page)
 * only when called, so that a program that never opens a dashboard never loads it.
 */
import type { AnyPool } from './local.js';
import type { DashboardOptions, ResolvedDashboardOptions } from './options.js';
import type { Dashboard } from './server.js';

export type { Dashboard } from './server.js';
export type { DashboardOptions } from './options.js';

/**
 * Serves a live web page of `pools` on loopback: one row per worker with charts of CPU, RSS,
 * event-loop delay and utilisation and tasks per second, and the pool's throughput, queue length
 * and restarts, updated every second over server-sent events. Resolves once it listens (read the
 * address from `url`); rejects with `LOOPFLEET_ERR_PORT_IN_USE` when the port is taken.
 *
 * @example
 * const dashboard = await serveDashboard(pool, { port: 9400 });
 * console.log(`Dashboard: ${dashboard.url}`);
 * // ...
 * await dashboard.close();
 */
export async function serveDashboard(pools?: AnyPool | readonly AnyPool[], options?: DashboardOptions): Promise<Dashboard> {
  const server = await import('./server.js');
  return server.serveDashboard(pools, options);
}

/** The pool's `dashboard` option: serves it, and reports a failure to start as a warning. */
export function openPoolDashboard(pool: AnyPool, options: ResolvedDashboardOptions): Promise<Dashboard> {
  const opened = serveDashboard(pool, options);
  opened.catch((err: Error) => {
    process.emitWarning(`loopfleet pool ${pool.name}: the dashboard did not start: ${err.message}`, { code: 'LOOPFLEET_DASHBOARD' });
  });
  return opened;
}

/** Closes the pool's dashboard, if it started. */
export async function closePoolDashboard(opened: Promise<Dashboard>): Promise<void> {
  let dashboard: Dashboard;
  try {
    dashboard = await opened;
  } catch {
    return;
  }
  await dashboard.close();
}
