/** `escalation-auditor unmapped`: what the mapping could not read, from the embedded store's archive. */
import { unmappedRequests } from '../lib/app/unmapped';
import { counted } from '../lib/text/plural';
import { parseAsOf } from './audit';
import { openLocalStore } from './local';

export interface UnmappedOptions {
  data: string;
  since?: string;
  limit: number;
  format: 'text' | 'json';
}

export async function unmappedCommand(
  opts: UnmappedOptions,
  out: NodeJS.WritableStream = process.stdout,
): Promise<number> {
  const since = opts.since === undefined ? undefined : parseAsOf(opts.since, '--since');
  const local = await openLocalStore(opts.data, 'unmapped');
  try {
    const summary = await unmappedRequests(local.store, {
      now: Date.now(),
      limit: opts.limit,
      ...(since === undefined ? {} : { since }),
    });
    if (opts.format === 'json') {
      out.write(`${JSON.stringify(summary, null, 2)}\n`);
      return 0;
    }
    const lines = [
      `${counted(summary.total, 'request')} since ${summary.from} with something the mapping could not read${summary.total > summary.requests.length ? ` (the newest ${summary.requests.length} below)` : ''}`,
      ...summary.requests.flatMap((r) => [
        `${r.receivedAt}  ${r.source}  ${r.requestId}`,
        ...(r.invalid ? [`  refused: ${r.invalid}`] : []),
        ...r.unmapped.map((u) => `  unmapped: ${u}`),
      ]),
    ];
    if (summary.total > 0)
      lines.push('', 'Fix the mapping, then: escalation-auditor replay --from <time> --mapping fixed.yaml');
    out.write(`${lines.join('\n')}\n`);
    return 0;
  } finally {
    await local.close();
  }
}
