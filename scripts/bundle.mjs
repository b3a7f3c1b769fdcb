// Bundles the library after tsc has written dist/. Why: importing ~45 small ES modules costs Node
// ~40 ms of file reads, resolution and compilation in the parent, and ~20 ms in every worker,
// which the start-up benchmark (import, pool of 2, one task, close) pays in full; a bundle costs
// a fraction of that (each module file more costs about a millisecond). Code behind import() (the
// dashboard server, optional clients) stays in chunks of its own and loads only when used.
//
// Layout rules the bundles keep:
//  - Every bundle is written one level below dist/, as every bundled source file with a
//    `new URL('…', import.meta.url)` is one level below src/: those URLs still point where they
//    did (dist/worker/boot-thread.js, src/dashboard/public/, …).
//  - Parent side: the two parent entries, `loopfleet` (src/index.ts) and `loopfleet/remote`
//    (src/remote/index.ts), are bundled together into dist/lib/, so that what they share (the
//    pool, the error classes) sits in shared chunks: one copy of each class, and `instanceof`
//    holds across entries. dist/index.js and dist/remote/index.js become one-line re-exports of
//    their bundles. Nothing else in dist/ that runs in the parent may import an error class
//    from dist/errors.js: it imports the public entry instead (the CLI does).
//  - Worker side: each bootstrap (dist/worker/boot-thread.js, boot-process.js) is one
//    self-contained file: a worker isolate shares no class with the parent, errors cross as
//    records (error-codec), and a worker definition and a `transfer()` value are recognised by a
//    `Symbol.for` brand, not by class (src/worker/define.ts), so the copy of define.ts that user
//    modules import through `loopfleet/worker` (dist/worker.js, also one file) need not be the
//    bootstrap's.
//  - tsc's .d.ts files and its other .js files stay as they are.
import { build } from 'esbuild';
import { writeFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';

const root = new URL('../', import.meta.url);

/** Builds `entryPoints` into `outdir` (one level below dist/); `splitting`: shared chunks. */
function bundle(entryPoints, outdir, splitting) {
  return build({
    absWorkingDir: fileURLToPath(root),
    entryPoints,
    outdir,
    bundle: true,
    splitting,
    format: 'esm',
    platform: 'node',
    target: 'node20',
    packages: 'external',
    sourcemap: true,
    logLevel: 'warning',
  });
}

const reexport = (from) => `// Bundled (see scripts/bundle.mjs).\nexport * from '${from}';\n`;

await Promise.all([
  bundle({ index: 'src/index.ts', remote: 'src/remote/index.ts' }, 'dist/lib', true),
  bundle({ 'boot-thread': 'src/worker/boot-thread.ts', 'boot-process': 'src/worker/boot-process.ts' }, 'dist/worker', false),
  // `loopfleet/worker`, what user worker modules import: one file instead of two.
  bundle({ worker: 'src/worker.ts' }, 'dist', false),
]);
await writeFile(new URL('dist/index.js', root), reexport('./lib/index.js'));
await writeFile(new URL('dist/remote/index.js', root), reexport('../lib/remote.js'));
