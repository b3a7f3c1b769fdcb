/**
 * A real redis-server for the remote tests: started on a free loopback port in a temp dir, stopped
 * (and the dir removed) when the test file ends, even on failure. Also spawns `loopfleet worker`
 * CLI processes and cleans them up.
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after } from 'node:test';
import { Redis } from 'ioredis';

const INSTALL_HINT =
  'The remote tests need a real redis-server (Redis 7.0) on PATH, and none was found. ' +
  'Install it with `apt-get update && apt-get install -y redis-server` (Debian/Ubuntu) or `brew install redis` (macOS).';

export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.once('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const { port } = srv.address() as { port: number };
      srv.close(() => resolve(port));
    });
  });
}

export interface RedisServer {
  readonly port: number;
  readonly url: string;
  readonly dir: string;
  /** A plain client for assertions (closed at the end). */
  readonly client: Redis;
  /** SHUTDOWN NOSAVE and wait for the process to exit. */
  shutdown(): Promise<void>;
  /** Starts it again on the same port and dir (AOF reloaded). */
  restart(): Promise<void>;
  /** Kills it and removes its dir. */
  stop(): Promise<void>;
}

/**
 * Starts redis-server with AOF (appendfsync always) on. The caller stops it: `harness()` does so
 * after the file's cleanups ran (they may still need Redis to stop workers gracefully).
 */
export async function startRedis(extraArgs: string[] = []): Promise<RedisServer> {
  const probe = spawnSync('redis-server', ['--version'], { encoding: 'utf8' });
  if (probe.error !== undefined || probe.status !== 0) throw new Error(INSTALL_HINT);
  const dir = mkdtempSync(join(tmpdir(), 'loopfleet-redis-'));
  const port = await freePort();
  let proc: ChildProcess | undefined;
  const args = ['--port', String(port), '--bind', '127.0.0.1', '--dir', dir, '--save', '', '--appendonly', 'yes', '--appendfsync', 'always', '--maxmemory-policy', 'noeviction', ...extraArgs];
  const launch = async (): Promise<void> => {
    proc = spawn('redis-server', args, { stdio: ['ignore', 'pipe', 'pipe'] });
    let log = '';
    proc.stdout?.on('data', (d: Buffer) => (log += d.toString()));
    proc.stderr?.on('data', (d: Buffer) => (log += d.toString()));
    const deadline = Date.now() + 15_000;
    for (;;) {
      if (log.includes('Ready to accept connections')) return;
      if (proc.exitCode !== null) throw new Error(`redis-server exited: ${log}`);
      if (Date.now() > deadline) throw new Error(`redis-server did not start: ${log}`);
      await new Promise((r) => setTimeout(r, 20));
    }
  };
  await launch();
  const password = extraArgs.includes('--requirepass') ? extraArgs[extraArgs.indexOf('--requirepass') + 1] : undefined;
  const url = `redis://${password ? `:${password}@` : ''}127.0.0.1:${port}`;
  const client = new Redis(url, { maxRetriesPerRequest: null, retryStrategy: () => 100 });
  client.on('error', () => {});
  const exited = (): Promise<void> =>
    new Promise((resolve) => {
      if (proc === undefined || proc.exitCode !== null || proc.signalCode !== null) resolve();
      else proc.once('exit', () => resolve());
    });
  return {
    async stop() {
      client.disconnect();
      proc?.kill('SIGKILL');
      await exited();
      rmSync(dir, { recursive: true, force: true });
    },
    port,
    url,
    dir,
    client,
    async shutdown() {
      const admin = new Redis(url, { maxRetriesPerRequest: 0, retryStrategy: () => null });
      admin.on('error', () => {});
      await admin.call('SHUTDOWN', 'NOSAVE').catch(() => {});
      admin.disconnect();
      await exited();
    },
    restart: launch,
  };
}

/**
 * The Redis of a test file, with cleanups (`defer`) that run at the end of the file, newest first,
 * before Redis itself is stopped, even when a test failed.
 */
export async function harness(extraArgs: string[] = []): Promise<{ redis: RedisServer; defer(fn: () => unknown): void }> {
  const redis = await startRedis(extraArgs);
  const cleanups: (() => unknown)[] = [];
  after(async () => {
    for (const fn of cleanups.reverse()) {
      try {
        await fn();
      } catch {
        // Keep cleaning up.
      }
    }
    await redis.stop();
  });
  return { redis, defer: (fn) => cleanups.push(fn) };
}

/**
 * A self-signed CA and a server certificate for 127.0.0.1 (openssl), for the TLS test; files in
 * `dir`.
 */
export function makeCertificates(dir: string): { ca: string; cert: string; key: string } {
  const run = (args: string[]): void => {
    const r = spawnSync('openssl', args, { cwd: dir, encoding: 'utf8' });
    if (r.error !== undefined || r.status !== 0) throw new Error(`openssl ${args[0]} failed (install it: apt-get install -y openssl): ${r.error?.message ?? r.stderr}`);
  };
  run(['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-keyout', 'ca.key', '-out', 'ca.crt', '-days', '2', '-subj', '/CN=loopfleet test CA']);
  run(['req', '-newkey', 'rsa:2048', '-nodes', '-keyout', 'server.key', '-out', 'server.csr', '-subj', '/CN=127.0.0.1']);
  writeFileSync(join(dir, 'san.ext'), 'subjectAltName=IP:127.0.0.1\n');
  run(['x509', '-req', '-in', 'server.csr', '-CA', 'ca.crt', '-CAkey', 'ca.key', '-CAcreateserial', '-out', 'server.crt', '-days', '2', '-extfile', 'san.ext']);
  return { ca: join(dir, 'ca.crt'), cert: join(dir, 'server.crt'), key: join(dir, 'server.key') };
}

export interface CliWorker {
  readonly proc: ChildProcess;
  /** Everything it wrote to stderr and stdout so far. */
  output(): string;
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
}

const CLI = new URL('../../../dist/cli/index.js', import.meta.url);

/** Spawns `loopfleet worker <fixture> --broker … --queue … <args>`; killed at the end of the file. */
export function cliWorker(module: URL, broker: string, queue: string, args: string[] = []): CliWorker {
  const proc = spawn(process.execPath, [CLI.pathname, 'worker', module.pathname, '--broker', broker, '--queue', queue, ...args], {
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  proc.stdout?.on('data', (d: Buffer) => (out += d.toString()));
  proc.stderr?.on('data', (d: Buffer) => (out += d.toString()));
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) => proc.once('exit', (code, signal) => resolve({ code, signal })));
  after(() => {
    if (proc.exitCode === null && proc.signalCode === null) proc.kill('SIGKILL');
  });
  return { proc, output: () => out, exited };
}

/** Resolves once the worker logged that it consumes. */
export async function started(w: CliWorker, limitMs = 20_000): Promise<void> {
  const deadline = Date.now() + limitMs;
  while (!w.output().includes('started consumer')) {
    if (w.proc.exitCode !== null || Date.now() > deadline) throw new Error(`worker did not start:\n${w.output()}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}
