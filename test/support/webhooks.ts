/** Builds signed webhook requests the way each vendor signs them. */
import { SOURCES } from '../../lib/sources';
import type { SourceName, WebhookRequest } from '../../lib/sources/types';

export const SECRET = 'test-secret';

/** Signs a payload (an object, text, or raw bytes) as the source's vendor does. */
export function signed(
  source: SourceName,
  payload: unknown,
  opts: { secret?: string; now?: number; headers?: Record<string, string> } = {},
): { headers: Record<string, string>; body: string } {
  const bytes = Buffer.isBuffer(payload)
    ? payload
    : Buffer.from(typeof payload === 'string' ? payload : JSON.stringify(payload));
  const headers: Record<string, string> = {
    'content-type': 'application/json',
    ...opts.headers,
    ...SOURCES[source].sign(bytes, opts.secret ?? SECRET, opts.now ?? Date.now()),
  };
  return { headers, body: bytes.toString() };
}

export function request(
  source: Parameters<typeof signed>[0],
  payload: unknown,
  opts: Parameters<typeof signed>[2] = {},
): WebhookRequest {
  const { headers, body } = signed(source, payload, opts);
  return { headers, body: Buffer.from(body), receivedAt: opts.now ?? Date.now() };
}

// Payloads shaped like the vendors' documented examples (ids are strings, some values null).
export function zendeskEvent(
  type: string,
  detail: Record<string, unknown> = {},
  event: Record<string, unknown> = {},
  id = 'c0ffee00-0000-4000-8000-000000000001',
) {
  return {
    account_id: 22129848,
    detail: {
      actor_id: '9001',
      assignee_id: null,
      created_at: '2026-03-02T10:00:00Z',
      description: 'Checkout is down for everyone',
      group_id: '100',
      id: '5158',
      is_public: true,
      organization_id: '700',
      priority: 'URGENT',
      requester_id: '8000',
      status: 'NEW',
      subject: 'Checkout down',
      tags: null,
      type: 'INCIDENT',
      updated_at: '2026-03-02T10:00:00Z',
      via: { channel: 'web_service' },
      ...detail,
    },
    event,
    id,
    subject: 'zen:ticket:5158',
    time: '2026-03-02T10:00:00.105316520Z',
    type: `zen:event-type:${type}`,
    zendesk_event_version: '2022-11-06',
  };
}

export function jiraEvent(
  webhookEvent: string,
  extra: Record<string, unknown> = {},
  fields: Record<string, unknown> = {},
) {
  return {
    timestamp: 1772445600000, // 2026-03-02T10:00:00Z
    webhookEvent,
    issue_event_type_name: 'issue_generic',
    user: { accountId: '5a1b0e47748e770ed11f338c', accountType: 'atlassian', displayName: 'Ana' },
    issue: {
      id: '99291',
      key: 'SUP-42',
      fields: {
        summary: 'Reports fail to load',
        priority: { name: 'High', id: '2' },
        labels: [],
        customfield_10002: [{ name: 'Acme' }],
        customfield_10001: { value: 'Support L1' },
        ...fields,
      },
    },
    ...extra,
  };
}

export function pagerDutyEvent(type: string, data: Record<string, unknown> = {}, id = '01GI0JWUU28G8XE5M6IIT4BZ39') {
  return {
    event: {
      id,
      event_type: type,
      resource_type: 'incident',
      occurred_at: '2026-03-02T10:03:00.642Z',
      agent: { id: 'PXRUEF2', type: 'user_reference', summary: 'On-call L2' },
      client: null,
      data: {
        id: 'Q3B15VLMF3ASBD',
        type: 'incident',
        number: 5,
        status: 'triggered',
        incident_key: 'd387d7bd2e0a4294a5307339dfe1669a',
        title: 'ZD-5158: Checkout API down',
        service: { id: 'PLVTM9H', type: 'service_reference', summary: 'Checkout' },
        assignees: [{ id: 'PXRUEF2', type: 'user_reference' }],
        escalation_policy: { id: 'P1EUYO0', type: 'escalation_policy_reference', summary: 'L2 on-call' },
        teams: [],
        priority: null,
        urgency: 'high',
        ...data,
      },
    },
  };
}
