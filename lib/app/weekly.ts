/**
 * A week's report from the store: the tickets active in the week (and in the lookback before it,
 * where clocks that fall due in the week may have started) come from the day index; each is
 * evaluated by the engine as of the week's end and aggregated. The table is never scanned.
 */
import { evaluateTicket } from '../engine/evaluate';
import type { Policy } from '../policy/schema';
import type { Notice, ReportSink, Store } from '../ports';
import { aggregateWeek, type Week, type WeeklyReport } from '../report/aggregate';
import { reportHtml } from '../report/html';
import { reportCsv, reportJson } from '../report/render';
import { counted } from '../text/plural';
import { compact } from './tickets';

const DAY = 86_400_000;
/** How long before its due time an obligation's clock may start (2 working days over holidays). */
const LOOKBACK = 14 * DAY;
const TREND_WEEKS = 4;

export async function weeklyReport(store: Store, policy: Policy, week: Week, now = Date.now()): Promise<WeeklyReport> {
  const from = week.start - TREND_WEEKS * 7 * DAY - LOOKBACK;
  const asOf = Math.min(week.end, now);
  const audits = [];
  const retracted: Notice[] = [];
  for (const id of await store.ticketsActive(from, week.end)) {
    const ticket = await store.ticket(id);
    audits.push(evaluateTicket(id, compact(ticket.events), policy, asOf));
    retracted.push(...ticket.notices.filter((n) => n.state.startsWith('retract')));
  }
  return aggregateWeek(audits, policy, week, TREND_WEEKS, retracted);
}

export interface Delivered {
  readonly week: string;
  readonly links: Readonly<Record<'html' | 'csv' | 'json', string>>;
  readonly summary: string;
}

/**
 * Makes the report of `week` and stores it as HTML, CSV and JSON in the sink; returns the links
 * and a one-paragraph summary for the managers' channel.
 */
export async function deliverWeeklyReport(
  store: Store,
  policy: Policy,
  week: Week,
  sink: ReportSink,
  now = Date.now(),
): Promise<Delivered> {
  const report = await weeklyReport(store, policy, week, now);
  const base = `${policy.id}-${week.id}`;
  const [html, csv, json] = await Promise.all([
    sink.put(`${base}.html`, 'text/html; charset=utf-8', reportHtml(report)),
    sink.put(`${base}.csv`, 'text/csv; charset=utf-8', reportCsv(report, policy)),
    sink.put(`${base}.json`, 'application/json', `${JSON.stringify(reportJson(report), null, 2)}\n`),
  ]);
  const c = report.total.compliance;
  const summary =
    `${policy.id} compliance for ${week.id}: ${c === null ? 'nothing was due' : `${(100 * c).toFixed(1)}%`} ` +
    `(${counted(report.total.due, 'obligation')} due, ${report.total.breached} breached, ${counted(report.findings.length, 'finding')}). Report: ${html}`;
  return { week: week.id, links: { html, csv, json }, summary };
}
