/**
 * Zendesk event-subscribed webhooks (`zen:event-type:ticket.*`).
 * Signature: base64(HMAC-SHA256(secret, timestamp + raw body)) in `x-zendesk-webhook-signature`,
 * the timestamp in `x-zendesk-webhook-signature-timestamp`; refused outside the tolerance window.
 * Ids in `detail` are strings; `priority` and `tags` may be null. An event's id is its ticket, kind
 * and time to the second (a comment's, its comment id), as the import from the REST API makes it.
 */
import type { ZendeskMapping } from './mapping';
import { severityOf } from './mapping';
import { anyMatch, hmac } from './signature';
import {
  actorOf,
  type Candidate,
  type Emit,
  idOf,
  isObject,
  parseJson,
  type Source,
  statusAndEtr,
  type Translation,
  tagEvents,
  toSecond,
  translation,
} from './types';

const SIGNATURE = 'x-zendesk-webhook-signature';
const TIMESTAMP = 'x-zendesk-webhook-signature-timestamp';
const PREFIX = 'zen:event-type:';

export const zendesk: Source<Translation> = {
  name: 'zendesk',
  keepHeaders: [
    SIGNATURE,
    TIMESTAMP,
    'x-zendesk-webhook-id',
    'x-zendesk-webhook-invocation-id',
    'x-zendesk-account-id',
  ],
  strict: false,
  sign(body, secret, now) {
    // Zendesk's own form: seconds, no fraction (e.g. 2021-03-25T05:09:27Z)
    const timestamp = new Date(now).toISOString().replace(/\.\d+Z$/, 'Z');
    return {
      [TIMESTAMP]: timestamp,
      [SIGNATURE]: hmac(secret, Buffer.concat([Buffer.from(timestamp), body]), 'base64'),
    };
  },
  verify(req, { secrets, now, toleranceMs }) {
    const signature = req.headers[SIGNATURE];
    const timestamp = req.headers[TIMESTAMP];
    if (!signature || !timestamp) return { ok: false, reason: `missing ${!signature ? SIGNATURE : TIMESTAMP} header` };
    const signedAt = Date.parse(timestamp);
    if (Number.isNaN(signedAt)) return { ok: false, reason: `${TIMESTAMP} is not a timestamp` };
    if (Math.abs(now - signedAt) > toleranceMs) {
      return { ok: false, reason: `${TIMESTAMP} is outside the ${toleranceMs / 1000} s tolerance window` };
    }
    const signed = Buffer.concat([Buffer.from(timestamp), req.body]);
    return anyMatch(secrets, [signature], signed, 'base64')
      ? { ok: true }
      : { ok: false, reason: 'signature does not match' };
  },
  parse: parseJson,
  translate(payload, _req, mapping) {
    const out = translation();
    const m = mapping.zendesk;
    if (!m) return { ...out, unmapped: ['no zendesk section in the mapping file'] };
    if (!isObject(payload) || typeof payload.type !== 'string' || !payload.type.startsWith(PREFIX)) {
      return { ...out, unmapped: ['not a Zendesk event webhook: "type" is not zen:event-type:…'] };
    }
    const detail = isObject(payload.detail) ? payload.detail : {};
    const event = isObject(payload.event) ? payload.event : {};
    const ticket = idOf(detail.id);
    const id = idOf(payload.id);
    const at = typeof payload.time === 'string' ? payload.time : undefined;
    if (!ticket || !id || !at) return { ...out, unmapped: ['missing id, time or detail.id'] };
    const base = { ticketId: `${m.ticketIdPrefix}${ticket}`, at, ...actor(m, detail.actor_id), ...queueOf(m, detail) };
    const kind = payload.type.slice(PREFIX.length);
    // the same ids whether the change comes by webhook or by import (lib/adapters/vendors/zendesk.ts):
    // the ticket, the kind and the time to the second; a comment by its id
    const commentId = kind === 'ticket.comment_added' && isObject(event.comment) ? idOf(event.comment.id) : undefined;
    const key = `zendesk:${ticket}:${commentId ? `comment:${commentId}` : `${kind.slice('ticket.'.length)}:${toSecond(at)}`}`;
    let n = 0;
    const emit = (type: string, fields: Candidate = {}) =>
      out.events.push({ id: `${key}#${n++}`, type, ...base, ...fields });
    switch (kind) {
      case 'ticket.created':
        created(m, detail, emit, out);
        break;
      case 'ticket.priority_changed':
      case 'ticket.custom_field_changed':
        severityChanged(m, kind, event, emit, out);
        break;
      case 'ticket.status_changed':
        statusChanged(m, event, emit, out);
        break;
      case 'ticket.comment_added':
        comment(m, event, emit, out);
        break;
      case 'ticket.tags_changed':
        tagEvents(m.markers, asList(event.tags_added), asList(event.tags_removed), emit);
        break;
      case 'ticket.group_assignment_changed':
        group(m, event.current, emit, out);
        break;
      case 'ticket.agent_assignment_changed':
        agent(m, event.current, emit, out);
        break;
      default:
        out.ignored.push(`${kind}: no rule reads it`);
    }
    return out;
  },
};

const asList = (v: unknown): string[] => (Array.isArray(v) ? v.filter((t): t is string => typeof t === 'string') : []);
const upper = (v: unknown) => (typeof v === 'string' ? v.toUpperCase() : undefined);

/** The ticket's current group, by the mapping's name for it (`detail` is the ticket as it is now). */
function queueOf(m: ZendeskMapping, detail: Record<string, unknown>): Candidate {
  const group = idOf(detail.group_id);
  const queue = group ? m.queues[group] : undefined;
  return queue ? { queue } : {};
}

function actor(m: ZendeskMapping, userId: unknown): Candidate {
  return actorOf(m.users, idOf(userId));
}

function created(m: ZendeskMapping, detail: Record<string, unknown>, emit: Emit, out: Translation): void {
  const severity = m.severity.field === 'priority' ? severityOf(m.severity.values, detail.priority) : undefined;
  if (!severity) {
    out.unmapped.push(
      m.severity.field === 'priority'
        ? `priority ${JSON.stringify(detail.priority ?? null)} has no severity in the mapping`
        : 'the severity custom field is not in ticket.created; it arrives with custom_field_changed',
    );
    return;
  }
  const org = idOf(detail.organization_id);
  const tier = (org && m.organizations[org]) || m.defaultClientTier;
  if (!tier) {
    out.unmapped.push(
      `organization ${org ?? 'null'} has no client tier in the mapping and there is no defaultClientTier`,
    );
    return;
  }
  emit('ticket.created', { severity, client: { id: org ?? 'none', tier } });
  tagEvents(m.markers, asList(detail.tags), [], emit);
  group(m, detail.group_id, emit, out, true);
}

function severityChanged(
  m: ZendeskMapping,
  kind: string,
  event: Record<string, unknown>,
  emit: Emit,
  out: Translation,
): void {
  if (kind === 'ticket.custom_field_changed') {
    const field = idOf(isObject(event.custom_field) ? event.custom_field : event.field);
    if (`custom_field:${field}` !== m.severity.field) {
      out.ignored.push(`custom field ${field ?? '?'}: not the severity field`);
      return;
    }
  } else if (m.severity.field !== 'priority') {
    out.ignored.push('priority: severity comes from a custom field');
    return;
  }
  const severity = severityOf(m.severity.values, event.current);
  if (!severity) out.unmapped.push(`value ${JSON.stringify(event.current ?? null)} has no severity in the mapping`);
  else emit('severity.changed', { severity });
}

function statusChanged(m: ZendeskMapping, event: Record<string, unknown>, emit: Emit, out: Translation): void {
  const resolved = m.resolvedStatuses.map((s) => s.toUpperCase());
  const now = upper(event.current);
  const before = upper(event.previous);
  if (now && resolved.includes(now) && !(before && resolved.includes(before))) emit('ticket.resolved');
  else if (before && resolved.includes(before) && now && !resolved.includes(now)) emit('ticket.reopened');
  else out.ignored.push(`status ${before ?? '?'} -> ${now ?? '?'}: neither a resolution nor a reopening`);
}

function comment(m: ZendeskMapping, event: Record<string, unknown>, emit: Emit, out: Translation): void {
  const c = isObject(event.comment) ? event.comment : {};
  const author = isObject(c.author) ? c.author : {};
  if (c.is_public !== true) out.ignored.push('internal note: not a client update');
  else if (author.is_staff === false) out.ignored.push('comment by the requester: not a client update');
  else emit('client.update', { ...actor(m, author.id), ...statusAndEtr(c.body, m.updates) });
}

function group(m: ZendeskMapping, current: unknown, emit: Emit, out: Translation, quiet = false): void {
  const id = idOf(current);
  const tier = id ? m.groups[id] : undefined;
  if (tier === 'L2' || tier === 'L3') emit('escalated', { toTier: tier, channel: 'ticket_assignment' });
  else if (!quiet) out.ignored.push(`group ${id ?? 'none'}: not an L2 or L3 group`);
}

function agent(m: ZendeskMapping, current: unknown, emit: Emit, out: Translation): void {
  const id = idOf(current);
  const role = id ? m.users[id] : undefined;
  if (role === 'L2' || role === 'L3') emit('ownership.taken', { tier: role, actor: { id, role } });
  else out.ignored.push(`assignee ${id ?? 'none'}: not an L2 or L3 agent`);
}
