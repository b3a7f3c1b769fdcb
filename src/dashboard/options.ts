/** Options of the dashboard server, validated eagerly with messages that name the option. */
import { describe, InvalidArgTypeError, InvalidArgValueError } from '../errors.js';

export interface DashboardOptions {
  /**
   * TCP port to listen on; 0 picks a free port (read it from `dashboard.url`).
   * @default 0
   */
  port?: number;
  /**
   * Address to listen on. Only loopback addresses are accepted (`127.0.0.1`, `::1`, `localhost`):
   * the dashboard has no authentication. To watch a remote machine, tunnel the port (`ssh -L`).
   * @default '127.0.0.1'
   */
  host?: string;
  /**
   * URLs of other dashboards (other processes' pools started with the `dashboard` option, or other
   * `loopfleet dashboard`s) whose pools to show too, e.g. `'http://127.0.0.1:9401/'`.
   * @default []
   */
  sources?: readonly (string | URL)[];
}

export interface ResolvedDashboardOptions {
  readonly port: number;
  readonly host: string;
  readonly sources: readonly URL[];
}

const KNOWN = ['port', 'host', 'sources'];
/** The page's refresh period in ms, and so the metrics interval of a pool with the `dashboard` option. */
export const DASHBOARD_INTERVAL = 1000;

export function isLoopback(host: string): boolean {
  if (host === 'localhost' || host === '::1' || host === '[::1]') return true;
  return LOOPBACK_V4.test(host);
}

/** 127.0.0.0/8 in dotted decimal, each part 0–255 without leading zeros (as node:net's isIP). */
const OCTET = '(?:25[0-5]|2[0-4]\\d|1\\d\\d|[1-9]\\d|\\d)';
const LOOPBACK_V4 = new RegExp(`^127\\.${OCTET}\\.${OCTET}\\.${OCTET}$`);

export function resolveDashboardOptions(options: unknown, name = 'options', known = KNOWN): ResolvedDashboardOptions {
  if (options === undefined || options === true) return { port: 0, host: '127.0.0.1', sources: [] };
  if (options === null || typeof options !== 'object' || Array.isArray(options)) {
    throw new InvalidArgTypeError(`Expected \`${name}\` to be an object${name === 'dashboard' ? ' or true' : ''}, got ${describe(options)}`);
  }
  const o = options as Record<string, unknown>;
  for (const key of Object.keys(o)) {
    if (!known.includes(key)) throw new InvalidArgValueError(`Unknown option \`${name}.${key}\`; known options: ${known.join(', ')}`);
  }
  const { port = 0, host = '127.0.0.1', sources = [] } = o;
  if (typeof port !== 'number') throw new InvalidArgTypeError(`Expected \`${name}.port\` to be a number, got ${describe(port)}`);
  if (!Number.isInteger(port) || port < 0 || port > 65535) {
    throw new InvalidArgValueError(`Expected \`${name}.port\` to be an integer from 0 to 65535, got ${describe(port)}`);
  }
  if (typeof host !== 'string') throw new InvalidArgTypeError(`Expected \`${name}.host\` to be a string, got ${describe(host)}`);
  if (!isLoopback(host)) {
    throw new InvalidArgValueError(
      `Expected \`${name}.host\` to be a loopback address (127.0.0.1, ::1 or localhost), got ${describe(host)}: the dashboard has no authentication; tunnel the port to watch another machine`,
    );
  }
  if (!Array.isArray(sources)) throw new InvalidArgTypeError(`Expected \`${name}.sources\` to be an array of URLs, got ${describe(sources)}`);
  return { port, host: host === '[::1]' ? '::1' : host, sources: sources.map((s: unknown, i) => sourceUrl(s, `${name}.sources[${i}]`)) };
}

/** A dashboard's base URL, with a trailing slash so that `new URL('events', base)` stays under its path. */
export function sourceUrl(value: unknown, name: string): URL {
  let url: URL | undefined;
  if (value instanceof URL) url = new URL(value.href);
  else if (typeof value === 'string' && URL.canParse(value)) url = new URL(value);
  if (url === undefined) throw new InvalidArgTypeError(`Expected \`${name}\` to be a URL like http://127.0.0.1:9400/, got ${describe(value)}`);
  if (url.protocol !== 'http:') throw new InvalidArgValueError(`Expected \`${name}\` to be an http: URL, got ${describe(url.href)}`);
  url.search = '';
  url.hash = '';
  if (!url.pathname.endsWith('/')) url.pathname += '/';
  return url;
}

/** The pool option `dashboard` (port and host; `true` for defaults), undefined when off. */
export function poolDashboard(o: Record<string, unknown>): ResolvedDashboardOptions | undefined {
  if (o.dashboard === undefined || o.dashboard === false) return undefined;
  if (o.metrics === false) throw new InvalidArgValueError('Expected `metrics` not to be false with `dashboard`: the dashboard shows the metrics');
  return resolveDashboardOptions(o.dashboard, 'dashboard', ['port', 'host']);
}

/** Workers of a pool with a dashboard report every second (the page's refresh), unless `metrics.interval` says otherwise. */
export function dashboardMetrics<M extends { interval: number }>(metrics: M | undefined, o: Record<string, unknown>): M | undefined {
  if (metrics === undefined || o.dashboard === undefined || o.dashboard === false) return metrics;
  const given = o.metrics !== null && typeof o.metrics === 'object' && (o.metrics as { interval?: unknown }).interval !== undefined;
  return given ? metrics : { ...metrics, interval: DASHBOARD_INTERVAL };
}
