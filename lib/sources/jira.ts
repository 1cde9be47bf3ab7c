/**
 * Jira Cloud / Jira Service Management webhooks: `jira:issue_created`, `jira:issue_updated` (read
 * through its changelog) and `comment_created` (public when `jsdPublic`).
 * Signature: `X-Hub-Signature: sha256=<hex HMAC-SHA256 of the raw body>`. Jira signs no timestamp.
 *
 * Ids come from what the change is, which the webhook and the REST API (the import) both carry:
 * `jira:<key>:created`, `jira:<key>:changelog:<changelog id>`, `jira:<key>:comment:<comment id>`,
 * each `#n` for the n-th event it yields. A retry carries the same payload, so it is a duplicate;
 * so is the same change imported later. A payload without those ids falls back to
 * `X-Atlassian-Webhook-Identifier` (the same across retries).
 */
import type { JiraMapping } from './mapping';
import { severityOf } from './mapping';
import { anyMatch, hmac } from './signature';
import {
  actorOf,
  type Candidate,
  type Emit,
  idOf,
  isObject,
  isoFromEpochMs,
  parseJson,
  type Source,
  statusAndEtr,
  type Translation,
  tagEvents,
  translation,
} from './types';

const SIGNATURE = 'x-hub-signature';
const IDENTIFIER = 'x-atlassian-webhook-identifier';

export const jira: Source<Translation> = {
  name: 'jira',
  keepHeaders: [SIGNATURE, IDENTIFIER, 'x-atlassian-webhook-retry', 'x-atlassian-webhook-flow'],
  strict: false,
  sign: (body, secret) => ({ [SIGNATURE]: `sha256=${hmac(secret, body, 'hex')}` }),
  verify(req, { secrets }) {
    const header = req.headers[SIGNATURE];
    if (!header) return { ok: false, reason: 'missing X-Hub-Signature header' };
    const [method, signature] = header.split('=', 2);
    if (method !== 'sha256' || !signature) return { ok: false, reason: 'X-Hub-Signature must be sha256=<hex>' };
    return anyMatch(secrets, [signature], req.body, 'hex')
      ? { ok: true }
      : { ok: false, reason: 'X-Hub-Signature does not match the body' };
  },
  parse: parseJson,
  translate(payload, req, mapping) {
    const out = translation();
    const m = mapping.jira;
    if (!m) return { ...out, unmapped: ['no jira section in the mapping file'] };
    if (!isObject(payload) || typeof payload.webhookEvent !== 'string') {
      return { ...out, unmapped: ['not a Jira webhook: no "webhookEvent"'] };
    }
    const issue = isObject(payload.issue) ? payload.issue : {};
    const fields = isObject(issue.fields) ? issue.fields : {};
    const key = typeof issue.key === 'string' ? issue.key : undefined;
    const timestamp = typeof payload.timestamp === 'number' ? payload.timestamp : undefined;
    const at = timestamp === undefined ? undefined : isoFromEpochMs(timestamp);
    if (!key || !at) return { ...out, unmapped: ['missing issue.key, or timestamp is not epoch milliseconds'] };
    const delivery = changeOf(payload, key) ?? req.headers[IDENTIFIER] ?? `${payload.webhookEvent}:${key}:${timestamp}`;
    const queue = m.queueField ? names(fields[m.queueField])[0] : undefined;
    const base = { ticketId: key, at, ...actor(m, payload.user), ...(queue ? { queue } : {}) };
    let n = 0;
    const emit = (type: string, fields: Candidate = {}) =>
      out.events.push({ id: `jira:${delivery}#${n++}`, type, ...base, ...fields });

    switch (payload.webhookEvent) {
      case 'jira:issue_created':
        created(m, fields, emit, out);
        break;
      case 'jira:issue_updated': {
        const changelog = isObject(payload.changelog) ? payload.changelog : {};
        const items = Array.isArray(changelog.items) ? changelog.items.filter(isObject) : [];
        if (items.length === 0) out.ignored.push('issue updated without a changelog');
        for (const item of items) change(m, item, emit, out);
        break;
      }
      case 'comment_created': {
        const c = isObject(payload.comment) ? payload.comment : {};
        const author = isObject(c.author) ? c.author : {};
        if (c.jsdPublic !== true) out.ignored.push('internal comment: not a client update');
        // a JSM customer's own public comment is the client speaking, not an update to them
        else if (author.accountType === 'customer') out.ignored.push('comment by the customer: not a client update');
        else emit('client.update', { ...actor(m, c.author), ...statusAndEtr(c.body, m.updates) });
        break;
      }
      default:
        out.ignored.push(`${payload.webhookEvent}: no rule reads it`);
    }
    return out;
  },
};

/** What the change is, by the ids Jira gives it (see the ids above). */
function changeOf(payload: Record<string, unknown>, key: string): string | undefined {
  const idIn = (v: unknown) => (isObject(v) ? idOf(v.id) : undefined);
  if (payload.webhookEvent === 'jira:issue_created') return `${key}:created`;
  if (payload.webhookEvent === 'jira:issue_updated') {
    const id = idIn(payload.changelog);
    return id ? `${key}:changelog:${id}` : undefined;
  }
  if (payload.webhookEvent === 'comment_created') {
    const id = idIn(payload.comment);
    return id ? `${key}:comment:${id}` : undefined;
  }
  return undefined;
}

function actor(m: JiraMapping, user: unknown): Candidate {
  return actorOf(m.users, isObject(user) && typeof user.accountId === 'string' ? user.accountId : undefined);
}

/** A field's display value: `{name}`, `{value}`, a string, or a list of those. */
function names(v: unknown): string[] {
  if (Array.isArray(v)) return v.flatMap(names);
  if (typeof v === 'string') return [v];
  if (isObject(v)) return names(v.name ?? v.value);
  return [];
}

function created(m: JiraMapping, fields: Record<string, unknown>, emit: Emit, out: Translation): void {
  const vendor = names(fields[m.severity.field])[0];
  const severity = severityOf(m.severity.values, vendor);
  if (!severity) {
    out.unmapped.push(`${m.severity.field} ${JSON.stringify(vendor ?? null)} has no severity in the mapping`);
    return;
  }
  const orgs = m.organizationField ? names(fields[m.organizationField]) : [];
  const tiers = orgs.map((o) => m.organizations[o]).filter((t) => t !== undefined);
  const tier = tiers.includes('enterprise') ? 'enterprise' : (tiers[0] ?? m.defaultClientTier);
  if (!tier) {
    out.unmapped.push(`organization ${orgs.join(', ') || 'none'} has no client tier and there is no defaultClientTier`);
    return;
  }
  emit('ticket.created', { severity, client: { id: orgs[0] ?? 'none', tier } });
  tagEvents(m.markers, names(fields.labels), [], emit);
  if (m.teamField) team(m, names(fields[m.teamField])[0], emit, out, true);
}

function change(m: JiraMapping, item: Record<string, unknown>, emit: Emit, out: Translation): void {
  const field = String(item.field ?? item.fieldId ?? '');
  // `toString` is a field of the changelog item here, not the method
  const text = (key: string) => (typeof item[key] === 'string' ? (item[key] as string) : undefined);
  const to = text('toString');
  const from = text('fromString');
  const is = (name: string | undefined) => name !== undefined && item.fieldId === name;
  if (field === m.severity.field || is(m.severity.field) || (m.severity.field === 'priority' && field === 'priority')) {
    const severity = severityOf(m.severity.values, to);
    if (severity) emit('severity.changed', { severity });
    else out.unmapped.push(`${field} ${JSON.stringify(to ?? null)} has no severity in the mapping`);
  } else if (field === 'status') {
    const done = (s: string | undefined) =>
      s !== undefined && m.resolvedStatuses.some((r) => r.toLowerCase() === s.toLowerCase());
    if (done(to) && !done(from)) emit('ticket.resolved');
    else if (done(from) && !done(to)) emit('ticket.reopened');
    else out.ignored.push(`status ${from ?? '?'} -> ${to ?? '?'}: neither a resolution nor a reopening`);
  } else if (field === 'assignee') {
    const id = typeof item.to === 'string' ? item.to : undefined;
    const role = id ? m.users[id] : undefined;
    if (role === 'L2' || role === 'L3') emit('ownership.taken', { tier: role, actor: { id, role } });
    else out.ignored.push(`assignee ${id ?? 'none'}: not an L2 or L3 agent`);
  } else if (field === 'labels') {
    const before = (from ?? '').split(/\s+/).filter(Boolean);
    const after = (to ?? '').split(/\s+/).filter(Boolean);
    tagEvents(
      m.markers,
      after.filter((l) => !before.includes(l)),
      before.filter((l) => !after.includes(l)),
      emit,
    );
  } else if (m.teamField && (field === m.teamField || is(m.teamField))) {
    team(m, to, emit, out);
  } else {
    out.ignored.push(`${field || 'unknown field'}: no rule reads it`);
  }
}

function team(m: JiraMapping, name: string | undefined, emit: Emit, out: Translation, quiet = false): void {
  const tier = name ? m.teams[name] : undefined;
  if (tier === 'L2' || tier === 'L3') emit('escalated', { toTier: tier, channel: 'ticket_assignment' });
  else if (!quiet) out.ignored.push(`team ${name ?? 'none'}: not an L2 or L3 team`);
}
