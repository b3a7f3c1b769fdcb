/** Blocked-loop warnings: a busy-looping worker is reported, with its task, duration and stack. */
import assert from 'node:assert/strict';
import { subscribe, unsubscribe } from 'node:diagnostics_channel';
import { describe, test } from 'node:test';
import { CHANNELS, type BlockedEvent, type Logger } from 'loopfleet';
import { later, pool, RUNTIMES, until } from './helpers.js';

// Generous: the machine running the tests may be busy, and a starved worker is a blocked one.
const THRESHOLD = 400;

function recordingLogger(): Logger & { warnings: [Record<string, unknown>, string][] } {
  const warnings: [Record<string, unknown>, string][] = [];
  return { warnings, info() {}, error() {}, warn: (obj, msg) => void warnings.push([obj as Record<string, unknown>, msg ?? '']) };
}

for (const runtime of RUNTIMES) {
  describe(`blocked-loop warnings (${runtime})`, () => {
    for (const captureStack of [false, true]) {
      test(`a worker that busy-loops is reported while blocked and once it turns again${captureStack ? ', with its stack' : ''}`, async (t) => {
        const logger = recordingLogger();
        const p = pool(t, { worker: 'metrics-busy', size: 2, runtime, name: 'spinners', logger, metrics: { blockedThreshold: THRESHOLD, captureStack } });
        const seen: BlockedEvent[] = [];
        p.on('blocked', (e) => seen.push(e));
        const published: BlockedEvent[] = [];
        const listener = (e: unknown): void => void published.push(e as BlockedEvent);
        subscribe(CHANNELS.blocked, listener);
        t.after(() => unsubscribe(CHANNELS.blocked, listener));
        await p.ready();
        // Heartbeats flowing: the worker has been watched for a while before it blocks.
        await p.run('sleep', 100, { worker: 0 });
        // Long enough for a stack capture to finish while the loop is still blocked, on a busy machine too.
        const spin = later(p.run('busyLoop', 4 * THRESHOLD + (captureStack ? 3000 : 1000), { worker: 0 }));
        const mine = (resolved: boolean) => (e: BlockedEvent) => e.worker === 0 && e.resolved === resolved && e.tasks.includes('busyLoop');
        await until(() => seen.some(mine(false)), 20_000, 'the blocked warning');
        const warning = seen.find(mine(false)) as BlockedEvent;
        assert.equal(warning.pool, 'spinners');
        assert.deepEqual(warning.tasks, ['busyLoop']);
        assert.equal(warning.pid, p.stats().workers[0]?.pid);
        assert.ok(warning.blockedMs >= THRESHOLD, `blockedMs ${warning.blockedMs}`);
        if (captureStack) {
          assert.match(warning.stack ?? '', /at busyLoop \(.*metrics-busy\.js:\d+:\d+\)/, 'the stack shows where the worker was');
        } else {
          assert.equal(warning.stack, undefined);
        }
        const [fields, message] = logger.warnings.find(([o]) => o.worker === 0 && o.resolved === false && String(o.tasks) === 'busyLoop') ?? [{}, ''];
        assert.match(message, /worker 0 of pool spinners: event loop blocked for \d+ ms so far \(running "busyLoop"\)/);
        assert.equal(fields.pool, 'spinners');
        if (captureStack) assert.match(String(fields.stack), /busyLoop/);
        await spin;
        await until(() => seen.some(mine(true)), 20_000, 'the follow-up once the loop turned');
        const after = seen.find(mine(true)) as BlockedEvent;
        assert.ok(after.blockedMs >= warning.blockedMs - 100, `${after.blockedMs} after ${warning.blockedMs}`);
        assert.ok(seen.indexOf(after) > seen.indexOf(warning), 'the follow-up comes after the warning');
        assert.ok(published.some(mine(false)) && published.some(mine(true)), 'both went to the diagnostics channel');
      });
    }
  });
}

test('without blockedThreshold nothing is watched', async (t) => {
  const logger = recordingLogger();
  const p = pool(t, { worker: 'metrics-busy', size: 1, logger, metrics: { interval: 100 } });
  const seen: BlockedEvent[] = [];
  p.on('blocked', (e) => seen.push(e));
  await p.run('busyLoop', 800);
  await p.run('sleep', 300);
  assert.deepEqual(seen, []);
  assert.deepEqual(logger.warnings, []);
});
