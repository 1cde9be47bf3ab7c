/**
 * The weekly compliance figures, aggregated from the engine's obligations (never re-deriving a
 * rule): an ISO week in the policy's time zone; per rule and per severity the obligations due,
 * met and breached, compliance, near misses and the time to evidence; the breaches with the
 * engine's explanations; the findings; the trend over the previous weeks.
 */
import { DateTime } from 'luxon';
import { explainRun, explainVersioned } from '../engine/explain';
import { type Population, PopulationCount } from '../engine/population';
import { RULE_IDS } from '../engine/rules';
import { breachRows } from '../engine/runs';
import { breachKey, type Finding, type Obligation, type TicketAudit } from '../engine/types';
import type { Excuse, UnmatchedWaiver } from '../engine/waivers';
import type { TicketEvent } from '../events/parse';
import { SEVERITIES, type Severity } from '../events/schema';
import { type Policy, type RuleId, versionList } from '../policy/schema';
import type { NoticeKey } from '../ports';
import { type ListCollector, type Lists, memoryLists, type OrderedList } from './lists';

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
  /** Breaches a waiver in force excuses: counted apart, neither met nor breached (not in `due`). */
  readonly excused: number;
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
  /** The version of the policy it is judged by. */
  readonly policyVersion: string;
  readonly explanation: string;
}

const item = (o: Obligation, policy: Policy): ReportItem => ({
  ticketId: o.ticketId,
  rule: o.rule,
  severity: o.severity,
  startAt: o.startAt,
  dueAt: o.dueAt,
  policyVersion: o.policyVersion,
  explanation: explainVersioned(o, policy),
});
/** An excused breach as the report lists it, with its waiver. */
export type ExcusedItem = ReportItem & { readonly waiver: Excuse };

/** One ticket's breaches as a reader sees them: consecutive missed windows as one row. */
export interface BreachGroup {
  readonly ticketId: string;
  readonly severity: Severity | undefined;
  /** Breaches of the ticket in the week (a run counts each of its windows). */
  readonly breaches: number;
  readonly rows: readonly {
    readonly dueAt: number;
    readonly rule: RuleId;
    /** 1 for a single breach, the number of windows for a run. */
    readonly count: number;
    readonly explanation: string;
  }[];
}

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
    /** Every version with the time it took effect, when the policy has versions. */
    readonly versions?: readonly { readonly version: string; readonly effective: string | null }[];
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
  /** The week's breaches, soonest due first. */
  readonly breaches: OrderedList<ReportItem>;
  /** The breaches by ticket, most breaches first (what HTML and Markdown show). */
  readonly breachGroups: OrderedList<BreachGroup>;
  /** The week's breaches a waiver excuses, each with its waiver. */
  readonly excused: OrderedList<ExcusedItem>;
  /**
   * The ledger's roots of the week's UTC days (lib/ledger.ts), from a store: what `verify --roots`
   * holds the store to later. Absent from an export's report.
   */
  readonly roots?: readonly { readonly day: string; readonly root: string; readonly seals: number }[];
  /** The register of waivers the report applied: its size, and the waivers granted in the week that match nothing. */
  readonly waivers?: { readonly records: number; readonly unmatched: readonly UnmatchedWaiver[] };
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
  /**
   * Every judged obligation due in the week (the CSV's rows), soonest due first, when the report
   * was made with `rows` (the default); else none.
   */
  readonly obligations: OrderedList<Obligation>;
  /** Obligations still open at the as-of time (their clocks started in or before the week), soonest due first. */
  readonly open: OrderedList<ReportItem>;
  /** The P0/P1 tickets opened in the week that no incident names, and the week's incidents naming no known ticket. */
  readonly population: Population;
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
  /**
   * Keep every judged obligation due in the week, the CSV's rows (default true); the other
   * formats do not list them (a week of 200,000 tickets has some 650,000).
   */
  readonly rows?: boolean;
  /** Where the long lists are kept (default: in memory; see lib/report/lists.ts). */
  readonly lists?: Lists;
}

const judged = (o: Obligation) => o.status === 'met' || o.status === 'breached' || o.status === 'excused';
const within = (o: Pick<Obligation, 'dueAt'>, w: Week) => o.dueAt >= w.start && o.dueAt < w.end;

function percentile(sorted: readonly number[], p: number): number | null {
  if (sorted.length === 0) return null;
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)] as number;
}

/** A tally built one judged obligation at a time. */
class TallyBuilder {
  private met = 0;
  private breached = 0;
  private excused = 0;
  private retracted = 0;
  private nearMisses = 0;
  /** Times to evidence of the met ones with a clock that ran (ms). */
  private readonly times: number[] = [];

  /** `retracted`: its breach was alerted live and then retracted on late evidence. */
  add(o: Obligation, retracted: boolean): void {
    if (o.status === 'breached') {
      this.breached++;
      return;
    }
    if (o.status === 'excused') {
      this.excused++;
      return;
    }
    this.met++;
    if (retracted) this.retracted++;
    if (!o.evidence || o.dueAt <= o.startAt) return;
    this.times.push(Math.max(0, o.evidence.at - o.startAt));
    if (o.evidence.at > o.dueAt - 0.1 * (o.dueAt - o.startAt)) this.nearMisses++;
  }

  tally(): Tally {
    const times = this.times.sort((a, b) => a - b);
    const due = this.met + this.breached;
    return {
      due,
      met: this.met,
      breached: this.breached,
      excused: this.excused,
      retracted: this.retracted,
      compliance: due ? this.met / due : null,
      nearMisses: this.nearMisses,
      timeToEvidence: { median: percentile(times, 50), p90: percentile(times, 90) },
    };
  }
}

/**
 * Tallies per value of a key, most breaches first (then by name); those without one under
 * `none`. Empty when no obligation has a value: the sources did not say. An array, not a record,
 * so that numeric ids (helpdesk user ids) keep this order in JSON.
 */
class GroupBuilder {
  private readonly groups = new Map<string, TallyBuilder>();

  constructor(
    private readonly key: (o: Obligation) => string | undefined,
    private readonly none: string,
  ) {}

  add(o: Obligation, retracted: boolean): void {
    const k = this.key(o) ?? this.none;
    let g = this.groups.get(k);
    if (!g) {
      g = new TallyBuilder();
      this.groups.set(k, g);
    }
    g.add(o, retracted);
  }

  result(): Group[] {
    if (this.groups.size === 0 || (this.groups.size === 1 && this.groups.has(this.none))) return [];
    return [...this.groups]
      .map(([name, g]) => ({ name, ...g.tally() }))
      .sort((x, y) => y.breached - x.breached || (x.name < y.name ? -1 : x.name > y.name ? 1 : 0));
  }
}

/**
 * The report of `week`, built one ticket at a time from audits taken as of `asOf`: what falls
 * due after it is open, not breached. Retracted breaches are not counted: the engine sees the
 * late evidence and calls those obligations met. It keeps only what the report shows (the
 * breaches and the excused of the week, their groups by ticket, those open, the CSV's rows when
 * asked for, counts for the trend), never a ticket's history or its other obligations, and its
 * lists go where `lists` keeps them (on disk past a size, for the command line), so memory
 * follows neither the tickets read nor the report; the order the tickets come in does not matter.
 */
export class WeekAggregator {
  private readonly weeks: readonly Week[];
  private readonly trend: { met: number; breached: number }[];
  private readonly obligations: ListCollector<Obligation>;
  private readonly breaches: ListCollector<ReportItem>;
  private readonly breachGroups: ListCollector<BreachGroup>;
  private readonly excused: ListCollector<ExcusedItem>;
  private readonly open: ListCollector<ReportItem>;
  /** Each listed item's place among those of one due time and ticket in its list: the order they came in. */
  private seq = 0;
  private readonly findings: Finding[] = [];
  private tickets = 0;
  private readonly retractedKeys = new Set<string>();
  private readonly retracted: { total: number; byRule: Partial<Record<RuleId, number>> } = { total: 0, byRule: {} };
  private readonly total = new TallyBuilder();
  private readonly byRule = new Map(RULE_IDS.map((id) => [id, new TallyBuilder()]));
  private readonly bySeverity = new Map<Severity, TallyBuilder>();
  private readonly byQueue = new GroupBuilder((o) => o.queue, NO_QUEUE);
  private readonly byAgent = new GroupBuilder((o) => o.agent, NO_AGENT);
  private readonly asOf: number;
  private readonly population: PopulationCount;
  private readonly rows: boolean;

  constructor(
    private readonly policy: Policy,
    private readonly week: Week,
    { asOf, trendWeeks = TREND_WEEKS, rows = true, lists = memoryLists }: Omit<AggregateOptions, 'retractions'>,
  ) {
    this.asOf = asOf;
    this.rows = rows;
    this.obligations = lists('obligations');
    this.breaches = lists('breaches');
    this.breachGroups = lists('groups');
    this.excused = lists('excused');
    this.open = lists('open');
    this.population = new PopulationCount(week);
    this.weeks = [...previousWeeks(week, trendWeeks, policy.calendar.timeZone), week];
    this.trend = this.weeks.map(() => ({ met: 0, breached: 0 }));
  }

  /**
   * One ticket's audit, with the breaches of it that were alerted live and later retracted, and
   * its history (for the population; without it the ticket is not counted there).
   */
  add(audit: TicketAudit, retractions: readonly NoticeKey[] = [], history?: readonly TicketEvent[]): void {
    if (history) this.population.add(audit.ticketId, history);
    for (const n of retractions) {
      if (n.kind !== 'breach' || !within(n, this.week)) continue;
      this.retracted.total++;
      this.retracted.byRule[n.rule] = (this.retracted.byRule[n.rule] ?? 0) + 1;
      this.retractedKeys.add(breachKey(n));
    }
    let inWeek = false;
    const breached: Obligation[] = [];
    // made only for what is listed: most obligations read here are not
    const key = (o: Obligation) => [o.dueAt, o.ticketId, this.seq++] as const;
    for (const o of audit.obligations) {
      if (o.status === 'pending') {
        if (o.startAt < Math.min(this.asOf, this.week.end) && o.dueAt >= this.week.start)
          this.open.add(key(o), item(o, this.policy));
        continue;
      }
      // judged means due by the as-of; the engine marks later ones pending, this makes sure of it
      if (!judged(o) || o.dueAt > this.asOf) continue;
      const w = this.weeks.findIndex((x) => within(o, x));
      if (w === -1) continue;
      if (o.status !== 'excused')
        (this.trend[w] as { met: number; breached: number })[o.status === 'met' ? 'met' : 'breached']++;
      if (w !== this.weeks.length - 1) continue;
      inWeek = true;
      if (this.rows) this.obligations.add(key(o), o);
      if (o.status === 'breached') {
        this.breaches.add(key(o), item(o, this.policy));
        breached.push(o);
      } else if (o.status === 'excused')
        this.excused.add(key(o), { ...item(o, this.policy), waiver: o.excuse as Excuse });
      const retracted = o.status === 'met' && this.retractedKeys.size > 0 && this.retractedKeys.has(breachKey(o));
      this.total.add(o, retracted);
      this.byRule.get(o.rule)?.add(o, retracted);
      if (o.severity) {
        let s = this.bySeverity.get(o.severity);
        if (!s) {
          s = new TallyBuilder();
          this.bySeverity.set(o.severity, s);
        }
        s.add(o, retracted);
      }
      this.byQueue.add(o, retracted);
      this.byAgent.add(o, retracted);
    }
    if (!inWeek) return;
    this.tickets++;
    this.findings.push(...audit.findings);
    if (breached.length > 0)
      this.breachGroups.add([-breached.length, audit.ticketId, 0], breachGroup(audit.ticketId, breached, this.policy));
  }

  result(): WeeklyReport {
    const { policy, week, asOf } = this;
    const bySeverity: Partial<Record<Severity, Tally>> = {};
    for (const s of SEVERITIES) {
      const t = this.bySeverity.get(s);
      if (t) bySeverity[s] = t.tally();
    }
    return {
      week,
      asOf,
      policy: {
        id: policy.id,
        version: policy.version,
        ...(policy.versions ? { versions: versionList(policy) } : {}),
        timeZone: policy.calendar.timeZone,
        ...(policy.ticketUrl ? { ticketUrl: policy.ticketUrl } : {}),
      },
      tickets: this.tickets,
      total: this.total.tally(),
      byRule: Object.fromEntries([...this.byRule].map(([id, t]) => [id, t.tally()])) as Record<RuleId, Tally>,
      bySeverity,
      byQueue: this.byQueue.result(),
      byAgent: this.byAgent.result(),
      breaches: this.breaches.done(),
      breachGroups: this.breachGroups.done(),
      excused: this.excused.done(),
      findings: this.findings.sort((a, b) => (a.ticketId < b.ticketId ? -1 : a.ticketId > b.ticketId ? 1 : 0)),
      retracted: this.retracted,
      trend: this.weeks.map((w, i) => {
        const { met, breached } = this.trend[i] as { met: number; breached: number };
        return {
          week: w.id,
          due: met + breached,
          breached,
          compliance: met + breached ? met / (met + breached) : null,
        };
      }),
      obligations: this.obligations.done(),
      open: this.open.done(),
      population: this.population.result(),
    };
  }
}

/** One ticket's breaches in the week (in the engine's order), due order, runs of missed windows as one row. */
function breachGroup(ticketId: string, breached: Obligation[], policy: Policy): BreachGroup {
  // a stable sort: those due at one time keep the engine's order
  const of = breached.sort((a, b) => a.dueAt - b.dueAt);
  return {
    ticketId,
    severity: of[0]?.severity,
    breaches: of.length,
    rows: breachRows(of).map((row) =>
      row.run
        ? {
            dueAt: row.run.firstDueAt,
            rule: row.run.rule,
            count: row.run.count,
            explanation: explainRun(row.run, policy),
          }
        : {
            dueAt: row.breach.dueAt,
            rule: row.breach.rule,
            count: 1,
            explanation: explainVersioned(row.breach, policy),
          },
    ),
  };
}

/** The report of `week` from a list of audits (see WeekAggregator). */
export function aggregateWeek(
  audits: readonly TicketAudit[],
  policy: Policy,
  week: Week,
  { retractions = [], ...opts }: AggregateOptions,
): WeeklyReport {
  const report = new WeekAggregator(policy, week, opts);
  for (const a of audits)
    report.add(
      a,
      retractions.filter((n) => n.ticketId === a.ticketId),
    );
  return report.result();
}

export const NO_QUEUE = '(no queue)';
export const NO_AGENT = '(not attributed)';

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
