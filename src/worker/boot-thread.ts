/** Entry point of a `thread` runtime worker. */
import { threadChannel } from './channel-thread.js';
import { WorkerRuntime } from './runtime.js';

new WorkerRuntime(threadChannel());
