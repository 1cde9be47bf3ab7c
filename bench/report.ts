/**
 * The weekly report of a week of generated tickets, from an export and from the embedded store
 * holding the same events, each in a fresh process; and the store's read modelled at 10 ms per
 * DynamoDB Query, as the report Lambda would see it.
 */
import { existsSync, renameSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { eachLine, openSource } from '../cli/lines';
import { openLocalStore } from '../cli/local';
import type { CanonicalEvent } from '../lib/events/schema';
import { exportFile, measure, OUT } from './audit';
import { GENERATOR_VERSION } from './generate';

const WEEK = '2026-W10';
/** The report function's memory (infra/stack.ts). */
const LAMBDA_MEMORY_MB = 2048;

/** The embedded store's data folder holding the export of `tickets` tickets, loaded once. */
async function storeFolder(tickets: number): Promise<string> {
  const folder = join(OUT, `store-${tickets}-v${GENERATOR_VERSION}`);
  if (existsSync(join(folder, 'loaded'))) return folder;
  const file = await exportFile(tickets);
  const building = `${folder}.building`;
  rmSync(building, { recursive: true, force: true });
  const t = performance.now();
  const local = await openLocalStore(building, 'bench');
  let n = 0;
  try {
    let batch: CanonicalEvent[] = [];
    const writes: Promise<void>[] = [];
    const flush = () => {
      writes.push(local.store.appendUnchecked(batch));
      n += batch.length;
      batch = [];
    };
    await eachLine(
      await openSource(file),
      (line) => {
        if (!line) return;
        batch.push(JSON.parse(line) as CanonicalEvent);
        if (batch.length >= 2_000) flush();
      },
      // a few thousand writes in flight at most
      async () => {
        while (writes.length > 4) await writes.shift();
      },
    );
    flush();
    await Promise.all(writes);
  } finally {
    await local.close();
  }
  writeFileSync(join(building, 'loaded'), `${n}\n`);
  rmSync(folder, { recursive: true, force: true });
  renameSync(building, folder);
  console.log(
    `loaded ${n.toLocaleString('en-US')} events into the store in ${((performance.now() - t) / 1000).toFixed(1)} s`,
  );
  return folder;
}

export async function benchReport(tickets = 200_000): Promise<void> {
  const file = await exportFile(tickets);
  const folder = await storeFolder(tickets);
  console.log(
    `\n## report: week ${WEEK} of ${tickets.toLocaleString('en-US')} tickets (${(statSync(file).size / 2 ** 20).toFixed(0)} MiB export), HTML, median of 3 fresh processes`,
  );
  const median = (mode: 'report' | 'report-store' | 'report-lambda', from: string) => {
    const runs = [0, 1, 2].map(() => measure(mode, from, 1, WEEK)).sort((a, b) => a.ms - b.ms);
    return runs[1] as (typeof runs)[number];
  };
  const fromExport = median('report', file);
  const fromStore = median('report-store', folder);
  // RSS counts the pages of files mapped into memory too: the embedded store's LevelDB maps its tables
  const row = (name: string, r: { ms: number; maxRssMb: number; anonPeakMb?: number; filePeakMb?: number }) =>
    `  ${name.padEnd(44)} ${(r.ms / 1000).toFixed(1).padStart(6)} s ${r.maxRssMb.toFixed(0).padStart(6)} MB peak RSS (anonymous ${r.anonPeakMb?.toFixed(0) ?? '?'} MB, mapped files ${r.filePeakMb?.toFixed(0) ?? '?'} MB)`;
  console.log(row('report --events (the export)', fromExport));
  console.log(`${row('report --data (the embedded store)', fromStore)}  ${(fromStore.ms / fromExport.ms).toFixed(2)}x`);
  const lambda = median('report-lambda', folder);
  console.log(
    `${row('the report Lambda, 10 ms per DynamoDB request', lambda)}  (its limits: 900 s, ${LAMBDA_MEMORY_MB} MB)`,
  );
  console.log('targets: the store within 1 GB and 2x the export; the export within 30 s and 1 GB');
  console.log('peaks sampled every 100 ms from /proc/self/status (RssAnon, RssFile); peak RSS from getrusage');
}
