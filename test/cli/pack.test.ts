/**
 * The packed tarball is a working command: `npm pack`, install it into an empty folder (its
 * dependencies come from the registry, or npm's cache), and `npx escalation-auditor audit` there.
 */
import { execFile } from 'node:child_process';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, describe, expect, it } from 'vitest';

const run = promisify(execFile);
const ROOT = join(import.meta.dirname, '../..');
const QUIET = {
  ...process.env,
  NPM_CONFIG_UPDATE_NOTIFIER: 'false',
  NPM_CONFIG_FUND: 'false',
  NPM_CONFIG_AUDIT: 'false',
};
let dir: string | undefined;
afterAll(() => (dir ? rm(dir, { recursive: true, force: true }) : undefined));

describe('npm pack', () => {
  it('gives a tarball that installs into an empty folder, where npx escalation-auditor audit works', async () => {
    dir = await mkdtemp(join(tmpdir(), 'ea-pack-'));
    // the global setup built dist/; --ignore-scripts keeps `prepare` from rebuilding it under the other tests
    const { stdout } = await run('npm', ['pack', '--json', '--ignore-scripts', '--pack-destination', dir], {
      cwd: ROOT,
      env: QUIET,
    });
    const [packed] = JSON.parse(stdout) as { filename: string; files: { path: string }[] }[];
    const files = packed?.files.map((f) => f.path) ?? [];
    expect(files).toContain('bin/escalation-auditor.mjs');
    expect(files).toContain('dist/main.mjs');
    expect(files.some((f) => f.startsWith('test/') || f.startsWith('lib/'))).toBe(false);

    const app = join(dir, 'app');
    await run('mkdir', ['-p', app]);
    await writeFile(join(app, 'package.json'), '{"name":"try-it","version":"1.0.0","private":true}\n');
    await run('npm', ['install', '--prefer-offline', '--no-save', join(dir, packed?.filename as string)], {
      cwd: app,
      env: QUIET,
      timeout: 240_000,
    });
    await writeFile(
      join(app, 'x.jsonl'),
      `${(await readFile(join(ROOT, 'examples/export.jsonl'), 'utf8')).split('\n').slice(0, 40).join('\n')}\n`,
    );
    const audit = await run('npx', ['--no-install', 'escalation-auditor', 'audit', '--events', 'x.jsonl'], {
      cwd: app,
      env: QUIET,
    });
    expect(audit.stdout).toMatch(/^CS-POL-001 \(.*\) audit as of /);
    expect(audit.stdout).toMatch(/BY RULE/);
    const json = await run(
      'npx',
      ['--no-install', 'escalation-auditor', 'audit', '--events', 'x.jsonl', '--format', 'json'],
      {
        cwd: app,
        env: QUIET,
      },
    );
    expect(JSON.parse(json.stdout)).toMatchObject({ policy: 'CS-POL-001', breaches: expect.any(Array) });
  }, 300_000);
});
