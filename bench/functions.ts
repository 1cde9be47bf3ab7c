/**
 * The Lambda bundles: each function built with the CDK app's own bundling settings
 * (infra/auditor-function.ts), its size, the AWS SDK clients inside it, and its module
 * initialisation: the wall time of a fresh `node` process that imports the bundle (with a
 * Lambda-like environment, no network) against the same process importing an empty module,
 * round-robin, median of 21 runs each.
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { BUNDLING } from '../infra/auditor-function';
import { bundle, FUNCTIONS } from '../infra/bundle';

const ENV = {
  ...process.env,
  AWS_REGION: 'eu-west-1',
  AWS_ACCESS_KEY_ID: 'bench',
  AWS_SECRET_ACCESS_KEY: 'bench',
  TABLE_NAME: 'bench',
  WEBHOOK_SECRETS: '{"canonical":"bench"}',
  REPORTS_BUCKET: 'bench',
  REPORTS_TOPIC_ARN: 'arn:aws:sns:eu-west-1:111111111111:bench',
  POWERTOOLS_SERVICE_NAME: 'escalation-auditor',
  POWERTOOLS_METRICS_NAMESPACE: 'EscalationAuditor',
};

function wall(file: string): number {
  const start = process.hrtime.bigint();
  const r = spawnSync(process.execPath, ['--input-type=module', '-e', `await import(${JSON.stringify(file)})`], {
    env: ENV,
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  if (r.status !== 0) throw new Error(`importing ${file} failed: ${r.stderr}`);
  return Number(process.hrtime.bigint() - start) / 1e6;
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)] ?? 0;

export async function benchFunctions(runs = 21): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), 'ea-bundles-'));
  try {
    const empty = join(dir, 'empty.mjs');
    writeFileSync(empty, '');
    console.log(
      `\nLambda bundles (esbuild ${BUNDLING.format}, minified, ${BUNDLING.target}); init = median of ${runs}`,
    );
    const bundles = await Promise.all(FUNCTIONS.map((name) => bundle(name, dir)));
    // Round-robin, so that the machine's slow moments fall on every column alike.
    const files = [empty, ...bundles.map((b) => b.outfile)];
    const times = files.map(() => [] as number[]);
    for (let i = 0; i < runs; i++) for (const [k, f] of files.entries()) times[k]?.push(wall(f));
    const e = median(times[0] ?? []);
    console.log('function  bundle     SDK clients                                   empty process  with bundle  init');
    for (const [k, name] of FUNCTIONS.entries()) {
      const b = bundles[k];
      if (!b) continue;
      const l = median(times[k + 1] ?? []);
      console.log(
        `${name.padEnd(9)} ${`${(b.bytes / 1024).toFixed(0)} KiB`.padEnd(10)} ${b.clients.join(', ').padEnd(45)} ` +
          `${e.toFixed(0).padStart(10)} ms ${l.toFixed(0).padStart(9)} ms ${(l - e).toFixed(0).padStart(5)} ms`,
      );
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
