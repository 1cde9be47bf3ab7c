/**
 * A stand-in for Jira Cloud's REST API on a real HTTP server, behind Basic auth
 * (`<email>:<api token>`), answering pages shaped like the API reference:
 * `GET /rest/api/2/search/jql` ({issues, nextPageToken, isLast}, each issue with its fields, its
 * comment field {comments, startAt, maxResults, total} and, with `expand=changelog`,
 * {startAt, maxResults, total, histories}, both cut short as Jira's search cuts them), and the
 * rest of an issue's changelog (`/issue/{key}/changelog`: {values, startAt, maxResults, total,
 * isLast}) and comments (`/issue/{key}/comment`: {comments, startAt, maxResults, total}).
 * Issues come in the order of their creation, then key. Faults on demand: 429 with Retry-After, a
 * 500, every page token expired (400, as Jira answers a token it no longer knows).
 */

import { createServer } from 'node:http';
import { listen } from './listen';

export const JIRA_EMAIL = 'ana@acme.example';
export const JIRA_TOKEN = 'jira-test-token';

export interface JiraIssue {
  key: string;
  fields: Record<string, unknown> & { created: string };
  histories: { id: string; created: string; author: unknown; items: Record<string, unknown>[] }[];
  comments: { id: string; created: string; author: unknown; body: string; jsdPublic: boolean }[];
}

export interface FakeJira {
  readonly url: string;
  /** Every request: its path (without the query), the page token if any, and its status. */
  readonly requests: { path: string; token?: string; status: number }[];
  rateLimit(n: number, seconds: number): void;
  /** Answer the next `n` requests 500. */
  fail(n: number): void;
  /** Refuse (401) every search for which `when` holds of its page token, until set again. */
  refuse(when: ((token: string | undefined) => boolean) | undefined): void;
  /** Forget every page token given so far (they expire after 7 days). */
  expireTokens(): void;
  close(): Promise<void>;
}

/** What the search carries of an issue's changelog and comments before they must be paged. */
const CARRIED = 2;

export async function fakeJira(issues: readonly JiraIssue[], perPage = 2): Promise<FakeJira> {
  const requests: FakeJira['requests'] = [];
  let limited = 0;
  let retryAfter = 1;
  let failing = 0;
  let generation = 0;
  let refusing: ((token: string | undefined) => boolean) | undefined;
  const sorted = [...issues].sort(
    (a, b) => a.fields.created.localeCompare(b.fields.created) || a.key.localeCompare(b.key),
  );
  const byKey = new Map(sorted.map((i) => [i.key, i]));
  const server = createServer((req, res) => {
    const u = new URL(req.url ?? '/', 'http://localhost');
    const token = u.searchParams.get('nextPageToken') ?? undefined;
    const answer = (status: number, body: unknown, headers: Record<string, string> = {}) => {
      requests.push({ path: u.pathname, ...(token ? { token } : {}), status });
      res.writeHead(status, { 'content-type': 'application/json', ...headers });
      res.end(JSON.stringify(body));
    };
    const expected = `Basic ${Buffer.from(`${JIRA_EMAIL}:${JIRA_TOKEN}`).toString('base64')}`;
    if (req.headers.authorization !== expected)
      return answer(401, {
        errorMessages: ['You are not authenticated. Authentication required to perform this operation.'],
      });
    if (limited > 0) {
      limited--;
      return answer(429, { errorMessages: ['Rate limit exceeded.'] }, { 'retry-after': String(retryAfter) });
    }
    if (failing > 0) {
      failing--;
      return answer(500, { errorMessages: ['Internal server error'] });
    }
    const startAt = Number(u.searchParams.get('startAt') ?? 0);
    const max = Math.min(Number(u.searchParams.get('maxResults') ?? 50), 100);
    if (u.pathname === '/rest/api/2/search/jql') {
      if (refusing?.(token)) return answer(401, { errorMessages: ['You are not authenticated.'] });
      let offset = 0;
      if (token) {
        const [g, o] = Buffer.from(token, 'base64url').toString().split(':');
        if (Number(g) !== generation)
          return answer(400, { errorMessages: ['The provided next page token is invalid or expired.'] });
        offset = Number(o);
      }
      const page = sorted.slice(offset, offset + Math.min(perPage, max));
      const next = offset + page.length;
      const expand = u.searchParams.get('expand') === 'changelog';
      return answer(200, {
        issues: page.map((i) => ({
          id: i.key.replace(/\D/g, ''),
          key: i.key,
          fields: {
            ...i.fields,
            comment: {
              comments: i.comments.slice(0, CARRIED),
              startAt: 0,
              maxResults: CARRIED,
              total: i.comments.length,
            },
          },
          ...(expand
            ? {
                changelog: {
                  startAt: 0,
                  maxResults: CARRIED,
                  total: i.histories.length,
                  histories: i.histories.slice(0, CARRIED),
                },
              }
            : {}),
        })),
        ...(next < sorted.length ? { nextPageToken: Buffer.from(`${generation}:${next}`).toString('base64url') } : {}),
        isLast: next >= sorted.length,
      });
    }
    const m = /^\/rest\/api\/2\/issue\/([^/]+)\/(changelog|comment)$/.exec(u.pathname);
    const issue = m ? byKey.get(decodeURIComponent(m[1] as string)) : undefined;
    if (!m || !issue)
      return answer(404, { errorMessages: ['Issue does not exist or you do not have permission to see it.'] });
    if (m[2] === 'changelog') {
      const values = issue.histories.slice(startAt, startAt + max);
      return answer(200, {
        values,
        startAt,
        maxResults: max,
        total: issue.histories.length,
        isLast: startAt + values.length >= issue.histories.length,
      });
    }
    return answer(200, {
      comments: issue.comments.slice(startAt, startAt + max),
      startAt,
      maxResults: max,
      total: issue.comments.length,
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
    expireTokens() {
      generation++;
    },
    close,
  };
}

/**
 * `n` issues created a minute apart from `start`, each in Jira's words: created at High (P1 in
 * the test mapping) for Acme, moved to the L2 team and given to the L2 agent, with a public and an
 * internal comment, then resolved: three changelog entries and two comments, more than the search
 * carries of either.
 */
export function jiraIssues(start: number, n: number): JiraIssue[] {
  const agent = { accountId: '5a1b0e47748e770ed11f338c', displayName: 'Ana' };
  return Array.from({ length: n }, (_, i) => {
    const t0 = start + i * 60_000;
    // Jira writes times with milliseconds and an offset: 2026-03-02T09:00:00.000+0000
    const at = (minutes: number) => new Date(t0 + minutes * 60_000).toISOString().replace('Z', '+0000');
    const iso = (minutes: number) => new Date(t0 + minutes * 60_000).toISOString();
    return {
      key: `SUP-${100 + i}`,
      fields: {
        created: at(0),
        creator: agent,
        reporter: agent,
        summary: 'Reports fail to load',
        priority: { name: 'High', id: '2' },
        labels: ['troubleshooting-documented'],
        customfield_10002: [{ name: 'Acme' }],
        customfield_10001: { value: 'Support L2' },
      },
      histories: [
        {
          id: `${10_000 + i * 10}`,
          created: at(5),
          author: agent,
          items: [
            {
              field: 'labels',
              fieldtype: 'jira',
              from: null,
              fromString: '',
              to: null,
              toString: 'troubleshooting-documented',
            },
          ],
        },
        {
          id: `${10_000 + i * 10 + 1}`,
          created: at(10),
          author: agent,
          items: [
            {
              field: 'Team',
              fieldId: 'customfield_10001',
              fieldtype: 'custom',
              from: null,
              fromString: 'Support L1',
              to: null,
              toString: 'Support L2',
            },
            { field: 'assignee', fieldtype: 'jira', from: null, fromString: null, to: 'l2-account', toString: 'Lee' },
          ],
        },
        {
          id: `${10_000 + i * 10 + 2}`,
          created: at(90),
          author: agent,
          items: [
            { field: 'status', fieldtype: 'jira', from: '3', fromString: 'In Progress', to: '10001', toString: 'Done' },
          ],
        },
      ],
      comments: [
        {
          id: `${20_000 + i * 10}`,
          created: at(30),
          author: agent,
          body: `Status: Investigating\nETR: ${iso(150)}`,
          jsdPublic: true,
        },
        {
          id: `${20_000 + i * 10 + 1}`,
          created: at(40),
          author: agent,
          body: 'internal: looks like the cache',
          jsdPublic: false,
        },
        {
          id: `${20_000 + i * 10 + 2}`,
          created: at(60),
          author: agent,
          body: `Status: Fixing\nETR: ${iso(120)}`,
          jsdPublic: true,
        },
      ],
    };
  });
}
