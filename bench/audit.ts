/** The batch audit against the bare read + JSON.parse + group-by-ticket loop, on 1M events. */
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { defaultThreads } from '../cli/audit';
import { GENERATOR_VERSION, writeExport, writeHeavyExport } from './generate';

export const OUT = join(import.meta.dirname, 'out');
const WEEK = Date.parse('2026-03-02T00:00:00Z');
const AS_OF = '2026-03-16T00:00:00Z';

interface Run {
  ms: number;
  maxRssMb: number;
  anonPeakMb?: number;
  filePeakMb?: number;
  breaches?: number;
}

export function measure(
  mode: 'bare' | 'audit' | 'report' | 'report-store' | 'report-lambda',
  file: string,
  threads = 1,
  asOf = AS_OF,
  format = mode.startsWith('report') ? 'html' : 'json',
): Run {
  const script = join(import.meta.dirname, 'audit-run.ts');
  // the bare loop holds every parsed line: give it the heap it needs (the audit runs with the default)
  const heap = mode === 'bare' ? ['--max-old-space-size=20000'] : [];
  // the figures come on standard error: standard output is the command's, counted and discarded
  const r = spawnSync(
    process.execPath,
    [...heap, '--import', 'tsx', script, mode, file, asOf, String(threads), format],
    {
      encoding: 'utf8',
      stdio: ['ignore', 'ignore', 'pipe'],
      maxBuffer: 1 << 20,
    },
  );
  if (r.status !== 0) throw new Error(`${mode} run failed: ${r.stderr}`);
  return JSON.parse(r.stderr.trim().split('\n').pop() as string) as Run;
}

/** A generated export, made once by `write` and then reused (the generator's version is in its name). */
async function generated(
  name: string,
  write: (file: string, tickets: number, week: number) => Promise<number>,
  tickets: number,
): Promise<string> {
  mkdirSync(OUT, { recursive: true });
  const file = join(OUT, `${name}-${tickets}-v${GENERATOR_VERSION}.jsonl`);
  if (!existsSync(file)) {
    const t = performance.now();
    const n = await write(file, tickets, WEEK);
    console.log(`generated ${n.toLocaleString('en-US')} events in ${((performance.now() - t) / 1000).toFixed(1)} s`);
  }
  return file;
}

/** The generated export of `tickets` tickets. */
export const exportFile = (tickets = 100_000): Promise<string> => generated('export', writeExport, tickets);

export async function benchAudit(tickets = 100_000): Promise<void> {
  const file = await exportFile(tickets);
  const lines = execFileSync('wc', ['-l', file], { encoding: 'utf8' }).trim().split(' ')[0];
  const events = Number(lines);
  console.log(
    `\n## audit: ${events.toLocaleString('en-US')} events, ${tickets.toLocaleString('en-US')} tickets, ${(statSync(file).size / 2 ** 20).toFixed(0)} MiB`,
  );
  const threads = defaultThreads(statSync(file).size);
  const bare: Run[] = [];
  const one: Run[] = [];
  const many: Run[] = [];
  for (let round = 0; round < 3; round++) {
    bare.push(measure('bare', file));
    one.push(measure('audit', file, 1));
    if (threads > 1) many.push(measure('audit', file, threads));
  }
  const median = (runs: Run[]) => [...runs].sort((x, y) => x.ms - y.ms)[Math.floor(runs.length / 2)] as Run;
  const b = median(bare);
  const a1 = median(one);
  const a = threads > 1 ? median(many) : a1;
  const row = (name: string, r: Run) =>
    `${name.padEnd(36)} ${(r.ms / 1000).toFixed(2).padStart(7)} s ${Math.round(events / (r.ms / 1000))
      .toLocaleString('en-US')
      .padStart(11)} events/s ${r.maxRssMb.toFixed(0).padStart(6)} MB peak RSS`;
  console.log(row('bare read + JSON.parse + group-by', b));
  console.log(row('audit --format json --threads 1', a1));
  if (threads > 1) console.log(row(`audit --format json (${threads} threads)`, a));
  console.log(
    `ratio audit / bare: ${(a.ms / b.ms).toFixed(2)}x by default (${threads} threads), ${(a1.ms / b.ms).toFixed(2)}x on one thread (target <= 2x)`,
  );
  console.log(
    `peak RSS ${a.maxRssMb.toFixed(0)} MB by default, ${a1.maxRssMb.toFixed(0)} MB on one thread (target < 1024 MB); median of 3 runs, a fresh process each`,
  );
}

/** The heavy mix's export of `tickets` tickets (about ten events each). */
const heavyFile = (tickets: number): Promise<string> => generated('heavy', writeHeavyExport, tickets);

/**
 * The audit of the heavy mix at 1M, 3M and 10M events: JSON and text, each against the bare loop
 * over the same file in the same run (one run each: the large files take minutes).
 */
export async function benchAuditHeavy(sizes = [100_000, 300_000, 1_000_000]): Promise<void> {
  console.log('\n## audit, heavy mix (1 % of tickets P0/P1 left open and silent for days), as of 2026-03-16');
  for (const tickets of sizes) {
    const file = await heavyFile(tickets);
    const events = Number(execFileSync('wc', ['-l', file], { encoding: 'utf8' }).trim().split(' ')[0]);
    const size = statSync(file).size;
    const threads = defaultThreads(size);
    const bare = measure('bare', file);
    const json = measure('audit', file, threads, AS_OF, 'json');
    const text = measure('audit', file, threads, AS_OF, 'text');
    const row = (name: string, r: Run) =>
      `  ${name.padEnd(34)} ${(r.ms / 1000).toFixed(1).padStart(6)} s ${r.maxRssMb.toFixed(0).padStart(6)} MB peak RSS ${(r.ms / bare.ms).toFixed(2).padStart(5)}x bare`;
    console.log(`${events.toLocaleString('en-US')} events, ${(size / 2 ** 20).toFixed(0)} MiB, ${threads} threads:`);
    console.log(row('bare read + JSON.parse + group-by', bare));
    console.log(`${row('audit --format json', json)}  ${json.breaches?.toLocaleString('en-US') ?? '?'} breaches`);
    console.log(row('audit --format text', text));
  }
  console.log('targets: peak RSS <= 1 GB at 10M events, wall time <= 2x the bare loop');
}
