/**
 * A week's report: one use case for the store and for an export. The tickets with an event in
 * the week, in the trend weeks before it, or in the lookback before those (where clocks that fall
 * due in them may have started; `earliestClockStart` reads it off the policy) are evaluated by the
 * engine as of the report's as-of time and aggregated. From the store they come through the day
 * index, read as the store reads many tickets at once (a bounded number held); the table is never scanned.
 */

import { evaluateTicket } from '../engine/evaluate';
import { earliestClockStart } from '../engine/lookback';
import { type WaiverRecord, waiverBook } from '../engine/waivers';
import type { TicketEvent } from '../events/parse';
import type { Policy } from '../policy/schema';
import type { Notice, ReportSink, Store } from '../ports';
import {
  previousWeeks,
  reportAsOf,
  TREND_WEEKS,
  type Week,
  WeekAggregator,
  type WeeklyReport,
} from '../report/aggregate';
import { reportHtmlChunks } from '../report/html';
import type { Lists } from '../report/lists';
import { reportCsvChunks, reportJsonChunks } from '../report/render';
import { counted } from '../text/plural';
import { utcDays } from '../utc-day';
import { compact } from './tickets';

/** One ticket as a report reads it: its events and, from a live store, its recorded notices. */
export interface ReportTicket {
  readonly ticketId: string;
  readonly events: readonly TicketEvent[];
  readonly notices: readonly Notice[];
}

/** Where a report's tickets come from: every ticket with an event in [from, to), each once. */
export interface TicketSource {
  eachTicket(from: number, to: number, visit: (ticket: ReportTicket) => void): Promise<void>;
}

/** The store's tickets through its day index, read as the store reads many at once (`Store.tickets`). */
export function storeTickets(store: Store): TicketSource {
  return {
    async eachTicket(from, to, visit) {
      for await (const { ticketId, events, notices } of store.tickets(await store.ticketsActive(from, to)))
        visit({ ticketId, events: compact(events), notices });
    },
  };
}

export interface ReportOptions {
  /** The report's as-of time; default: now, or the week's end if that is earlier. */
  readonly asOf?: number;
  readonly now?: number;
  /** The register of waivers: the breaches it covers (as of the as-of time) are excused, counted apart. */
  readonly waivers?: readonly WaiverRecord[];
  /** Keep every obligation due in the week, the CSV's rows (default true; see `AggregateOptions.rows`). */
  readonly rows?: boolean;
  /** Where the report's long lists are kept (default: in memory; see `AggregateOptions.lists`). */
  readonly lists?: Lists;
  /** The ledger's day roots (lib/ledger.ts), from a store that keeps them: the report carries its days'. */
  readonly roots?: (days: readonly string[]) => Promise<{ day: string; root: string; seals: number }[]>;
}

export async function weeklyReport(
  source: TicketSource,
  policy: Policy,
  week: Week,
  opts: ReportOptions = {},
): Promise<WeeklyReport> {
  const asOf = reportAsOf(week, opts.now ?? Date.now(), opts.asOf);
  const periodStart = previousWeeks(week, TREND_WEEKS, policy.calendar.timeZone)[0]?.start ?? week.start;
  const from = earliestClockStart(policy, periodStart);
  const report = new WeekAggregator(policy, week, {
    asOf,
    trendWeeks: TREND_WEEKS,
    rows: opts.rows ?? true,
    ...(opts.lists ? { lists: opts.lists } : {}),
  });
  const book = waiverBook(opts.waivers, asOf);
  await source.eachTicket(from, week.end, (t) =>
    report.add(
      evaluateTicket(t.ticketId, t.events, policy, asOf, book),
      t.notices.filter((n) => n.state.startsWith('retract')),
      t.events,
    ),
  );
  const roots = opts.roots ? await opts.roots(utcDays(week.start, week.end)) : undefined;
  const result = roots ? { ...report.result(), roots } : report.result();
  if (!book) return result;
  // of a register that spans months, the waivers granted in this week that matched nothing
  const grantedInWeek = new Set(
    (opts.waivers ?? [])
      .filter((w) => {
        const t = Date.parse(w.grantedAt);
        return t >= week.start && t < week.end;
      })
      .map((w) => w.id),
  );
  return {
    ...result,
    waivers: { records: book.records.length, unmatched: book.unmatched().filter((u) => grantedInWeek.has(u.id)) },
  };
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
  const waivers = await store.waivers();
  const report = await weeklyReport(storeTickets(store), policy, week, {
    now,
    waivers,
    roots: (days) => store.dayRoots(days),
  });
  const base = `${policy.id}-${week.id}`;
  // one file at a time, each written as it is made: never a whole file's text in memory
  const html = await sink.put(`${base}.html`, 'text/html; charset=utf-8', reportHtmlChunks(report));
  const csv = await sink.put(`${base}.csv`, 'text/csv; charset=utf-8', reportCsvChunks(report, policy));
  const json = await sink.put(`${base}.json`, 'application/json', reportJsonChunks(report));
  const c = report.total.compliance;
  const summary =
    `${policy.id} compliance for ${week.id}: ${c === null ? 'nothing was due' : `${(100 * c).toFixed(1)}%`} ` +
    `(${counted(report.total.due, 'obligation')} due, ${report.total.breached} breached${report.total.excused ? `, ${report.total.excused} excused by waivers` : ''}, ${counted(report.findings.length, 'finding')}). Report: ${html}`;
  return { week: week.id, links: { html, csv, json }, summary };
}
