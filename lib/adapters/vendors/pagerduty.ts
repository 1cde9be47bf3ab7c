/**
 * PagerDuty's history through its REST API: the account's log entries (`GET /log_entries`, with
 * `include[]=incidents` so that each carries its incident), one day at a time, 100 per page by
 * offset (PagerDuty pages no further than 10,000 into one query). Each paging or acknowledgement
 * entry becomes the V3 webhook event PagerDuty would have sent for it, for the webhook's own
 * translation; the other entries (notifications, notes, resolutions) are left out.
 *
 * Ids: the translation names an event by its incident, its type and its time to the second
 * (`pagerduty:<incident>:<event type>:<time>`), which the webhook's `occurred_at` and the log
 * entry's `created_at` share, so an event imported and also delivered by webhook is one event.
 */
import type { HistoryPage, HistorySource } from '../../ports';
import { type FetchOptions, getJson, VendorError } from './fetch';
import { PAGERDUTY_API } from './names';

export { PAGERDUTY_API };

/** Log entry type -> the V3 webhook event it stands for. */
const EVENT_TYPES: Readonly<Record<string, string>> = {
  trigger_log_entry: 'incident.triggered',
  escalate_log_entry: 'incident.escalated',
  assign_log_entry: 'incident.reassigned',
  acknowledge_log_entry: 'incident.acknowledged',
};

const DAY = 86_400_000;
/** PagerDuty's classic pagination ends at offset + limit = 10,000. */
const MAX_OFFSET = 10_000;
const iso = (ms: number) => new Date(ms).toISOString();

export interface PagerDutyHistoryOptions {
  readonly url?: string;
  readonly token: string;
  readonly since: number;
  readonly until: number;
  readonly limit?: number;
  readonly fetch?: FetchOptions;
}

interface Cursor {
  readonly window: number;
  readonly offset: number;
}

interface LogEntry {
  id: string;
  type: string;
  created_at: string;
  agent?: unknown;
  incident?: Record<string, unknown>;
}

export function pagerDutyHistory(o: PagerDutyHistoryOptions): HistorySource {
  const base = (o.url ?? PAGERDUTY_API).replace(/\/+$/, '');
  const limit = o.limit ?? 100;
  const headers = {
    authorization: `Token token=${o.token}`,
    accept: 'application/vnd.pagerduty+json;version=2',
  };
  return {
    source: 'pagerduty',
    async *pages(cursor): AsyncIterable<HistoryPage> {
      let at: Cursor = cursor ? (JSON.parse(cursor) as Cursor) : { window: o.since, offset: 0 };
      while (at.window < o.until) {
        const end = Math.min(at.window + DAY, o.until);
        const q = new URLSearchParams({
          since: iso(at.window),
          until: iso(end),
          limit: String(limit),
          offset: String(at.offset),
          time_zone: 'UTC',
          is_overview: 'false',
        });
        q.append('include[]', 'incidents');
        const body = (await getJson(`${base}/log_entries?${q}`, headers, o.fetch)) as {
          log_entries?: unknown;
          more?: unknown;
        };
        if (!Array.isArray(body.log_entries))
          throw new VendorError(`PagerDuty answered ${base}/log_entries without a log_entries list`);
        const entries = body.log_entries as LogEntry[];
        const next: Cursor =
          body.more === true && entries.length > 0
            ? { window: at.window, offset: at.offset + entries.length }
            : { window: end, offset: 0 };
        if (next.offset > 0 && next.offset + limit > MAX_OFFSET)
          throw new VendorError(
            `more than ${MAX_OFFSET} log entries between ${iso(at.window)} and ${iso(end)}: PagerDuty pages no further into one query; import that day in parts (--since, --until)`,
          );
        yield {
          payloads: entries.filter((e) => EVENT_TYPES[e.type]).map(asWebhook),
          cursor: JSON.stringify(next),
          position: `${iso(at.window).slice(0, 10)}, ${at.offset + entries.length} log entries`,
        };
        at = next;
      }
    },
  };
}

/** The V3 webhook event PagerDuty sends for a log entry's action. */
function asWebhook(e: LogEntry): unknown {
  return {
    event: {
      id: e.id,
      event_type: EVENT_TYPES[e.type],
      resource_type: 'incident',
      occurred_at: e.created_at,
      agent: e.agent ?? null,
      data: { ...(e.incident ?? {}), type: 'incident' },
    },
  };
}
