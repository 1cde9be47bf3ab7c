/**
 * `audit --compare-policy NEW`: the breaches a proposed policy would add or remove, per rule and
 * per ticket, against the policy in force, on the same export and as of the same time. Nothing
 * is stored or changed. The two audits stream their breaches in the same order (due time,
 * ticket, rule), so the difference is one merge of two sorted streams: memory is bounded as the
 * audit's is, whatever the number of breaches.
 */
import type { Policy } from '../lib/policy/schema';
import { versionLabel } from '../lib/policy/schema';
import { counted } from '../lib/text/plural';
import { openSource } from './lines';
import type { AuditSourceOptions } from './load';
import { withAudit } from './load';
import { type AuditReport, records, Writer } from './render';
import type { Keyed } from './spill';

interface Side {
  readonly policy: Policy;
  readonly report: Omit<AuditReport, 'policy' | 'rejected'>;
}

interface BreachRecord {
  ticketId: string;
  rule: string;
  dueAt: string;
  reason: string;
}

/** The records of two sorted streams side by side: each key once, with what either side has. */
function* join(a: Generator<Keyed>, b: Generator<Keyed>): Generator<{ now?: Keyed; proposed?: Keyed }> {
  const cmp = (x: Keyed, y: Keyed) => x[0] - y[0] || (x[1] < y[1] ? -1 : x[1] > y[1] ? 1 : 0) || x[2] - y[2];
  let x = a.next();
  let y = b.next();
  while (!x.done || !y.done) {
    if (y.done || (!x.done && cmp(x.value, y.value) < 0)) {
      yield { now: x.value as Keyed };
      x = a.next();
    } else if (x.done || cmp(x.value, y.value) > 0) {
      yield { proposed: y.value };
      y = b.next();
    } else {
      yield { now: x.value, proposed: y.value };
      x = a.next();
      y = b.next();
    }
  }
}

export async function comparePolicies(
  events: string,
  options: AuditSourceOptions,
  proposed: Policy,
  proposedName: string,
  format: 'json' | 'text' | 'markdown',
  out: NodeJS.WritableStream,
): Promise<number> {
  const json = { ...options, format: 'json' as const };
  return withAudit(await openSource(events), json, async (current) => {
    if (!current.result) return 2;
    const asOf = current.result.totals.asOf;
    return withAudit(await openSource(events), { ...json, policy: proposed, asOf }, async (next) => {
      if (!next.result) return 2;
      await write(
        { policy: options.policy, report: current.result as Side['report'] },
        { policy: proposed, report: next.result },
        proposedName,
        format,
        out,
      );
      return 0;
    });
  });
}

type Change = 'added' | 'removed';

async function write(
  now: Side,
  next: Side,
  proposedName: string,
  format: 'json' | 'text' | 'markdown',
  out: NodeJS.WritableStream,
): Promise<void> {
  const w = new Writer(out);
  const byRule = new Map<string, { now: number; proposed: number; added: number; removed: number }>();
  const byTicket = new Map<string, { added: number; removed: number }>();
  const asOf = new Date(now.report.totals.asOf).toISOString();
  const head = {
    asOf,
    current: { id: now.policy.id, version: versionLabel(now.policy) },
    proposed: { file: proposedName, id: next.policy.id, version: versionLabel(next.policy) },
  };
  /** One walk through both audits' breaches, in order: each difference to `visit`; counts on the first walk. */
  let tallied = false;
  const walk = async (visit: (change: Change, b: BreachRecord) => Promise<void>) => {
    for (const { now: a, proposed: b } of join(
      records(now.report as AuditReport, 'breaches'),
      records(next.report as AuditReport, 'breaches'),
    )) {
      const change: Change | undefined = a && !b ? 'removed' : b && !a ? 'added' : undefined;
      const record = JSON.parse(((change === 'added' ? b : a) ?? b)?.[3] as string) as BreachRecord;
      if (!tallied) {
        const t = byRule.get(record.rule) ?? { now: 0, proposed: 0, added: 0, removed: 0 };
        byRule.set(record.rule, t);
        if (a) t.now++;
        if (b) t.proposed++;
        if (change) {
          t[change]++;
          const c = byTicket.get(record.ticketId) ?? { added: 0, removed: 0 };
          byTicket.set(record.ticketId, c);
          c[change]++;
        }
      }
      if (change) await visit(change, record);
    }
    tallied = true;
  };
  const sorted = <T>(m: Map<string, T>) => [...m].sort(([x], [y]) => (x < y ? -1 : x > y ? 1 : 0));

  if (format === 'json') {
    await w.write(`${JSON.stringify(head, null, 2).slice(0, -2)},\n  "changes": [`);
    let first = true;
    await walk(async (change, b) => {
      await w.write(`${first ? '\n' : ',\n'}    ${JSON.stringify({ change, ...b })}`);
      first = false;
    });
    await w.write(first ? '],\n' : '\n  ],\n');
    const tail = {
      byRule: Object.fromEntries(sorted(byRule)),
      byTicket: sorted(byTicket).map(([ticketId, c]) => ({ ticketId, ...c })),
      stored: 'nothing: no record was added, changed or removed',
    };
    await w.write(`${JSON.stringify(tail, null, 2).slice(2)}\n`);
    await w.flush();
    return;
  }
  const md = format === 'markdown';
  // the summary comes first and needs the counts: a first walk counts, the next write the lists
  await walk(async () => {});
  const total = (k: Change) => [...byRule.values()].reduce((n, t) => n + t[k], 0);
  await w.write(
    `${md ? '# ' : ''}Comparing ${head.current.id} (${head.current.version}) with ${proposedName} (${head.proposed.id} ${head.proposed.version}), as of ${asOf}\n\n` +
      `${counted(total('added'), 'breach', 'breaches')} the proposed policy adds, ${total('removed')} it removes; nothing is stored or changed\n\n`,
  );
  await w.write(
    md ? '## By rule\n\n| Rule | Now | Proposed | Added | Removed |\n| --- | --- | --- | --- | --- |\n' : 'BY RULE\n',
  );
  for (const [rule, t] of sorted(byRule))
    await w.write(
      md
        ? `| ${rule} | ${t.now} | ${t.proposed} | ${t.added} | ${t.removed} |\n`
        : `  ${rule.padEnd(28)} now ${t.now}, proposed ${t.proposed}: +${t.added} -${t.removed}\n`,
    );
  for (const kind of ['added', 'removed'] as const) {
    const title =
      kind === 'added'
        ? 'Added (breached under the proposed policy only)'
        : 'Removed (breached under the current policy only)';
    await w.write(md ? `\n## ${title}\n\n` : `\n${title.toUpperCase()}\n`);
    let any = false;
    await walk(async (change, b) => {
      if (change !== kind) return;
      any = true;
      await w.write(
        md
          ? `- ${b.dueAt} ${b.ticketId} ${b.rule}: ${b.reason}\n`
          : `  ${b.dueAt}  ${b.ticketId}  ${b.rule}  ${b.reason}\n`,
      );
    });
    if (!any) await w.write(md ? 'None.\n' : '  none\n');
  }
  await w.write(md ? '\n## By ticket\n\n' : '\nBY TICKET\n');
  for (const [ticketId, c] of sorted(byTicket))
    await w.write(md ? `- ${ticketId}: +${c.added} -${c.removed}\n` : `  ${ticketId}  +${c.added} -${c.removed}\n`);
  if (byTicket.size === 0) await w.write(md ? 'None.\n' : '  none\n');
  await w.flush();
}
