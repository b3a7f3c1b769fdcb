import { defineWorker } from 'loopfleet/worker';

export default defineWorker({ tasks: { add: ({ a, b }) => a + b } });
