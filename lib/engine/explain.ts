/**
 * One sentence per obligation that a support manager understands:
 * "Incident Report Form filed 10:07, 2 min after the 10:05 deadline".
 * Times are shown in the policy's time zone.
 */
import type { WorkingCalendar } from '../calendar';
import { type Policy, policyVersion } from '../policy/schema';
import { duration } from '../text/duration';
import { calendarOf } from './evaluate';
import { type Rule, ruleById } from './rules';
import type { MissedRun } from './runs';
import type { Obligation } from './types';

const WEEKDAYS = ['Sun', 'Mon', 'Tue', 'Wed', 'Thu', 'Fri', 'Sat'];
const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];
const two = (n: number) => String(n).padStart(2, '0');

/** A local clock time ("10:05"), with the date ("Tue 3 Mar 10:05") when not on `ref`'s local day. */
export function clock(ms: number, ref: number, calendar: WorkingCalendar): string {
  const t = calendar.wallClock(ms);
  const hhmm = `${two(t.getUTCHours())}:${two(t.getUTCMinutes())}`;
  if (calendar.localDay(ref) === calendar.localDay(ms)) return hhmm;
  return `${WEEKDAYS[t.getUTCDay()]} ${t.getUTCDate()} ${MONTHS[t.getUTCMonth()]} ${hhmm}`;
}

const roleNames: Record<string, string> = { HeadOfSupport: 'Head of Support' };
const humanise = (text: string) => text.replace(/\bHeadOfSupport\b/g, roleNames.HeadOfSupport as string);

export function explain(o: Obligation, given: Policy): string {
  // told in the words (time zone, numbers) of the version it is judged by
  const policy = policyVersion(given, o.policyVersion);
  if (o.status === 'excused') {
    const e = o.excuse as NonNullable<Obligation['excuse']>;
    return `excused by waiver ${e.waiverId} (approved by ${e.approver}: ${e.reason}); ${explain({ ...o, status: 'breached' }, policy)}`;
  }
  const rule = ruleById.get(o.rule) as Rule;
  const cal = calendarOf(policy);
  const at = (ms: number) => clock(ms, o.dueAt, cal);
  const deadline = `the ${clock(o.dueAt, o.startAt, cal)} deadline`;
  const notCounted = (o.discounted ?? []).map((d) =>
    rule.kind === 'cadence' ? `the ${at(d.at)} update ${d.why}` : `${at(d.at)}: ${d.why}`,
  );
  const tail = notCounted.length ? `; ${notCounted.join('; ')}` : '';

  if (rule.kind === 'conduct') {
    const when = o.evidence ? at(o.evidence.at) : at(o.dueAt);
    return humanise(`client update ${when} ${o.discounted?.[0]?.why ?? rule.done}, after the ticket went to L3`);
  }
  switch (o.status) {
    case 'met': {
      const ev = o.evidence as NonNullable<Obligation['evidence']>;
      const margin = o.dueAt === ev.at ? 'exactly at' : `${duration(o.dueAt - ev.at)} before`;
      return `${rule.done} ${at(ev.at)}, ${margin} ${deadline}`;
    }
    case 'cancelled':
      return `cancelled: the ticket was ${o.cancelledBy} at ${at(o.cancelledAt as number)}, before ${deadline}`;
    case 'pending':
      return humanise(`due ${clock(o.dueAt, o.startAt, cal)}; ${rule.missing} yet${tail}`);
    case 'breached':
      if (rule.kind === 'cadence') {
        return humanise(`${rule.missing} between ${clock(o.startAt, o.dueAt, cal)} and ${at(o.dueAt)}${tail}`);
      }
      if (o.evidence) {
        return humanise(
          `${rule.done} ${at(o.evidence.at)}, ${duration(o.evidence.at - o.dueAt)} after ${deadline}${tail}`,
        );
      }
      return humanise(`${rule.missing} by ${deadline}${tail}`);
  }
}

/** The explanation, naming the policy version it is judged by when the policy has several. */
export function explainVersioned(o: Obligation, policy: Policy): string {
  const text = explain(o, policy);
  return policy.versions?.length ? `${text} (policy ${o.policyVersion})` : text;
}

/** "27 missed windows in a row, due 10:00 to Mon 9 Mar 08:00: no qualifying client update from 08:00 to Mon 9 Mar 08:00". */
export function explainRun(r: MissedRun, policy: Policy): string {
  const rule = ruleById.get(r.rule) as Rule;
  const cal = calendarOf(policy);
  const at = (ms: number) => clock(ms, r.firstDueAt, cal);
  return humanise(
    `${r.count} missed windows in a row, due ${at(r.firstDueAt)} to ${at(r.lastDueAt)}: ${rule.missing} from ${at(r.startAt)} to ${at(r.lastDueAt)}`,
  );
}
