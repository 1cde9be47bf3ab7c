/**
 * Zendesk's history through its REST API: the incremental ticket event export
 * (`GET /api/v2/incremental/ticket_events.json?start_time=<unix>&include=comment_events`), whose
 * pages are followed by `end_time` until `end_of_stream`; each ticket event is one audit with its
 * child events (a property set when the ticket is created, a property changed, a comment). Each
 * becomes the event webhook (`zen:event-type:ticket.*`) Zendesk sends for it, with `detail` the
 * ticket as it stood then (kept per ticket as the stream goes), for the webhook's own translation.
 * A comment's author is staff when the mapping lists them; otherwise the Users API says
 * (`GET /api/v2/users/show_many.json?ids=…`: an `end-user` is not staff, an agent or admin is),
 * since the events do not: a client's colleague copied on the ticket is no agent giving an update.
 * An author the API does not know (deleted) is not staff when they opened the ticket, else unknown.
 *
 * The cursor holds each ticket as built so far (its properties, a few hundred bytes), so that an
 * import resumed after an interruption reads later changes against the ticket as it stood.
 *
 * Ids: the translation names an event by its ticket, its kind and its time to the second (a
 * comment by its comment id), which webhook and export share, so the two paths dedupe.
 * Zendesk allows 10 requests a minute to the export: its 429s say how long to wait.
 */
import type { HistoryPage, HistorySource } from '../../ports';
import type { Mapping } from '../../sources/mapping';
import { type FetchOptions, getJson, VendorError } from './fetch';

export interface ZendeskHistoryOptions {
  /** `https://<subdomain>.zendesk.com` */
  readonly url: string;
  readonly email: string;
  readonly token: string;
  readonly since: number;
  readonly until: number;
  readonly mapping: Mapping;
  readonly fetch?: FetchOptions;
}

type Child = Record<string, unknown> & { id?: unknown; event_type?: unknown };
interface TicketEvent {
  id: unknown;
  ticket_id: unknown;
  timestamp?: number;
  created_at?: string;
  updater_id?: unknown;
  child_events?: Child[];
}

/** The ticket properties a webhook's `detail` carries that a rule reads. */
const PROPERTIES = ['priority', 'status', 'group_id', 'organization_id', 'assignee_id', 'requester_id'] as const;
const str = (v: unknown) => (v === null || v === undefined ? null : String(v));

export function zendeskHistory(o: ZendeskHistoryOptions): HistorySource {
  const base = o.url.replace(/\/+$/, '');
  const headers = { authorization: `Basic ${Buffer.from(`${o.email}/token:${o.token}`).toString('base64')}` };
  const staff = new Set(Object.keys(o.mapping.zendesk?.users ?? {}));
  /** User id -> staff or not, as the Users API answered. */
  const roles = new Map<string, boolean>();
  const learnAuthors = async (events: readonly TicketEvent[]) => {
    const unknown = new Set<string>();
    for (const e of events)
      for (const c of e.child_events ?? []) {
        const author = c.event_type === 'Comment' ? str(c.author_id) : null;
        if (author && !staff.has(author) && !roles.has(author)) unknown.add(author);
      }
    const ids = [...unknown];
    for (let i = 0; i < ids.length; i += 100) {
      const chunk = ids.slice(i, i + 100);
      const body = (await getJson(`${base}/api/v2/users/show_many.json?ids=${chunk.join(',')}`, headers, o.fetch)) as {
        users?: { id?: unknown; role?: unknown }[];
      };
      for (const u of body.users ?? []) if (str(u.id)) roles.set(String(u.id), u.role !== 'end-user');
    }
  };
  return {
    source: 'zendesk',
    async *pages(cursor): AsyncIterable<HistoryPage> {
      const until = Math.floor(o.until / 1000);
      // the cursor is where the next page starts, what that second already brought, and each
      // ticket as the stream has built it, so that a resumed import repeats nothing and reads
      // later changes against the ticket as it stood
      const resumed = cursor
        ? (JSON.parse(cursor) as { start: number; seen: string[]; tickets: Record<string, Record<string, unknown>> })
        : undefined;
      const tickets = new Map(Object.entries(resumed?.tickets ?? {}));
      let start = resumed?.start ?? Math.floor(o.since / 1000);
      // the next page starts at the second the last one ended in, and repeats what it had then
      let atStart = new Set<string>(resumed?.seen ?? []);
      for (;;) {
        const url = `${base}/api/v2/incremental/ticket_events.json?start_time=${start}&include=comment_events`;
        const body = (await getJson(url, headers, o.fetch)) as {
          ticket_events?: unknown;
          end_time?: unknown;
          end_of_stream?: unknown;
        };
        if (!Array.isArray(body.ticket_events))
          throw new VendorError(`Zendesk answered ${base}/api/v2/incremental/ticket_events.json without ticket_events`);
        const events = (body.ticket_events as TicketEvent[]).filter(
          (e) => (e.timestamp ?? 0) < until && !(e.timestamp === start && atStart.has(String(e.id))),
        );
        const end = typeof body.end_time === 'number' ? body.end_time : until;
        const done =
          body.end_of_stream === true || end >= until || end < start || (end === start && events.length === 0);
        atStart = new Set(
          (body.ticket_events as TicketEvent[]).filter((e) => e.timestamp === end).map((e) => String(e.id)),
        );
        if (end === start) for (const e of events) if (e.timestamp === end) atStart.add(String(e.id));
        await learnAuthors(events);
        yield {
          payloads: events.flatMap((e) => webhooks(e, tickets, staff, roles)),
          cursor: JSON.stringify({
            start: Math.min(end, until),
            seen: [...atStart],
            tickets: Object.fromEntries(tickets),
          }),
          position: `${new Date(Math.min(end, until) * 1000).toISOString().slice(0, 16)}Z, ${events.length} ticket events`,
        };
        if (done) return;
        start = end;
      }
    },
  };
}

/** The webhooks Zendesk sends for one audit, in the order it sends them. */
function webhooks(
  e: TicketEvent,
  tickets: Map<string, Record<string, unknown>>,
  staff: Set<string>,
  roles: ReadonlyMap<string, boolean>,
): unknown[] {
  const ticketId = str(e.ticket_id);
  const time = e.created_at ?? (e.timestamp ? new Date(e.timestamp * 1000).toISOString() : undefined);
  if (!ticketId || !time) return [];
  const children = e.child_events ?? [];
  const creating = children.some((c) => c.event_type === 'Create');
  const ticket = tickets.get(ticketId) ?? { id: ticketId, tags: [] };
  tickets.set(ticketId, ticket);
  const out: unknown[] = [];
  const webhook = (kind: string, event: Record<string, unknown> = {}, id = `${e.id}:${kind}`) =>
    out.push({
      id,
      type: `zen:event-type:ticket.${kind}`,
      time,
      detail: { ...ticket, actor_id: str(e.updater_id) },
      event,
    });
  // the properties first (a created ticket's detail holds them all), then what changed
  const changes: (() => void)[] = [];
  for (const c of children) {
    if (c.event_type === 'Comment') continue;
    if (Array.isArray(c.tags) || Array.isArray(c.added_tags)) {
      ticket.tags = Array.isArray(c.tags) ? c.tags : ticket.tags;
      if (!creating)
        changes.push(() =>
          webhook('tags_changed', { tags_added: c.added_tags ?? [], tags_removed: c.removed_tags ?? [] }),
        );
      continue;
    }
    for (const p of PROPERTIES) {
      if (!(p in c)) continue;
      const previous = ticket[p] ?? null;
      ticket[p] = str(c[p]);
      if (creating) continue;
      const event = { previous: c.previous_value ?? previous, current: ticket[p] };
      if (p === 'priority') changes.push(() => webhook('priority_changed', event));
      else if (p === 'status') changes.push(() => webhook('status_changed', event));
      else if (p === 'group_id') changes.push(() => webhook('group_assignment_changed', event));
      else if (p === 'assignee_id') changes.push(() => webhook('agent_assignment_changed', event));
    }
  }
  if (creating) webhook('created');
  for (const change of changes) change();
  for (const c of children) {
    if (c.event_type !== 'Comment') continue;
    const author = str(c.author_id);
    const isStaff = !author
      ? undefined
      : staff.has(author)
        ? true
        : (roles.get(author) ?? (author === ticket.requester_id ? false : undefined));
    webhook(
      'comment_added',
      {
        comment: {
          id: str(c.id),
          body: c.body ?? c.plain_body,
          is_public: c.public === true,
          author: { id: author, ...(isStaff !== undefined ? { is_staff: isStaff } : {}) },
        },
      },
      `${e.id}:comment:${str(c.id)}`,
    );
  }
  return out;
}
