/**
 * The dashboard server: a page (static files and uPlot, from this package and its own
 * node_modules), a server-sent events feed of every pool's metrics once a second, and the latest
 * snapshot as JSON. Listens on loopback only.
 */
import { readFile } from 'node:fs/promises';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { createRequire } from 'node:module';
import { describe, InvalidArgTypeError, PortInUseError } from '../errors.js';
import { Pool } from '../pool/pool.js';
import { Hub } from './hub.js';
import { LocalFeed, type AnyPool } from './local.js';
import { DASHBOARD_INTERVAL, resolveDashboardOptions, type DashboardOptions } from './options.js';
import { RemoteFeed } from './remote.js';

/** The page's refresh period, and so how often each pool is sampled. */
export const SAMPLE_MS = DASHBOARD_INTERVAL;
const PING_MS = 10_000;

export interface Dashboard {
  /** Where the page is, e.g. `http://127.0.0.1:9400/`. The feed is at `events`, the latest snapshot at `metrics.json`. */
  readonly url: string;
  readonly host: string;
  readonly port: number;
  /** Shows another pool of this process too. */
  add(pool: AnyPool): void;
  /** Takes a pool off the page. */
  remove(pool: AnyPool): void;
  /** Stops sampling, ends every open stream and stops listening. Idempotent. */
  close(): Promise<void>;
  [Symbol.asyncDispose](): Promise<void>;
}

interface Asset {
  readonly type: string;
  readonly body: Buffer;
}

const require = createRequire(import.meta.url);
// dist/dashboard/server.js -> src/dashboard/public/ (src/ ships with the package).
const PUBLIC = new URL('../../src/dashboard/public/', import.meta.url);
const FILES: Record<string, [string | URL, string]> = {
  '/': [new URL('index.html', PUBLIC), 'text/html; charset=utf-8'],
  '/app.js': [new URL('app.js', PUBLIC), 'text/javascript; charset=utf-8'],
  '/style.css': [new URL('style.css', PUBLIC), 'text/css; charset=utf-8'],
  '/vendor/uPlot.iife.min.js': [require.resolve('uplot/dist/uPlot.iife.min.js'), 'text/javascript; charset=utf-8'],
  '/vendor/uPlot.min.css': [require.resolve('uplot/dist/uPlot.min.css'), 'text/css; charset=utf-8'],
};

let assets: Promise<Map<string, Asset>> | undefined;
function loadAssets(): Promise<Map<string, Asset>> {
  assets ??= Promise.all(Object.entries(FILES).map(async ([path, [file, type]]) => [path, { type, body: await readFile(file) }] as const)).then(
    (entries) => new Map(entries),
  );
  return assets;
}

const PAGE_HEADERS = {
  'cache-control': 'no-cache',
  'x-content-type-options': 'nosniff',
  'referrer-policy': 'no-referrer',
  'content-security-policy': "default-src 'self'; img-src 'self' data:; frame-ancestors 'none'",
};

/**
 * Serves a live dashboard of `pools` (one pool, an array, or none when it only aggregates
 * `options.sources`). Resolves once it listens; rejects with `LOOPFLEET_ERR_PORT_IN_USE` when the
 * port is taken.
 */
export async function serveDashboard(pools: AnyPool | readonly AnyPool[] = [], options: DashboardOptions = {}): Promise<Dashboard> {
  const list = Array.isArray(pools) ? (pools as readonly unknown[]) : [pools];
  list.forEach((p, i) => {
    if (!(p instanceof Pool)) throw new InvalidArgTypeError(`Expected \`pools${Array.isArray(pools) ? `[${i}]` : ''}\` to be a Pool, got ${describe(p)}`);
  });
  const o = resolveDashboardOptions(options);
  const files = await loadAssets();
  const server = new DashboardServer(files);
  await server.listen(o.port, o.host);
  try {
    for (const p of list) server.add(p as AnyPool);
  } catch (err) {
    await server.close();
    throw err;
  }
  for (const url of o.sources) server.addSource(url);
  return server;
}

class DashboardServer implements Dashboard {
  readonly #hub = new Hub();
  readonly #feeds = new Map<AnyPool, LocalFeed>();
  readonly #remotes: RemoteFeed[] = [];
  readonly #server: Server;
  readonly #files: Map<string, Asset>;
  readonly #hosts = new Set<string>();
  #timer: NodeJS.Timeout | undefined;
  #ping: NodeJS.Timeout | undefined;
  #closed: Promise<void> | undefined;
  host = '';
  port = 0;
  url = '';

  constructor(files: Map<string, Asset>) {
    this.#files = files;
    this.#server = createServer((req, res) => this.#handle(req, res));
  }

  async listen(port: number, host: string): Promise<void> {
    const server = this.#server;
    await new Promise<void>((resolve, reject) => {
      const failed = (err: NodeJS.ErrnoException): void => reject(err.code === 'EADDRINUSE' ? new PortInUseError(host, port, err) : err);
      server.once('error', failed);
      server.listen(port, host, () => {
        server.off('error', failed);
        resolve();
      });
    });
    const address = server.address();
    this.port = typeof address === 'object' && address !== null ? address.port : port;
    this.host = host;
    const shown = host.includes(':') ? `[${host}]` : host;
    this.url = `http://${shown}:${this.port}/`;
    // Requests must name this server by a loopback name: a page elsewhere that rebinds its own
    // domain name to 127.0.0.1 (DNS rebinding) cannot read the metrics.
    for (const h of [shown, 'localhost', '127.0.0.1', '[::1]']) this.#hosts.add(`${h}:${this.port}`);
    this.#ping = setInterval(() => this.#hub.ping(), PING_MS).unref();
  }

  add(pool: AnyPool): void {
    if (!(pool instanceof Pool)) throw new InvalidArgTypeError(`Expected \`pool\` to be a Pool, got ${describe(pool)}`);
    if (this.#closed !== undefined || this.#feeds.has(pool)) return;
    // Throws for a pool without metrics (`metrics: false`): nothing to show.
    const { interval } = pool.metrics();
    if (interval > SAMPLE_MS) {
      process.emitWarning(
        `loopfleet dashboard: pool ${pool.name} samples its workers every ${interval} ms, so their charts move only that often; create it with \`metrics: { interval: ${SAMPLE_MS} }\` (or the \`dashboard\` option) for a chart point every second`,
        { code: 'LOOPFLEET_DASHBOARD' },
      );
    }
    const feed = new LocalFeed(pool, this.#hub.uniqueId(pool.name), this.#hub);
    this.#feeds.set(pool, feed);
    this.#sampleOne(feed);
    this.#timer ??= setInterval(() => this.#sample(), SAMPLE_MS).unref();
  }

  remove(pool: AnyPool): void {
    const feed = this.#feeds.get(pool);
    if (feed === undefined) return;
    this.#feeds.delete(pool);
    this.#hub.remove(feed.id);
  }

  addSource(url: URL): void {
    this.#remotes.push(new RemoteFeed(url, this.#hub));
  }

  close(): Promise<void> {
    if (this.#closed !== undefined) return this.#closed;
    clearInterval(this.#timer);
    clearInterval(this.#ping);
    for (const r of this.#remotes) r.stop();
    this.#hub.endAll();
    this.#closed = new Promise((resolve) => this.#server.close(() => resolve()));
    // Open event streams (and idle keep-alive connections) would keep close() waiting forever.
    this.#server.closeAllConnections();
    return this.#closed;
  }

  [Symbol.asyncDispose](): Promise<void> {
    return this.close();
  }

  #sample(): void {
    for (const feed of this.#feeds.values()) this.#sampleOne(feed);
  }

  #sampleOne(feed: LocalFeed): void {
    try {
      feed.sample();
    } catch (err) {
      process.emitWarning(`loopfleet dashboard: could not read the metrics of pool ${feed.pool.name}: ${(err as Error).message}`, { code: 'LOOPFLEET_DASHBOARD' });
      this.#feeds.delete(feed.pool);
      this.#hub.close(feed.id);
    }
  }

  #handle(req: IncomingMessage, res: ServerResponse): void {
    if (!this.#hosts.has(req.headers.host ?? '')) return plain(res, 403, 'Forbidden: this dashboard answers only to a loopback host name.\n');
    if (req.method !== 'GET' && req.method !== 'HEAD') {
      res.setHeader('allow', 'GET, HEAD');
      return plain(res, 405, 'Method not allowed\n');
    }
    const path = (req.url ?? '/').split('?')[0];
    if (path === '/events') {
      req.socket.setNoDelay(true);
      res.writeHead(200, { 'content-type': 'text/event-stream; charset=utf-8', 'cache-control': 'no-store', 'x-content-type-options': 'nosniff' });
      this.#hub.subscribe(res);
      return;
    }
    if (path === '/metrics.json') {
      res.writeHead(200, { 'content-type': 'application/json; charset=utf-8', 'cache-control': 'no-store', 'x-content-type-options': 'nosniff' });
      res.end(JSON.stringify(this.#hub.latest()));
      return;
    }
    const asset = this.#files.get(path ?? '');
    if (asset === undefined) return plain(res, 404, 'Not found\n');
    res.writeHead(200, { ...PAGE_HEADERS, 'content-type': asset.type, 'content-length': asset.body.length });
    res.end(asset.body);
  }
}

function plain(res: ServerResponse, status: number, text: string): void {
  res.writeHead(status, { 'content-type': 'text/plain; charset=utf-8' });
  res.end(text);
}
