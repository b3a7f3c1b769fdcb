/**
 * The seam between the pool and a runtime. The pool speaks only to these interfaces, so it never
 * assumes that a worker shares its machine: a runtime is anything that can start a worker, carry
 * batches both ways and report the worker's end.
 */
import type { Readable } from 'node:stream';
import type { TransferListItem } from 'node:worker_threads';
import type { Batch } from '../protocol.js';

/** How a worker ended. Exactly one `exit` is reported per transport. */
export interface ExitReport {
  readonly exitCode: number | null;
  readonly signal: string | null;
  /** An error the runtime reported with the exit (uncaught exception, out of memory, spawn failure). */
  readonly error: Error | undefined;
}

export interface TransportEvents {
  message(batch: Batch): void;
  exit(report: ExitReport): void;
}

/** Parent side of one worker. */
export interface WorkerTransport {
  /** Thread id or process id, for stats and logs. */
  readonly pid: number;
  /**
   * Sends one batch. Throws synchronously when a value cannot be cloned (nothing is sent then).
   * `transfer` lists ArrayBuffers (and ports) to move rather than copy where the runtime can.
   */
  send(batch: Batch, transfer?: readonly TransferListItem[]): void;
  /** Ends the worker at once. Resolves after `exit` was reported. */
  terminate(): Promise<void>;
  /**
   * A worker not yet loading the worker module (still in its runtime's own start-up, no user code
   * run) that the pool no longer needs: if it has not begun loading, it never will, and this
   * returns true (the caller terminates it); false once loading may have begun. Threads decide
   * with a start gate in shared memory, processes by holding Boot back until the child's Hello.
   * Optional.
   */
  cancelStart?(): boolean;
  /** The worker's stdout and stderr, read by the parent (see metrics/logs.ts). */
  readonly stdout: Readable | null;
  readonly stderr: Readable | null;
  /** Where the worker's JavaScript is now (blocked-loop reports); undefined when it cannot be had. */
  stack(timeoutMs: number): Promise<string | undefined>;
}

export interface SpawnOptions {
  readonly workerId: number;
  readonly poolName: string;
  readonly execArgv: readonly string[] | undefined;
  readonly env: Readonly<Record<string, string | undefined>> | undefined;
  readonly resourceLimits: ResourceLimits | undefined;
  /** Prepare the worker for `stack()` (the process runtime starts a capture thread in it). */
  readonly captureStack?: boolean;
  readonly events: TransportEvents;
}

export interface ResourceLimits {
  readonly maxOldGenerationSizeMb?: number;
  readonly maxYoungGenerationSizeMb?: number;
  readonly codeRangeSizeMb?: number;
  readonly stackSizeMb?: number;
}

/** A runtime: starts workers that run the loopfleet worker bootstrap. */
export interface Runtime {
  readonly name: string;
  spawn(options: SpawnOptions): WorkerTransport;
}

/** Worker side of the channel. */
export interface ParentChannel {
  /**
   * Sends one batch; throws synchronously when a value cannot be cloned. `onSent` runs once the
   * batch has left this worker (safe to exit after it).
   */
  send(batch: Batch, transfer?: readonly TransferListItem[], onSent?: () => void): void;
  onMessage(handler: (batch: Batch) => void): void;
  /** Ends this worker once pending output has been flushed. */
  exit(code: number): void;
  /**
   * Called once, just before the worker module is loaded: false when the parent cancelled this
   * worker's start (see `WorkerTransport.cancelStart`; it is being terminated), and then nothing
   * of the user's may run. Optional: absent means always true.
   */
  claimStart?(): boolean;
}
