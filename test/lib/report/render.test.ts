import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadWaiversFile } from '../../../cli/config';
import { weeklyReport } from '../../../lib/app/weekly';
import { DEFAULT_POLICY } from '../../../lib/policy/schema';
import type { WeeklyReport } from '../../../lib/report/aggregate';
import { isoWeek } from '../../../lib/report/aggregate';
import { reportHtml } from '../../../lib/report/html';
import { reportJsonChunks, reportMarkdown } from '../../../lib/report/render';
import { exampleShard } from '../../support/example';

const reportJson = (r: WeeklyReport): unknown => JSON.parse([...reportJsonChunks(r)].join(''));

describe('the Markdown report', () => {
  it('groups the breaches by ticket, most first, with runs of missed windows as one row', async () => {
    const week = isoWeek('2026-W10', 'UTC');
    const report = await weeklyReport(exampleShard(), DEFAULT_POLICY, week, { asOf: week.end });
    const md = reportMarkdown(report);
    const section = md.slice(md.indexOf('## Breaches'), md.indexOf('## Open at'));
    const heads = [...section.matchAll(/^\*\*(\S+)\*\* · (P\d|-) · (\d+) breach(?:es)?$/gm)];
    expect(heads.map((m) => m[1])).toEqual([...report.breachGroups].map((g) => g.ticketId));
    expect(new Set(heads.map((m) => m[1])).size).toBe(new Set([...report.breaches].map((b) => b.ticketId)).size);
    const counts = heads.map((m) => Number(m[3]));
    expect(counts).toEqual([...counts].sort((a, b) => b - a));
    expect(counts.reduce((a, b) => a + b, 0)).toBe(report.breaches.length);
    const rows = section.split('\n').filter((l) => /^\| \d{4}-/.test(l));
    expect(rows.length).toBeLessThan(report.breaches.length);
    expect(rows.some((l) => /\| client-update \| \d+ missed windows in a row, due /.test(l))).toBe(true);
    // JSON keeps every breach, and adds the same grouping
    const json = reportJson(report) as { breaches: unknown[]; breachesByTicket: { rows: { count: number }[] }[] };
    expect(json.breaches).toHaveLength(report.breaches.length);
    expect(json.breachesByTicket.flatMap((g) => g.rows).reduce((n, r) => n + r.count, 0)).toBe(report.breaches.length);
  });
});

describe('the JSON report', () => {
  it('is written in pieces, as JSON.stringify would lay it out, every breach in it', async () => {
    const week = isoWeek('2026-W10', 'UTC');
    const waivers = await loadWaiversFile(join(import.meta.dirname, '../../../examples/waivers.yaml'));
    for (const asOf of [week.start + 3 * 86_400_000, week.end]) {
      const report = await weeklyReport(exampleShard(), DEFAULT_POLICY, week, {
        asOf,
        ...(waivers ? { waivers } : {}),
      });
      expect(report.breaches.length).toBeGreaterThan(0);
      const text = [...reportJsonChunks(report)].join('');
      expect(text).toBe(`${JSON.stringify(JSON.parse(text), null, 2)}\n`);
      expect((reportJson(report) as { breaches: unknown[] }).breaches).toHaveLength(report.breaches.length);
    }
  });
});

describe('a report made without the CSV rows', () => {
  it('keeps none of the CSV rows, and every other format is the same', async () => {
    const week = isoWeek('2026-W10', 'UTC');
    const waivers = await loadWaiversFile(join(import.meta.dirname, '../../../examples/waivers.yaml'));
    const opts = { asOf: week.end, ...(waivers ? { waivers } : {}) };
    const full = await weeklyReport(exampleShard(), DEFAULT_POLICY, week, opts);
    const lean = await weeklyReport(exampleShard(), DEFAULT_POLICY, week, { ...opts, rows: false });
    expect([...full.obligations].some((o) => o.status === 'met')).toBe(true);
    expect([...full.obligations].some((o) => o.status === 'excused')).toBe(true);
    expect([...lean.obligations]).toEqual([]);
    expect(reportHtml(lean)).toBe(reportHtml(full));
    expect(reportMarkdown(lean)).toBe(reportMarkdown(full));
    expect(reportJson(lean)).toEqual(reportJson(full));
  });
});
