/** Workers' console output and uncaught errors reach the pool's logger, tagged, and none is lost in a crash. */
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import { Writable } from 'node:stream';
import { pino } from 'pino';
import { ErrorCodes, type Logger } from 'loopfleet';
import { fixture, pool, RUNTIMES, until } from './helpers.js';

type Entry = { level: 'info' | 'warn' | 'error'; obj: Record<string, unknown>; msg: string };

function recordingLogger(): Logger & { entries: Entry[] } {
  const entries: Entry[] = [];
  const at = (level: Entry['level']) => (obj: object, msg?: string) => void entries.push({ level, obj: obj as Record<string, unknown>, msg: msg ?? '' });
  return { entries, info: at('info'), warn: at('warn'), error: at('error') };
}

const N = 200;
const lines = (prefix: string): string[] => Array.from({ length: N }, (_, i) => `${prefix} ${i}`);

for (const runtime of RUNTIMES) {
  describe(`worker logs (${runtime})`, () => {
    test('console output arrives line by line, tagged with pool, worker and stream', async (t) => {
      const logger = recordingLogger();
      const p = pool(t, { worker: 'metrics-logs', size: 2, runtime, name: 'loggers', logger });
      await p.run('log', N, { worker: 1 });
      await until(() => logger.entries.filter((e) => e.obj.worker === 1).length === 2 * N, 10_000, 'every line');
      const out = logger.entries.filter((e) => e.obj.stream === 'stdout');
      const err = logger.entries.filter((e) => e.obj.stream === 'stderr');
      assert.deepEqual(out.map((e) => e.msg), lines('out'));
      assert.deepEqual(err.map((e) => e.msg), lines('err'));
      assert.ok(out.every((e) => e.level === 'info' && e.obj.pool === 'loggers' && e.obj.worker === 1 && e.obj.pid === p.stats().workers[1]?.pid));
      assert.ok(err.every((e) => e.level === 'error' && e.obj.pool === 'loggers' && e.obj.worker === 1));
    });

    for (const [task, code] of [['logThenExit', 'exit code 3'], ['logThenThrow', 'crashed after logging']] as const) {
      test(`nothing is lost when a worker crashes right after logging (${task})`, async (t) => {
        const logger = recordingLogger();
        const p = pool(t, { worker: 'metrics-logs', size: 1, runtime, logger });
        await assert.rejects(p.run(task, N), { code: ErrorCodes.WORKER_CRASHED });
        const crash = logger.entries.findIndex((e) => e.level === 'error' && e.obj.err !== undefined);
        assert.ok(crash >= 0, 'the crash was reported');
        const before = logger.entries.slice(0, crash);
        assert.deepEqual(before.filter((e) => e.obj.stream === 'stdout').map((e) => e.msg), lines('out'));
        assert.deepEqual(before.filter((e) => e.obj.stream === 'stderr').map((e) => e.msg), lines('err'));
        const report = logger.entries[crash] as Entry;
        assert.equal(report.obj.worker, 0);
        assert.match(report.msg, new RegExp(code));
        const err = report.obj.err as Error;
        assert.equal(err.name, 'WorkerCrashedError');
        if (task === 'logThenThrow') assert.match((err.cause as Error).stack ?? '', /crashAfterLogging .*metrics-logs\.js/, 'reported with the worker\'s stack');
        // The replacement works.
        await p.run('log', 0);
      });
    }

    test('a last line without a newline is not lost', async (t) => {
      const logger = recordingLogger();
      const p = pool(t, { worker: 'metrics-logs', size: 1, runtime, logger });
      await assert.rejects(p.run('partialLine'), { code: ErrorCodes.WORKER_CRASHED });
      await until(() => logger.entries.some((e) => e.msg === 'no newline at the end'), 10_000, 'the partial line');
    });
  });
}

test('a pino logger receives worker output as structured records', async (t) => {
  const records: Record<string, unknown>[] = [];
  const destination = new Writable({
    write(chunk: Buffer, _encoding, done) {
      for (const line of chunk.toString('utf8').split('\n')) if (line !== '') records.push(JSON.parse(line) as Record<string, unknown>);
      done();
    },
  });
  const p = pool(t, { worker: 'metrics-logs', size: 1, name: 'structured', logger: pino(destination) });
  await p.run('log', 3);
  await until(() => records.length === 6, 10_000, 'six records');
  const out = records.filter((r) => r.stream === 'stdout');
  assert.deepEqual(out.map((r) => r.msg), ['out 0', 'out 1', 'out 2']);
  assert.ok(out.every((r) => r.level === 30 && r.pool === 'structured' && r.worker === 0));
  assert.ok(records.filter((r) => r.stream === 'stderr').every((r) => r.level === 50));
});

test('the default logger is the console, tagged with pool and worker', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'loopfleet-logs-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const script = join(dir, 'parent.mjs');
  writeFileSync(
    script,
    `import { Pool } from ${JSON.stringify(new URL('../../dist/index.js', import.meta.url).href)};
    const p = new Pool({ worker: ${JSON.stringify(fixture('metrics-logs').href)}, size: 1, name: 'consoled' });
    await p.run('log', 2);
    await p.close();`,
  );
  const child = spawn(process.execPath, [script], { stdio: ['ignore', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  child.stdout.setEncoding('utf8').on('data', (d: string) => (stdout += d));
  child.stderr.setEncoding('utf8').on('data', (d: string) => (stderr += d));
  const code = await new Promise((resolve) => child.on('close', resolve));
  assert.equal(code, 0, stderr);
  assert.equal(stdout, '[loopfleet consoled worker 0] out 0\n[loopfleet consoled worker 0] out 1\n');
  assert.equal(stderr, '[loopfleet consoled worker 0] err 0\n[loopfleet consoled worker 0] err 1\n');
});
