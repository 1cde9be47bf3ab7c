/** `escalation-auditor report`: one week's compliance report from an export. */
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { weeklyReport } from '../lib/app/weekly';
import type { Policy } from '../lib/policy/schema';
import { aggregateWeek, isoWeek, type Week, type WeeklyReport } from '../lib/report/aggregate';
import { reportHtml } from '../lib/report/html';
import { reportCsv, reportJson, reportMarkdown } from '../lib/report/render';
import { loadPolicyFile } from './config';
import { eachLine, openSource } from './lines';
import { openLocalStore } from './local';
import { type ReportFormat, UsageError } from './options';
import { count } from './progress';
import { Shard } from './shard';

const EXTENSION: Record<ReportFormat, string> = { html: 'html', json: 'json', csv: 'csv', markdown: 'md' };

export interface ReportOptions {
  week: string;
  /** An export; without it, the report reads the embedded store in `data`. */
  events?: string;
  data?: string;
  policy?: string;
  format: ReportFormat;
  out?: string;
  skipInvalid?: boolean;
}

export async function reportCommand(opts: ReportOptions, out: NodeJS.WritableStream = process.stdout): Promise<number> {
  const policy = await loadPolicyFile(opts.policy);
  let week: Week;
  try {
    week = isoWeek(opts.week, policy.calendar.timeZone);
  } catch (err) {
    throw new UsageError(`--week: ${(err as Error).message}`);
  }
  const report = opts.events
    ? await fromExport(opts.events, opts, policy, week)
    : await fromStore(opts.data ?? '.data', policy, week);
  if (typeof report === 'number') return report;
  const text =
    opts.format === 'json'
      ? `${JSON.stringify(reportJson(report), null, 2)}\n`
      : opts.format === 'csv'
        ? reportCsv(report, policy)
        : opts.format === 'html'
          ? reportHtml(report)
          : reportMarkdown(report);
  if (!opts.out) {
    out.write(text);
    return 0;
  }
  await mkdir(opts.out, { recursive: true });
  const file = join(opts.out, `${policy.id}-${week.id}.${EXTENSION[opts.format]}`);
  await writeFile(file, text);
  process.stderr.write(`wrote ${file}\n`);
  return 0;
}

async function fromStore(data: string, policy: Policy, week: Week): Promise<WeeklyReport> {
  const local = await openLocalStore(data);
  try {
    return await weeklyReport(local.store, policy, week);
  } finally {
    await local.close();
  }
}

/** The report of an export; the exit status instead when its invalid lines refuse it. */
async function fromExport(
  events: string,
  opts: ReportOptions,
  policy: Policy,
  week: Week,
): Promise<WeeklyReport | number> {
  const source = await openSource(events).catch((err: NodeJS.ErrnoException) => {
    throw new UsageError(
      `cannot read the events file ${opts.events}: ${err.code === 'ENOENT' ? 'no such file' : err.message}`,
    );
  });
  const shard = new Shard(0, 1);
  let texts: string[] = [];
  let lines: number[] = [];
  await eachLine(source, (text, line) => {
    if (text.trim() === '') return;
    texts.push(text);
    lines.push(line);
    if (texts.length >= 4000) {
      shard.add(texts, lines);
      texts = [];
      lines = [];
    }
  });
  shard.add(texts, lines);
  const { rejected, invalid } = shard.parsed();
  if (rejected > 0 && !opts.skipInvalid) {
    process.stderr.write(
      `escalation-auditor: ${count(rejected)} invalid lines; no report was made.\n${invalid.map((i) => `  line ${i.line}: ${i.error}`).join('\n')}\n` +
        'Fix those lines, or pass --skip-invalid to report on the valid lines.\n',
    );
    return 2;
  }
  // the week is judged as of its end: everything due in it is met or breached by then
  return aggregateWeek(shard.audits(policy, week.end), policy, week);
}
