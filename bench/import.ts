/**
 * `import pagerduty` against a local server answering like PagerDuty's REST API
 * (test/support/pagerduty-api.ts): 30 days of 500 incidents each (60,000 log entries, 30,000 of
 * them pages and acknowledgements), 100 per page, into an export file and into the store. Prints
 * events per second; the server answers at once, so this is the importer's own cost, not
 * PagerDuty's (whose REST API allows about 960 requests a minute: 1,600 entries a second).
 */
import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
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
