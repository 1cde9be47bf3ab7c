/**
 * Jira Cloud's history through its REST API: issue search
 * (`GET /rest/api/2/search/jql?jql=…&expand=changelog&fields=…`, paged by `nextPageToken` until
 * `isLast`), each issue with its changelog and comments (an issue with more than the search
 * carries is read on through `/rest/api/2/issue/{key}/changelog` and `/comment`, paged by
 * `startAt`). API version 2, because its comment bodies are text, as in the webhooks.
 *
 * Each issue becomes the webhooks Jira sends for it: `jira:issue_created` with the fields as they
 * were when it was created (the current fields with the changelog undone), one
 * `jira:issue_updated` per changelog entry (with the fields as they stood then), one
 * `comment_created` per comment, for the webhook's own translation. Events outside the range are
 * left out. Ids come from the change (lib/sources/jira.ts), so webhook and import dedupe.
 *
 * The search is ordered by creation; the cursor is the next page's token and the last issue read.
 * A token expires after 7 days: a resumed import whose token Jira refuses (400) searches again
 * from the last issue read.
 */
import type { HistoryPage, HistorySource } from '../../ports';
import type { JiraMapping } from '../../sources/mapping';
import { isObject } from '../../sources/types';
import { type FetchOptions, getJson, VendorError } from './fetch';

export interface JiraHistoryOptions {
  /** `https://<site>.atlassian.net` */
  readonly url: string;
  readonly email: string;
  readonly token: string;
  readonly since: number;
  readonly until: number;
  readonly mapping: JiraMapping;
  readonly pageSize?: number;
  readonly fetch?: FetchOptions;
}

interface Cursor {
  readonly token?: string;
  /** The last issue read: its creation (epoch ms) and the keys read with that creation time. */
  readonly created?: number;
  readonly keys?: readonly string[];
}

type Json = Record<string, unknown>;
interface History {
  id?: unknown;
  created?: string;
  author?: unknown;
  items?: Json[];
}
interface Issue {
  key: string;
  fields?: Json;
  changelog?: { histories?: History[]; total?: number };
}

const DAY = 86_400_000;
/** A JQL date: the day only, since JQL reads times in the user's zone; the range is a day wider. */
const jqlDay = (ms: number) => new Date(ms).toISOString().slice(0, 10);

export function jiraHistory(o: JiraHistoryOptions): HistorySource {
  const base = o.url.replace(/\/+$/, '');
  const headers = { authorization: `Basic ${Buffer.from(`${o.email}:${o.token}`).toString('base64')}` };
  const m = o.mapping;
  const watched = [m.severity.field, m.teamField, m.queueField, m.organizationField, 'labels'].filter(
    (f): f is string => f !== undefined,
  );
  const fields = [...new Set(['created', 'creator', 'reporter', 'comment', ...watched])].join(',');
  const get = (path: string) => getJson(`${base}${path}`, headers, o.fetch);

  const search = (after: number | undefined, token: string | undefined) => {
    const jql = [
      `updated >= "${jqlDay(o.since - DAY)}"`,
      `created < "${jqlDay(o.until + DAY)}"`,
      ...(after !== undefined ? [`created >= "${jqlDay(after - DAY)}"`] : []),
    ].join(' AND ');
    const q = new URLSearchParams({
      jql: `${jql} ORDER BY created ASC, key ASC`,
      fields,
      expand: 'changelog',
      maxResults: String(o.pageSize ?? 50),
    });
    if (token) q.set('nextPageToken', token);
    return get(`/rest/api/2/search/jql?${q}`) as Promise<{
      issues?: unknown;
      nextPageToken?: unknown;
      isLast?: unknown;
    }>;
  };

  return {
    source: 'jira',
    async *pages(cursor): AsyncIterable<HistoryPage> {
      let at: Cursor = cursor ? (JSON.parse(cursor) as Cursor) : {};
      for (;;) {
        let body: Awaited<ReturnType<typeof search>>;
        try {
          body = await search(at.created, at.token);
        } catch (err) {
          // an expired (or otherwise refused) page token: search again from the last issue read
          if (!(err instanceof VendorError && err.status === 400 && at.token)) throw err;
          at = { ...at, token: undefined };
          body = await search(at.created, undefined);
        }
        if (!Array.isArray(body.issues))
          throw new VendorError(`Jira answered ${base}/rest/api/2/search/jql without an issues list`);
        const issues = (body.issues as Issue[]).filter((i) => typeof i.key === 'string' && !done(at, i));
        const payloads: unknown[] = [];
        for (const issue of issues) payloads.push(...(await webhooks(issue, o, get, watched)));
        const last = issues[issues.length - 1];
        const lastCreated = last ? created(last) : undefined;
        const next: Cursor = {
          ...(typeof body.nextPageToken === 'string' ? { token: body.nextPageToken } : {}),
          ...(last && lastCreated !== undefined
            ? {
                created: lastCreated,
                keys: [
                  ...(lastCreated === at.created ? (at.keys ?? []) : []),
                  ...issues.filter((i) => created(i) === lastCreated).map((i) => i.key),
                ],
              }
            : { created: at.created, keys: at.keys }),
        };
        const end = body.isLast === true || typeof body.nextPageToken !== 'string';
        yield {
          payloads,
          cursor: JSON.stringify(next),
          position: `${issues.length} issues${last ? ` to ${last.key}` : ''}`,
        };
        if (end) return;
        at = next;
      }
    },
  };
}

const created = (i: Issue) => {
  const t = Date.parse(String(i.fields?.created ?? ''));
  return Number.isNaN(t) ? undefined : t;
};

/** Read before the cursor: created earlier than the last issue read, or that issue itself. */
function done(at: Cursor, issue: Issue): boolean {
  if (at.created === undefined || at.token) return false;
  const c = created(issue) ?? 0;
  return c < at.created || (c === at.created && (at.keys ?? []).includes(issue.key));
}

/** Every page of a list Jira pages by `startAt`, after the part the search carried. */
async function rest<T>(
  get: (path: string) => Promise<unknown>,
  path: string,
  list: 'values' | 'comments',
  have: T[],
  total: number,
): Promise<T[]> {
  const all = [...have];
  while (all.length < total) {
    const page = (await get(`${path}?startAt=${all.length}&maxResults=100`)) as Json;
    const items = Array.isArray(page[list]) ? (page[list] as T[]) : [];
    if (items.length === 0) break;
    all.push(...items);
  }
  return all;
}

/** The webhooks Jira sent for one issue, in the order it sent them, within the range. */
async function webhooks(
  issue: Issue,
  o: JiraHistoryOptions,
  get: (path: string) => Promise<unknown>,
  watched: readonly string[],
): Promise<unknown[]> {
  const now = issue.fields ?? {};
  const key = encodeURIComponent(issue.key);
  const carried = issue.changelog?.histories ?? [];
  const histories = await rest<History>(
    get,
    `/rest/api/2/issue/${key}/changelog`,
    'values',
    carried,
    issue.changelog?.total ?? carried.length,
  );
  const comment = isObject(now.comment) ? now.comment : {};
  const carriedComments = Array.isArray(comment.comments) ? (comment.comments as Json[]) : [];
  const comments = await rest<Json>(
    get,
    `/rest/api/2/issue/${key}/comment`,
    'comments',
    carriedComments,
    typeof comment.total === 'number' ? comment.total : carriedComments.length,
  );
  const time = (s: unknown) => Date.parse(String(s ?? ''));
  histories.sort((a, b) => time(a.created) - time(b.created));

  // the fields when the issue was created: each watched field as its first change found it
  const fields: Json = { ...now };
  const undone = new Set<string>();
  for (const h of histories)
    for (const item of h.items ?? []) {
      const f = watched.find((w) => item.fieldId === w || item.field === w);
      if (!f || undone.has(f)) continue;
      undone.add(f);
      fields[f] = fieldValue(f, item.fromString);
    }

  const within = (t: number) => t >= o.since && t < o.until;
  const out: { at: number; payload: unknown }[] = [];
  // the issue as a webhook carries it: its fields then, without the comment list
  const issueAt = ({ comment: _, ...f }: Json) => ({ key: issue.key, fields: f });
  const createdAt = time(now.created);
  if (within(createdAt))
    out.push({
      at: createdAt,
      payload: {
        webhookEvent: 'jira:issue_created',
        timestamp: createdAt,
        user: now.creator ?? now.reporter,
        issue: issueAt(fields),
      },
    });
  for (const h of histories) {
    for (const item of h.items ?? []) {
      const f = watched.find((w) => item.fieldId === w || item.field === w);
      if (f) fields[f] = fieldValue(f, item.toString);
    }
    const at = time(h.created);
    if (within(at))
      out.push({
        at,
        payload: {
          webhookEvent: 'jira:issue_updated',
          timestamp: at,
          user: h.author,
          issue: issueAt(fields),
          changelog: { id: h.id, items: h.items ?? [] },
        },
      });
  }
  for (const c of comments) {
    const at = time(c.created);
    if (within(at))
      out.push({ at, payload: { webhookEvent: 'comment_created', timestamp: at, issue: issueAt(now), comment: c } });
  }
  return out.sort((a, b) => a.at - b.at).map((e) => e.payload);
}

/** A changelog string as the field's value in `fields` (what the translation reads by name). */
function fieldValue(field: string, text: unknown): unknown {
  if (typeof text !== 'string' || text === '') return field === 'labels' ? [] : null;
  if (field === 'labels') return text.split(/\s+/).filter(Boolean);
  return { name: text, value: text };
}
