/**
 * `escalation-auditor evidence`: one self-contained HTML page and its JSON per ticket, for an
 * auditor's sample (lib/app/evidence.ts): `--ticket ID` (one or more), or `--week W` for every
 * ticket with a breach or an excused breach due in that week. From the embedded store.
 */
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { ticketEvidence } from '../lib/app/evidence';
import { storeTickets, weeklyReport } from '../lib/app/weekly';
import { isoWeek } from '../lib/report/aggregate';
import { evidenceHtml } from '../lib/report/evidence-html';
import { counted } from '../lib/text/plural';
import { parseAsOf } from './audit';
import { loadPolicyFile } from './config';
import { openLocalStore } from './local';
import { UsageError } from './options';
import { count, Progress } from './progress';

export interface EvidenceOptions {
  data: string;
  ticket?: string[];
  week?: string;
  policy?: string;
  asOf?: string;
  out: string;
  format: 'text' | 'json';
  progress?: boolean;
}

/** A ticket id as a file name: what a file system would take otherwise is percent-encoded. */
const fileName = (ticketId: string) => encodeURIComponent(ticketId).replace(/\*/g, '%2A');

export async function evidenceCommand(
  opts: EvidenceOptions,
  out: NodeJS.WritableStream = process.stdout,
): Promise<number> {
  if (!opts.ticket?.length === !opts.week) throw new UsageError('pass --ticket ID (one or more) or --week W');
  const policy = await loadPolicyFile(opts.policy);
  const now = Date.now();
  const week = opts.week ? isoWeekOrUsage(opts.week, policy.calendar.timeZone) : undefined;
  const asOf = opts.asOf ? parseAsOf(opts.asOf) : week ? Math.min(now, week.end) : now;
  const local = await openLocalStore(opts.data, 'evidence', { onePass: true });
  try {
    let tickets = opts.ticket ?? [];
    if (week) {
      // the week's breached and excused tickets: the CSV's rows are not needed
      const report = await weeklyReport(storeTickets(local.store), policy, week, {
        rows: false,
        asOf,
        now,
        waivers: await local.store.waivers(),
      });
      tickets = [...new Set([...report.breaches, ...report.excused].map((b) => b.ticketId))].sort();
    }
    await mkdir(opts.out, { recursive: true });
    const written: { ticketId: string; html: string; json: string }[] = [];
    const missing: string[] = [];
    const progress = new Progress(opts.progress !== false);
    for (const [i, ticketId] of tickets.entries()) {
      progress.update(() => `evidence · ${count(i)} of ${count(tickets.length)} tickets`);
      const evidence = await ticketEvidence(local.store, policy, ticketId, asOf, now);
      if (!evidence) {
        missing.push(ticketId);
        continue;
      }
      const base = join(opts.out, fileName(ticketId));
      await writeFile(`${base}.html`, evidenceHtml(evidence));
      await writeFile(`${base}.json`, `${JSON.stringify(evidence, null, 2)}\n`);
      written.push({ ticketId, html: `${base}.html`, json: `${base}.json` });
    }
    progress.done();
    if (opts.format === 'json') out.write(`${JSON.stringify({ written, missing }, null, 2)}\n`);
    else {
      out.write(`wrote the evidence of ${counted(written.length, 'ticket')} into ${opts.out}\n`);
      for (const w of written) out.write(`  ${w.html}\n`);
      for (const id of missing) out.write(`  ${id}: no events in the store\n`);
    }
    return missing.length > 0 ? 1 : 0;
  } finally {
    await local.close();
  }
}

function isoWeekOrUsage(id: string, zone: string) {
  try {
    return isoWeek(id, zone);
  } catch (err) {
    throw new UsageError(`--week: ${(err as Error).message}`);
  }
}
