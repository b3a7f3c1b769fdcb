/**
 * Starting a pool's workers on its runtime: the options that only the runtime can check are
 * checked here, with errors that name the option.
 */
import { serialize } from 'node:v8';
import { InvalidArgTypeError, InvalidArgValueError } from '../errors.js';
import type { ResolvedOptions } from '../options.js';
import { processRuntime } from '../transport/process.js';
import { threadRuntime } from '../transport/thread.js';
import { Fleet, type FleetEvents } from './fleet.js';

export function startFleet(o: ResolvedOptions, events: FleetEvents): Fleet {
  if (o.workerData !== undefined) {
    try {
      // As the runtime will copy it: processes through node:v8, which refuses a few host objects
      // (KeyObject, BlockList) that threads clone.
      if (o.runtime === 'process') serialize(o.workerData);
      else structuredClone(o.workerData);
    } catch (err) {
      throw new InvalidArgTypeError(`Expected \`workerData\` to be a cloneable value: ${(err as Error).message}`);
    }
  }
  try {
    return new Fleet(o, o.runtime === 'process' ? processRuntime : threadRuntime, events);
  } catch (err) {
    // Node refuses some inherited or given flags for worker threads: that is our option's error.
    if ((err as { code?: unknown }).code === 'ERR_WORKER_INVALID_EXEC_ARGV') {
      throw new InvalidArgValueError(`Expected \`execArgv\` to hold only flags a worker thread accepts: ${(err as Error).message}`);
    }
    throw err;
  }
}
