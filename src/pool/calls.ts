/** Validation of the per-call arguments of run, put and broadcast; async methods reject with these. */
import { describe, InvalidArgTypeError, InvalidArgValueError, PoolClosedError, PoolDestroyedError, UnknownTaskError, WorkerIndexError } from '../errors.js';
import type { TransferListItem } from 'node:worker_threads';
import type { Fleet } from './fleet.js';
import type { BroadcastOptions, PutOptions, RunOptions } from './types.js';

export interface CallOptions {
  readonly target: number;
  readonly transfer: readonly TransferListItem[] | undefined;
  readonly retries: number;
  readonly wait: boolean;
}

const RUN_KEYS = ['worker', 'transfer', 'retries', 'wait'];
const PUT_KEYS = ['worker', 'transfer', 'wait'];

export const DEFAULT_CALL: CallOptions = Object.freeze({ target: -1, transfer: undefined, retries: 0, wait: true });

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

/** Validates `{ worker, transfer, retries, wait }`; throws the error to reject with. */
export function parseCallOptions(options: RunOptions | PutOptions, method: string, fleet: Fleet): CallOptions {
  if (options === null || typeof options !== 'object') throw new InvalidArgTypeError(`Expected ${method} \`options\` to be an object, got ${describe(options)}`);
  for (const key in options) {
    if (!(method === 'run' ? RUN_KEYS : PUT_KEYS).includes(key)) {
      throw new InvalidArgValueError(`Unknown ${method} option \`${key}\`; known options: ${(method === 'run' ? RUN_KEYS : PUT_KEYS).join(', ')}`);
    }
  }
  const { worker, transfer, wait } = options;
  const retries = (options as RunOptions).retries;
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
  const target = worker ?? -1;
  if (target >= 0) {
    const slotError = fleet.slots[target]?.error;
    if (slotError !== undefined) throw slotError;
  }
  return { target, transfer, retries: retries ?? 0, wait: wait ?? true };
}
