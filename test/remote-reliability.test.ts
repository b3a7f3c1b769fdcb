/**
 * Remote reliability (issue 6, groups 1 to 4): crashed workers, lease renewal, zombie fencing and
 * poison jobs, with real `loopfleet worker` processes against a real redis-server.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ErrorCodes } from 'loopfleet';
import { RemotePool, serveQueue, type RemoteWorker } from 'loopfleet/remote';
import { fixture, until } from './helpers.js';
import { cliWorker, harness, started, type CliWorker } from './remote/redis.js';
import type tasks from './fixtures/remote-tasks.js';
import type poison from './fixtures/remote-poison.js';

const { redis, defer } = await harness();
const FAST = ['--size', '1', '--block', '200'];

function producer<W extends typeof tasks | typeof poison = typeof tasks>(queue: string): RemotePool<W> {
  const p = new RemotePool<W>({ broker: redis.url, queue, block: 200, sweepInterval: 1000 });
  defer(() => p.destroy());
  return p;
}

async function consumer(queue: string, lease: number): Promise<RemoteWorker> {
  const w = await serveQueue({ worker: fixture('remote-tasks'), broker: redis.url, queue, size: 1, block: 200, lease, log: false });
  defer(() => w.stop());
  return w;
}

async function worker(queue: string, args: string[], module = fixture('remote-tasks')): Promise<CliWorker> {
  const w = cliWorker(module, redis.url, queue, [...FAST, ...args]);
  await started(w);
  return w;
}

describe('remote reliability', () => {
  it('a worker SIGKILLed mid-job: the job is reclaimed by another and completes, delivery count 2', async () => {
    const pool = producer('killed');
    const first = await worker('killed', ['--lease', '800']);
    const job = await pool.enqueue('sleep', 1500);
    await until(async () => (await job.status()).state === 'running', 20_000, 'the job to start');
    assert.equal((await job.status()).deliveries, 1);
    first.proc.kill('SIGKILL');
    await first.exited;
    const second = await worker('killed', ['--lease', '800']);
    assert.equal(await job.result(), second.proc.pid);
    const status = await job.status();
    assert.equal(status.state, 'done');
    assert.equal(status.deliveries, 2);
    assert.match(second.output(), /reclaimed 1 job/);
  });

  it('a long job whose lease is renewed is not reclaimed', async () => {
    const pool = producer('renewed');
    const holder = await consumer('renewed', 400);
    const job = await pool.enqueue('sleep', 2000);
    await until(async () => (await job.status()).consumer === holder.consumer, 20_000, 'the first worker to take the job');
    // A second live worker looks for lapsed leases every 200 ms during five lease periods.
    const rival = await consumer('renewed', 400);
    assert.equal(await job.result(), process.pid);
    assert.equal((await job.status()).deliveries, 1);
    assert.equal(rival.stats().reclaimed, 0);
    assert.equal(holder.stats().leaseLost, 0);
  });

  it('a job whose lease is not renewed is reclaimed by a live worker', async () => {
    const pool = producer('stalled');
    await pool.connect();
    const job = await pool.enqueue('add', { a: 1, b: 2 });
    // A consumer that takes the job and then never renews (nor completes) it.
    const taken = (await redis.client.call('XREADGROUP', 'GROUP', 'loopfleet', 'stalled-consumer', 'COUNT', 1, 'STREAMS', 'lf:{stalled}:work', '>')) as unknown[];
    assert.equal(taken.length, 1);
    assert.equal((await job.status()).consumer, 'stalled-consumer');
    const live = await consumer('stalled', 300);
    assert.equal(await job.result(), 3);
    assert.equal((await job.status()).deliveries, 2);
    assert.equal(live.stats().reclaimed, 1);
  });

  it('a zombie worker finishing after its job was reclaimed cannot complete it', async () => {
    const pool = producer('zombie');
    const zombie = await worker('zombie', ['--lease', '600']);
    const job = await pool.enqueue('sleep', 1500);
    await until(async () => (await job.status()).state === 'running', 20_000, 'the job to start');
    // Frozen: no renewal, no completion, the job still running in its (frozen) thread.
    zombie.proc.kill('SIGSTOP');
    const live = await worker('zombie', ['--lease', '600']);
    assert.equal(await job.result(), live.proc.pid);
    zombie.proc.kill('SIGCONT');
    await until(() => /Lease on job .* was lost|lease on job .* lapsed/.test(zombie.output()), 20_000, 'the zombie to notice');
    // Its late completion changed nothing: the stored result is still the live worker's.
    await until(() => /Lease on job .* was lost/.test(zombie.output()), 20_000, 'the zombie to try to complete');
    assert.equal(await pool.job(job.id).result(), live.proc.pid);
    assert.equal((await job.status()).deliveries, 2);
    const events = await redis.client.xrange('lf:{zombie}:events', '-', '+');
    assert.equal(events.flatMap(([, f]) => f).filter((v) => v === job.id).length, 1);
  });

  it('a job that kills its worker every time lands in the dead-letter stream after N deliveries', async () => {
    const pool = producer<typeof poison>('poison');
    const job = await pool.enqueue('die');
    // Concurrency 1: a job that kills its process also takes down the jobs running beside it.
    const outcome = pool.run('ok');
    const result = job.result();
    result.catch(() => {});
    const spawned: CliWorker[] = [];
    // Respawn workers as they die, as a supervisor would, until the job is dead-lettered.
    await until(
      async () => {
        const last = spawned.at(-1);
        if (last === undefined || last.proc.exitCode !== null || last.proc.signalCode !== null) {
          spawned.push(cliWorker(fixture('remote-poison'), redis.url, 'poison', [...FAST, '--concurrency', '1', '--lease', '400', '--max-deliveries', '2']));
        }
        return (await job.status()).state === 'dead';
      },
      60_000,
      'the poison job to be dead-lettered',
    );
    await assert.rejects(result, (err: Error & { code?: string; reason?: string }) => err.code === ErrorCodes.DEAD_LETTER && /delivered 2 times/.test(err.reason ?? ''));
    assert.equal((await job.status()).deliveries, 2);
    assert.ok(spawned.filter((w) => w.proc.signalCode === 'SIGKILL').length >= 2);
    const dead = await pool.deadLetters();
    assert.deepEqual(dead.map((d) => [d.id, d.task]), [[job.id, 'die']]);
    assert.equal(await outcome, 'ok');
    // Replay puts it back as a fresh job.
    for (const w of spawned) {
      w.proc.kill('SIGKILL');
      await w.exited;
    }
    assert.equal(await pool.replay({ entries: [dead[0]?.entry ?? ''] }), 1);
    assert.deepEqual(await pool.job(job.id).status(), { id: job.id, state: 'queued', attempt: 1, deliveries: 0 });
    assert.equal((await pool.deadLetters()).length, 0);
  });
});
