/**
 * A week's report from the store: the tickets active in the week (and in the lookback before it,
 * where clocks that fall due in the week may have started) come from the day index; each is
 * evaluated by the engine as of the week's end and aggregated. The table is never scanned.
 */
import { evaluateTicket } from '../engine/evaluate';
import type { Policy } from '../policy/schema';
import type { Store } from '../ports';
import { aggregateWeek, type Week, type WeeklyReport } from '../report/aggregate';
import { compact } from './tickets';

const DAY = 86_400_000;
/** How long before its due time an obligation's clock may start (2 working days over holidays). */
const LOOKBACK = 14 * DAY;
const TREND_WEEKS = 4;

export async function weeklyReport(store: Store, policy: Policy, week: Week, now = Date.now()): Promise<WeeklyReport> {
  const from = week.start - TREND_WEEKS * 7 * DAY - LOOKBACK;
  const asOf = Math.min(week.end, now);
  const audits = [];
  for (const id of await store.ticketsActive(from, week.end)) {
    audits.push(evaluateTicket(id, compact(await store.history(id)), policy, asOf));
  }
  return aggregateWeek(audits, policy, week, TREND_WEEKS);
}
