/**
 * The weekly compliance figures, aggregated from the engine's obligations (never re-deriving a
 * rule): an ISO week in the policy's time zone; per rule and per severity the obligations due,
 * met and breached, compliance, near misses and the time to evidence; the breaches with the
 * engine's explanations; the findings; the trend over the previous weeks.
 */
import { DateTime } from 'luxon';
import { explain } from '../engine/explain';
import { RULE_IDS } from '../engine/rules';
import { breachKey, type Finding, type Obligation, type TicketAudit } from '../engine/types';
import { SEVERITIES, type Severity } from '../events/schema';
import type { Policy, RuleId } from '../policy/schema';
import type { NoticeKey } from '../ports';

export interface Week {
  /** ISO week, e.g. 2026-W10. */
  readonly id: string;
  readonly start: number;
  readonly end: number;
}

/** The ISO week `2026-W10` in `zone`: Monday 00:00 to the next Monday 00:00, local time. */
export function isoWeek(id: string, zone: string): Week {
  const m = /^(\d{4})-W(\d{2})$/.exec(id);
  const start = m
    ? DateTime.fromObject({ weekYear: Number(m[1]), weekNumber: Number(m[2]), weekday: 1 }, { zone })
    : undefined;
  if (!start?.isValid || start.weekNumber !== Number(m?.[2]))
    throw new RangeError(`${id} is not an ISO week such as 2026-W10`);
  return { id, start: start.toMillis(), end: start.plus({ weeks: 1 }).toMillis() };
}

/** The ISO week an instant falls in, in `zone`. */
export function weekOf(ms: number, zone: string): string {
  const d = DateTime.fromMillis(ms, { zone });
  return `${d.weekYear}-W${String(d.weekNumber).padStart(2, '0')}`;
}

export function previousWeeks(week: Week, n: number, zone: string): Week[] {
  return Array.from({ length: n }, (_, i) =>
    isoWeek(
      weekOf(
        DateTime.fromMillis(week.start, { zone })
          .minus({ weeks: n - i })
          .toMillis(),
        zone,
      ),
      zone,
    ),
  );
}

export interface Tally {
  /** Obligations that fell due in the week and were judged: met + breached. */
  readonly due: number;
  readonly met: number;
  readonly breached: number;
  /** Alerted live as breaches, then met by late evidence: counted in `met`, listed here too. */
  readonly retracted: number;
  /** met / due, or null when nothing was due. */
  readonly compliance: number | null;
  /** Met in the last 10% of the time allowed. */
  readonly nearMisses: number;
  /** Median and 90th percentile of the time from the clock start to the evidence, for met ones (ms). */
  readonly timeToEvidence: { readonly median: number | null; readonly p90: number | null };
}

/** The tally of one queue or one agent. */
export interface Group extends Tally {
  readonly name: string;
}

/** An obligation as the report lists it: a breach, or one still open at the as-of time. */
export interface ReportItem {
  readonly ticketId: string;
  readonly rule: RuleId;
  readonly severity: Severity | undefined;
  /** When its clock started (for a missed update window, where the window opened). */
  readonly startAt: number;
  readonly dueAt: number;
  readonly explanation: string;
}

const item = (o: Obligation, policy: Policy): ReportItem => ({
  ticketId: o.ticketId,
  rule: o.rule,
  severity: o.severity,
  startAt: o.startAt,
  dueAt: o.dueAt,
  explanation: explain(o, policy),
});
const byDueTicket = (a: Obligation, b: Obligation) => a.dueAt - b.dueAt || (a.ticketId < b.ticketId ? -1 : 1);

export interface WeeklyReport {
  readonly week: Week;
  /**
   * What the data is as of: nothing due after it is judged (RULES.md section 2, as-of). Now, or
   * the week's end if that is earlier, unless asked for.
   */
  readonly asOf: number;
  readonly policy: {
    readonly id: string;
    readonly version: string;
    readonly timeZone: string;
    readonly ticketUrl?: string;
  };
  readonly tickets: number;
  readonly total: Tally;
  readonly byRule: Readonly<Record<RuleId, Tally>>;
  readonly bySeverity: Readonly<Partial<Record<Severity, Tally>>>;
  /** Per queue or team, when the sources name them (see the mapping); most breaches first. */
  readonly byQueue: readonly Group[];
  /** Per agent (see Obligation.agent), when events name their actors; most breaches first. */
  readonly byAgent: readonly Group[];
  readonly breaches: readonly ReportItem[];
  readonly findings: readonly Finding[];
  /** Breaches alerted while live and retracted on late evidence (not counted as breaches). */
  readonly retracted: { readonly total: number; readonly byRule: Readonly<Partial<Record<RuleId, number>>> };
  /** The previous weeks and this one, oldest first. */
  readonly trend: readonly {
    readonly week: string;
    readonly due: number;
    readonly breached: number;
    readonly compliance: number | null;
  }[];
  /** Every judged obligation due in the week (the CSV). */
  readonly obligations: readonly Obligation[];
  /** Obligations still open at the as-of time (their clocks started in or before the week), soonest due first. */
  readonly open: readonly ReportItem[];
}

/** A report's as-of time: the one asked for, else now, or the week's end if that is earlier. */
export function reportAsOf(week: Week, now: number, requested?: number): number {
  return requested ?? Math.min(now, week.end);
}

/** The weeks before the report's own that its trend shows. */
export const TREND_WEEKS = 4;

export interface AggregateOptions {
  /** The time the audits were taken as of (see `reportAsOf`). */
  readonly asOf: number;
  readonly trendWeeks?: number;
  /** Breaches alerted live and later retracted (the store's notices); counted apart, never as breaches. */
  readonly retractions?: readonly NoticeKey[];
}

const judged = (o: Obligation) => o.status === 'met' || o.status === 'breached';
const within = (o: Obligation, w: Week) => o.dueAt >= w.start && o.dueAt < w.end;

function percentile(sorted: readonly number[], p: number): number | null {
  if (sorted.length === 0) return null;
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)] as number;
}

/** `retracted`: the met obligations whose breach was alerted live and then retracted. */
export function tally(obligations: readonly Obligation[], retracted: ReadonlySet<Obligation> = new Set()): Tally {
  const met = obligations.filter((o) => o.status === 'met');
  const breached = obligations.filter((o) => o.status === 'breached').length;
  const times = met
    .filter((o) => o.evidence && o.dueAt > o.startAt)
    .map((o) => Math.max(0, (o.evidence?.at ?? o.startAt) - o.startAt))
    .sort((a, b) => a - b);
  const nearMisses = met.filter(
    (o) => o.evidence && o.dueAt > o.startAt && o.evidence.at > o.dueAt - 0.1 * (o.dueAt - o.startAt),
  ).length;
  const due = met.length + breached;
  return {
    due,
    met: met.length,
    breached,
    retracted: retracted.size ? met.filter((o) => retracted.has(o)).length : 0,
    compliance: due ? met.length / due : null,
    nearMisses,
    timeToEvidence: { median: percentile(times, 50), p90: percentile(times, 90) },
  };
}

/**
 * The report of `week` from audits taken as of `asOf`: what falls due after it is open, not
 * breached. Retracted breaches are not counted: the engine sees the late evidence and calls those
 * obligations met.
 */
export function aggregateWeek(
  audits: readonly TicketAudit[],
  policy: Policy,
  week: Week,
  { asOf, trendWeeks = TREND_WEEKS, retractions = [] }: AggregateOptions,
): WeeklyReport {
  const zone = policy.calendar.timeZone;
  const retractedInWeek = retractions.filter((n) => n.kind === 'breach' && n.dueAt >= week.start && n.dueAt < week.end);
  const retracted = {
    total: retractedInWeek.length,
    byRule: Object.fromEntries(
      RULE_IDS.map((id) => [id, retractedInWeek.filter((n) => n.rule === id).length]).filter(([, n]) => n),
    ) as Partial<Record<RuleId, number>>,
  };
  // judged means due by the as-of; the engine marks later ones pending, this makes sure of it
  const all = audits.flatMap((a) => a.obligations).filter((o) => judged(o) && o.dueAt <= asOf);
  const open: ReportItem[] = audits
    .flatMap((a) => a.obligations)
    .filter((o) => o.status === 'pending' && o.startAt < Math.min(asOf, week.end) && o.dueAt >= week.start)
    .sort(byDueTicket)
    .map((o) => item(o, policy));
  const obligations = all.filter((o) => within(o, week)).sort(byDueTicket);
  // which obligations those are, found once for every tally below
  const keys = new Set(retractedInWeek.map(breachKey));
  const retractedOnes = new Set(
    keys.size ? obligations.filter((o) => o.status === 'met' && keys.has(breachKey(o))) : [],
  );
  const byRule = Object.fromEntries(
    RULE_IDS.map((id) => [
      id,
      tally(
        obligations.filter((o) => o.rule === id),
        retractedOnes,
      ),
    ]),
  ) as Record<RuleId, Tally>;
  const bySeverity: Partial<Record<Severity, Tally>> = {};
  for (const s of SEVERITIES) {
    const of = obligations.filter((o) => o.severity === s);
    if (of.length) bySeverity[s] = tally(of, retractedOnes);
  }
  const ticketsInWeek = new Set(obligations.map((o) => o.ticketId));
  const trend = [...previousWeeks(week, trendWeeks, zone), week].map((w) => {
    const t = tally(all.filter((o) => within(o, w)));
    return { week: w.id, due: t.due, breached: t.breached, compliance: t.compliance };
  });
  return {
    week,
    asOf,
    policy: {
      id: policy.id,
      version: policy.version,
      timeZone: zone,
      ...(policy.ticketUrl ? { ticketUrl: policy.ticketUrl } : {}),
    },
    tickets: ticketsInWeek.size,
    total: tally(obligations, retractedOnes),
    byRule,
    bySeverity,
    byQueue: groupBy(obligations, (o) => o.queue, NO_QUEUE, retractedOnes),
    byAgent: groupBy(obligations, (o) => o.agent, NO_AGENT, retractedOnes),
    breaches: obligations.filter((o) => o.status === 'breached').map((o) => item(o, policy)),
    findings: audits.flatMap((a) => a.findings).filter((f) => ticketsInWeek.has(f.ticketId)),
    retracted,
    trend,
    obligations,
    open,
  };
}

export const NO_QUEUE = '(no queue)';
export const NO_AGENT = '(not attributed)';

/**
 * Tallies per value of `key`, most breaches first (then by name); those without one under
 * `none`. Empty when no obligation has a value: the sources did not say. An array, not a record,
 * so that numeric ids (helpdesk user ids) keep this order in JSON.
 */
function groupBy(
  obligations: readonly Obligation[],
  key: (o: Obligation) => string | undefined,
  none: string,
  retracted: ReadonlySet<Obligation>,
): Group[] {
  const groups = new Map<string, Obligation[]>();
  for (const o of obligations) {
    const k = key(o) ?? none;
    const list = groups.get(k) ?? [];
    if (!list.length) groups.set(k, list);
    list.push(o);
  }
  if (groups.size === 0 || (groups.size === 1 && groups.has(none))) return [];
  return [...groups]
    .map(([name, of]) => ({ name, ...tally(of, retracted) }))
    .sort((x, y) => y.breached - x.breached || (x.name < y.name ? -1 : x.name > y.name ? 1 : 0));
}

/** The last complete ISO week before `now`, in `zone`. */
export function lastWeek(now: number, zone: string): Week {
  return isoWeek(weekOf(DateTime.fromMillis(now, { zone }).minus({ weeks: 1 }).toMillis(), zone), zone);
}

/** The next weekly report time: Monday 00:05 in `zone`, after `now`. */
export function nextReportTime(now: number, zone: string): number {
  const thisWeek = isoWeek(weekOf(now, zone), zone);
  const monday = DateTime.fromMillis(thisWeek.start, { zone }).plus({ minutes: 5 });
  return (monday.toMillis() > now ? monday : monday.plus({ weeks: 1 })).toMillis();
}
