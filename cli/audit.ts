/** `escalation-auditor audit`: audits an export of canonical events (RULES.md section 5). */
import { availableParallelism } from 'node:os';
import { WaiverBook } from '../lib/engine/waivers';
import { Timestamp } from '../lib/events/schema';
import { comparePolicies } from './compare';
import { loadPolicyFile, loadWaiversFile } from './config';
import { openSource } from './lines';
import { withAudit } from './load';
import { type Format, UsageError } from './options';
import { count, Progress } from './progress';
import { renderAudit } from './render';

export interface AuditOptions {
  events: string;
  asOf?: string;
  policy?: string;
  format: Format;
  skipInvalid?: boolean;
  failOnBreach?: boolean;
  progress?: boolean;
  /** Threads to audit on; default: one for small files, one per core for large ones. */
  threads?: number;
  /** A register of waivers: the breaches it covers are excused, counted apart. */
  waivers?: string;
  /** A proposed policy: print the breaches it would add or remove instead of the audit. */
  comparePolicy?: string;
}

/** Worker threads pay off from a few MiB on; below that one thread starts faster. */
export function defaultThreads(size: number | undefined): number {
  if (size !== undefined && size < 8 * 2 ** 20) return 1;
  return Math.max(1, Math.min(availableParallelism(), 8));
}

export function parseAsOf(value: string, option = '--as-of'): number {
  if (!Timestamp.safeParse(value).success) {
    throw new UsageError(`${option}: "${value}" is not an RFC 3339 timestamp; write it like 2026-03-02T18:00:00Z`);
  }
  return Date.parse(value);
}

/** Runs the audit and returns the exit status. */
export async function audit(opts: AuditOptions, out: NodeJS.WritableStream = process.stdout): Promise<number> {
  const policy = await loadPolicyFile(opts.policy);
  const waivers = await loadWaiversFile(opts.waivers);
  const asOf = opts.asOf === undefined ? undefined : parseAsOf(opts.asOf);
  const source = await openSource(opts.events).catch((err: NodeJS.ErrnoException) => {
    throw new UsageError(
      `cannot read the events file ${opts.events}: ${err.code === 'ENOENT' ? 'no such file' : err.message}`,
    );
  });
  if (opts.comparePolicy && opts.events === '-')
    throw new UsageError('--compare-policy reads the export twice: pass a file, not standard input');
  const progress = new Progress(opts.progress !== false);
  const threads = opts.threads ?? defaultThreads(source.size);
  const options = {
    policy,
    asOf,
    threads,
    skipInvalid: opts.skipInvalid === true,
    progress,
    format: opts.format,
    ...(waivers ? { waivers } : {}),
  };
  if (opts.comparePolicy) {
    const proposed = await loadPolicyFile(opts.comparePolicy);
    const code = await comparePolicies(opts.events, options, proposed, opts.comparePolicy, opts.format, out);
    progress.done();
    if (code === 2)
      process.stderr.write(
        'escalation-auditor: the export has invalid lines; pass --skip-invalid to compare the valid ones\n',
      );
    return code;
  }
  return withAudit(source, options, async ({ result, rejected, invalid }) => {
    progress.done();
    if (!result) {
      const name = opts.events === '-' ? 'standard input' : opts.events;
      const lines = invalid.map((i) => `  line ${i.line}: ${i.error}`);
      if (rejected > invalid.length) lines.push(`  ... and ${count(rejected - invalid.length)} more`);
      process.stderr.write(
        `escalation-auditor: ${count(rejected)} invalid ${rejected === 1 ? 'line' : 'lines'} in ${name}; nothing was audited.\n${lines.join('\n')}\n` +
          'Fix those lines, or pass --skip-invalid to audit the valid lines and report the count as "rejected".\n',
      );
      return 2;
    }
    for (const c of result.totals.conflicts.slice(0, 20)) {
      process.stderr.write(
        `escalation-auditor: warning: id ${c.kept.id} was reused by a different event; the first was kept\n`,
      );
    }
    const register = waivers && {
      records: waivers.length,
      unmatched: new WaiverBook(waivers, result.totals.asOf).unmatched(new Set(result.totals.waiversMatched)),
    };
    await renderAudit(
      { ...result, policy, ...(opts.skipInvalid ? { rejected } : {}), ...(register ? { waivers: register } : {}) },
      opts.format,
      out,
    );
    return opts.failOnBreach && result.totals.breaches > 0 ? 1 : 0;
  });
}
