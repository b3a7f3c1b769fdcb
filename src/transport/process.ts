/**
 * The `process` runtime: one child process per worker, forked with V8 ("advanced") serialization
 * so that the same values cross as in the thread runtime (Maps, typed arrays, Dates, BigInts).
 * Transfer lists do not apply: buffers are copied.
 */
import type { ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { createRequire } from 'node:module';
import type { Readable, Duplex } from 'node:stream';
import { fileURLToPath } from 'node:url';
import { Kind, type Batch } from '../protocol.js';
import { WireDecoder } from '../wire/decoder.js';
import { WireEncoder } from '../wire/encoder.js';
import { isPlainBatch, worthEncoding } from '../wire/ipc.js';
import type { Wire } from '../wire/tags.js';
import { inheritedExecArgv } from './exec-argv.js';
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
  #stackRequests = 0;
  /**
   * Batches held back until the child says Hello (its start-up is over): Boot first, so that no
   * code of the user's runs in a child that has not said Hello, and cancelStart() can kill it.
   * Undefined once Hello came (or the start was cancelled).
   */
  #held: Wire[] | undefined = [];
  /** Batches of several tasks travel in the wire format (src/wire) as ArrayBuffers, cheaper to
   * serialise than the values they hold; see worthEncoding. There is no shared ring here. */
  readonly #encoder = new WireEncoder();
  /** Why the start failed in the parent (a held batch IPC refused), reported with the exit. */
  #startError: Error | undefined;

  constructor(options: SpawnOptions) {
    const { events } = options;
    const execArgv = options.execArgv !== undefined ? [...options.execArgv] : inheritedExecArgv();
    const limits = options.resourceLimits;
    if (limits?.maxOldGenerationSizeMb !== undefined) execArgv.push(`--max-old-space-size=${limits.maxOldGenerationSizeMb}`);
    if (limits?.maxYoungGenerationSizeMb !== undefined) execArgv.push(`--max-semi-space-size=${Math.max(1, Math.floor(limits.maxYoungGenerationSizeMb / 3))}`);
    if (limits?.stackSizeMb !== undefined) execArgv.push(`--stack-size=${Math.floor(limits.stackSizeMb * 1024)}`);
    // stdout/stderr are piped to the parent, which logs them tagged with pool and worker; fd 4
    // carries stack capture requests to the worker's capture thread (worker/stack-thread.ts).
    this.#child = loadFork()(bootstrap, [options.poolName, String(options.workerId), ...(options.captureStack === true ? ['stack'] : [])], {
      serialization: 'advanced',
      execArgv,
      env: options.env !== undefined ? { ...options.env } : process.env,
      stdio: ['ignore', 'pipe', 'pipe', 'ipc', ...(options.captureStack === true ? (['pipe'] as const) : [])],
    });
    this.pid = this.#child.pid ?? -1;
    let error: Error | undefined;
    const decoder = new WireDecoder();
    let undecodable = false;
    this.#child.on('message', (wire: Wire) => {
      if (undecodable) return;
      let batch: Batch;
      try {
        batch = isPlainBatch(wire) ? wire : decoder.decode(wire);
      } catch (err) {
        // Bytes that do not decode (a bug on one side): the channel is out of step, and nothing
        // after this can be trusted. The child ends with the error instead of the parent process
        // crashing in this handler.
        undecodable = true;
        error ??= err as Error;
        this.#child.kill('SIGKILL');
        return;
      }
      if (batch[0] === Kind.Hello) return this.#hello();
      events.message(batch);
    });
    this.#child.on('error', (err) => {
      // 'error' covers spawn failures and failed kills; a send to a dead child also lands here.
      error ??= err;
    });
    this.#exited = new Promise((resolve) => {
      // 'close' rather than 'exit': it fires after the IPC channel has delivered every message
      // the child sent before it ended, so no result or log is lost to a race.
      this.#child.once('close', (exitCode, signal) => {
        events.exit({ exitCode, signal, error: error ?? this.#startError });
        resolve();
      });
    });
  }

  send(batch: Batch): void {
    if (this.#held === undefined && !this.#child.connected) return;
    if (worthEncoding(batch)) this.#encoder.send(batch, this.#post, undefined);
    else this.#post(batch);
  }

  readonly #post = (wire: Wire): void => {
    if (this.#held !== undefined) {
      // A value that cannot be sent must throw here, as the contract says (clones as IPC does);
      // the clone is what goes at Hello, so a held batch is what it was when sent.
      this.#held.push(structuredClone(wire));
    } else {
      this.#child.send(wire);
    }
  };

  #hello(): void {
    const held = this.#held;
    if (held === undefined) return;
    this.#held = undefined;
    try {
      for (const wire of held) this.#child.send(wire);
    } catch (err) {
      // Cloned once already (see send), so not expected: should IPC refuse a batch all the same,
      // the child would wait for Boot forever. It is a failed start, with this error.
      this.#startError = err as Error;
      this.#child.kill('SIGKILL');
    }
  }

  cancelStart(): boolean {
    if (this.#held === undefined) return false;
    this.#held = undefined;
    return true;
  }

  async terminate(): Promise<void> {
    if (this.#child.exitCode === null && this.#child.signalCode === null) this.#child.kill('SIGKILL');
    await this.#exited;
  }

  get stdout(): Readable | null {
    return this.#child.stdout;
  }

  get stderr(): Readable | null {
    return this.#child.stderr;
  }

  async stack(timeoutMs: number): Promise<string | undefined> {
    const pipe = this.#child.stdio[4] as Duplex | null | undefined;
    if (pipe === null || pipe === undefined || pipe.destroyed) return undefined;
    const ac = new AbortController();
    const timer = setTimeout(() => ac.abort(), timeoutMs);
    try {
      const id = ++this.#stackRequests;
      pipe.write(`${id}\n`);
      // Answers are JSON lines, possibly in several chunks; one for an earlier request that timed
      // out may still come first, and is skipped by its id.
      let buffered = '';
      for (;;) {
        const [chunk] = (await once(pipe, 'data', { signal: ac.signal })) as [Buffer];
        buffered += chunk.toString('utf8');
        for (let nl = buffered.indexOf('\n'); nl >= 0; nl = buffered.indexOf('\n')) {
          const answer = JSON.parse(buffered.slice(0, nl)) as { id: number; stack: string | null };
          buffered = buffered.slice(nl + 1);
          if (answer.id === id) return answer.stack ?? undefined;
        }
      }
    } catch {
      return undefined;
    } finally {
      clearTimeout(timer);
    }
  }
}

export const processRuntime: Runtime = {
  name: 'process',
  spawn: (options) => new ProcessTransport(options),
};
