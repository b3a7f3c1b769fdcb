/** Behaviour specific to the process runtime: titles, ignored signals, no orphans. */
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { once } from 'node:events';
import { test } from 'node:test';
import { fixture, pool, processAlive, until } from './helpers.js';

type Basic = typeof import('./fixtures/basic.js').default;

test('process workers carry a readable title: loopfleet <pool name> worker <n>', async (t) => {
  const p = pool<Basic>(t, { worker: 'basic', size: 2, runtime: 'process', name: 'images' });
  const [a, b] = await p.broadcast('whoami');
  assert.equal(a?.title, 'loopfleet images worker 0');
  assert.equal(b?.title, 'loopfleet images worker 1');
  if (process.platform === 'linux' && a !== undefined) {
    assert.match(readFileSync(`/proc/${a.pid}/cmdline`, 'utf8'), /^loopfleet images worker 0/);
  }
});

test('process workers ignore SIGINT and SIGTERM: shutdown is by message', async (t) => {
  const p = pool<Basic>(t, { worker: 'basic', size: 1, runtime: 'process' });
  const { pid } = await p.run('whoami');
  process.kill(pid, 'SIGTERM');
  process.kill(pid, 'SIGINT');
  // Round trips through the worker give the signals time to be delivered and ignored.
  for (let i = 0; i < 20; i++) assert.equal((await p.run('whoami')).pid, pid);
  assert.equal(p.stats().workers[0]?.restarts, 0);
  await p.close();
  await until(() => !processAlive(pid), 10_000, 'the worker to exit after close()');
});

test('process workers exit by themselves when the parent is SIGKILLed (no orphans)', async () => {
  const parent = spawn(process.execPath, [fixture('orphan-parent').pathname], { stdio: ['ignore', 'pipe', 'inherit'] });
  const [line] = (await once(parent.stdout, 'data')) as [Buffer];
  const pids = JSON.parse(line.toString()) as number[];
  assert.equal(pids.length, 2);
  assert.ok(pids.every(processAlive));
  parent.kill('SIGKILL');
  await once(parent, 'exit');
  await until(() => pids.every((pid) => !processAlive(pid)), 10_000, 'orphaned workers to exit');
});

test('a busy process worker exits too when the parent is SIGKILLed (watchdog thread)', async () => {
  const parent = spawn(process.execPath, [fixture('orphan-busy-parent').pathname], { stdio: ['ignore', 'pipe', 'inherit'] });
  const [line] = (await once(parent.stdout, 'data')) as [Buffer];
  const pids = JSON.parse(line.toString()) as number[];
  parent.kill('SIGKILL');
  await once(parent, 'exit');
  // Worker 0 is 60 s into a synchronous task: only its watchdog can end it this soon.
  await until(() => pids.every((pid) => !processAlive(pid)), 10_000, 'the busy orphan to exit');
});

test('a TypeScript worker runs from source through a loader (execArgv --import tsx)', async (t) => {
  const source = new URL('../../test/fixtures/typescript-source.ts', import.meta.url);
  const p = pool<typeof import('./fixtures/typescript-source.js').default>(t, { worker: source, size: 1, runtime: 'process', execArgv: ['--import', 'tsx'] });
  assert.equal(await p.run('describe', 5), '5 ms');
});
