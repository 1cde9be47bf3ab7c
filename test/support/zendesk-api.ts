/**
 * A stand-in for Zendesk's incremental ticket event export on a real HTTP server:
 * `GET /api/v2/incremental/ticket_events.json?start_time=<unix>&include=comment_events`, behind
 * Basic auth (`<email>/token:<token>`), answering pages shaped like the API reference
 * ({ticket_events, next_page, count, end_of_stream, end_time}: `end_time` is the last event's
 * timestamp, so the next page starts in that second and repeats what the last page had in it).
 * And the Users API's `GET /api/v2/users/show_many.json?ids=…` ({users: [{id, role}]}).
 * A 429 with Retry-After on demand.
 */

import { createServer } from 'node:http';
import { listen } from './listen';

export const EMAIL = 'ana@acme.example';
export const ZENDESK_TOKEN = 'zd-test-token';

export interface ZendeskTicketEvent {
  id: number;
  ticket_id: number;
  timestamp: number;
  created_at: string;
  updater_id: number;
  via: string;
  event_type: 'Audit';
  child_events: Record<string, unknown>[];
}

export interface FakeZendesk {
  readonly url: string;
  readonly requests: { startTime: number; status: number }[];
  /** The ids of each Users API request (show_many). */
  readonly usersAsked: string[][];
  rateLimit(n: number, seconds: number): void;
  /** Refuse (401) every request for which `when` holds, until set again. */
  refuse(when: ((startTime: number) => boolean) | undefined): void;
  close(): Promise<void>;
}

export async function fakeZendesk(
  events: readonly ZendeskTicketEvent[],
  perPage = 3,
  users: Readonly<Record<string, 'end-user' | 'agent' | 'admin'>> = {},
): Promise<FakeZendesk> {
  const requests: FakeZendesk['requests'] = [];
  const usersAsked: string[][] = [];
  let limited = 0;
  let retryAfter = 1;
  let refusing: ((startTime: number) => boolean) | undefined;
  const sorted = [...events].sort((a, b) => a.timestamp - b.timestamp || a.id - b.id);
  const server = createServer((req, res) => {
    const u = new URL(req.url ?? '/', 'http://localhost');
    const startTime = Number(u.searchParams.get('start_time') ?? 0);
    const answer = (status: number, body: unknown, headers: Record<string, string> = {}) => {
      requests.push({ startTime, status });
      res.writeHead(status, { 'content-type': 'application/json', ...headers });
      res.end(JSON.stringify(body));
    };
    const expected = `Basic ${Buffer.from(`${EMAIL}/token:${ZENDESK_TOKEN}`).toString('base64')}`;
    if (req.headers.authorization !== expected) return answer(401, { error: "Couldn't authenticate you" });
    if (u.pathname === '/api/v2/users/show_many.json') {
      const asked = (u.searchParams.get('ids') ?? '').split(',');
      usersAsked.push(asked);
      res.writeHead(200, { 'content-type': 'application/json' });
      const known = asked.filter((id) => id in users);
      return res.end(JSON.stringify({ users: known.map((id) => ({ id: Number(id), role: users[id] })) }));
    }
    if (u.pathname !== '/api/v2/incremental/ticket_events.json') return answer(404, { error: 'InvalidEndpoint' });
    if (limited > 0) {
      limited--;
      return answer(429, { error: 'APIRateLimitExceeded' }, { 'retry-after': String(retryAfter) });
    }
    if (refusing?.(startTime)) return answer(401, { error: "Couldn't authenticate you" });
    const page = sorted.filter((e) => e.timestamp >= startTime).slice(0, perPage);
    const last = page[page.length - 1];
    const endTime = last ? last.timestamp : startTime;
    const rest = sorted.filter((e) => e.timestamp > endTime).length;
    answer(200, {
      ticket_events: page,
      next_page: `http://${req.headers.host}/api/v2/incremental/ticket_events.json?start_time=${endTime}`,
      count: page.length,
      end_of_stream: rest === 0 && page.length < perPage,
      end_time: endTime,
    });
  });
  const { url, close } = await listen(server);
  return {
    url,
    requests,
    usersAsked,
    rateLimit(n, seconds) {
      limited = n;
      retryAfter = seconds;
    },
    refuse(when) {
      refusing = when;
    },
    close,
  };
}
