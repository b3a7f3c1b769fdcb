/** Entry point of a `process` runtime worker (spawned with its channel on fd 3, see channel-process.ts). */
import { Worker } from 'node:worker_threads';
import { serializeError } from '../error-codec.js';
import { Kind } from '../protocol.js';
import { processChannel } from './channel-process.js';
import { WorkerRuntime } from './runtime.js';

const [poolName = 'pool', id = '?'] = process.argv.slice(2);
process.title = `loopfleet ${poolName} worker ${id}`;

// Shutdown is message based: a Ctrl-C reaches the whole process group, and the parent decides.
process.on('SIGINT', () => {});
process.on('SIGTERM', () => {});
// No orphans: when the parent goes away (even by SIGKILL) the channel's pipe ends, and the
// channel exits (channel-process.ts)... but only on this thread's event loop, which a long
// synchronous task holds. A tiny watchdog thread notices the parent's death (a new parent pid)
// on its own loop and ends us. It starts once Ready has left (starting a thread costs tens of ms the worker's start need not wait
// for), and before any task can arrive: tasks come only after the parent has seen Ready.
function startWatchdog(): void {
  const watchdog = new Worker(
    `const { workerData } = require('node:worker_threads');
     setInterval(() => { if (process.ppid !== workerData.ppid) process.kill(process.pid, 'SIGKILL'); }, 250);`,
    { eval: true, workerData: { ppid: process.ppid }, name: 'loopfleet orphan watchdog', stdout: false, stderr: false },
  );
  watchdog.unref();
}

// metrics.captureStack: a thread that can capture this process's stack while its loop is blocked.
if (process.argv[4] === 'stack') new Worker(new URL('./stack-thread.js', import.meta.url), { name: 'loopfleet stack capture', stdout: false, stderr: false }).unref();

const channel = processChannel();
process.on('uncaughtException', (err) => {
  // Report the error before dying so that the parent can attach it to the crash; the thread
  // runtime gets the same from the Worker's 'error' event. The parent logs it with its stack.
  process.exitCode = 1;
  try {
    channel.send([Kind.Fatal, 0, serializeError(err), 0], undefined, () => process.exit(1));
  } catch {
    console.error(err);
    process.exit(1);
  }
});

new WorkerRuntime(channel, { ready: startWatchdog });
// Start-up is over: the parent sends Boot only now (see Kind.Hello).
channel.send([Kind.Hello, 0, 0, 0]);
