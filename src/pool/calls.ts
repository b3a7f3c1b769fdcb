/** Validation of the per-call arguments of run, put and broadcast; async methods reject with these. */
import { describe, InvalidArgTypeError, InvalidArgValueError, PoolClosedError, PoolDestroyedError, UnknownTaskError, WorkerIndexError } from '../errors.js';
import type { TransferListItem } from 'node:worker_threads';
import { duration, type ResolvedOptions } from '../options.js';
import type { Fleet } from './fleet.js';
import { validatePriority } from './priority-queue.js';
import type { BroadcastOptions, PutOptions, RunOptions, StreamOptions } from './types.js';

export interface CallOptions {
  readonly target: number;
  readonly transfer: readonly TransferListItem[] | undefined;
  readonly retries: number;
  readonly wait: boolean;
  readonly priority: number;
  readonly series: unknown;
  readonly signal: AbortSignal | undefined;
  /** ms; Infinity = none. */
  readonly timeout: number;
  /** ms; Infinity = never. */
  readonly terminateAfter: number;
  readonly highWaterMark: number;
}

export type CallMethod = 'run' | 'put' | 'stream';

const KEYS: Record<CallMethod, readonly string[]> = {
  run: ['worker', 'transfer', 'retries', 'wait', 'priority', 'series', 'signal', 'timeout', 'terminateAfter'],
  stream: ['worker', 'transfer', 'wait', 'priority', 'series', 'signal', 'timeout', 'terminateAfter', 'highWaterMark'],
  put: ['worker', 'transfer', 'wait', 'priority', 'series'],
};

/** A call without options, under the pool's defaults. */
export function defaultCall(o: ResolvedOptions): CallOptions {
  return Object.freeze({
    target: -1,
    transfer: undefined,
    retries: 0,
    wait: true,
    priority: 0,
    series: undefined,
    signal: undefined,
    timeout: o.timeout,
    terminateAfter: o.terminateAfter,
    highWaterMark: o.streamHighWaterMark,
  });
}

/** Why a new call is refused, if it is: a pool that ended, or a bad task name. */
export function refusal(fleet: Fleet, destroyed: boolean, task?: unknown, checkTask = false): Error | undefined {
  if (destroyed) return new PoolDestroyedError();
  if (fleet.closing) return new PoolClosedError();
  if (fleet.broken !== undefined) return fleet.broken;
  if (checkTask) {
    if (typeof task !== 'string') return new InvalidArgTypeError(`Expected \`task\` to be a task name (string), got ${describe(task)}`);
    const names = fleet.taskNames;
    if (names !== undefined && !names.has(task)) return new UnknownTaskError(task, [...names]);
  }
  return undefined;
}

/** Validates broadcast's `{ sticky }`; returns whether the call is sticky. */
export function parseBroadcastOptions(options: BroadcastOptions | undefined): boolean {
  if (options === undefined) return false;
  if (options === null || typeof options !== 'object') throw new InvalidArgTypeError(`Expected broadcast \`options\` to be an object, got ${describe(options)}`);
  for (const key in options) {
    if (key !== 'sticky') throw new InvalidArgValueError(`Unknown broadcast option \`${key}\`; known options: sticky`);
  }
  if (options.sticky !== undefined && typeof options.sticky !== 'boolean') {
    throw new InvalidArgTypeError(`Expected \`sticky\` to be a boolean, got ${describe(options.sticky)}`);
  }
  return options.sticky === true;
}

/** Validates the options of run, stream and put against the pool's defaults; throws the error to reject with. */
export function parseCallOptions(options: RunOptions | PutOptions | StreamOptions, method: CallMethod, fleet: Fleet, defaults: CallOptions): CallOptions {
  if (options === null || typeof options !== 'object') throw new InvalidArgTypeError(`Expected ${method} \`options\` to be an object, got ${describe(options)}`);
  const known = KEYS[method];
  for (const key in options) {
    if (!known.includes(key)) throw new InvalidArgValueError(`Unknown ${method} option \`${key}\`; known options: ${known.join(', ')}`);
  }
  const { worker, transfer, wait, priority, series } = options;
  const { retries, signal, timeout, terminateAfter } = options as RunOptions;
  const { highWaterMark } = options as StreamOptions;
  const size = fleet.slots.length;
  if (worker !== undefined && (typeof worker !== 'number' || !Number.isInteger(worker) || worker < 0 || worker >= size)) {
    throw new WorkerIndexError(worker, size);
  }
  if (transfer !== undefined) {
    if (!Array.isArray(transfer)) throw new InvalidArgTypeError(`Expected \`transfer\` to be an array, got ${describe(transfer)}`);
    for (const item of transfer as unknown[]) {
      if (item === null || typeof item !== 'object') {
        throw new InvalidArgTypeError(`Expected \`transfer\` to list ArrayBuffers or MessagePorts, got ${describe(item)} in it`);
      }
    }
  }
  if (retries !== undefined && (typeof retries !== 'number' || !Number.isInteger(retries) || retries < 0)) {
    throw new InvalidArgValueError(`Expected \`retries\` to be an integer >= 0, got ${describe(retries)}`);
  }
  if (wait !== undefined && typeof wait !== 'boolean') throw new InvalidArgTypeError(`Expected \`wait\` to be a boolean, got ${describe(wait)}`);
  if (series !== undefined && typeof series !== 'string' && typeof series !== 'number') {
    throw new InvalidArgTypeError(`Expected \`series\` to be a string or a number, got ${describe(series)}`);
  }
  if (signal !== undefined && !(signal instanceof AbortSignal)) throw new InvalidArgTypeError(`Expected \`signal\` to be an AbortSignal, got ${describe(signal)}`);
  if (highWaterMark !== undefined && (typeof highWaterMark !== 'number' || !Number.isInteger(highWaterMark) || highWaterMark < 1)) {
    const Err = typeof highWaterMark === 'number' ? InvalidArgValueError : InvalidArgTypeError;
    throw new Err(`Expected \`highWaterMark\` to be an integer >= 1, got ${describe(highWaterMark)}`);
  }
  const target = worker ?? -1;
  if (target >= 0) {
    const slotError = fleet.slots[target]?.error;
    if (slotError !== undefined) throw slotError;
  }
  return {
    target,
    transfer,
    retries: retries ?? 0,
    wait: wait ?? true,
    priority: validatePriority(priority),
    series,
    signal,
    timeout: duration(timeout, 'timeout', defaults.timeout),
    terminateAfter: duration(terminateAfter, 'terminateAfter', defaults.terminateAfter, 0),
    highWaterMark: highWaterMark ?? defaults.highWaterMark,
  };
}
