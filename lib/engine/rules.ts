/**
 * The rule catalogue (RULES.md section 3): one row per rule. A row says which clock it runs on,
 * when it falls due, what meets it and how to talk about it; `evaluate.ts` settles every row the
 * same way. Adding a rule means a row here, its settings in the policy schema, and tests.
 */
import type { WorkingCalendar } from '../calendar';
import type { TicketEvent } from '../events/parse';
import type { Severity } from '../events/schema';
import type { Policy, RuleId } from '../policy/schema';
import { duration } from '../text/duration';
import type { Episode, Timeline } from './timeline';

export interface RuleContext {
  readonly policy: Policy;
  readonly calendar: WorkingCalendar;
}

interface RuleText {
  readonly id: RuleId;
  /** What the rule asks, with the policy's own numbers: "Client updated every 2 h with status and ETR". */
  readonly title: (policy: Policy) => string;
  /** Where CS-POL-001 says it. */
  readonly policyLine: string;
  /** What the evidence is, as a past-tense phrase: "Incident Report Form filed". */
  readonly done: string;
  /** What was missing: "no Incident Report Form filed". */
  readonly missing: string;
}

/** "X exists by D": met by the earliest matching event at or before the due time. */
export interface DeadlineRule extends RuleText {
  readonly kind: 'deadline';
  /** The clock this rule runs on: each critical episode, or the P2/P3 procedure. */
  readonly clocks: (t: Timeline) => readonly Episode[];
  readonly due: (start: number, ctx: RuleContext) => number;
  readonly meets: (ev: TicketEvent, ctx: RuleContext) => boolean;
  /**
   * Evidence must be at or after the clock's start; otherwise earlier evidence counts too, as long
   * as it lies in the clock's open stretch (RULES.md section 2).
   */
  readonly evidenceFromStart?: boolean;
  /** Why an event of the right kind did not count, or undefined when it is not of that kind. */
  readonly discount?: (ev: TicketEvent, ctx: RuleContext) => string | undefined;
}

/** A repeating window: each must contain a qualifying event after the previous anchor. */
export interface CadenceRule extends RuleText {
  readonly kind: 'cadence';
  readonly clocks: (t: Timeline) => readonly Episode[];
  readonly every: (ctx: RuleContext) => number;
  /** Undefined when the event qualifies; else why it does not (or '' when it is unrelated). */
  readonly disqualify: (ev: TicketEvent, ctx: RuleContext) => string | undefined;
}

/** A rule about how each event of a kind is done: every such event is met or breached on the spot. */
export interface ConductRule extends RuleText {
  readonly kind: 'conduct';
  /** The events the rule judges, with whether each complies. */
  readonly judge: (t: Timeline, ctx: RuleContext) => Judgement[];
}

export interface Judgement {
  readonly ev: TicketEvent;
  readonly severity: Severity;
  readonly complies: boolean;
  readonly why: string;
}

export type Rule = DeadlineRule | CadenceRule | ConductRule;

const MINUTE = 60_000;
const critical = (t: Timeline) => t.critical;
const escalation = (t: Timeline) => t.escalations;
type MinuteRule =
  | 'incident-form'
  | 'l2-paged'
  | 'l3-engaged'
  | 'l3-ownership'
  | 'troubleshooting-documented'
  | 'escalate-l2-tag';
/** Due a fixed number of minutes (the rule's `dueMinutes`) after the clock starts. */
const minutesAfter =
  (id: MinuteRule) =>
  (start: number, { policy }: RuleContext) =>
    start + policy.rules[id].dueMinutes * MINUTE;

const escalatedVia = (ev: TicketEvent, tier: 'L2' | 'L3', channels: readonly string[]) =>
  ev.type === 'escalated' && ev.tier === tier && channels.includes(ev.channel as string);

const wrongChannel = (ev: TicketEvent, tier: 'L2' | 'L3', channels: readonly string[]) =>
  ev.type === 'escalated' && ev.tier === tier && !channels.includes(ev.channel as string)
    ? `the escalation to ${tier} went through ${ev.channel}, which does not count (${channels.join(' or ')} required)`
    : undefined;

export const RULES: readonly Rule[] = [
  {
    kind: 'deadline',
    id: 'incident-form',
    title: (p) => `Incident Report Form filed within ${p.rules['incident-form'].dueMinutes} min`,
    policyLine: '2, P0/P1 step 1',
    done: 'Incident Report Form filed',
    missing: 'no Incident Report Form filed',
    clocks: critical,
    due: minutesAfter('incident-form'),
    meets: (ev) => ev.type === 'incident_form.created',
  },
  {
    kind: 'deadline',
    id: 'l2-paged',
    title: (p) =>
      `L2 paged by ${p.rules['l2-paged'].channels.join(' or ')} within ${p.rules['l2-paged'].dueMinutes} min`,
    policyLine: '2, P0/P1 step 2',
    done: 'L2 paged',
    missing: 'L2 not paged',
    clocks: critical,
    due: minutesAfter('l2-paged'),
    meets: (ev, { policy }) => escalatedVia(ev, 'L2', policy.rules['l2-paged'].channels),
    discount: (ev, { policy }) => wrongChannel(ev, 'L2', policy.rules['l2-paged'].channels),
  },
  {
    kind: 'deadline',
    id: 'l3-engaged',
    title: (p) =>
      `L3 engaged through ${p.rules['l3-engaged'].channels.join(' or ')} within ${p.rules['l3-engaged'].dueMinutes} min`,
    policyLine: '2, P0/P1 step 3',
    done: 'L3 engaged',
    missing: 'L3 not engaged through the incident system',
    clocks: critical,
    due: minutesAfter('l3-engaged'),
    meets: (ev, { policy }) => escalatedVia(ev, 'L3', policy.rules['l3-engaged'].channels),
    discount: (ev, { policy }) => wrongChannel(ev, 'L3', policy.rules['l3-engaged'].channels),
  },
  {
    kind: 'deadline',
    id: 'l3-ownership',
    title: (p) => `L3 took ownership within ${p.rules['l3-ownership'].dueMinutes} min`,
    policyLine: '2, P0/P1 step 4',
    done: 'L3 took ownership',
    missing: 'no L3 engineer took ownership',
    clocks: critical,
    due: minutesAfter('l3-ownership'),
    meets: (ev) => ev.type === 'ownership.taken' && ev.tier === 'L3',
    discount: (ev) =>
      ev.type === 'ownership.taken' && ev.tier !== 'L3' ? `ownership was taken by ${ev.tier}, not L3` : undefined,
  },
  {
    kind: 'cadence',
    id: 'client-update',
    title: (p) =>
      `Client updated every ${duration(p.rules['client-update'].everyMinutes * MINUTE)} with status and ETR`,
    policyLine: '3',
    done: 'client updated',
    missing: 'no qualifying client update',
    clocks: critical,
    every: ({ policy }) => policy.rules['client-update'].everyMinutes * MINUTE,
    disqualify: (ev, { policy }) => {
      if (ev.type !== 'client.update') return '';
      const rule = policy.rules['client-update'];
      const why: string[] = [];
      if (!ev.role || !rule.roles.includes(ev.role)) why.push(`was sent by ${ev.role ?? 'an unknown role'}`);
      if (rule.requireStatus && !ev.status) why.push('had no status');
      if (rule.requireEtr && ev.etr === undefined) why.push('had no ETR');
      return why.length ? why.join(' and ') : undefined;
    },
  },
  {
    kind: 'deadline',
    id: 'troubleshooting-documented',
    title: (p) => {
      const m = p.rules['troubleshooting-documented'].dueMinutes;
      return m
        ? `Troubleshooting documented within ${m} min of escalating`
        : 'Troubleshooting documented before escalating';
    },
    policyLine: '2, P2/P3 step 1',
    done: 'troubleshooting documented',
    missing: 'no troubleshooting documented',
    clocks: escalation,
    due: minutesAfter('troubleshooting-documented'),
    meets: (ev) => ev.type === 'troubleshooting.documented',
  },
  {
    kind: 'deadline',
    id: 'escalate-l2-tag',
    title: (p) => `Tagged ${p.rules['escalate-l2-tag'].tag} within ${p.rules['escalate-l2-tag'].dueMinutes} min`,
    policyLine: '2, P2/P3 step 2',
    done: 'Escalate-L2 tag added',
    missing: 'no Escalate-L2 tag added',
    clocks: escalation,
    due: minutesAfter('escalate-l2-tag'),
    meets: (ev, { policy }) =>
      ev.type === 'tag.added' && ev.tag?.toLowerCase() === policy.rules['escalate-l2-tag'].tag.toLowerCase(),
  },
  {
    kind: 'deadline',
    id: 'l2-resolution',
    title: (p) => {
      const n = p.rules['l2-resolution'].workingDays;
      return `L2 resolved or handed to L3 within ${n} working ${n === 1 ? 'day' : 'days'}`;
    },
    policyLine: '2, P2/P3 step 3',
    done: 'resolved or handed to L3',
    missing: 'neither resolved nor handed to L3',
    clocks: escalation,
    due: (start, { policy, calendar }) =>
      calendar.addWorkingTime(start, calendar.workingDays(policy.rules['l2-resolution'].workingDays)),
    meets: (ev) => ev.type === 'ticket.resolved' || (ev.type === 'escalated' && ev.tier === 'L3'),
    evidenceFromStart: true,
  },
  {
    kind: 'conduct',
    id: 'l2-communicator',
    title: () => 'L2 stays the client communicator after handing to L3',
    policyLine: '2, ownership rule',
    done: 'sent by an allowed role',
    missing: 'client update sent by a role other than L2, CSM or Head of Support',
    judge: (t, { policy }) => {
      const rule = policy.rules['l2-communicator'];
      const l3 = t.firstL3;
      if (!l3) return [];
      const judged: Judgement[] = [];
      t.events.forEach((ev, i) => {
        const severity = t.severityAt[i];
        if (ev.type !== 'client.update' || ev.t <= l3.t || !severity || !rule.severities.includes(severity)) return;
        const complies = ev.role !== undefined && rule.allowedRoles.includes(ev.role);
        judged.push({
          ev,
          severity,
          complies,
          why: `sent by ${ev.role ?? 'an unknown role'}${complies ? '' : `, not ${rule.allowedRoles.join(', ')}`}`,
        });
      });
      return judged;
    },
  },
];

export const RULE_IDS: readonly RuleId[] = RULES.map((r) => r.id);
export const ruleById = new Map(RULES.map((r) => [r.id, r]));
