/** What the sinks share: their handle, and loading an optional dependency with a clear error. */
import { MissingDependencyError } from '../errors.js';

export interface MetricsSink {
  /** Stops sending (and closes what the sink opened). Idempotent. */
  close(): Promise<void>;
}

/** Imports an optional peer dependency, or throws LOOPFLEET_ERR_MISSING_DEPENDENCY naming it. */
export async function loadOptional<T>(name: string, feature: string): Promise<T> {
  try {
    return (await import(name)) as T;
  } catch (err) {
    if ((err as { code?: unknown }).code === 'ERR_MODULE_NOT_FOUND') throw new MissingDependencyError(name, feature, err);
    throw err;
  }
}
