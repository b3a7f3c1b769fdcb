/**
 * The runnable examples in examples/: each runs as a script (exit code 0, readable output) and its
 * exported main() returns a summary that says the example did what it claims.
 */
import { execFile } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { describe, it } from 'node:test';
import * as assert from 'node:assert/strict';
import { main as fetchServer, ROUTES } from '../examples/fetch-server/main.js';
import { main as stickyState, TABLE } from '../examples/sticky-state/main.js';
import { main as subscription } from '../examples/subscription/main.js';

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
