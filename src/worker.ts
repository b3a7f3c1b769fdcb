/**
 * `loopfleet/worker`: what a worker module imports.
 *
 * @example
 * import { defineWorker } from 'loopfleet/worker';
 * export default defineWorker({
 *   async init(ctx) {},
 *   tasks: { async fetchServer(url: string) { return (await fetch(url)).headers.get('server'); } },
 *   async onMessage(message, ctx) { await ctx.put(message); },
 *   async close(ctx) {},
 * });
 */
export { defineWorker, transfer } from './worker/define.js';
export type { TaskFunction, TaskMap, WorkerContext, WorkerDefinition, WorkerSpec } from './worker/define.js';
