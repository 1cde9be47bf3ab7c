/** `escalation-auditor report`: one week's compliance report from an export or the embedded store. */
import { createWriteStream } from 'node:fs';
import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { storeTickets, type TicketSource, weeklyReport } from '../lib/app/weekly';
import type { Store } from '../lib/ports';
import { isoWeek, type Week } from '../lib/report/aggregate';
import { reportHtmlChunks } from '../lib/report/html';
import { reportCsvChunks, reportJsonChunks, reportMarkdownChunks } from '../lib/report/render';
import { counted } from '../lib/text/plural';
import { parseAsOf } from './audit';
import { loadPolicyFile, loadWaiversFile } from './config';
import { openSource } from './lines';
import { bucketsFor, readInto } from './load';
import { openLocalStore } from './local';
import { type ReportFormat, UsageError } from './options';
import type { Shard } from './shard';
import { InlineShard } from './shards';
import { spilledLists, withTempDir } from './spill';

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
  /** RFC 3339; default: now, or the week's end if that is earlier. */
  asOf?: string;
  /** A register of waivers (default: none for an export, the store's own for the store). */
  waivers?: string;
}

export async function reportCommand(opts: ReportOptions, out: NodeJS.WritableStream = process.stdout): Promise<number> {
  const policy = await loadPolicyFile(opts.policy);
  let week: Week;
  try {
    week = isoWeek(opts.week, policy.calendar.timeZone);
  } catch (err) {
    throw new UsageError(`--week: ${(err as Error).message}`);
  }
  const asOf = opts.asOf === undefined ? undefined : parseAsOf(opts.asOf);
  const register = await loadWaiversFile(opts.waivers);
  // the temporary folder holds a large export's events by ticket and the report's long lists
  return withTempDir(async (dir) => {
    const report = await withTickets(opts, dir, async (tickets, store) => {
      // the register given, else the store's own; the store's ledger roots of the week's days
      const waivers = register ?? (await store?.waivers());
      return weeklyReport(tickets, policy, week, {
        // every obligation is a row of the CSV; the other formats list the breaches only
        rows: opts.format === 'csv',
        lists: spilledLists(dir),
        ...(asOf !== undefined ? { asOf } : {}),
        ...(waivers ? { waivers } : {}),
        ...(store ? { roots: (days: readonly string[]) => store.dayRoots(days) } : {}),
      });
    });
    if (typeof report === 'number') return report;
    const chunks: Iterable<string> =
      opts.format === 'json'
        ? reportJsonChunks(report)
        : opts.format === 'csv'
          ? reportCsvChunks(report, policy)
          : opts.format === 'html'
            ? reportHtmlChunks(report)
            : reportMarkdownChunks(report);
    const file = opts.out ? join(opts.out, `${policy.id}-${week.id}.${EXTENSION[opts.format]}`) : undefined;
    if (file) await mkdir(opts.out as string, { recursive: true });
    const to = file ? createWriteStream(file) : out;
    // chunk by chunk, waiting whenever the destination asks
    await pipeline(Readable.from(chunks), to, { end: to !== out });
    if (file) process.stderr.write(`wrote ${file}\n`);
    return 0;
  });
}

/**
 * Runs `use` on the report's tickets: an export's, or the embedded store's (opened for the run).
 * The exit status instead when an export's invalid lines refuse it.
 */
async function withTickets<T>(
  opts: ReportOptions,
  dir: string,
  use: (tickets: TicketSource, store?: Pick<Store, 'waivers' | 'dayRoots'>) => Promise<T>,
): Promise<T | number> {
  if (opts.events) {
    // a large export is spilled to bucket files by ticket, as the audit does (cli/load.ts); its
    // lines are validated as the report reads them, and nothing is reported if any is invalid
    const shard = await readExport(opts.events, dir);
    const report = await use(shard);
    const { rejected, invalid } = shard.parsed();
    if (rejected > 0 && !opts.skipInvalid) {
      process.stderr.write(
        `escalation-auditor: ${counted(rejected, 'invalid line')}; no report was made.\n${invalid.map((i) => `  line ${i.line}: ${i.error}`).join('\n')}\n` +
          'Fix those lines, or pass --skip-invalid to report on the valid lines.\n',
      );
      return 2;
    }
    return report;
  }
  const local = await openLocalStore(opts.data ?? '.data', 'report', { onePass: true });
  try {
    return await use(storeTickets(local.store), local.store);
  } finally {
    await local.close();
  }
}

/** An export's tickets, read into one shard. */
async function readExport(events: string, dir: string): Promise<Shard> {
  const source = await openSource(events).catch((err: NodeJS.ErrnoException) => {
    throw new UsageError(
      `cannot read the events file ${events}: ${err.code === 'ENOENT' ? 'no such file' : err.message}`,
    );
  });
  const inline = new InlineShard({ dir, buckets: bucketsFor(source.size, 1) });
  await readInto(source, [inline], { byTicket: false });
  await inline.flush();
  return inline.shard;
}
