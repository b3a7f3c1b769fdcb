// The floor: a bare worker_threads worker answering one message per task.
import { parentPort } from 'node:worker_threads';

parentPort.on('message', ([id, a, b]) => parentPort.postMessage([id, a + b]));
