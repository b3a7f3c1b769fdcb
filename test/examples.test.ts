/**
 * The runnable examples in examples/: each runs as a script (exit code 0, readable output) and its
 * exported main() returns a summary that says the example did what it claims.
 */
import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, it } from 'node:test';
import * as assert from 'node:assert/strict';
import { main as fetchServer, ROUTES } from '../examples/fetch-server/main.js';
import { main as stickyState, TABLE } from '../examples/sticky-state/main.js';
import { main as subscription } from '../examples/subscription/main.js';
import { LOOKUP_IDS, main as rows, SEARCH } from '../examples/rows/main.js';
import { rowAt } from '../examples/rows/rows.js';

/** build/test/examples.test.js -> the repository root. */
const ROOT = fileURLToPath(new URL('../../', import.meta.url));

const quiet = (): void => {};

interface ScriptRun {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** Runs `node build/examples/<name>/main.js` from the repository root. */
function runExample(name: string): Promise<ScriptRun> {
  return new Promise((resolve) => {
    execFile(process.execPath, [`build/examples/${name}/main.js`], { cwd: ROOT, timeout: 60_000 }, (err, stdout, stderr) => {
      const code = err === null ? 0 : typeof err.code === 'number' ? err.code : null;
      resolve({ code, stdout, stderr });
    });
  });
}

function assertExitedCleanly(run: ScriptRun): void {
  assert.equal(run.code, 0, `exit code ${String(run.code)}\nstdout:\n${run.stdout}\nstderr:\n${run.stderr}`);
}

describe('examples/fetch-server', () => {
  it('runs as a script', async () => {
    const run = await runExample('fetch-server');
    assertExitedCleanly(run);
    assert.match(run.stdout, /^server listening on http:\/\/127\.0\.0\.1:\d+/m);
    for (const { server, status } of Object.values(ROUTES)) {
      assert.match(run.stdout, new RegExp(`^${status} +${server.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&')} +http://127\\.0\\.0\\.1:`, 'm'));
    }
    assert.match(run.stdout, /^worker 0: \d+ requests/m);
    assert.match(run.stdout, /^done: 20 responses$/m);
  });

  it('main() fetches every URL with the right status and Server header', async () => {
    const { results, agents } = await fetchServer({ log: quiet });
    assert.equal(results.length, 20);
    for (const r of results) {
      const route = ROUTES[new URL(r.url).pathname];
      assert.ok(route !== undefined, `unexpected URL ${r.url}`);
      assert.equal(r.server, route.server, r.url);
      assert.equal(r.status, route.status, r.url);
    }
    assert.deepEqual(new Set(results.map((r) => new URL(r.url).pathname)), new Set(Object.keys(ROUTES)));

    // The counters are worker state kept across tasks: per worker, requests are numbered 1..n.
    assert.equal(agents.length, 2);
    assert.equal(agents.reduce((n, a) => n + a.requests, 0), 20);
    for (const a of agents) {
      const numbers = results.filter((r) => r.worker === a.worker).map((r) => r.request).sort((x, y) => x - y);
      assert.deepEqual(numbers, Array.from({ length: a.requests }, (_, i) => i + 1));
    }
    // concurrency 4: a worker that got several tasks in one batch started them all at once.
    assert.ok(agents.some((a) => a.maxInFlight > 1), `no overlap: ${JSON.stringify(agents)}`);
    assert.ok(agents.every((a) => a.maxInFlight <= 4), `over concurrency: ${JSON.stringify(agents)}`);
  });
});

describe('examples/sticky-state', () => {
  it('runs as a script', async () => {
    const run = await runExample('sticky-state');
    assertExitedCleanly(run);
    assert.match(run.stdout, /^setTable broadcast \(sticky\): workers hold 10, 10 entries$/m);
    assert.match(run.stdout, /^lookup #30 pl -> Warsaw/m);
    assert.match(run.stdout, /^30 lookups succeeded, served by \d+ worker instances$/m);
    assert.match(run.stdout, /^worker 0: \d+ restarts$/m);
  });

  it('main(): every lookup succeeds, including on recycled workers', async () => {
    const { broadcast, lookups, instances, restarts } = await stickyState({ log: quiet });
    assert.deepEqual(broadcast, [10, 10]);
    assert.equal(lookups.length, 30);
    const keys = Object.keys(TABLE);
    for (const [i, r] of lookups.entries()) {
      assert.equal(r.key, keys[i % keys.length]);
      assert.equal(r.value, TABLE[r.key]);
    }
    // 1 broadcast copy + 30 lookups, at most 5 tasks per worker instance: at least 7 instances.
    assert.ok(instances > 2, `only ${instances} worker instances served lookups`);
    assert.equal(restarts.length, 2);
    assert.ok(restarts.some((n) => n > 0), `no worker was recycled: ${JSON.stringify(restarts)}`);
    assert.ok(restarts.reduce((a, b) => a + b, 0) >= 5, `too few restarts: ${JSON.stringify(restarts)}`);
  });
});

describe('examples/subscription', () => {
  it('runs as a script', async () => {
    const run = await runExample('subscription');
    assertExitedCleanly(run);
    assert.match(run.stdout, /^subscribed 3 workers to prices \(6\) and news \(4\): expecting 30 messages$/m);
    for (let w = 0; w < 3; w++) {
      assert.match(run.stdout, new RegExp(`^worker ${w} prices: seq 1,2,3,4,5,6$`, 'm'));
      assert.match(run.stdout, new RegExp(`^worker ${w} news: seq 1,2,3,4$`, 'm'));
    }
    assert.match(run.stdout, /^received 30\/30 messages$/m);
  });

  it('main() receives every message from every worker, in order per topic', async () => {
    const summary = await subscription({ log: quiet });
    assert.equal(summary.size, 3);
    assert.equal(summary.expected, 30);
    assert.equal(summary.received, 30);
    assert.deepEqual(summary.perWorker, [10, 10, 10]);
    assert.equal(summary.streams.length, 6);
    for (const s of summary.streams) {
      const count = s.topic === 'prices' ? 6 : 4;
      assert.deepEqual(s.seqs, Array.from({ length: count }, (_, i) => i + 1), `worker ${s.worker} ${s.topic}`);
    }
  });
});

describe('examples/rows', () => {
  it('runs as a script', async () => {
    const run = await runExample('rows');
    assertExitedCleanly(run);
    assert.match(run.stdout, /^wrote 50000 rows \(\d+ bytes\) to /m);
    assert.match(run.stdout, /^search: found row \d+ \(Lima, 99\d\.\d\d\); the worker parsed \d+ of 50000 rows, .*stopped by LOOPFLEET_ERR_ABORTED$/m);
    assert.match(run.stdout, /^pipe: wrote 50000 rows into a slow Writable; the producer ran at most \d+ rows ahead \(bound: highWaterMark 64 \+ the Writable's 16 = 80\)$/m);
    assert.match(run.stdout, new RegExp(`^map: received rows ${LOOKUP_IDS.join(',')}$`, 'm'));
    assert.match(run.stdout, /^map: they finished (#\d,){7}#\d; at most [123] ran at once \(concurrency 3\)$/m);
    assert.match(run.stdout, /^timeout: the call rejected with LOOPFLEET_ERR_TIMEOUT; the worker .*stopped by LOOPFLEET_ERR_TIMEOUT$/m);
    assert.match(run.stdout, /^abort: the call rejected with LOOPFLEET_ERR_ABORTED \(cause: the user pressed stop\); the worker .*stopped by LOOPFLEET_ERR_ABORTED$/m);
    assert.match(run.stdout, /^removed .*loopfleet-rows-/m);
  });

  it('main(): stops early on break, stays bounded through pipeTo, maps in order, times out and aborts', async () => {
    const summary = await rows({ log: quiet });
    const { file, search, pipe, lookups, timeout, abort } = summary;
    assert.equal(file.rows, 50_000);
    assert.equal(existsSync(file.path), false, `${file.path} was not removed`);

    // 1. The first matching row, and a worker that stopped reading soon after it.
    const expected = Array.from({ length: file.rows }, (_, id) => rowAt(id)).find((r) => r.city === SEARCH.city && r.cents >= SEARCH.minCents);
    assert.ok(expected !== undefined);
    assert.deepEqual(search.found, expected);
    const report = search.worker;
    assert.equal(report.task, 'readRows');
    assert.equal(report.reachedEnd, false);
    assert.equal(report.stoppedBy, 'LOOPFLEET_ERR_ABORTED');
    // It parses only with credit: the rows taken (ids 0..found) plus at most highWaterMark more.
    assert.ok(report.parsed >= expected.id + 1, `parsed ${report.parsed}`);
    assert.ok(report.parsed <= expected.id + 1 + search.highWaterMark, `parsed ${report.parsed}, found ${expected.id}`);
    assert.ok(report.bytesRead < file.bytes, `read ${report.bytesRead} of ${file.bytes} bytes`);

    // 2. Every row arrived, and the producer never ran further ahead than both buffers allow.
    assert.equal(pipe.written, file.rows);
    let cents = 0;
    for (let id = 0; id < file.rows; id++) cents += rowAt(id).cents;
    assert.equal(pipe.cents, cents);
    assert.ok(pipe.maxAhead >= 1, `maxAhead ${pipe.maxAhead}`);
    assert.ok(pipe.maxAhead <= pipe.highWaterMark + pipe.writerHighWaterMark, `maxAhead ${pipe.maxAhead}`);

    // 3. Input order, whatever the finishing order; never more than `concurrency` at once.
    assert.deepEqual(
      lookups.results.map((r) => r.row),
      LOOKUP_IDS.map((id) => rowAt(id)),
    );
    for (const r of lookups.results) assert.equal(r.parsed, r.row.id + 1);
    assert.deepEqual(
      lookups.results.map((r) => r.finished).sort((a, b) => a - b),
      LOOKUP_IDS.map((_, i) => i + 1),
    );
    assert.ok(lookups.maxRunning >= 1 && lookups.maxRunning <= lookups.concurrency, `maxRunning ${lookups.maxRunning}`);

    // 4. The calls rejected with their codes, and the worker saw the same through ctx.signal and stopped.
    assert.equal(timeout.code, 'LOOPFLEET_ERR_TIMEOUT');
    assert.equal(abort.code, 'LOOPFLEET_ERR_ABORTED');
    assert.equal(abort.cause, 'the user pressed stop');
    for (const [code, r] of [['LOOPFLEET_ERR_TIMEOUT', timeout.worker], ['LOOPFLEET_ERR_ABORTED', abort.worker]] as const) {
      assert.equal(r.task, 'slowCount');
      assert.equal(r.stoppedBy, code);
      assert.equal(r.reachedEnd, false);
      assert.ok(r.parsed < file.rows, `${code}: parsed ${r.parsed}`);
    }
  });
});
