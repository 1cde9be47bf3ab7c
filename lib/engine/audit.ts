/** Audits many tickets at once: the engine per ticket, plus the per-rule tally. */
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
  readonly byRule: Readonly<Record<RuleId, RuleTally>>;
}

export function auditTickets(
  tickets: ReadonlyMap<string, readonly TicketEvent[]>,
  policy: Policy,
  asOf: number,
  onTicket?: (done: number) => void,
): AuditResult {
  const breaches: Breach[] = [];
  const findings: Finding[] = [];
  const incomplete: string[] = [];
  const byRule = Object.fromEntries(
    RULE_IDS.map((id) => [id, { met: 0, pending: 0, breached: 0, cancelled: 0 }]),
  ) as Record<RuleId, RuleTally>;
  let done = 0;
  for (const [ticketId, history] of tickets) {
    const result = evaluateTicket(ticketId, history, policy, asOf);
    if (!result.complete) incomplete.push(ticketId);
    for (const o of result.obligations) byRule[o.rule][o.status]++;
    breaches.push(...result.breaches);
    findings.push(...result.findings);
    onTicket?.(++done);
  }
  breaches.sort(
    (a, b) =>
      a.dueAt - b.dueAt ||
      (a.ticketId < b.ticketId ? -1 : a.ticketId > b.ticketId ? 1 : 0) ||
      RULE_IDS.indexOf(a.rule) - RULE_IDS.indexOf(b.rule),
  );
  return { asOf, tickets: tickets.size, incomplete: incomplete.sort(), breaches, findings, byRule };
}
