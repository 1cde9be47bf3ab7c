/**
 * How far back a clock may have started for an obligation that falls due at or after a time: what
 * a report must read before its period. It follows from the policy (its deadlines, its update
 * cadence, its working days over its calendar and holidays), never from a constant.
 */
import { type Policy, policyVersions } from '../policy/schema';
import { calendarOf } from './evaluate';
import { RULES } from './rules';

const DAY = 86_400_000;
/** No policy's clock runs longer than this (the calendar refuses to look further either). */
const MAX = 366 * 20 * DAY;

/**
 * The earliest clock start of any obligation the policy creates that falls due at or after
 * `dueFrom`. Every rule's due time is non-decreasing in its clock start, so for a deadline rule
 * this is a bisection on its own `due`; a cadence window starts at most one period before it is
 * due; a conduct rule is due when it starts.
 */
export function earliestClockStart(policy: Policy, dueFrom: number): number {
  // a policy with versions: the longest lookback of any of them
  if (policy.versions?.length)
    return Math.min(...policyVersions(policy).map((v) => earliestClockStartOf(v.policy, dueFrom)));
  return earliestClockStartOf(policy, dueFrom);
}

function earliestClockStartOf(policy: Policy, dueFrom: number): number {
  const ctx = { policy, calendar: calendarOf(policy) };
  let earliest = dueFrom;
  for (const rule of RULES) {
    if (!policy.rules[rule.id].enabled) continue;
    if (rule.kind === 'cadence') earliest = Math.min(earliest, dueFrom - rule.every(ctx));
    if (rule.kind !== 'deadline') continue;
    // the smallest start whose due time is at or after dueFrom
    let lo = dueFrom - MAX;
    let hi = dueFrom;
    if (rule.due(lo, ctx) >= dueFrom) {
      earliest = Math.min(earliest, lo);
      continue;
    }
    while (hi - lo > 1) {
      const mid = Math.floor((lo + hi) / 2);
      if (rule.due(mid, ctx) >= dueFrom) hi = mid;
      else lo = mid;
    }
    earliest = Math.min(earliest, hi);
  }
  return earliest;
}
