/**
 * PagerDuty Webhooks V3, as paging evidence: `incident.triggered`, `incident.escalated`,
 * `incident.reassigned` (a page to the tier behind the escalation policy or service) and
 * `incident.acknowledged` (that tier taking ownership). The incident names its helpdesk ticket.
 * Signature: `X-PagerDuty-Signature: v1=<hex>[,v1=<hex>…]` (several during secret rotation);
 * accepted when any matches. PagerDuty signs no timestamp. An event's id is its incident, type
 * and time to the second (`pagerduty:<incident>:<type>:<time>`): the import from the REST API's log
 * entries (lib/adapters/vendors/pagerduty.ts) makes the same ids, so the two paths dedupe.
 */
import type { PagerDutyMapping } from './mapping';
import { anyMatch, hmac } from './signature';
import { actorOf, idOf, isObject, parseJson, type Source, type Translation, toSecond, translation } from './types';

const SIGNATURE = 'x-pagerduty-signature';
const PAGES = new Set(['incident.triggered', 'incident.escalated', 'incident.reassigned']);

export const pagerduty: Source<Translation> = {
  name: 'pagerduty',
  keepHeaders: [SIGNATURE, 'x-webhook-id'],
  strict: false,
  sign: (body, secret) => ({ [SIGNATURE]: `v1=${hmac(secret, body, 'hex')}` }),
  verify(req, { secrets }) {
    const header = req.headers[SIGNATURE];
    if (!header) return { ok: false, reason: 'missing X-PagerDuty-Signature header' };
    const given = header
      .split(',')
      .map((s) => s.trim())
      .filter((s) => s.startsWith('v1='))
      .map((s) => s.slice(3));
    if (given.length === 0) return { ok: false, reason: 'X-PagerDuty-Signature has no v1= signature' };
    return anyMatch(secrets, given, req.body, 'hex')
      ? { ok: true }
      : { ok: false, reason: 'no X-PagerDuty-Signature matches the body' };
  },
  parse: parseJson,
  translate(payload, _req, mapping) {
    const out = translation();
    const m = mapping.pagerduty;
    if (!m) return { ...out, unmapped: ['no pagerduty section in the mapping file'] };
    const event = isObject(payload) && isObject(payload.event) ? payload.event : undefined;
    const type = event && typeof event.event_type === 'string' ? event.event_type : undefined;
    if (!event || !type) return { ...out, unmapped: ['not a PagerDuty V3 webhook: no event.event_type'] };
    if (!PAGES.has(type) && type !== 'incident.acknowledged') return { ...out, ignored: [`${type}: no rule reads it`] };
    const data = isObject(event.data) ? event.data : {};
    const id = idOf(event.id);
    const at = typeof event.occurred_at === 'string' ? event.occurred_at : undefined;
    if (!id || !at) return { ...out, unmapped: ['missing event.id or event.occurred_at'] };
    const ticketId = linkedTicket(m, data);
    if (!ticketId) {
      return { ...out, unmapped: [`incident ${idOf(data.id) ?? '?'} names no ticket in its ${m.ticketLink.field}`] };
    }
    const paging = m.escalationPolicies[idOf(data.escalation_policy) ?? ''] ?? m.services[idOf(data.service) ?? ''];
    if (!paging) {
      return {
        ...out,
        unmapped: [
          `escalation policy ${idOf(data.escalation_policy) ?? '?'} and service ${idOf(data.service) ?? '?'} are not in the mapping`,
        ],
      };
    }
    const incident = idOf(data.id);
    const base = {
      // the same id whether the event comes by webhook or by import (its log entry's time)
      id: incident ? `pagerduty:${incident}:${type}:${toSecond(at)}` : `pagerduty:${id}#0`,
      ticketId,
      at,
      ...actorOf(m.users, idOf(event.agent)),
      ...(incident ? { incident: { system: 'pagerduty', id: incident } } : {}),
    };
    if (PAGES.has(type)) out.events.push({ ...base, type: 'escalated', toTier: paging.tier, channel: paging.channel });
    else if (m.acknowledgementIsOwnership) out.events.push({ ...base, type: 'ownership.taken', tier: paging.tier });
    else out.ignored.push('acknowledgement: not counted as ownership (acknowledgementIsOwnership: false)');
    return out;
  },
};

function linkedTicket(m: PagerDutyMapping, data: Record<string, unknown>): string | undefined {
  const text = data[m.ticketLink.field];
  if (typeof text !== 'string') return undefined;
  return new RegExp(m.ticketLink.pattern).exec(text)?.[1];
}
