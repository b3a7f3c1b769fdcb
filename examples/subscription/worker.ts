/**
 * Worker module for the subscription example: message mode.
 *
 * `onMessage` receives `{ subscribe: topic, count }` from `pool.put` and returns at once, after
 * starting a timer in this worker's own event loop. The timer later sends `count` messages to the
 * parent with `ctx.put`, one every few milliseconds, then stops. `close` clears any timer still
 * running when the worker shuts down.
 */
import { defineWorker, type WorkerContext } from 'loopfleet/worker';

/** Parent -> worker. */
export interface Subscribe {
  subscribe: string;
  count: number;
  /** Milliseconds between two messages. @default 3 */
  everyMs?: number;
}

/** Worker -> parent. */
export interface Tick {
  topic: string;
  /** 1, 2, ... count, per topic. */
  seq: number;
  /** The worker (slot index) that sent it. */
  worker: number;
}

/** Timers of this worker's live subscriptions. */
const timers = new Set<NodeJS.Timeout>();

export default defineWorker({
  onMessage({ subscribe: topic, count, everyMs = 3 }: Subscribe, ctx: WorkerContext<Tick>): void {
    let seq = 0;
    const timer = setInterval(() => {
      seq++;
      if (seq >= count) {
        clearInterval(timer);
        timers.delete(timer);
      }
      // ctx.put waits (holding the message) if the parent is not consuming: nothing is lost.
      ctx.put({ topic, seq, worker: ctx.id }).catch((err: unknown) => console.error(`worker ${ctx.id}: put failed`, err));
    }, everyMs);
    timers.add(timer);
  },

  close(): void {
    for (const timer of timers) clearInterval(timer);
    timers.clear();
  },
});
