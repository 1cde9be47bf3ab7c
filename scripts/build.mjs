// Builds the command line into dist/: one ESM bundle of our own code per entry (the CLI and the
// two worker threads it starts), split into chunks so that `--help` loads only the parser.
// Packages stay imports of node_modules. `npm ci` runs this through `prepare`; so do the tests
// (test/support/build.ts) and `npm run bench`, so the bin never runs a stale build.
import { rename, rm } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
export const DIST = join(root, 'dist');

/**
 * Builds into a fresh folder and swaps it in, so that a command already running (or starting)
 * never sees a half-written or half-deleted dist/.
 */
export async function buildCli() {
  const next = `${DIST}.next-${process.pid}`;
  const old = `${DIST}.old-${process.pid}`;
  await rm(next, { recursive: true, force: true });
  await build({
    absWorkingDir: root,
    // the workers are found next to the code that starts them: new URL('./x.mjs', import.meta.url)
    entryPoints: {
      main: 'cli/main.ts',
      'shard-worker': 'cli/shard-worker.ts',
      'dynalite-thread': 'lib/adapters/dynamodb/dynalite-thread.mjs',
    },
    outdir: next,
    outExtension: { '.js': '.mjs' },
    chunkNames: 'chunk-[hash]',
    bundle: true,
    splitting: true,
    format: 'esm',
    platform: 'node',
    target: 'node20',
    packages: 'external',
    sourcemap: true,
    logLevel: 'warning',
  });
  await rename(DIST, old).catch((err) => {
    if (err.code !== 'ENOENT') throw err;
  });
  await rename(next, DIST);
  await rm(old, { recursive: true, force: true });
}

if (process.argv[1] === fileURLToPath(import.meta.url)) await buildCli();
