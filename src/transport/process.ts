/**
 * The `process` runtime: one child process per worker, forked with V8 ("advanced") serialization
 * so that the same values cross as in the thread runtime (Maps, typed arrays, Dates, BigInts).
 * Transfer lists do not apply: buffers are copied.
 */
import type { ChildProcess } from 'node:child_process';
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';
import type { Batch } from '../protocol.js';
import type { Runtime, SpawnOptions, WorkerTransport } from './types.js';

const bootstrap = fileURLToPath(new URL('../worker/boot-process.js', import.meta.url));

// Loaded on first use: node:child_process pulls in net and streams (~10 ms at start-up), which a
// pool of threads never needs. Synchronously, because spawn() is synchronous.
let fork: typeof import('node:child_process').fork | undefined;
const loadFork = (): typeof import('node:child_process').fork =>
  (fork ??= (createRequire(import.meta.url)('node:child_process') as typeof import('node:child_process')).fork);

class ProcessTransport implements WorkerTransport {
  readonly pid: number;
  readonly #child: ChildProcess;
  readonly #exited: Promise<void>;

  constructor(options: SpawnOptions) {
    const { events } = options;
    const execArgv = [...(options.execArgv ?? process.execArgv)];
    const limits = options.resourceLimits;
    if (limits?.maxOldGenerationSizeMb !== undefined) execArgv.push(`--max-old-space-size=${limits.maxOldGenerationSizeMb}`);
    if (limits?.maxYoungGenerationSizeMb !== undefined) execArgv.push(`--max-semi-space-size=${Math.max(1, Math.floor(limits.maxYoungGenerationSizeMb / 3))}`);
    if (limits?.stackSizeMb !== undefined) execArgv.push(`--stack-size=${Math.floor(limits.stackSizeMb * 1024)}`);
    this.#child = loadFork()(bootstrap, [options.poolName, String(options.workerId)], {
      serialization: 'advanced',
      execArgv,
      env: options.env !== undefined ? { ...options.env } : process.env,
      stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
    });
    this.pid = this.#child.pid ?? -1;
    let error: Error | undefined;
    this.#child.on('message', events.message as (message: unknown) => void);
    this.#child.on('error', (err) => {
      // 'error' covers spawn failures and failed kills; a send to a dead child also lands here.
      error ??= err;
    });
    this.#exited = new Promise((resolve) => {
      // 'close' rather than 'exit': it fires after the IPC channel has delivered every message
      // the child sent before it ended, so no result or log is lost to a race.
      this.#child.once('close', (exitCode, signal) => {
        events.exit({ exitCode, signal, error });
        resolve();
      });
    });
  }

  send(batch: Batch): void {
    if (!this.#child.connected) return;
    this.#child.send(batch);
  }

  async terminate(): Promise<void> {
    if (this.#child.exitCode === null && this.#child.signalCode === null) this.#child.kill('SIGKILL');
    await this.#exited;
  }
}

export const processRuntime: Runtime = {
  name: 'process',
  spawn: (options) => new ProcessTransport(options),
};
