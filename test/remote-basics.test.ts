/** Remote queue semantics (issue 6, group 9) against a real redis-server. */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ErrorCodes } from 'loopfleet';
import { RemotePool, serveQueue, type RemoteWorker } from 'loopfleet/remote';
import { fixture, until } from './helpers.js';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freePort, harness, makeCertificates, startRedis } from './remote/redis.js';
import type tasks from './fixtures/remote-tasks.js';

const { redis, defer } = await harness();

function producer(queue: string, extra: Partial<ConstructorParameters<typeof RemotePool>[0]> = {}): RemotePool<typeof tasks> {
  const p = new RemotePool<typeof tasks>({ broker: redis.url, queue, block: 200, ...extra });
  defer(() => p.destroy());
  return p;
}

async function consumer(queue: string, extra: Partial<Parameters<typeof serveQueue>[0]> = {}): Promise<RemoteWorker> {
  const w = await serveQueue({ worker: fixture('remote-tasks'), broker: redis.url, queue, size: 1, block: 200, lease: 2000, log: false, ...extra });
  defer(() => w.stop());
  return w;
}

describe('remote queue', () => {
  it('runs typed tasks and returns results and errors', async () => {
    const pool = producer('basics');
    await consumer('basics');
    assert.equal(await pool.run('add', { a: 2, b: 3 }), 5);
    assert.deepEqual(await pool.run('echo', { nested: [1, 'two', null] }), { nested: [1, 'two', null] });
    await assert.rejects(pool.run('fail', 'boom'), (err: Error & { code?: string }) => err instanceof RangeError && err.message === 'boom' && err.code === 'E_FIXTURE');
    const results = await Promise.all(Array.from({ length: 500 }, (_, i) => pool.run('add', { a: i, b: 1 })));
    assert.deepEqual(results, Array.from({ length: 500 }, (_, i) => i + 1));
  });

  it('rejects a duplicate id while the job is pending, accepts it after completion', async () => {
    const pool = producer('dupes');
    const first = await pool.enqueue('add', { a: 1, b: 1 }, { id: 'order-1' });
    await assert.rejects(pool.enqueue('add', { a: 1, b: 1 }, { id: 'order-1' }), { code: ErrorCodes.DUPLICATE_JOB });
    await assert.rejects(pool.run('add', { a: 1, b: 1 }, { id: 'order-1' }), { code: ErrorCodes.DUPLICATE_JOB });
    assert.equal((await first.status()).state, 'queued');
    await consumer('dupes');
    assert.equal(await first.result(), 2);
    assert.equal((await first.status()).state, 'done');
    assert.equal(await pool.run('add', { a: 2, b: 2 }, { id: 'order-1' }), 4);
  });

  it('isolates named queues on one Redis', async () => {
    const a = producer('iso-a');
    const b = producer('iso-b');
    const wa = await consumer('iso-a');
    const jobB = await b.enqueue('pid');
    assert.equal(await a.run('pid'), process.pid);
    await until(() => wa.stats().completed === 1, 10_000, 'the completion to be counted');
    assert.equal((await jobB.status()).state, 'queued');
    const keys = await redis.client.keys('lf:{iso-b}:*');
    assert.ok(keys.length > 0 && keys.every((k) => k.startsWith('lf:{iso-b}:')));
  });

  it('keeps results for resultTtl, then forgets them', async () => {
    const pool = producer('ttl');
    await consumer('ttl');
    const job = await pool.enqueue('add', { a: 20, b: 1 }, { resultTtl: 1 });
    assert.equal(await job.result(), 21);
    assert.equal(await pool.job(job.id).result(), 21);
    await until(async () => (await redis.client.exists(`lf:{ttl}:job:${job.id}`)) === 0, 10_000, 'the result to expire');
    await assert.rejects(pool.job(job.id).result(), { code: ErrorCodes.JOB_NOT_FOUND });
    await assert.rejects(pool.job(job.id).status(), { code: ErrorCodes.JOB_NOT_FOUND });
  });

  it('ignoreResult stores no result and sends no event', async () => {
    const pool = producer('ignore');
    await consumer('ignore');
    const job = await pool.enqueue('big', 1000, { ignoreResult: true });
    await until(async () => (await job.status()).state === 'done', 10_000, 'the job to finish');
    assert.equal(await redis.client.hget(`lf:{ignore}:job:${job.id}`, 'v'), null);
    assert.equal(await redis.client.xlen('lf:{ignore}:events'), 0);
    assert.equal(await job.result(), undefined);
  });

  it('rejects unknown task names with UNKNOWN_TASK, once, without retries', async () => {
    const pool = producer('unknown');
    await consumer('unknown');
    // An untyped producer may name any task; the worker runs only what its module registers.
    const untyped = pool as unknown as RemotePool;
    await assert.rejects(untyped.run('rm -rf', '/', { retries: 3 }), (err: Error & { code?: string; known?: string[] }) => {
      assert.equal(err.code, ErrorCodes.UNKNOWN_TASK);
      assert.ok(err.known?.includes('add'));
      return true;
    });
    const [dead] = await pool.deadLetters();
    assert.equal(dead?.task, 'rm -rf');
    assert.match(dead?.reason ?? '', /Unknown task/);
  });

  it('rejects oversized arguments at the producer and oversized results at the worker', async () => {
    const pool = producer('payload', { maxPayload: 1024 });
    await consumer('payload', { maxPayload: 1024 });
    await assert.rejects(pool.run('echo', 'x'.repeat(2000)), { code: ErrorCodes.PAYLOAD_TOO_LARGE });
    await assert.rejects(pool.run('big', 5000), { code: ErrorCodes.PAYLOAD_TOO_LARGE });
    assert.equal(await pool.run('big', 10), 'x'.repeat(10));
  });

  it('retries failures with backoff, then dead-letters them; replay requeues', async () => {
    const pool = producer('retries');
    const w = await consumer('retries', { lease: 400 });
    const job = await pool.enqueue('fail', 'always', { retries: 2, backoff: 50 });
    await assert.rejects(job.result(), { message: 'always' });
    const status = await job.status();
    assert.equal(status.state, 'failed');
    assert.equal(status.attempt, 3);
    assert.equal(w.stats().failed, 3);
    const [dead] = await pool.deadLetters();
    assert.equal(dead?.id, job.id);
    assert.equal(dead?.arg, 'always');
    assert.equal(await pool.replay(), 1);
    assert.equal((await pool.deadLetters()).length, 0);
    await assert.rejects(pool.job(job.id).result(), { message: 'always' });
  });

  it('delivers put() messages to onMessage on a remote worker', async () => {
    const pool = producer('puts');
    await consumer('puts');
    await pool.put('hello' as never);
    // remote-tasks has no onMessage: the put reaches the worker, which reports it has no handler.
    await until(async () => (await pool.stats()).running + (await pool.stats()).queued === 0, 10_000, 'the put to be consumed');
  });

  it('fails fast with BROKER on a wrong password', async () => {
    const secured = await startRedis(['--requirepass', 's3cret']);
    defer(() => secured.stop());
    const wrong = secured.url.replace('s3cret', 'nope');
    const pool = new RemotePool({ broker: wrong, queue: 'auth' });
    await assert.rejects(pool.run('x'), (err: Error & { code?: string }) => err.code === ErrorCodes.BROKER && !err.message.includes('nope'));
    await pool.destroy();
    await assert.rejects(serveQueue({ worker: fixture('remote-tasks'), broker: wrong, queue: 'auth', size: 1, log: false }), { code: ErrorCodes.BROKER });
    const ok = new RemotePool({ broker: secured.url, queue: 'auth' });
    const w = await serveQueue({ worker: fixture('remote-tasks'), broker: secured.url, queue: 'auth', size: 1, log: false });
    assert.equal(await ok.run('add', { a: 1, b: 2 }), 3);
    await w.stop();
    await ok.close();
  });

  it('connects over TLS (rediss://) with a private CA and a password', async () => {
    const certs = mkdtempSync(join(tmpdir(), 'loopfleet-tls-'));
    defer(() => rmSync(certs, { recursive: true, force: true }));
    const { ca, cert, key } = makeCertificates(certs);
    const tlsPort = await freePort();
    const secured = await startRedis(['--requirepass', 'tls-pass', '--tls-port', String(tlsPort), '--tls-cert-file', cert, '--tls-key-file', key, '--tls-ca-cert-file', ca, '--tls-auth-clients', 'no']);
    defer(() => secured.stop());
    const url = `rediss://:tls-pass@127.0.0.1:${tlsPort}`;
    const tls = { ca: readFileSync(ca) };
    const pool = new RemotePool<typeof tasks>({ broker: url, queue: 'tls', tls, block: 200 });
    defer(() => pool.destroy());
    const w = await serveQueue({ worker: fixture('remote-tasks'), broker: url, queue: 'tls', tls, size: 1, block: 200, log: false });
    defer(() => w.stop());
    assert.equal(await pool.run('add', { a: 40, b: 2 }), 42);
    // Without the CA the certificate is refused: a coded error, not a hang.
    const untrusted = new RemotePool({ broker: url, queue: 'tls', connectTimeout: 2000 });
    await assert.rejects(untrusted.connect(), { code: ErrorCodes.BROKER });
    await untrusted.destroy();
  });

  it('validates options with named errors', () => {
    assert.throws(() => new RemotePool({ broker: 'http://x', queue: 'q' }), { code: ErrorCodes.INVALID_ARG_VALUE, message: /broker/ });
    assert.throws(() => new RemotePool({ broker: redis.url, queue: 'a{b}' }), { code: ErrorCodes.INVALID_ARG_VALUE, message: /queue/ });
    assert.throws(() => new RemotePool({ broker: redis.url, queue: 'q', maxPayload: -1 }), { code: ErrorCodes.INVALID_ARG_VALUE, message: /maxPayload/ });
  });
});
