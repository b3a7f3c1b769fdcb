// The loopfleet worker module of the bench: one tiny task.
import { defineWorker } from '../../dist/worker.js';

export default defineWorker({
  tasks: { add: ({ a, b }) => a + b },
});
