/** Audits many tickets at once: the engine per ticket, plus the per-rule tally. */
import type { Conflict } from '../events/history';
import type { TicketEvent } from '../events/parse';
import type { Policy, RuleId } from '../policy/schema';
import { evaluateTicket } from './evaluate';
import { RULE_IDS } from './rules';
import type { Breach, Finding, ObligationStatus } from './types';

export type RuleTally = Record<ObligationStatus, number>;

export interface AuditResult {
  readonly asOf: number;
  readonly tickets: number;
  /** Tickets with no `ticket.created`: no rules apply to them. */
  readonly incomplete: readonly string[];
  /** Ordered by due time, then ticket, then rule. */
  readonly breaches: readonly Breach[];
  readonly findings: readonly Finding[];
  /** Events audited (unique), identical redeliveries ignored, and ids reused by different events. */
  readonly events: number;
  readonly duplicates: number;
  readonly conflicts: readonly Conflict[];
  readonly byRule: Readonly<Record<RuleId, RuleTally>>;
}

const emptyTally = (): Record<RuleId, RuleTally> =>
  Object.fromEntries(RULE_IDS.map((id) => [id, { met: 0, pending: 0, breached: 0, cancelled: 0 }])) as Record<
    RuleId,
    RuleTally
  >;

const byDueTicketRule = (a: Breach, b: Breach) =>
  a.dueAt - b.dueAt ||
  (a.ticketId < b.ticketId ? -1 : a.ticketId > b.ticketId ? 1 : 0) ||
  RULE_IDS.indexOf(a.rule) - RULE_IDS.indexOf(b.rule);

const byTicket = (a: Finding, b: Finding) => (a.ticketId < b.ticketId ? -1 : a.ticketId > b.ticketId ? 1 : 0);

export function auditTickets(
  tickets: ReadonlyMap<string, readonly TicketEvent[]>,
  policy: Policy,
  asOf: number,
  onTicket?: (done: number) => void,
): AuditResult {
  const breaches: Breach[] = [];
  const findings: Finding[] = [];
  const incomplete: string[] = [];
  const conflicts: Conflict[] = [];
  const byRule = emptyTally();
  let events = 0;
  let duplicates = 0;
  let done = 0;
  for (const [ticketId, history] of tickets) {
    const result = evaluateTicket(ticketId, history, policy, asOf);
    if (!result.complete) incomplete.push(ticketId);
    events += history.length - result.duplicates - result.conflicts.length;
    duplicates += result.duplicates;
    conflicts.push(...result.conflicts);
    for (const o of result.obligations) byRule[o.rule][o.status]++;
    breaches.push(...result.breaches);
    findings.push(...result.findings);
    onTicket?.(++done);
  }
  return {
    asOf,
    tickets: tickets.size,
    incomplete: incomplete.sort(),
    breaches: breaches.sort(byDueTicketRule),
    findings: findings.sort(byTicket),
    events,
    duplicates,
    conflicts,
    byRule,
  };
}

/** Combines audits of disjoint sets of tickets taken as of the same time. */
export function mergeAudits(parts: readonly AuditResult[], asOf: number): AuditResult {
  const byRule = emptyTally();
  for (const part of parts) {
    for (const id of RULE_IDS) {
      const tally = byRule[id];
      for (const status of Object.keys(tally) as ObligationStatus[]) tally[status] += part.byRule[id][status];
    }
  }
  const sum = (f: (p: AuditResult) => number) => parts.reduce((n, p) => n + f(p), 0);
  return {
    asOf,
    tickets: sum((p) => p.tickets),
    incomplete: parts.flatMap((p) => p.incomplete).sort(),
    breaches: parts.flatMap((p) => p.breaches).sort(byDueTicketRule),
    findings: parts.flatMap((p) => p.findings).sort(byTicket),
    events: sum((p) => p.events),
    duplicates: sum((p) => p.duplicates),
    conflicts: parts.flatMap((p) => p.conflicts),
    byRule,
  };
}
