/**
 * The engine: a pure function from a ticket's history, a policy and an audit time to every
 * obligation the policy created and where it stands. The batch audit, the live checker and the
 * weekly report all call this; nothing else evaluates rules.
 */
import { WorkingCalendar } from '../calendar';
import { normalise } from '../events/history';
import type { TicketEvent } from '../events/parse';
import type { Severity } from '../events/schema';
import { type Policy, policyVersions, type RuleId } from '../policy/schema';
import { type CadenceRule, type ConductRule, type DeadlineRule, RULES, type RuleContext } from './rules';
import { buildTimeline, type Episode, lastIndexAt, type Timeline } from './timeline';
import {
  type Breach,
  breachKey,
  type Discounted,
  type Evidence,
  type Finding,
  type Obligation,
  type ObligationStatus,
  type TicketAudit,
} from './types';
import type { WaiverBook } from './waivers';

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

/**
 * Audits one ticket as of `asOf` (epoch ms). `history` may come in any order and with
 * redeliveries; the result depends only on the set of events.
 */
export function evaluateTicket(
  ticketId: string,
  history: readonly TicketEvent[],
  policy: Policy,
  asOf: number,
  /** The register of waivers as of `asOf`: the breaches it covers are excused (lib/engine/waivers.ts). */
  waivers?: WaiverBook,
): TicketAudit {
  const audit = policy.versions?.length
    ? evaluateVersions(ticketId, history, policy, asOf)
    : evaluateWith(ticketId, history, policy, asOf);
  return waivers?.size ? excuse(audit, waivers) : audit;
}

/** The audit with every breach a waiver in force covers marked excused (and out of the breaches). */
function excuse(audit: TicketAudit, waivers: WaiverBook): TicketAudit {
  const obligations = audit.obligations.map((o) => {
    const by = waivers.excuse(o, audit.clientId);
    return by ? { ...o, status: 'excused' as const, excuse: by } : o;
  });
  return { ...audit, obligations, breaches: breachesOf(obligations) };
}

function evaluateVersions(
  ticketId: string,
  history: readonly TicketEvent[],
  policy: Policy,
  asOf: number,
): TicketAudit {
  // a policy with versions: each obligation is judged by the version in force when its clock
  // started. The ticket is evaluated under every version in force from its first event to the
  // as-of, and each evaluation gives the obligations whose clocks started while it was in force;
  // the rest of the audit (state, findings) is the latest version's.
  let first = Number.POSITIVE_INFINITY;
  for (const e of history) if (e.t < first) first = e.t;
  const spans = policyVersions(policy);
  const inForce = spans
    .map((s, i) => ({ from: s.effective, to: spans[i + 1]?.effective ?? Number.POSITIVE_INFINITY, policy: s.policy }))
    .filter((s) => s.to > first && s.from <= asOf);
  if (inForce.length <= 1) return evaluateWith(ticketId, history, inForce[0]?.policy ?? policy, asOf);
  const audits = inForce.map((s) => ({ ...s, audit: evaluateWith(ticketId, history, s.policy, asOf) }));
  // one obligation per rule and due time (a breach's identity): where two versions' windows end
  // at the same time, the one whose clock started first stands
  const seen = new Set<string>();
  const obligations = audits.flatMap(({ audit, from, to }) =>
    audit.obligations.filter((o) => {
      if (o.startAt < from || o.startAt >= to || seen.has(breachKey(o))) return false;
      seen.add(breachKey(o));
      return true;
    }),
  );
  const latest = audits[audits.length - 1]?.audit as TicketAudit;
  return { ...latest, obligations, breaches: breachesOf(obligations) };
}

/** The distinct breaches among the obligations, in their order (one per ticket, rule and due time). */
function breachesOf(obligations: readonly Obligation[]): Breach[] {
  const breaches: Breach[] = [];
  let seen: Set<string> | undefined;
  for (const o of obligations) {
    if (o.status !== 'breached') continue;
    seen ??= new Set();
    const key = breachKey(o);
    if (!seen.has(key)) breaches.push(o as Breach);
    seen.add(key);
  }
  return breaches;
}

function evaluateWith(ticketId: string, history: readonly TicketEvent[], policy: Policy, asOf: number): TicketAudit {
  const { events, duplicates, conflicts } = normalise(history, asOf);
  const t = buildTimeline(events, policy);
  const obligations: Obligation[] = [];
  const breaches: Breach[] = [];
  const findings: Finding[] = [];
  if (t.created) {
    const ctx: Settle = { policy, calendar: calendarOf(policy), asOf, ticketId, timeline: t };
    for (const rule of RULES) {
      if (!policy.rules[rule.id].enabled) continue;
      if (rule.kind === 'deadline') for (const clock of rule.clocks(t)) obligations.push(deadline(rule, clock, ctx));
      else if (rule.kind === 'cadence') for (const clock of rule.clocks(t)) cadence(rule, clock, ctx, obligations);
      else conduct(rule, ctx, obligations);
    }
    breaches.push(...breachesOf(obligations));
    const tier = t.created.clientTier;
    if (t.critical.length > 0 && tier && !policy.criticalClientTiers.includes(tier)) {
      findings.push({
        ticketId,
        kind: 'critical-from-non-target-client',
        message: `${t.critical[0]?.severity} ticket from a ${tier} client; the policy reserves ${policy.criticalSeverities.join('/')} for ${policy.criticalClientTiers.join('/')} clients: review the classification`,
      });
    }
  }
  return {
    ticketId,
    duplicates,
    conflicts,
    complete: t.created !== undefined,
    severity: t.severity,
    resolved: t.resolved,
    clientId: t.created?.clientId,
    clientTier: t.created?.clientTier,
    obligations,
    breaches,
    findings,
  };
}

interface Settle extends RuleContext {
  readonly asOf: number;
  readonly ticketId: string;
  readonly timeline: Timeline;
}

const evidence = (ev: TicketEvent): Evidence => ({ eventId: ev.id, type: ev.type, at: ev.t });
const discounted = (ev: TicketEvent, why: string): Discounted => ({ eventId: ev.id, type: ev.type, at: ev.t, why });

/** Every obligation has the same shape (one hidden class): fields that do not apply are absent. */
function obligation(
  ctx: Settle,
  rule: RuleId,
  status: ObligationStatus,
  startAt: number,
  dueAt: number,
  severity: Severity | undefined,
  extra: { evidence?: TicketEvent; discounted?: Discounted[]; cancelled?: Episode },
): Obligation {
  const o: { -readonly [K in keyof Obligation]: Obligation[K] } = {
    ticketId: ctx.ticketId,
    rule,
    status,
    startAt,
    dueAt,
    policyVersion: ctx.policy.version,
    severity,
  };
  if (extra.evidence) o.evidence = evidence(extra.evidence);
  if (extra.discounted?.length) o.discounted = extra.discounted;
  if (extra.cancelled) {
    o.cancelledAt = extra.cancelled.end;
    o.cancelledBy = extra.cancelled.endedBy;
  }
  const i = lastIndexAt(ctx.timeline.events, Math.min(dueAt, ctx.asOf));
  const queue = ctx.timeline.queueAt[i];
  const agent = extra.evidence?.actorId ?? ctx.timeline.holderAt[i];
  if (queue !== undefined) o.queue = queue;
  if (agent !== undefined) o.agent = agent;
  return o;
}

/** "X exists by D": met, pending, breached or cancelled, with the evidence that decided it. */
function deadline(rule: DeadlineRule, clock: Episode, ctx: Settle): Obligation {
  const dueAt = rule.due(clock.start, ctx);
  const from = rule.evidenceFromStart ? clock.start : Number.NEGATIVE_INFINITY;
  let met: TicketEvent | undefined;
  let late: TicketEvent | undefined;
  const notCounted: Discounted[] = [];
  // evidence from before the ticket's latest resolution does not carry over (RULES.md section 2)
  const { events, stretches } = ctx.timeline;
  const { first, last } = stretches[clock.stretch] as { first: number; last: number };
  for (let j = first; j <= last; j++) {
    const ev = events[j] as TicketEvent;
    if (ev.t < from) continue;
    if (ev.t > dueAt && met) break;
    if (rule.meets(ev, ctx)) {
      if (ev.t <= dueAt) met ??= ev;
      else late ??= ev;
    } else if (rule.discount && ev.t <= dueAt) {
      const why = rule.discount(ev, ctx);
      if (why) notCounted.push(discounted(ev, why));
    }
  }
  const end = clock.end;
  const cancelled = end !== undefined && dueAt > end;
  const make = (status: ObligationStatus, extra: Parameters<typeof obligation>[6]) =>
    obligation(ctx, rule.id, status, clock.start, dueAt, clock.severity, extra);
  if (met && !(cancelled && met.t > end)) return make('met', { evidence: met });
  if (cancelled) return make('cancelled', { cancelled: clock });
  return make(dueAt <= ctx.asOf ? 'breached' : 'pending', { evidence: late, discounted: notCounted });
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
    const make = (status: ObligationStatus, extra: Parameters<typeof obligation>[6]) =>
      obligation(ctx, rule.id, status, anchor, dueAt, clock.severity, extra);
    if (met && (end === undefined || met.t <= end)) {
      out.push(make('met', { evidence: met }));
      anchor = met.t;
      continue;
    }
    if (end !== undefined && dueAt > end) {
      out.push(make('cancelled', { cancelled: clock }));
      return;
    }
    if (dueAt > ctx.asOf) {
      out.push(make('pending', { discounted: notCounted }));
      return;
    }
    out.push(make('breached', { discounted: notCounted }));
    anchor = dueAt;
  }
}

/** Every event the rule judges is an obligation due when it happened: met or breached on the spot. */
function conduct(rule: ConductRule, ctx: Settle, out: Obligation[]): void {
  for (const { ev, severity, complies, why } of rule.judge(ctx.timeline, ctx)) {
    out.push(
      obligation(ctx, rule.id, complies ? 'met' : 'breached', ev.t, ev.t, severity, {
        evidence: ev,
        discounted: complies ? undefined : [discounted(ev, why)],
      }),
    );
  }
}
