/**
 * One measured run in a fresh process: `bare FILE` reads, JSON.parses and groups the lines by
 * ticket; `audit FILE` runs the real `audit` command on the same file (JSON output, discarded);
 * `report FILE WEEK` runs the real `report` command (HTML, discarded), `report-store FOLDER WEEK`
 * the same on the embedded store's data folder, `report-lambda FOLDER WEEK` the report Lambda's
 * use case on that folder, served by another process, 10 ms per request. Prints {ms, maxRssMb}.
 */
import { readFileSync } from 'node:fs';
import { Writable } from 'node:stream';
import { eachLine, openSource } from '../cli/lines';
import { reportCommand } from '../cli/report';
import { reportLikeLambda } from './report-lambda';

const [mode, file, asOf, threads, format = 'json'] = process.argv.slice(2) as [string, string, string, string, string?];
// discards the output, counting the breaches of a JSON document as it passes
let breaches = 0;
const sink = new Writable({
  write: (chunk: Buffer, _enc, done) => {
    const text = chunk.toString();
    for (let i = text.indexOf('"policyLine"'); i !== -1; i = text.indexOf('"policyLine"', i + 1)) breaches++;
    done();
  },
});
// peak anonymous and peak file-backed resident memory, sampled: RSS counts both, and the embedded
// store's LevelDB maps its table files into memory (pages the kernel may drop at any time)
let anonPeakKb = 0;
let filePeakKb = 0;
const sample = () => {
  const status = readFileSync('/proc/self/status', 'utf8');
  anonPeakKb = Math.max(anonPeakKb, Number(/RssAnon:\s+(\d+)/.exec(status)?.[1] ?? 0));
  filePeakKb = Math.max(filePeakKb, Number(/RssFile:\s+(\d+)/.exec(status)?.[1] ?? 0));
};
const sampling = setInterval(sample, 100);
const started = performance.now();
let events = 0;
if (mode === 'bare') {
  const tickets = new Map<string, unknown[]>();
  await eachLine(await openSource(file), (line) => {
    if (!line) return;
    const e = JSON.parse(line) as { ticketId: string };
    events++;
    const list = tickets.get(e.ticketId);
    if (list) list.push(e);
    else tickets.set(e.ticketId, [e]);
  });
} else if (mode === 'report' || mode === 'report-store') {
  const from = mode === 'report' ? { events: file } : { data: file };
  const code = await reportCommand({ week: asOf, ...from, format: format as 'html' }, sink);
  if (code !== 0) throw new Error(`report exited ${code}`);
} else if (mode === 'report-lambda') {
  await reportLikeLambda(file, asOf);
} else {
  // the built command itself (dist/, what the bin runs), its output counted and discarded
  const bundle = '../dist/main.mjs';
  const { main } = (await import(bundle)) as { main: (argv: string[]) => Promise<void> };
  process.stdout.write = ((chunk: Buffer | string, ...rest: unknown[]) => {
    sink.write(chunk);
    const done = rest.find((r) => typeof r === 'function') as (() => void) | undefined;
    done?.();
    return true;
  }) as typeof process.stdout.write;
  await main([
    'node',
    'escalation-auditor',
    'audit',
    '--events',
    file,
    '--as-of',
    asOf,
    '--format',
    format,
    '--threads',
    threads,
    '--no-progress',
  ]);
  if (process.exitCode) throw new Error(`audit exited ${process.exitCode}`);
}
const ms = performance.now() - started;
sample();
clearInterval(sampling);
const report = `${JSON.stringify({
  ms,
  maxRssMb: process.resourceUsage().maxRSS / 1024,
  anonPeakMb: anonPeakKb / 1024,
  filePeakMb: filePeakKb / 1024,
  events,
  breaches,
})}\n`;
process.stderr.write(report);
