/** Loading the user's worker module and checking its default export. */
import { WorkerModuleError } from '../errors.js';
import { isWorkerDefinition, type WorkerDefinition } from './define.js';

/** Imports `moduleUrl`; throws a WorkerModuleError that says why when it cannot be used. */
export async function loadDefinition(moduleUrl: string): Promise<WorkerDefinition> {
  let mod: { default?: unknown };
  try {
    mod = (await import(moduleUrl)) as { default?: unknown };
  } catch (err) {
    throw new WorkerModuleError(moduleUrl, `failed to load: ${err instanceof Error ? err.message : String(err)}`, err);
  }
  const def = mod.default;
  if (!isWorkerDefinition(def)) {
    throw new WorkerModuleError(
      moduleUrl,
      `must have \`export default defineWorker({...})\` (imported from 'loopfleet/worker'); its default export is ${def === undefined ? 'missing' : def === null ? 'null' : `of type ${typeof def}`}`,
    );
  }
  return def;
}
