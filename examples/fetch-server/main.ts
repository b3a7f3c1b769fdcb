/**
 * fetch-server: IO-bound tasks in workers that each run their own event loop.
 *
 * The parent starts a small HTTP server on 127.0.0.1 (a random port). A pool of 2 workers, each
 * running up to 4 `fetchServer` tasks at once, fetches ~20 URLs from it with the global `fetch`.
 * Each path answers with its own `Server` header, some after a short delay.
 *
 * Run: npm run build && npx tsc -p tsconfig.test.json && node build/examples/fetch-server/main.js
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { pathToFileURL } from 'node:url';
import { Pool } from 'loopfleet';
import type worker from './worker.js';
import type { AgentStats, FetchResult } from './worker.js';

/** Each path of the local server: the `Server` header it sends, its status and its delay. */
export const ROUTES: Readonly<Record<string, { server: string; status: number; delayMs: number }>> = {
  '/alpha': { server: 'alpha/1.0', status: 200, delayMs: 0 },
  '/beta': { server: 'beta/2.3', status: 200, delayMs: 15 },
  '/gamma': { server: 'gamma-httpd', status: 200, delayMs: 5 },
  '/slow': { server: 'slowpoke/0.9', status: 200, delayMs: 40 },
  '/teapot': { server: 'teapot/418', status: 418, delayMs: 0 },
};

export interface FetchServerSummary {
  /** One per URL, in the order the URLs were given. */
  results: FetchResult[];
  /** Per worker: requests made and most requests in flight at once. */
  agents: AgentStats[];
}

export interface MainOptions {
  /** Where readable output goes. @default console.log */
  log?: (line: string) => void;
  /** How many URLs to fetch. @default 20 */
  count?: number;
}

function startServer(): Promise<Server> {
  const server = createServer((req, res) => {
    const path = new URL(req.url ?? '/', 'http://localhost').pathname;
    const route = ROUTES[path];
    if (route === undefined) {
      res.writeHead(404, { server: 'fallback', 'content-type': 'text/plain' }).end('not found\n');
      return;
    }
    setTimeout(() => {
      res.writeHead(route.status, { server: route.server, 'content-type': 'text/plain' }).end(`hello from ${path}\n`);
    }, route.delayMs);
  });
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve(server));
  });
}

export async function main({ log = console.log, count = 20 }: MainOptions = {}): Promise<FetchServerSummary> {
  const server = await startServer();
  const { port } = server.address() as AddressInfo;
  const paths = Object.keys(ROUTES);
  const urls = Array.from({ length: count }, (_, i) => `http://127.0.0.1:${port}${paths[i % paths.length] ?? '/'}?n=${i}`);
  log(`server listening on http://127.0.0.1:${port}, fetching ${urls.length} URLs with 2 workers x concurrency 4`);

  const pool = new Pool<typeof worker>({
    worker: new URL('./worker.js', import.meta.url),
    size: 2,
    concurrency: 4,
    name: 'fetch-server',
  });
  try {
    const results = await Promise.all(urls.map((url) => pool.run('fetchServer', url)));
    for (const r of results) {
      log(`${String(r.status).padEnd(4)}${r.server.padEnd(14)}${r.url}  (worker ${r.worker}, request #${r.request})`);
    }
    // The counters live in each worker: ask every worker for its own.
    const agents = await pool.broadcast('agentStats');
    for (const a of agents) log(`worker ${a.worker}: ${a.requests} requests, up to ${a.maxInFlight} in flight at once`);
    log(`done: ${results.length} responses`);
    return { results, agents };
  } finally {
    await pool.close();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  }
}

if (process.argv[1] !== undefined && import.meta.url === pathToFileURL(process.argv[1]).href) {
  main().catch((err: unknown) => {
    console.error(err);
    process.exitCode = 1;
  });
}
