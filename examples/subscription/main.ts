/**
 * subscription: message mode, with workers that keep producing after the call that started them.
 *
 * The parent `put`s two subscriptions to each worker (`{ worker: n }`). Each worker's `onMessage`
 * starts a timer in its own event loop and returns; the timer then `ctx.put`s messages to the
 * parent. The parent reads them all with `for await (const m of pool.messages())`, then closes.
 *
 * Run: npm run build && npx tsc -p tsconfig.test.json && node build/examples/subscription/main.js
 */
import { pathToFileURL } from 'node:url';
import { Pool } from 'loopfleet';
import type worker from './worker.js';
import type { Subscribe } from './worker.js';

export interface Stream {
  worker: number;
  topic: string;
  /** Sequence numbers in the order the parent received them. */
  seqs: number[];
}

export interface SubscriptionSummary {
  size: number;
  /** Messages the parent expected and received. */
  expected: number;
  received: number;
  /** Messages received per worker, by slot index. */
  perWorker: number[];
  /** One per (worker, topic) subscription. */
  streams: Stream[];
}

export interface MainOptions {
  /** Where readable output goes. @default console.log */
  log?: (line: string) => void;
  /** Number of workers. @default 3 */
  size?: number;
}

/** What each worker is asked to subscribe to. */
const SUBSCRIPTIONS: readonly { topic: string; count: number; everyMs: number }[] = [
  { topic: 'prices', count: 6, everyMs: 2 },
  { topic: 'news', count: 4, everyMs: 5 },
];

export async function main({ log = console.log, size = 3 }: MainOptions = {}): Promise<SubscriptionSummary> {
  const pool = new Pool<typeof worker>({
    worker: new URL('./worker.js', import.meta.url),
    size,
    name: 'subscription',
  });
  try {
    const streams = new Map<string, Stream>();
    let expected = 0;
    for (let n = 0; n < size; n++) {
      for (const { topic, count, everyMs } of SUBSCRIPTIONS) {
        const message: Subscribe = { subscribe: topic, count, everyMs };
        await pool.put(message, { worker: n });
        streams.set(`${n}/${topic}`, { worker: n, topic, seqs: [] });
        expected += count;
      }
    }
    log(`subscribed ${size} workers to ${SUBSCRIPTIONS.map((s) => `${s.topic} (${s.count})`).join(' and ')}: expecting ${expected} messages`);

    const perWorker = new Array<number>(size).fill(0);
    let received = 0;
    for await (const m of pool.messages()) {
      const stream = streams.get(`${m.worker}/${m.topic}`);
      if (stream === undefined) throw new Error(`unexpected message ${JSON.stringify(m)}`);
      stream.seqs.push(m.seq);
      perWorker[m.worker] = (perWorker[m.worker] ?? 0) + 1;
      received++;
      log(`worker ${m.worker} ${m.topic.padEnd(6)} #${m.seq}`);
      if (received === expected) break;
    }

    for (const s of streams.values()) log(`worker ${s.worker} ${s.topic}: seq ${s.seqs.join(',')}`);
    log(`received ${received}/${expected} messages`);
    return { size, expected, received, perWorker, streams: [...streams.values()] };
  } finally {
    await pool.close();
  }
}

if (process.argv[1] !== undefined && import.meta.url === pathToFileURL(process.argv[1]).href) {
  main().catch((err: unknown) => {
    console.error(err);
    process.exitCode = 1;
  });
}
