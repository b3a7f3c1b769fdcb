/** The `thread` runtime: one node:worker_threads Worker per worker. */
import type { TransferListItem } from 'node:worker_threads';
import { Worker, type WorkerOptions } from 'node:worker_threads';
import type { Readable } from 'node:stream';
import { WireDecoder } from '../wire/decoder.js';
import { WireEncoder } from '../wire/encoder.js';
import { newRing, RingReader, RingWriter } from '../wire/ring.js';
import type { Wire } from '../wire/tags.js';
import { StartGate, type Batch } from '../protocol.js';
import { threadStack } from '../metrics/stack.js';
import { threadExecArgv, withoutRefused } from './exec-argv.js';
import type { ExitReport, Runtime, SpawnOptions, WorkerTransport } from './types.js';

const bootstrap = new URL('../worker/boot-thread.js', import.meta.url);

/** The inherited execArgv once Node has accepted it (see startWorker). */
let inherited: { list: string[] | undefined } | undefined;

/**
 * Starts a worker with the user's execArgv, or else with this process's flags: the inherited list
 * loses the flags a worker thread refuses, once, on the first start.
 */
function startWorker(userArgv: readonly string[] | undefined, options: Omit<WorkerOptions, 'execArgv'>): Worker {
  if (userArgv !== undefined) return new Worker(bootstrap, { ...options, execArgv: [...userArgv] });
  let list = (inherited ??= { list: threadExecArgv() }).list;
  for (;;) {
    try {
      const worker = new Worker(bootstrap, { ...options, ...(list !== undefined ? { execArgv: list } : {}) });
      inherited.list = list;
      return worker;
    } catch (err) {
      const fewer = list === undefined ? undefined : withoutRefused(list, err);
      if (fewer === undefined) throw err;
      list = fewer;
    }
  }
}

class ThreadTransport implements WorkerTransport {
  readonly pid: number;
  readonly #worker: Worker;
  readonly #gate = new Int32Array(new SharedArrayBuffer(4));
  readonly #encoder: WireEncoder;
  #exited: Promise<void>;

  constructor(options: SpawnOptions) {
    const { events } = options;
    const toWorker = newRing();
    const toParent = newRing();
    this.#encoder = new WireEncoder(new RingWriter(toWorker));
    this.#worker = startWorker(options.execArgv, {
      // The start gate (see StartGate in protocol.ts) and the rings (wire/ring.ts), shared with
      // the worker.
      workerData: { loopfleetStartGate: this.#gate, loopfleetRings: [toWorker, toParent] },
      ...(options.env !== undefined ? { env: { ...options.env } } : {}),
      ...(options.resourceLimits !== undefined ? { resourceLimits: { ...options.resourceLimits } } : {}),
      name: `loopfleet ${options.poolName} worker ${options.workerId}`,
      // Piped to the parent, which logs them line by line tagged with pool and worker.
      stdout: true,
      stderr: true,
    });
    this.pid = this.#worker.threadId;
    let error: Error | undefined;
    const decoder = new WireDecoder(new RingReader(toParent));
    // The channel cannot go on once a message from the worker is lost (it could not be
    // deserialised) or its bytes do not decode (a bug on one side): later batches may use
    // strings interned in it (src/wire). The worker ends with that error, nothing more from it
    // is read, and the parent process does not crash in a handler.
    let broken = false;
    const fail = (err: unknown): void => {
      broken = true;
      error ??= err as Error;
      void this.#worker.terminate();
    };
    this.#worker.on('message', (wire: Wire) => {
      if (broken) return;
      let batch: Batch;
      try {
        batch = decoder.decode(wire);
      } catch (err) {
        return fail(err);
      }
      events.message(batch);
    });
    this.#worker.on('messageerror', fail);
    this.#worker.on('error', (err) => {
      error = err;
    });
    this.#exited = new Promise((resolve) => {
      this.#worker.once('exit', (exitCode) => {
        const report: ExitReport = { exitCode, signal: null, error };
        events.exit(report);
        resolve();
      });
    });
  }

  send(batch: Batch, transfer?: readonly TransferListItem[]): void {
    this.#encoder.send(batch, this.#post, transfer);
  }

  readonly #post = (wire: Wire, transfer: readonly TransferListItem[] | undefined): void => {
    // No transfer list unless there is something to move: an empty one still costs a parse.
    if (transfer === undefined || transfer.length === 0) this.#worker.postMessage(wire);
    else this.#worker.postMessage(wire, transfer as TransferListItem[]);
  };

  async terminate(): Promise<void> {
    await this.#worker.terminate();
    await this.#exited;
  }

  cancelStart(): boolean {
    return Atomics.compareExchange(this.#gate, 0, StartGate.Booting, StartGate.Cancelled) === StartGate.Booting;
  }

  get stdout(): Readable {
    return this.#worker.stdout;
  }

  get stderr(): Readable {
    return this.#worker.stderr;
  }

  stack(timeoutMs: number): Promise<string | undefined> {
    return threadStack(this.pid, timeoutMs);
  }
}

export const threadRuntime: Runtime = {
  name: 'thread',
  spawn: (options) => new ThreadTransport(options),
};
