/**
 * A stand-in for PagerDuty's REST API on a real HTTP server: `GET /log_entries` with `since`,
 * `until`, `offset`, `limit` and `include[]=incidents`, answering pages shaped like the API
 * reference ({log_entries, limit, offset, more}, each entry with its incident), behind
 * `Authorization: Token token=<token>`. Faults on demand: 429 with Retry-After, a 500, a refusal.
 */

import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import { listen } from './listen';

export const TOKEN = 'pd-test-token';

export interface LogEntry {
  id: string;
  type: string;
  created_at: string;
  agent: { id: string; type: string; summary: string };
  incident: Record<string, unknown>;
}

/**
 * `incidentsPerDay` incidents a day for `days` days from `start`: each triggered (a page through
 * escalation policy P1EUYO0, L2 in examples/mapping.yaml), notified, acknowledged and resolved;
 * the incident's title names ticket ZD-<n>.
 */
export function logEntries(start: number, days: number, incidentsPerDay: number): LogEntry[] {
  const entries: LogEntry[] = [];
  for (let d = 0; d < days; d++) {
    for (let i = 0; i < incidentsPerDay; i++) {
      const n = d * incidentsPerDay + i;
      const t0 = start + d * 86_400_000 + i * 60_000;
      const incident = {
        id: `Q${String(n).padStart(6, '0')}`,
        type: 'incident',
        summary: `[#${n}] ZD-${1000 + n} Checkout down`,
        title: `ZD-${1000 + n} Checkout down`,
        incident_key: `key-${n}`,
        escalation_policy: { id: 'P1EUYO0', type: 'escalation_policy_reference' },
        service: { id: 'PLVTM9H', type: 'service_reference' },
        html_url: `https://acme.pagerduty.com/incidents/Q${n}`,
      };
      const at = (m: number) => new Date(t0 + m * 60_000).toISOString().replace('.000Z', 'Z');
      const agent = { id: 'PXRUEF2', type: 'user_reference', summary: 'On-call L2' };
      entries.push(
        { id: `RT${n}`, type: 'trigger_log_entry', created_at: at(0), agent, incident },
        { id: `RN${n}`, type: 'notify_log_entry', created_at: at(1), agent, incident },
        { id: `RA${n}`, type: 'acknowledge_log_entry', created_at: at(3), agent, incident },
        { id: `RR${n}`, type: 'resolve_log_entry', created_at: at(30), agent, incident },
      );
    }
  }
  return entries.sort((a, b) => a.created_at.localeCompare(b.created_at) || a.id.localeCompare(b.id));
}

export interface FakePagerDuty {
  readonly url: string;
  /** Every request's query, in order (`offset`, `since`), and its status. */
  readonly requests: { since: string; offset: number; status: number }[];
  /** Answer the next `n` requests 429 with `Retry-After: seconds`. */
  rateLimit(n: number, seconds: number): void;
  /** Answer the next `n` requests 500. */
  fail(n: number): void;
  /** Refuse (401) every request for which `when` holds, until set again. */
  refuse(when: ((q: { since: string; offset: number }) => boolean) | undefined): void;
  close(): Promise<void>;
}

export async function fakePagerDuty(entries: readonly LogEntry[]): Promise<FakePagerDuty> {
  const requests: FakePagerDuty['requests'] = [];
  let limited = 0;
  let retryAfter = 1;
  let failing = 0;
  let refusing: ((q: { since: string; offset: number }) => boolean) | undefined;
  const answer = (res: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}) => {
    res.writeHead(status, { 'content-type': 'application/json', ...headers });
    res.end(JSON.stringify(body));
  };
  const server = createServer((req: IncomingMessage, res) => {
    const u = new URL(req.url ?? '/', 'http://localhost');
    const since = u.searchParams.get('since') ?? '';
    const until = u.searchParams.get('until') ?? '';
    const offset = Number(u.searchParams.get('offset') ?? 0);
    const limit = Math.min(Number(u.searchParams.get('limit') ?? 25), 100);
    const log = (status: number) => requests.push({ since, offset, status });
    if (req.headers.authorization !== `Token token=${TOKEN}`) {
      log(401);
      return answer(res, 401, { error: { message: 'Unauthorized', code: 2006 } });
    }
    if (u.pathname !== '/log_entries') {
      log(404);
      return answer(res, 404, { error: { message: 'Not Found', code: 2100 } });
    }
    if (limited > 0) {
      limited--;
      log(429);
      return answer(
        res,
        429,
        { error: { message: 'Rate Limit Exceeded', code: 2020 } },
        { 'retry-after': String(retryAfter) },
      );
    }
    if (failing > 0) {
      failing--;
      log(500);
      return answer(res, 500, { error: { message: 'Internal Server Error' } });
    }
    if (refusing?.({ since, offset })) {
      log(401);
      return answer(res, 401, { error: { message: 'Unauthorized', code: 2006 } });
    }
    const from = Date.parse(since);
    const to = Date.parse(until);
    const inRange = entries.filter((e) => Date.parse(e.created_at) >= from && Date.parse(e.created_at) < to);
    const page = inRange.slice(offset, offset + limit);
    const withIncidents = u.searchParams.getAll('include[]').includes('incidents');
    log(200);
    answer(res, 200, {
      log_entries: page.map((e) =>
        withIncidents ? e : { ...e, incident: { id: e.incident.id, type: 'incident_reference' } },
      ),
      limit,
      offset,
      more: offset + limit < inRange.length,
      total: null,
    });
  });
  const { url, close } = await listen(server);
  return {
    url,
    requests,
    rateLimit(n, seconds) {
      limited = n;
      retryAfter = seconds;
    },
    fail(n) {
      failing = n;
    },
    refuse(when) {
      refusing = when;
    },
    close,
  };
}
