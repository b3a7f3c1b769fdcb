/** Options are validated eagerly; errors name the option and the value received. */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { ErrorCodes, Pool, type PoolOptions } from 'loopfleet';
import { fixture } from './helpers.js';

const worker = fixture('basic');

const bad: [string, Record<string, unknown>, string, RegExp][] = [
  ['no options', { worker: undefined }, ErrorCodes.INVALID_ARG_TYPE, /`worker`.*got undefined/],
  ['worker is a number', { worker: 42 }, ErrorCodes.INVALID_ARG_TYPE, /`worker`.*got 42/],
  ['worker is an http URL', { worker: new URL('http://example.test/w.js') }, ErrorCodes.INVALID_ARG_VALUE, /file: URL/],
  ['size 0', { worker, size: 0 }, ErrorCodes.INVALID_ARG_VALUE, /`size` to be an integer >= 1, got 0/],
  ['size 1.5', { worker, size: 1.5 }, ErrorCodes.INVALID_ARG_VALUE, /`size`.*got 1\.5/],
  ['size as string', { worker, size: '4' }, ErrorCodes.INVALID_ARG_TYPE, /`size` to be a number, got "4"/],
  ['runtime', { worker, runtime: 'fibre' }, ErrorCodes.INVALID_ARG_VALUE, /`runtime` to be one of 'thread', 'process', got "fibre"/],
  ['strategy', { worker, strategy: 'random' }, ErrorCodes.INVALID_ARG_VALUE, /`strategy`/],
  ['concurrency', { worker, concurrency: 0 }, ErrorCodes.INVALID_ARG_VALUE, /`concurrency`/],
  ['maxQueue', { worker, maxQueue: 0 }, ErrorCodes.INVALID_ARG_VALUE, /`maxQueue`.*or Infinity/],
  ['messageHighWaterMark', { worker, messageHighWaterMark: 0 }, ErrorCodes.INVALID_ARG_VALUE, /`messageHighWaterMark`/],
  ['prefetch', { worker, prefetch: 'lots' }, ErrorCodes.INVALID_ARG_TYPE, /`prefetch`/],
  ['maxTasksPerWorker', { worker, maxTasksPerWorker: 0 }, ErrorCodes.INVALID_ARG_VALUE, /`maxTasksPerWorker`/],
  ['maxHeapMB', { worker, maxHeapMB: -5 }, ErrorCodes.INVALID_ARG_VALUE, /`maxHeapMB`/],
  ['name', { worker, name: '' }, ErrorCodes.INVALID_ARG_TYPE, /`name`/],
  ['execArgv', { worker, execArgv: '--inspect' }, ErrorCodes.INVALID_ARG_TYPE, /`execArgv` to be an array of strings/],
  ['env', { worker, env: { A: 1 } }, ErrorCodes.INVALID_ARG_TYPE, /`env\.A` to be a string/],
  ['resourceLimits', { worker, resourceLimits: { heap: 1 } }, ErrorCodes.INVALID_ARG_VALUE, /`resourceLimits\.heap`/],
  ['workerData', { worker, workerData: { f: () => 1 } }, ErrorCodes.INVALID_ARG_TYPE, /`workerData` to be a cloneable value/],
  ['unknown option', { worker, sise: 2 }, ErrorCodes.INVALID_ARG_VALUE, /Unknown option `sise`/],
];

for (const [what, options, code, message] of bad) {
  test(`rejects bad options: ${what}`, () => {
    assert.throws(() => new Pool(options as unknown as PoolOptions), (err: Error & { code: string }) => {
      assert.equal(err.code, code);
      assert.ok(err instanceof (code === ErrorCodes.INVALID_ARG_TYPE ? TypeError : RangeError));
      assert.match(err.message, message);
      return true;
    });
  });
}

test('a non-object options argument is a type error', () => {
  assert.throws(() => new Pool(null as unknown as PoolOptions), { code: ErrorCodes.INVALID_ARG_TYPE, message: /`options` to be an object, got null/ });
});

test('a worker path resolves against the current directory', async () => {
  const p = new Pool({ worker: worker.pathname, size: 1 });
  try {
    assert.equal(await p.run('add', { a: 1, b: 1 }), 2);
  } finally {
    await p.close();
  }
});

test('close() validates its options', async () => {
  const p = new Pool({ worker, size: 1 });
  await assert.rejects(p.close({ timeout: -1 }), { code: ErrorCodes.INVALID_ARG_VALUE, message: /`timeout`/ });
  await p.close();
});

test('an explicit execArgv with a flag worker threads refuse is an option error naming it; the process runtime takes it', async () => {
  assert.throws(() => new Pool({ worker, size: 1, runtime: 'thread', execArgv: ['--max-old-space-size=512'] }), {
    code: ErrorCodes.INVALID_ARG_VALUE,
    message: /`execArgv` to hold only flags a worker thread accepts.*--max-old-space-size=512/,
  });
  const p = new Pool<typeof import('./fixtures/basic.js').default>({ worker, size: 1, runtime: 'process', execArgv: ['--max-old-space-size=512'] });
  try {
    assert.equal(await p.run('add', { a: 1, b: 2 }), 3);
  } finally {
    await p.close();
  }
});
