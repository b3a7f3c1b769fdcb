// Bundles the library after tsc has written dist/. Why: importing ~45 small ES modules costs Node
// ~40 ms of file reads, resolution and compilation in the parent, and ~20 ms in every worker,
// which the start-up benchmark (import, pool of 2, one task, close) pays in full; a bundle costs
// a fraction of that. Code behind import() (the dashboard server, optional clients) stays in
// chunks of its own and loads only when used.
//
// Layout rules the bundles keep:
//  - Every bundle is written one level below dist/, as every bundled source file with a
//    `new URL('…', import.meta.url)` is one level below src/: those URLs still point where they
//    did (dist/worker/boot-thread.js, src/dashboard/public/, …).
//  - Modules whose classes or symbols cross entries are not bundled but imported from dist/
//    (`SHARED`): errors.js and error-codec.js, so that the parent, the worker side, the remote
//    entry and user code share one copy of each error class (`instanceof` holds); worker/define.js,
//    which user worker modules import through `loopfleet/worker` (the Transfer class).
//  - dist/index.js becomes a one-line re-export of the parent bundle; the worker bundles replace
//    tsc's dist/worker/boot-*.js. tsc's .d.ts files stay as they are.
import { build } from 'esbuild';
import { writeFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';

const root = new URL('../', import.meta.url);
/** Module name -> its path from dist/ (every bundle is one level below dist/). */
const SHARED = { errors: 'errors.js', 'error-codec': 'error-codec.js', define: 'worker/define.js' };
const SHARED_IMPORT = /^\.\.?\/(?:.*\/)?(errors|error-codec|define)\.js$/;

/** Builds `entryPoints` into `outdir` (one level below dist/). */
function bundle(entryPoints, outdir) {
  return build({
    absWorkingDir: fileURLToPath(root),
    entryPoints,
    outdir,
    bundle: true,
    splitting: true,
    format: 'esm',
    platform: 'node',
    target: 'node20',
    packages: 'external',
    sourcemap: true,
    logLevel: 'warning',
    plugins: [
      {
        name: 'shared-modules',
        setup(b) {
          b.onResolve({ filter: SHARED_IMPORT }, (args) => ({ path: `../${SHARED[SHARED_IMPORT.exec(args.path)[1]]}`, external: true }));
        },
      },
    ],
  });
}

await Promise.all([
  bundle({ index: 'src/index.ts' }, 'dist/lib'),
  bundle({ 'boot-thread': 'src/worker/boot-thread.ts', 'boot-process': 'src/worker/boot-process.ts' }, 'dist/worker'),
]);
await writeFile(new URL('dist/index.js', root), "// The parent side is bundled (see scripts/bundle.mjs).\nexport * from './lib/index.js';\n");
