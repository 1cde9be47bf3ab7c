/**
 * `npx cdk synth` as a user runs it on a fresh clone: the real CLI, no AWS credentials, no Docker,
 * local esbuild. Then each bundle it built loads in a fresh Node process and exports its handler,
 * and holds only the SDK clients its function uses.
 */
import { execFile } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, describe, expect, it } from 'vitest';
import { ROOT } from '../../infra/auditor-function';
import { bundle } from '../../infra/bundle';

const run = promisify(execFile);
const out = mkdtempSync(join(tmpdir(), 'ea-cdk-'));
afterAll(() => rmSync(out, { recursive: true, force: true }));

/** The environment without anything that could reach AWS. */
const offline = Object.fromEntries(
  Object.entries(process.env).filter(([k]) => !k.startsWith('AWS_') && !k.startsWith('CDK_')),
);

describe('npx cdk synth', () => {
  it('synthesizes offline, bundling each function locally', { timeout: 120_000 }, async () => {
    // with a mapping: it travels in each bundle, next to the handler, not in the environment
    const r = await run(
      'npx',
      ['cdk', 'synth', '--quiet', '--output', out, '-c', 'mappingFile=examples/mapping.yaml'],
      {
        cwd: ROOT,
        env: { ...offline, NPM_CONFIG_UPDATE_NOTIFIER: 'false', CDK_DISABLE_VERSION_CHECK: '1' },
      },
    );
    expect(r.stderr).not.toMatch(/docker/i);
    const template = JSON.parse(readFileSync(join(out, 'EscalationAuditor-dev.template.json'), 'utf8'));
    const functions = Object.values(template.Resources as Record<string, { Type: string; Properties: never }>).filter(
      (r) => r.Type === 'AWS::Lambda::Function',
    );
    expect(functions).toHaveLength(3);
    const assets = readdirSync(out).filter((f) => f.startsWith('asset.'));
    expect(assets).toHaveLength(3);
    for (const asset of assets) {
      expect(readdirSync(join(out, asset)).sort()).toEqual(['auditor-config.json', 'index.mjs']);
      expect(JSON.parse(readFileSync(join(out, asset, 'auditor-config.json'), 'utf8')).mapping).toHaveProperty(
        'zendesk',
      );
      const loaded = await run(
        process.execPath,
        [
          '--input-type=module',
          '-e',
          `const m = await import(${JSON.stringify(join(out, asset, 'index.mjs'))}); console.log(typeof m.handler)`,
        ],
        {
          env: {
            ...offline,
            AWS_REGION: 'eu-west-1',
            TABLE_NAME: 'test',
            // as Lambda runs it: the bundle's folder is the task root
            LAMBDA_TASK_ROOT: join(out, asset),
            CONFIG_FILE: 'auditor-config.json',
            WEBHOOK_SECRETS: '{}',
            AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true',
          },
        },
      );
      expect(loaded.stdout.trim()).toBe('function');
    }
  });
});

describe('the function bundles', () => {
  it.each([
    ['ingest', ['client-dynamodb', 'client-sqs', 'client-ssm']],
    ['check', ['client-dynamodb', 'client-scheduler', 'client-sns']],
    ['report', ['client-dynamodb', 'client-s3', 'client-sns']],
  ])('%s holds only the SDK clients it uses, and no YAML parser or credential chain', async (name, clients) => {
    const b = await bundle(name, out);
    expect(b.clients).toEqual(clients);
    const code = readFileSync(b.outfile, 'utf8');
    expect(code).not.toContain('yaml.document');
    expect(code).not.toContain('credential-provider-sso');
  });
});
