/**
 * The engine: a pure function from a ticket's history, a policy and an audit time to every
 * obligation the policy created and where it stands. The batch audit, the live checker and the
 * weekly report all call this; nothing else evaluates rules.
 */
import { WorkingCalendar } from '../calendar';
import { admit } from '../events/history';
import { compareEvents, type TicketEvent } from '../events/parse';
import type { Policy } from '../policy/schema';
import { type CadenceRule, type ConductRule, type DeadlineRule, RULES, type RuleContext } from './rules';
import { buildTimeline, type Episode, type Timeline } from './timeline';
import {
  type Breach,
  breachKey,
  type Discounted,
  type Evidence,
  type Finding,
  type Obligation,
  type TicketAudit,
} from './types';

const calendars = new WeakMap<Policy, WorkingCalendar>();

/** The policy's working calendar, built once per policy object. */
export function calendarOf(policy: Policy): WorkingCalendar {
  let calendar = calendars.get(policy);
  if (!calendar) {
    calendar = new WorkingCalendar(policy.calendar);
    calendars.set(policy, calendar);
  }
  return calendar;
}

/** The history as the rules read it: first of each id, none after `asOf`, ordered by `at` then `id`. */
export function orderedHistory(history: readonly TicketEvent[], asOf: number): TicketEvent[] {
  const seen = new Map<string, TicketEvent>();
  const events: TicketEvent[] = [];
  for (const ev of history) if (admit(seen, ev) === 'added' && ev.t <= asOf) events.push(ev);
  return events.sort(compareEvents);
}

/**
 * Audits one ticket as of `asOf` (epoch ms). `history` may come in any order and with
 * redeliveries; the result depends only on the set of events.
 */
export function evaluateTicket(
  ticketId: string,
  history: readonly TicketEvent[],
  policy: Policy,
  asOf: number,
): TicketAudit {
  const t = buildTimeline(orderedHistory(history, asOf), policy);
  const audit = {
    ticketId,
    complete: t.created !== undefined,
    severity: t.severity,
    resolved: t.resolved,
    clientId: t.created?.clientId,
    clientTier: t.created?.clientTier,
  };
  if (!t.created) return { ...audit, obligations: [], breaches: [], findings: [] };

  const ctx: Settle = { policy, calendar: calendarOf(policy), asOf, ticketId, timeline: t };
  const obligations: Obligation[] = [];
  for (const rule of RULES) {
    if (!policy.rules[rule.id].enabled) continue;
    if (rule.kind === 'deadline') for (const clock of rule.clocks(t)) obligations.push(deadline(rule, clock, ctx));
    else if (rule.kind === 'cadence') for (const clock of rule.clocks(t)) cadence(rule, clock, ctx, obligations);
    else conduct(rule, ctx, obligations);
  }

  const seen = new Set<string>();
  const breaches = obligations.filter(
    (o): o is Breach => o.status === 'breached' && !seen.has(breachKey(o)) && !!seen.add(breachKey(o)),
  );
  const findings: Finding[] = [];
  const tier = t.created.clientTier;
  if (t.critical.length > 0 && tier && !policy.criticalClientTiers.includes(tier)) {
    findings.push({
      ticketId,
      kind: 'critical-from-non-target-client',
      message: `${t.critical[0]?.severity} ticket from a ${tier} client; the policy reserves ${policy.criticalSeverities.join('/')} for ${policy.criticalClientTiers.join('/')} clients: review the classification`,
    });
  }
  return { ...audit, obligations, breaches, findings };
}

interface Settle extends RuleContext {
  readonly asOf: number;
  readonly ticketId: string;
  readonly timeline: Timeline;
}

const evidence = (ev: TicketEvent): Evidence => ({ eventId: ev.id, type: ev.type, at: ev.t });
const discounted = (ev: TicketEvent, why: string): Discounted => ({ ...evidence(ev), why });

/** "X exists by D": met, pending, breached or cancelled, with the evidence that decided it. */
function deadline(rule: DeadlineRule, clock: Episode, ctx: Settle): Obligation {
  const dueAt = rule.due(clock.start, ctx);
  const from = rule.evidenceFromStart ? clock.start : Number.NEGATIVE_INFINITY;
  let met: TicketEvent | undefined;
  let late: TicketEvent | undefined;
  const notCounted: Discounted[] = [];
  for (const ev of ctx.timeline.events) {
    if (ev.t < from) continue;
    if (rule.meets(ev, ctx)) {
      if (ev.t <= dueAt) met ??= ev;
      else late ??= ev;
    } else if (rule.discount && ev.t <= dueAt) {
      const why = rule.discount(ev, ctx);
      if (why) notCounted.push(discounted(ev, why));
    }
  }
  const base = { ticketId: ctx.ticketId, rule: rule.id, startAt: clock.start, dueAt, severity: clock.severity };
  const end = clock.end;
  const cancelled = end !== undefined && dueAt > end;
  if (met && !(cancelled && met.t > end)) return { ...base, status: 'met', evidence: evidence(met) };
  if (cancelled) return { ...base, status: 'cancelled', cancelledAt: end, cancelledBy: clock.endedBy };
  const extra = {
    ...(late ? { evidence: evidence(late) } : {}),
    ...(notCounted.length ? { discounted: notCounted } : {}),
  };
  return { ...base, status: dueAt <= ctx.asOf ? 'breached' : 'pending', ...extra };
}

/**
 * A repeating window from anchor `a`: due at `a + every`; the earliest qualifying event `u` with
 * `a < u.at <= a + every` meets it and becomes the next anchor; otherwise the window is breached
 * and the next anchor is its due time. Repeats until the clock stops or passes the audit time.
 */
function cadence(rule: CadenceRule, clock: Episode, ctx: Settle, out: Obligation[]): void {
  const events = ctx.timeline.events;
  const every = rule.every(ctx);
  const end = clock.end;
  let anchor = clock.start;
  let i = 0;
  for (;;) {
    const dueAt = anchor + every;
    while (i < events.length && (events[i] as TicketEvent).t <= anchor) i++;
    let met: TicketEvent | undefined;
    const notCounted: Discounted[] = [];
    for (let j = i; j < events.length; j++) {
      const ev = events[j] as TicketEvent;
      if (ev.t > dueAt) break;
      const why = rule.disqualify(ev, ctx);
      if (why === undefined) {
        met = ev;
        break;
      }
      if (why) notCounted.push(discounted(ev, why));
    }
    const base = { ticketId: ctx.ticketId, rule: rule.id, startAt: anchor, dueAt, severity: clock.severity };
    if (met && (end === undefined || met.t <= end)) {
      out.push({ ...base, status: 'met', evidence: evidence(met) });
      anchor = met.t;
      continue;
    }
    if (end !== undefined && dueAt > end) {
      out.push({ ...base, status: 'cancelled', cancelledAt: end, cancelledBy: clock.endedBy });
      return;
    }
    const extra = notCounted.length ? { discounted: notCounted } : {};
    if (dueAt > ctx.asOf) {
      out.push({ ...base, status: 'pending', ...extra });
      return;
    }
    out.push({ ...base, status: 'breached', ...extra });
    anchor = dueAt;
  }
}

/** Every event the rule judges is an obligation due when it happened: met or breached on the spot. */
function conduct(rule: ConductRule, ctx: Settle, out: Obligation[]): void {
  for (const { ev, severity, complies, why } of rule.judge(ctx.timeline, ctx)) {
    const base = { ticketId: ctx.ticketId, rule: rule.id, startAt: ev.t, dueAt: ev.t, severity };
    out.push(
      complies
        ? { ...base, status: 'met', evidence: evidence(ev) }
        : { ...base, status: 'breached', evidence: evidence(ev), discounted: [discounted(ev, why)] },
    );
  }
}
