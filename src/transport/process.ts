/**
 * The `process` runtime: one child process per worker. Batches travel in the wire format, framed
 * on two one-way pipes (wire/frames.ts; fds in ProcessFd) rather than Node's IPC channel, which
 * is slower. The values that are not written as bytes are serialised by node:v8,
 * as IPC's "advanced" serialization does, so the same values cross as in the thread runtime
 * (Maps, typed arrays, Dates, BigInts). Transfer lists do not apply: buffers are copied.
 */
import type { ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { createRequire } from 'node:module';
import type { Readable, Duplex } from 'node:stream';
import { fileURLToPath } from 'node:url';
import { Kind, ProcessFd, type Batch } from '../protocol.js';
import { WireDecoder } from '../wire/decoder.js';
import { WireEncoder } from '../wire/encoder.js';
import { frame, FrameReader } from '../wire/frames.js';
import type { Wire } from '../wire/tags.js';
import { inheritedExecArgv } from './exec-argv.js';
import type { Runtime, SpawnOptions, WorkerTransport } from './types.js';

const bootstrap = fileURLToPath(new URL('../worker/boot-process.js', import.meta.url));

// Loaded on first use: node:child_process pulls in net and streams (~10 ms at start-up), which a
// pool of threads never needs. Synchronously, because spawn() is synchronous.
let spawn: typeof import('node:child_process').spawn | undefined;
const loadSpawn = (): typeof import('node:child_process').spawn =>
  (spawn ??= (createRequire(import.meta.url)('node:child_process') as typeof import('node:child_process')).spawn);

class ProcessTransport implements WorkerTransport {
  readonly pid: number;
  readonly #child: ChildProcess;
  /** Where batches go; undefined when the spawn failed before its pipes were made. */
  readonly #toChild: Duplex | undefined;
  readonly #exited: Promise<void>;
  #stackRequests = 0;
  /**
   * Batches held back until the child says Hello (its start-up is over): Boot first, so that no
   * code of the user's runs in a child that has not said Hello, and cancelStart() can kill it.
   * Undefined once Hello came (or the start was cancelled).
   */
  #held: Buffer[] | undefined = [];
  /** No shared memory between processes: every batch is encoded into a buffer and framed. */
  readonly #encoder = new WireEncoder(undefined, true);

  constructor(options: SpawnOptions) {
    const { events } = options;
    const execArgv = options.execArgv !== undefined ? [...options.execArgv] : inheritedExecArgv();
    const limits = options.resourceLimits;
    if (limits?.maxOldGenerationSizeMb !== undefined) execArgv.push(`--max-old-space-size=${limits.maxOldGenerationSizeMb}`);
    if (limits?.maxYoungGenerationSizeMb !== undefined) execArgv.push(`--max-semi-space-size=${Math.max(1, Math.floor(limits.maxYoungGenerationSizeMb / 3))}`);
    if (limits?.stackSizeMb !== undefined) execArgv.push(`--stack-size=${Math.floor(limits.stackSizeMb * 1024)}`);
    // stdout/stderr are piped to the parent, which logs them tagged with pool and worker; then
    // the batch pipes, and with captureStack the pipe of the worker's capture thread
    // (worker/stack-thread.ts).
    const args = [...execArgv, bootstrap, options.poolName, String(options.workerId), ...(options.captureStack === true ? ['stack'] : [])];
    this.#child = loadSpawn()(process.execPath, args, {
      env: options.env !== undefined ? { ...options.env } : process.env,
      stdio: ['ignore', 'pipe', 'pipe', 'pipe', 'pipe', ...(options.captureStack === true ? (['pipe'] as const) : [])],
    });
    let error: Error | undefined;
    let reported = false;
    let exited: () => void = () => {};
    this.#exited = new Promise((resolve) => (exited = resolve));
    const report = (exitCode: number | null, signal: string | null): void => {
      if (reported) return;
      reported = true;
      events.exit({ exitCode, signal, error });
      exited();
    };
    this.#child.on('error', (err) => {
      // Spawn failures and failed kills. A spawn that failed before the child existed (EMFILE:
      // no pipes either) gets no 'close': its end is reported here.
      error ??= err;
      if (this.#child.pid === undefined) report(null, null);
    });
    // 'close' rather than 'exit': it fires once the child's pipes have delivered all it wrote
    // before it ended, so no result or log is lost to a race.
    this.#child.once('close', report);
    this.pid = this.#child.pid ?? -1;
    const pipes = this.#child.stdio as (Duplex | null)[] | undefined;
    this.#toChild = pipes?.[ProcessFd.ToWorker] ?? undefined;
    const fromChild = pipes?.[ProcessFd.FromWorker] ?? undefined;
    // A write to a child that has died (EPIPE) destroys only this pipe: its exit is reported
    // with its own cause, after what it wrote has been read from the other.
    this.#toChild?.on('error', () => {});
    const reader = new FrameReader(
      new WireDecoder(),
      (batch) => {
        if (batch[0] === Kind.Hello) return this.#hello();
        events.message(batch);
      },
      (err) => {
        // Bytes that do not decode (a bug on one side): the channel is out of step, and nothing
        // after this can be trusted. The child ends with the error instead of the parent process
        // crashing in this handler.
        error ??= err;
        this.#child.kill('SIGKILL');
      },
    );
    fromChild?.on('data', (chunk: Buffer) => reader.push(chunk));
    fromChild?.on('error', () => {});
  }

  send(batch: Batch): void {
    if (this.#held === undefined && this.#toChild?.writable !== true) return;
    this.#encoder.send(batch, this.#post, undefined);
  }

  /** Frames (which throws when a side value cannot be cloned, before anything is written) and writes. */
  readonly #post = (wire: Wire): void => {
    const bytes = frame(wire);
    // Until Hello, the frames wait here: they are copies, so a held batch is what it was when sent.
    if (this.#held !== undefined) this.#held.push(bytes);
    else this.#toChild?.write(bytes);
  };

  #hello(): void {
    const held = this.#held;
    if (held === undefined) return;
    this.#held = undefined;
    for (const bytes of held) this.#toChild?.write(bytes);
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
    const pipe = (this.#child.stdio as (Duplex | null)[] | undefined)?.[ProcessFd.Stack];
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
