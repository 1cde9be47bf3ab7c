/** The weekly report of a week of 100,000 tickets (about 1M events), in a fresh process. */
import { statSync } from 'node:fs';
import { exportFile, measure } from './audit';

export async function benchReport(tickets = 100_000): Promise<void> {
  const file = await exportFile(tickets);
  console.log(
    `\n## report: week 2026-W10 of ${tickets.toLocaleString('en-US')} tickets (${(statSync(file).size / 2 ** 20).toFixed(0)} MiB export), HTML`,
  );
  const runs = [0, 1, 2].map(() => measure('report', file, 1, '2026-W10')).sort((a, b) => a.ms - b.ms);
  const r = runs[1] as (typeof runs)[number];
  console.log(
    `escalation-auditor report --week 2026-W10 --format html: ${(r.ms / 1000).toFixed(2)} s, ${r.maxRssMb.toFixed(0)} MB peak RSS ` +
      '(target within 30 s and 1 GB; median of 3, a fresh process each)',
  );
}
