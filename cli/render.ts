/** The audit's three faces: JSON (RULES.md section 5), a readable text table, and Markdown. */
import { DateTime } from 'luxon';
import type { AuditResult, RuleTally } from '../lib/engine/audit';
import { explain } from '../lib/engine/explain';
import { type Rule, ruleById } from '../lib/engine/rules';
import type { Policy, RuleId } from '../lib/policy/schema';
import { counted } from '../lib/text/plural';
import type { Format } from './options';

export interface AuditReport {
  readonly result: AuditResult;
  readonly policy: Policy;
  /** Set when invalid lines were skipped (`--skip-invalid`). */
  readonly rejected?: number;
}

const iso = (ms: number) => new Date(ms).toISOString();
const compliance = (t: RuleTally) => (t.met + t.breached ? t.met / (t.met + t.breached) : null);
const percent = (x: number | null) => (x === null ? '-' : `${(100 * x).toFixed(1)}%`);

export function toJson(r: AuditReport): object {
  const { result, policy } = r;
  return {
    asOf: iso(result.asOf),
    policy: policy.id,
    policyVersion: policy.version,
    tickets: result.tickets,
    events: result.events,
    duplicates: result.duplicates,
    ...(r.rejected !== undefined ? { rejected: r.rejected } : {}),
    breaches: result.breaches.map((b) => ({
      ticketId: b.ticketId,
      rule: b.rule,
      dueAt: iso(b.dueAt),
      severity: b.severity,
      reason: explain(b, policy),
      policyLine: (ruleById.get(b.rule) as Rule).policyLine,
      ...(b.evidence
        ? { evidence: { eventId: b.evidence.eventId, type: b.evidence.type, at: iso(b.evidence.at) } }
        : {}),
    })),
    findings: result.findings,
    incomplete: result.incomplete,
    conflicts: result.conflicts.map((c) => ({
      id: c.kept.id,
      ticketId: c.kept.ticketId,
      refusedTicketId: c.refused.ticketId,
    })),
    summary: Object.fromEntries(
      Object.entries(result.byRule).map(([rule, t]) => [rule, { ...t, compliance: compliance(t) }]),
    ),
  };
}

/** Lays rows out in columns; the last column is not padded. */
function table(head: readonly string[], rows: readonly (readonly string[])[]): string {
  const widths = head.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? '').length)));
  const line = (cells: readonly string[]) =>
    cells
      .map((c, i) => (i === cells.length - 1 ? c : c.padEnd(widths[i] ?? 0)))
      .join('  ')
      .trimEnd();
  return [line(head), ...rows.map(line)].join('\n');
}

function mdTable(head: readonly string[], rows: readonly (readonly string[])[]): string {
  const esc = (c: string) => c.replace(/\|/g, '\\|');
  return [head, head.map(() => '---'), ...rows].map((r) => `| ${r.map(esc).join(' | ')} |`).join('\n');
}

function sections(r: AuditReport) {
  const { result, policy } = r;
  const zone = policy.calendar.timeZone;
  const local = (ms: number) => DateTime.fromMillis(ms, { zone }).toFormat('yyyy-MM-dd HH:mm');
  const breachRows = result.breaches.map((b) => [
    local(b.dueAt),
    b.ticketId,
    b.severity ?? '-',
    b.rule,
    explain(b, policy),
  ]);
  const ruleRows = (Object.entries(result.byRule) as [RuleId, RuleTally][]).map(([rule, t]) => [
    rule,
    String(t.met + t.breached),
    String(t.met),
    String(t.breached),
    percent(compliance(t)),
    String(t.pending),
    String(t.cancelled),
  ]);
  const totalBreaches = result.breaches.length;
  const headline = [
    `${counted(result.tickets, 'ticket')}, ${counted(result.events, 'event')}`,
    counted(totalBreaches, 'breach', 'breaches'),
    counted(result.findings.length, 'finding'),
    ...(result.incomplete.length ? [`${result.incomplete.length} incomplete`] : []),
    ...(result.duplicates
      ? [`${counted(result.duplicates, 'duplicate delivery', 'duplicate deliveries')} ignored`]
      : []),
    ...(result.conflicts.length ? [counted(result.conflicts.length, 'conflicting id')] : []),
    ...(r.rejected ? [`${counted(r.rejected, 'invalid line')} skipped`] : []),
  ].join(' · ');
  return {
    title: `${policy.id} (${policy.version}) audit as of ${local(result.asOf)} ${zone}`,
    headline,
    breachHead: [`DUE (${zone})`, 'TICKET', 'SEV', 'RULE', 'WHAT HAPPENED'],
    breachRows,
    ruleHead: ['RULE', 'DUE', 'MET', 'BREACHED', 'COMPLIANCE', 'PENDING', 'CANCELLED'],
    ruleRows,
    findings: result.findings.map((f) => [f.ticketId, f.message]),
    incomplete: result.incomplete,
    conflicts: result.conflicts.map((c) => c.kept.id),
  };
}

export function toText(r: AuditReport): string {
  const s = sections(r);
  const out = [s.title, s.headline, ''];
  out.push('BREACHES', s.breachRows.length ? table(s.breachHead, s.breachRows) : 'none', '');
  out.push('BY RULE', table(s.ruleHead, s.ruleRows), '');
  if (s.findings.length) out.push('FINDINGS (for review, not breaches)', table(['TICKET', 'FINDING'], s.findings), '');
  if (s.incomplete.length) out.push(`INCOMPLETE (no ticket.created, no rules applied): ${s.incomplete.join(', ')}`, '');
  if (s.conflicts.length)
    out.push(`CONFLICTS (id reused by a different event; the first was kept): ${s.conflicts.join(', ')}`, '');
  return out.join('\n');
}

export function toMarkdown(r: AuditReport): string {
  const s = sections(r);
  const out = [`# ${s.title}`, '', s.headline, '', '## Breaches', ''];
  out.push(s.breachRows.length ? mdTable(s.breachHead, s.breachRows) : 'None.', '');
  out.push('## By rule', '', mdTable(s.ruleHead, s.ruleRows), '');
  if (s.findings.length)
    out.push('## Findings (for review, not breaches)', '', mdTable(['Ticket', 'Finding'], s.findings), '');
  if (s.incomplete.length)
    out.push('## Incomplete tickets (no ticket.created)', '', s.incomplete.map((t) => `- ${t}`).join('\n'), '');
  if (s.conflicts.length)
    out.push('## Conflicting ids (the first event was kept)', '', s.conflicts.map((t) => `- ${t}`).join('\n'), '');
  return out.join('\n');
}

export function render(r: AuditReport, format: Format): string {
  if (format === 'json') return `${JSON.stringify(toJson(r), null, 2)}\n`;
  return format === 'markdown' ? toMarkdown(r) : toText(r);
}
