/**
 * Remote operations (issue 6, groups 5 to 7): graceful SIGTERM of `loopfleet worker`, a real Redis
 * restart, and CLIENT KILL of blocked connections, against a real redis-server.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { RemotePool } from 'loopfleet/remote';
import { fixture, until } from './helpers.js';
import { cliWorker, harness, started, type CliWorker } from './remote/redis.js';
import type tasks from './fixtures/remote-tasks.js';

const { redis, defer } = await harness();

function producer(queue: string): RemotePool<typeof tasks> {
  const p = new RemotePool<typeof tasks>({ broker: redis.url, queue, block: 200, sweepInterval: 1000 });
  defer(() => p.destroy());
  return p;
}

async function worker(queue: string, args: string[]): Promise<CliWorker> {
  const w = cliWorker(fixture('remote-tasks'), redis.url, queue, ['--block', '200', ...args]);
  await started(w);
  return w;
}

/** Ids of server-side clients running `command` (e.g. a blocked xreadgroup). */
async function clientsRunning(command: string): Promise<string[]> {
  const list = (await redis.client.call('CLIENT', 'LIST', 'TYPE', 'normal')) as string;
  return list
    .split('\n')
    .filter((l) => l.includes(` cmd=${command} `))
    .map((l) => l.match(/^id=(\d+)/)?.[1] ?? '');
}

describe('remote operations', () => {
  it('SIGTERM: `loopfleet worker` finishes its in-flight jobs, fetches no new one, and exits 0', async () => {
    const pool = producer('graceful');
    const w = await worker('graceful', ['--size', '2', '--concurrency', '2']);
    const slow = [await pool.enqueue('sleep', 1500), await pool.enqueue('sleep', 1500)];
    await until(async () => (await Promise.all(slow.map((j) => j.status()))).every((s) => s.state === 'running'), 20_000, 'both jobs to start');
    const rest = await Promise.all([1, 2, 3].map(() => pool.enqueue('pid')));
    w.proc.kill('SIGTERM');
    const { code } = await w.exited;
    assert.equal(code, 0, w.output());
    for (const job of slow) {
      assert.equal(await job.result(), w.proc.pid);
      assert.equal((await job.status()).state, 'done');
    }
    for (const job of rest) assert.deepEqual(await job.status(), { id: job.id, state: 'queued', attempt: 1, deliveries: 0 });
    const out = w.output();
    assert.match(out, /started consumer/);
    assert.match(out, /SIGTERM received/);
    assert.match(out, /stopping: no new jobs; finishing 2 in flight/);
    assert.match(out, /stopped: 2 completed/);
    // It left the group cleanly; another worker picks up the rest.
    assert.deepEqual(await redis.client.call('XINFO', 'CONSUMERS', 'lf:{graceful}:work', 'loopfleet'), []);
    const next = await worker('graceful', ['--size', '1']);
    for (const job of rest) assert.equal(await job.result(), next.proc.pid);
  });

  it('Redis restarted (SHUTDOWN NOSAVE, started again with AOF): workers and producers resume, no job lost', async () => {
    const pool = producer('restart');
    const w = await worker('restart', ['--size', '2', '--concurrency', '4', '--lease', '3000']);
    let settled = 0;
    const before = Array.from({ length: 300 }, (_, i) =>
      pool.run('sleep', 5 + (i % 3)).then((pid) => {
        settled++;
        return pid;
      }),
    );
    await until(() => settled >= 20, 20_000, 'some jobs to complete');
    await redis.shutdown();
    assert.ok(settled < 300, 'the restart happened while jobs were pending');
    await new Promise((resolve) => setTimeout(resolve, 500));
    await redis.restart();
    const after = Array.from({ length: 100 }, (_, i) => pool.run('add', { a: i, b: 0 }));
    assert.deepEqual(await Promise.all(after), Array.from({ length: 100 }, (_, i) => i));
    const pids = await Promise.all(before);
    assert.ok(pids.every((pid) => pid === w.proc.pid));
    assert.match(w.output(), /connection lost; reconnecting/);
    assert.equal((await pool.stats()).running + (await pool.stats()).queued, 0);
  });

  it('CLIENT KILL of blocked connections (worker and producer): no wedge', async () => {
    const pool = producer('killed-conn');
    const w = await worker('killed-conn', ['--size', '1']);
    assert.equal(await pool.run('add', { a: 1, b: 1 }), 2);
    for (let round = 0; round < 3; round++) {
      const pending = pool.run('sleep', 300);
      await until(async () => (await clientsRunning('xreadgroup')).length > 0 && (await clientsRunning('xread')).length > 0, 20_000, 'blocked reads');
      for (const id of [...(await clientsRunning('xreadgroup')), ...(await clientsRunning('xread'))]) await redis.client.call('CLIENT', 'KILL', 'ID', id);
      assert.equal(await pending, w.proc.pid);
      assert.equal(await pool.run('add', { a: round, b: 1 }), round + 1);
    }
    assert.match(w.output(), /read connection lost; reconnecting/);
  });
});
