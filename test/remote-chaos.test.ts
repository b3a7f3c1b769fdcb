/**
 * Remote chaos (issue 6, group 8): 10,000 jobs, 3 `loopfleet worker` processes SIGKILLed at random
 * and respawned; every job completes at least once and every result is delivered.
 */
import assert from 'node:assert/strict';
import { it } from 'node:test';
import { RemotePool } from 'loopfleet/remote';
import { fixture } from './helpers.js';
import { cliWorker, harness, type CliWorker } from './remote/redis.js';
import type tasks from './fixtures/remote-tasks.js';

const { redis, defer } = await harness();

it('chaos: 10,000 jobs, 3 workers killed at random: every job completed, every result delivered', async () => {
  const pool = new RemotePool<typeof tasks>({ broker: redis.url, queue: 'chaos', block: 200, sweepInterval: 2000 });
  defer(() => pool.destroy());
  const spawn = (): CliWorker => cliWorker(fixture('remote-tasks'), redis.url, 'chaos', ['--size', '1', '--concurrency', '32', '--lease', '1000', '--block', '200', '--max-deliveries', '1000']);
  const workers = [spawn(), spawn(), spawn()];
  const N = 10_000;
  let settled = 0;
  const runs = Array.from({ length: N }, (_, i) =>
    pool.run('addLater', { a: i, b: 1, ms: 2 }).finally(() => {
      settled++;
    }),
  );
  let kills = 0;
  // Kill one worker at random every 300 to 900 ms while jobs remain (at most 6 times), and start
  // a replacement, as a supervisor would; at least 3 kills whatever the speed of the machine.
  // (A job may be held by several killed workers in a row: the dead-letter limit is lifted here,
  // poison jobs have their own test.)
  while ((settled < N && kills < 6) || kills < 3) {
    await new Promise((resolve) => setTimeout(resolve, 300 + Math.random() * 600));
    const k = Math.floor(Math.random() * workers.length);
    workers[k]?.proc.kill('SIGKILL');
    kills++;
    workers[k] = spawn();
  }
  const results = await Promise.all(runs);
  assert.deepEqual(results, Array.from({ length: N }, (_, i) => i + 1));
  const stats = await pool.stats();
  assert.deepEqual([stats.queued, stats.running, stats.delayed, stats.dead], [0, 0, 0, 0]);
  assert.ok(kills >= 3);
  for (const w of workers) w.proc.kill('SIGKILL');
});
