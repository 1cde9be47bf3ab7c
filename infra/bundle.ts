/**
 * Builds a function's bundle the way NodejsFunction does (same esbuild settings, from
 * BUNDLING), with a metafile to tell which AWS SDK clients ended up inside. For the benchmark
 * and the bundle tests; `cdk synth` builds the deployed ones.
 */
import { statSync } from 'node:fs';
import { join } from 'node:path';
import { build } from 'esbuild';
import { ALIASES, BUNDLING, ROOT } from './auditor-function';

export const FUNCTIONS = ['ingest', 'check', 'report'] as const;

/** esbuild with the settings NodejsFunction passes it (platform node, bundle, one .mjs file). */
export async function bundle(name: string, outdir: string) {
  const outfile = join(outdir, name, 'index.mjs');
  const r = await build({
    entryPoints: [join(ROOT, 'functions', `${name}.ts`)],
    outfile,
    bundle: true,
    platform: 'node',
    format: BUNDLING.format,
    target: BUNDLING.target,
    minify: BUNDLING.minify,
    sourcemap: BUNDLING.sourceMap,
    mainFields: BUNDLING.mainFields,
    banner: { js: BUNDLING.banner },
    alias: ALIASES,
    metafile: true,
    logLevel: 'silent',
  });
  const clients = new Set<string>();
  const inputs = Object.values(r.metafile.outputs)[0]?.inputs ?? {};
  for (const [input, { bytesInOutput }] of Object.entries(inputs)) {
    if (bytesInOutput === 0) continue;
    const m = /node_modules\/@aws-sdk\/(client-[a-z0-9-]+)\//.exec(input);
    if (m?.[1] && m[1] !== 'client-sts') clients.add(m[1]);
  }
  return { outfile, bytes: statSync(outfile).size, clients: [...clients].sort() };
}
