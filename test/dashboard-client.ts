/** Clients for the dashboard tests: plain HTTP requests, an event-stream reader, a CLI runner, a load. */
import { spawn, type ChildProcess } from 'node:child_process';
import { get, type IncomingHttpHeaders, type IncomingMessage } from 'node:http';
import type { TestContext } from 'node:test';
import { fileURLToPath } from 'node:url';
import type { Pool } from 'loopfleet';
import { internal, until } from './helpers.js';

const { SseParser } = (await import(internal('dashboard/sse.js'))) as typeof import('../dist/dashboard/sse.js');

export const CLI = fileURLToPath(new URL('../../dist/cli/index.js', import.meta.url));

export interface Reply {
  status: number;
  headers: IncomingHttpHeaders;
  body: string;
}

/** A GET, with optional headers (e.g. another `host`). */
export function request(url: string, headers: Record<string, string> = {}): Promise<Reply> {
  return new Promise((resolve, reject) => {
    get(url, { headers, agent: false }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (d: string) => (body += d));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body }));
      res.on('error', reject);
    }).on('error', reject);
  });
}

export async function json<T>(url: string): Promise<T> {
  const r = await request(url);
  if (r.status !== 200) throw new Error(`GET ${url}: HTTP ${r.status}`);
  return JSON.parse(r.body) as T;
}

export interface SseEvent {
  event: string;
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  data: any;
}

/** Reads a dashboard's `/events` stream into `events`; `ended` resolves when the server ends it. */
export class SseClient {
  readonly events: SseEvent[] = [];
  readonly ended: Promise<void>;
  #response: IncomingMessage | undefined;

  private constructor(res: IncomingMessage) {
    this.#response = res;
    const parser = new SseParser((event, data) => this.events.push({ event, data: JSON.parse(data) }));
    res.setEncoding('utf8');
    res.on('data', (chunk: string) => parser.push(chunk));
    res.on('error', () => {}); // a reset ends the stream too; 'close' follows
    this.ended = new Promise((resolve) => res.on('close', resolve));
  }

  /** Connects; the client is closed when the test ends. */
  static connect(t: TestContext, base: string): Promise<SseClient> {
    return new Promise((resolve, reject) => {
      get(new URL('events', base), { agent: false, headers: { accept: 'text/event-stream' } }, (res) => {
        const client = new SseClient(res);
        t.after(() => client.close());
        if (res.statusCode !== 200) reject(new Error(`HTTP ${res.statusCode}`));
        else resolve(client);
      }).on('error', reject);
    });
  }

  /** The events named `event` (matching `where`) received so far. */
  all(event: string, where: (data: SseEvent['data']) => boolean = () => true): SseEvent['data'][] {
    return this.events.filter((e) => e.event === event && where(e.data)).map((e) => e.data);
  }

  /** Waits until `count` events named `event` (matching `where`) have arrived; returns them. */
  async wait(event: string, count = 1, where?: (data: SseEvent['data']) => boolean, limitMs = 20_000): Promise<SseEvent['data'][]> {
    await until(() => this.all(event, where).length >= count, limitMs, `${count} '${event}' event(s)`);
    return this.all(event, where);
  }

  close(): void {
    this.#response?.destroy();
    this.#response = undefined;
  }
}

/** Keeps a pool busy with CPU-bound tasks of varied length until the returned function is called. */
export function load(pool: Pool, batch = 8): () => Promise<void> {
  let running = true;
  let n = 0;
  // Ends quietly when the pool is closed under it (a test's cleanup may come first).
  const done = (async () => {
    while (running) {
      await Promise.all(Array.from({ length: batch }, () => pool.run('spin', 2 + (n++ % 7))));
    }
  })().catch(() => {});
  return async () => {
    running = false;
    await done;
  };
}

export interface Cli {
  readonly child: ChildProcess;
  stdout: string;
  stderr: string;
  readonly exited: Promise<number | null>;
}

/** Starts `loopfleet ...args`; killed when the test ends if still running. */
export function startCli(t: TestContext, args: readonly string[]): Cli {
  const child = spawn(process.execPath, [CLI, ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
  const cli: Cli = {
    child,
    stdout: '',
    stderr: '',
    exited: new Promise((resolve) => child.on('close', (code) => resolve(code))),
  };
  child.stdout?.setEncoding('utf8').on('data', (d: string) => (cli.stdout += d));
  child.stderr?.setEncoding('utf8').on('data', (d: string) => (cli.stderr += d));
  t.after(() => {
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
  });
  return cli;
}

/** Waits for the CLI to print a dashboard URL on stderr (after `prefix`). */
export async function cliUrl(cli: Cli, prefix: string): Promise<string> {
  const pattern = new RegExp(`${prefix}\\s*(http://\\S+/)`);
  await until(() => pattern.test(cli.stderr) || cli.child.exitCode !== null, 20_000, 'the CLI to print its URL');
  const match = pattern.exec(cli.stderr);
  if (match === null) throw new Error(`The CLI exited without a URL: ${cli.stderr}`);
  return match[1] as string;
}
