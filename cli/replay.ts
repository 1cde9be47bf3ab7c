/** `escalation-auditor replay`: re-translates archived webhook requests with the current mapping. */
import { replay as replayArchive } from '../lib/app/replay';
import { counted } from '../lib/text/plural';
import { parseAsOf } from './audit';
import { loadMappingFile } from './config';
import { openLocalStore } from './local';
import { count, Progress } from './progress';

export interface ReplayOptions {
  from: string;
  to?: string;
  data: string;
  mapping?: string;
  format: 'text' | 'json';
}

export async function replayCommand(opts: ReplayOptions): Promise<number> {
  const from = parseAsOf(opts.from, '--from');
  const to = opts.to ? parseAsOf(opts.to, '--to') : Date.now();
  const mapping = await loadMappingFile(opts.mapping);
  const local = await openLocalStore(opts.data, 'replay');
  const progress = new Progress();
  try {
    const summary = await replayArchive(from, to, { store: local.store, mapping, secrets: {} }, (s) =>
      progress.update(() => `replaying · ${count(s.requests)} requests · ${count(s.accepted)} events added`),
    );
    progress.done();
    process.stdout.write(
      opts.format === 'json'
        ? `${JSON.stringify(summary, null, 2)}\n`
        : `replayed ${counted(summary.requests, 'archived request')}: ${counted(summary.accepted, 'event')} added, ${summary.duplicates} already stored, ` +
            `${counted(summary.conflicts, 'conflict')}, ${counted(summary.unmapped, 'request')} still unmapped, ${summary.refused} refused as invalid\n`,
    );
    return 0;
  } finally {
    await local.close();
  }
}
