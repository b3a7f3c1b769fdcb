// One bench worker process: `node worker.mjs <bullmq|bee-queue> <redis url> <queue> <jobs>`.
// Tells the parent (IPC) when it is ready and when it has completed every job.
// (loopfleet's worker is the real `loopfleet worker` CLI, started by run.mjs.)
const [lib, url, queue, total] = process.argv.slice(2);
const N = Number(total);
let completed = 0;
const done = () => {
  if (++completed === N) process.send({ done: true });
};

if (lib === 'bullmq') {
  const { Worker } = await import('bullmq');
  const { hostname, port } = new URL(url);
  const worker = new Worker(queue, async (job) => job.data.a + job.data.b, {
    connection: { host: hostname, port: Number(port), maxRetriesPerRequest: null },
    concurrency: 10,
    removeOnComplete: { count: 0 },
  });
  worker.on('completed', done);
  await worker.waitUntilReady();
  process.on('message', async () => {
    await worker.close();
    process.exit(0);
  });
} else if (lib === 'bee-queue') {
  const { default: Queue } = await import('bee-queue');
  const q = new Queue(queue, { redis: { url }, removeOnSuccess: true, isWorker: true, getEvents: false, sendEvents: false });
  q.process(10, async (job) => job.data.a + job.data.b);
  q.on('succeeded', done);
  await q.ready();
  process.on('message', async () => {
    await q.close();
    process.exit(0);
  });
}
process.send({ ready: true });
