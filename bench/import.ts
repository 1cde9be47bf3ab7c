/**
 * `import pagerduty` against a local server answering like PagerDuty's REST API
 * (test/support/pagerduty-api.ts): 30 days of 500 incidents each (60,000 log entries, 30,000 of
 * them pages and acknowledgements), 100 per page, into an export file and into the store. Prints
 * events per second; the server answers at once, so this is the importer's own cost, not
 * PagerDuty's (whose REST API allows about 960 requests a minute: 1,600 entries a second).
 * Then `import jira`: 3,000 issues of 7 events each, 50 a search page, each issue's changelog and
 * comments read on (the stand-in's search carries two of each): 3 requests per issue.
 */
import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { fakeJira, JIRA_EMAIL, JIRA_TOKEN, jiraIssues } from '../test/support/jira-api';
import { fakePagerDuty, logEntries, TOKEN } from '../test/support/pagerduty-api';

const BIN = join(import.meta.dirname, '../bin/escalation-auditor.mjs');
const MAPPING = join(import.meta.dirname, '../examples/mapping.yaml');

export async function benchImport(days = 30, perDay = 500): Promise<void> {
  const start = Date.parse('2026-02-01T00:00:00Z');
  const pd = await fakePagerDuty(logEntries(start, days, perDay));
  const dir = mkdtempSync(join(tmpdir(), 'ea-bench-import-'));
  console.log(
    `\n## import pagerduty: ${days} days x ${perDay} incidents (${days * perDay * 4} log entries) from a local server`,
  );
  try {
    const range = [
      '--since',
      new Date(start).toISOString(),
      '--until',
      new Date(start + days * 86_400_000).toISOString(),
    ];
    for (const [what, target] of [
      ['export file', ['--out', join(dir, 'pd.jsonl')]],
      ['embedded store', ['--data', join(dir, 'data')]],
    ] as const) {
      const t = performance.now();
      // not execFileSync: the stand-in server answers from this process
      const { stdout: out } = await promisify(execFile)(
        process.execPath,
        [BIN, 'import', 'pagerduty', ...range, '--mapping', MAPPING, '--url', pd.url, ...target, '--format', 'json'],
        { env: { ...process.env, PAGERDUTY_TOKEN: TOKEN }, encoding: 'utf8', maxBuffer: 16 << 20 },
      );
      const seconds = (performance.now() - t) / 1000;
      const s = JSON.parse(out) as { events: number; pages: number };
      console.log(
        `  into the ${what}: ${s.events.toLocaleString('en-US')} events from ${s.pages} pages in ${seconds.toFixed(1)} s: ${(s.events / seconds).toFixed(0)} events/s (process start included)`,
      );
    }
  } finally {
    await pd.close();
    rmSync(dir, { recursive: true, force: true });
  }
}

export async function benchImportJira(issues = 3000): Promise<void> {
  const start = Date.parse('2026-02-01T00:00:00Z');
  const jira = await fakeJira(jiraIssues(start, issues), 50);
  const dir = mkdtempSync(join(tmpdir(), 'ea-bench-import-'));
  console.log(`\n## import jira: ${issues} issues (3 requests each) from a local server`);
  try {
    const range = [
      '--since',
      new Date(start).toISOString(),
      '--until',
      new Date(start + 30 * 86_400_000).toISOString(),
    ];
    const t = performance.now();
    const { stdout: out } = await promisify(execFile)(
      process.execPath,
      [
        BIN,
        'import',
        'jira',
        ...range,
        '--mapping',
        MAPPING,
        '--url',
        jira.url,
        '--out',
        join(dir, 'jira.jsonl'),
        '--format',
        'json',
      ],
      { env: { ...process.env, JIRA_EMAIL, JIRA_TOKEN }, encoding: 'utf8', maxBuffer: 16 << 20 },
    );
    const seconds = (performance.now() - t) / 1000;
    const s = JSON.parse(out) as { events: number; pages: number };
    console.log(
      `  into the export file: ${s.events.toLocaleString('en-US')} events from ${s.pages} search pages and ${jira.requests.length.toLocaleString('en-US')} requests in ${seconds.toFixed(1)} s: ${(s.events / seconds).toFixed(0)} events/s (process start included)`,
    );
  } finally {
    await jira.close();
    rmSync(dir, { recursive: true, force: true });
  }
}
