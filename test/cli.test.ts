/**
 * The `loopfleet` CLI (run as a user runs it: `node dist/cli/index.js`) and the Mandelbrot compute
 * it drives (imported from the built package).
 */
import { strict as assert } from 'node:assert';
import { spawn } from 'node:child_process';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { decode } from 'fast-png';

type MandelbrotModule = typeof import('../dist/demo/mandelbrot.js');

// build/test/cli.test.js -> the repository root.
const ROOT = new URL('../../', import.meta.url);
const CLI = fileURLToPath(new URL('dist/cli/index.js', ROOT));
const RUNTIMES = ['thread', 'process'] as const;

interface Outcome {
  code: number | null;
  stdout: string;
  stderr: string;
}

function cli(args: readonly string[]): Promise<Outcome> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [CLI, ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (d: string) => (stdout += d));
    child.stderr.setEncoding('utf8').on('data', (d: string) => (stderr += d));
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, stdout, stderr }));
  });
}

let dir = '';
before(async () => {
  dir = await mkdtemp(join(tmpdir(), 'loopfleet-cli-'));
});
after(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe('loopfleet mandelbrot', () => {
  for (const runtime of RUNTIMES) {
    it(`renders a PNG and reports a speedup (${runtime} runtime)`, async () => {
      const output = join(dir, `m-${runtime}.png`);
      const args = ['mandelbrot', '--width', '160', '--height', '120', '--iterations', '200', '--chunk-rows', '10', '-w', '2', '--runtime', runtime, '-o', output, '--json'];
      const r = await cli(args);
      assert.equal(r.code, 0, r.stderr);

      const summary = JSON.parse(r.stdout) as { speedup: number; runtime: string; workers: number; chunks: number; identical: boolean; output: string };
      assert.ok(summary.speedup > 0, `speedup ${summary.speedup}`);
      assert.equal(summary.runtime, runtime);
      assert.equal(summary.workers, 2);
      assert.equal(summary.chunks, 12);
      assert.equal(summary.identical, true);
      assert.equal(summary.output, output);

      const png = decode(await readFile(output));
      assert.equal(png.width, 160);
      assert.equal(png.height, 120);
      const colours = new Set<number>();
      const { data, channels } = png;
      for (let i = 0; i < data.length; i += channels) colours.add(((data[i] ?? 0) << 16) | ((data[i + 1] ?? 0) << 8) | (data[i + 2] ?? 0));
      assert.ok(colours.size >= 8, `only ${colours.size} distinct colours`);
    });
  }

  it('exits with code 2 and names the option for --workers 0', async () => {
    const r = await cli(['mandelbrot', '--workers', '0', '-o', join(dir, 'never.png')]);
    assert.equal(r.code, 2);
    assert.match(r.stderr, /--workers/);
  });

  it('exits with code 2 and names the option for an unknown runtime', async () => {
    const r = await cli(['mandelbrot', '--runtime', 'fibre', '-o', join(dir, 'never.png')]);
    assert.equal(r.code, 2);
    assert.match(r.stderr, /--runtime/);
    assert.match(r.stderr, /fibre/);
  });

  it('exits with code 2 for a non-integer size', async () => {
    const r = await cli(['mandelbrot', '--width', '12.5', '-o', join(dir, 'never.png')]);
    assert.equal(r.code, 2);
    assert.match(r.stderr, /--width/);
  });

  it('fails fast with exit code 1, naming --output, when the PNG cannot be written', async () => {
    const r = await cli(['mandelbrot', '--width', '64', '--height', '48', '-o', join(dir, 'no-such-dir', 'm.png')]);
    assert.equal(r.code, 1);
    assert.match(r.stderr, /cannot write --output .*no-such-dir.*does not exist/);
    assert.doesNotMatch(r.stderr, /\n\s+at /, 'no stack trace for a user error');
    assert.doesNotMatch(r.stdout, /worker/, 'nothing was rendered');
  });

  it('--version prints the package version', async () => {
    const pkg = JSON.parse(await readFile(new URL('package.json', ROOT), 'utf8')) as { version: string };
    const r = await cli(['--version']);
    assert.equal(r.code, 0, r.stderr);
    assert.equal(r.stdout.trim(), pkg.version);
  });
});

describe('mandelbrot compute', () => {
  let m: MandelbrotModule;
  before(async () => {
    m = (await import(new URL('dist/demo/mandelbrot.js', ROOT).href)) as MandelbrotModule;
  });

  it('a point inside the set reaches maxIter', () => {
    assert.equal(m.escapeTime(0, 0, 500), 500);
    // Centre of the period-3 bulb: not covered by the cardioid and period-2 bulb shortcuts.
    assert.equal(m.escapeTime(-0.1225611668766536, 0.7448617666197442, 500), 500);
  });

  it('a point far outside escapes within a few iterations', () => {
    const nu = m.escapeTime(3, 3, 1000);
    assert.ok(nu >= 0 && nu < 4, `escape value ${nu}`);
    const nearer = m.escapeTime(0.3, 0.6, 1000);
    assert.ok(nearer > nu && nearer < 1000, `escape value ${nearer}`);
  });

  it('rendering in chunks gives exactly the bytes of rendering at once', () => {
    const image = { width: 97, height: 61, maxIter: 300 };
    const whole = m.renderRows({ ...image, y0: 0, rows: 40 });
    assert.equal(whole.length, 40 * 97 * m.CHANNELS);
    const first = m.renderRows({ ...image, y0: 0, rows: 17 });
    const second = m.renderRows({ ...image, y0: 17, rows: 23 });
    assert.deepEqual(Buffer.concat([first, second]), Buffer.from(whole.buffer, whole.byteOffset, whole.byteLength));
    assert.ok(new Set(whole).size > 10, 'the image is not uniform');
  });

  it('rejects rows outside the image', () => {
    assert.throws(() => m.renderRows({ width: 10, height: 10, maxIter: 10, y0: 5, rows: 6 }), RangeError);
  });
});
