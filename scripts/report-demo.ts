/**
 * `npm run report:demo`: the weekly report of the example export (week 2026-W10) as HTML, and a
 * screenshot of it in headless Chromium, into docs/.
 */
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { Shard } from '../cli/shard';
import { launchChromium } from '../lib/adapters/local/browser';
import { weeklyReport } from '../lib/app/weekly';
import { DEFAULT_POLICY } from '../lib/policy/schema';
import { isoWeek } from '../lib/report/aggregate';
import { reportHtml } from '../lib/report/html';

const root = join(import.meta.dirname, '..');
const docs = join(root, 'docs');
const lines = (await readFile(join(root, 'examples/export.jsonl'), 'utf8')).split('\n').filter(Boolean);
const shard = Shard.ofLines(lines);
const week = isoWeek('2026-W10', DEFAULT_POLICY.calendar.timeZone);
const html = reportHtml(await weeklyReport(shard, DEFAULT_POLICY, week, { asOf: week.end }));
await mkdir(docs, { recursive: true });
const file = join(docs, 'report-demo.html');
await writeFile(file, html);
const browser = await launchChromium();
try {
  const page = await browser.newPage({ viewport: { width: 1024, height: 900 } });
  await page.goto(`file://${file}`);
  // the top of the page: the summary, both charts and the tables by rule and severity
  await page.screenshot({ path: join(docs, 'report-demo.png'), clip: { x: 0, y: 0, width: 1024, height: 1500 } });
} finally {
  await browser.close();
}
console.log('wrote docs/report-demo.html and docs/report-demo.png');
