/**
 * Audits many tickets: the engine per ticket, and the totals of the audit (per-rule tally,
 * findings, incomplete tickets, conflicts). The breaches themselves are handed to the caller
 * ticket by ticket, so that an audit of any size can stream them instead of holding them.
 */
import type { Conflict } from '../events/history';
import type { TicketEvent } from '../events/parse';
import type { Policy, RuleId } from '../policy/schema';
import { evaluateTicket } from './evaluate';
import { mergePopulations, type Population, PopulationCount } from './population';
import { RULE_IDS } from './rules';
import type { Finding, ObligationStatus, TicketAudit } from './types';
import type { WaiverBook } from './waivers';

export type RuleTally = Record<ObligationStatus, number>;

/** Everything an audit says except the breach list, which is streamed. */
export interface AuditTotals {
  readonly asOf: number;
  readonly tickets: number;
  /** Tickets with no `ticket.created`: no rules apply to them. */
  readonly incomplete: readonly string[];
  readonly breaches: number;
  /** Breaches a waiver excuses: counted apart from the breaches. */
  readonly excused: number;
  /** The waivers whose scope covered an obligation of these tickets. */
  readonly waiversMatched: readonly string[];
  readonly findings: readonly Finding[];
  /** Events audited (unique), identical redeliveries ignored, and ids reused by different events. */
  readonly events: number;
  readonly duplicates: number;
  readonly conflicts: readonly Conflict[];
  readonly byRule: Readonly<Record<RuleId, RuleTally>>;
  /** Whether the population is complete: P0/P1 tickets no incident names, and the reverse. */
  readonly population: Population;
}

const emptyTally = (): Record<RuleId, RuleTally> =>
  Object.fromEntries(
    RULE_IDS.map((id) => [id, { met: 0, pending: 0, breached: 0, excused: 0, cancelled: 0 }]),
  ) as Record<RuleId, RuleTally>;

const byTicket = (a: Finding, b: Finding) => (a.ticketId < b.ticketId ? -1 : a.ticketId > b.ticketId ? 1 : 0);

/** Audits tickets one at a time; `onTicket` gets each ticket's audit (its breaches in due order). */
export class AuditRun {
  private tickets = 0;
  private readonly incomplete: string[] = [];
  private readonly findings: Finding[] = [];
  private readonly conflicts: Conflict[] = [];
  private readonly byRule = emptyTally();
  private events = 0;
  private duplicates = 0;
  private breaches = 0;
  private excused = 0;
  private readonly population = new PopulationCount();

  constructor(
    private readonly policy: Policy,
    private readonly asOf: number,
    private readonly waivers?: WaiverBook,
  ) {}

  audit(ticketId: string, history: readonly TicketEvent[]): TicketAudit {
    const result = evaluateTicket(ticketId, history, this.policy, this.asOf, this.waivers);
    this.tickets++;
    if (!result.complete) this.incomplete.push(ticketId);
    this.events += history.length - result.duplicates - result.conflicts.length;
    this.duplicates += result.duplicates;
    for (const c of result.conflicts) this.conflicts.push(c);
    for (const o of result.obligations) this.byRule[o.rule][o.status]++;
    for (const f of result.findings) this.findings.push(f);
    this.breaches += result.breaches.length;
    this.excused += result.obligations.filter((o) => o.status === 'excused').length;
    this.population.add(ticketId, history);
    return result;
  }

  totals(): AuditTotals {
    return {
      asOf: this.asOf,
      tickets: this.tickets,
      incomplete: [...this.incomplete].sort(),
      breaches: this.breaches,
      excused: this.excused,
      waiversMatched: [...(this.waivers?.matched ?? [])].sort(),
      findings: [...this.findings].sort(byTicket),
      events: this.events,
      duplicates: this.duplicates,
      conflicts: this.conflicts,
      byRule: this.byRule,
      population: this.population.result(),
    };
  }
}

/** Combines the totals of audits of disjoint sets of tickets taken as of the same time. */
export function mergeTotals(parts: readonly AuditTotals[], asOf: number): AuditTotals {
  const byRule = emptyTally();
  for (const part of parts) {
    for (const id of RULE_IDS) {
      const tally = byRule[id];
      for (const status of Object.keys(tally) as ObligationStatus[]) tally[status] += part.byRule[id][status];
    }
  }
  const sum = (f: (p: AuditTotals) => number) => parts.reduce((n, p) => n + f(p), 0);
  return {
    asOf,
    tickets: sum((p) => p.tickets),
    incomplete: parts.flatMap((p) => p.incomplete).sort(),
    breaches: sum((p) => p.breaches),
    excused: sum((p) => p.excused),
    waiversMatched: [...new Set(parts.flatMap((p) => p.waiversMatched))].sort(),
    findings: parts.flatMap((p) => p.findings).sort(byTicket),
    events: sum((p) => p.events),
    duplicates: sum((p) => p.duplicates),
    conflicts: parts.flatMap((p) => p.conflicts),
    byRule,
    population: mergePopulations(parts.map((p) => p.population)),
  };
}
