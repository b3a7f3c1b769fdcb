import { defineWorker, transfer } from '../../dist/worker.js';
import { add, rows } from './tasks.mjs';

export default defineWorker({
  tasks: {
    add,
    async rows(opts) {
      const chunk = await rows(opts);
      return transfer(chunk, [chunk.buffer]);
    },
    // Streaming: small items from an async generator (pool.stream).
    async *items({ n }) {
      for (let i = 0; i < n; i++) yield i;
    },
  },
  // Message mode: echo every message back with ctx.put; with workerData.wait, onMessage returns
  // ctx.put's promise (it resolves once the message has left), otherwise it does not wait.
  onMessage(message, ctx) {
    const sent = ctx.put(message);
    return ctx.workerData?.wait === true ? sent : undefined;
  },
});
