/**
 * Declarative sources (lib/sources/custom.ts): the example mapping's Freshdesk and Opsgenie
 * sources on payloads shaped like the vendors' documented ones (and on the vendors' published
 * examples where the workspace has them), the signature schemes, and the errors that name what
 * is wrong.
 */
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadMappingFile } from '../../../cli/config';
import { CanonicalEvent } from '../../../lib/events/schema';
import { sourceOf } from '../../../lib/sources';
import { parseMapping } from '../../../lib/sources/mapping';
import { parseSecrets } from '../../../lib/sources/secrets';
import type { CustomSourceId, Source, WebhookRequest } from '../../../lib/sources/types';

const EXAMPLE = join(import.meta.dirname, '../../../examples/mapping.yaml');
const NOW = Date.parse('2026-03-02T10:00:00Z');
const mapping = await loadMappingFile(EXAMPLE);
const source = (id: CustomSourceId, m = mapping) => sourceOf(id, m) as Source;
const req = (body: unknown, headers: Record<string, string> = {}): WebhookRequest => ({
  headers,
  body: Buffer.from(typeof body === 'string' ? body : JSON.stringify(body)),
  receivedAt: NOW,
});
const translate = async (id: CustomSourceId, payload: unknown, m = mapping) =>
  source(id, m).translate(payload, req(payload), m);

// shaped like Freshdesk's webhook template (automation rule, "Trigger webhook", JSON content)
const freshdesk = (triggered: string, over: Record<string, string> = {}) => ({
  freshdesk_webhook: {
    triggered_event: triggered,
    ticket_id: '4021',
    ticket_status: 'Open',
    ticket_priority: 'Urgent',
    ticket_company: 'Acme',
    ...over,
  },
});
// shaped like Opsgenie's webhook integration body
const opsgenie = (action: string, alert: Record<string, unknown> = {}) => ({
  action,
  alert: {
    alertId: '7d1f0b7c-2a4e-4c55-9d8e-3b8f3c1d0a11',
    alias: 'FD-4021',
    message: 'Checkout down',
    username: 'ana@example.com',
    createdAt: NOW,
    updatedAt: (NOW + 60_000) * 1_000_000,
    ...alert,
  },
  source: { name: 'web', type: 'API' },
  integrationName: 'escalation-auditor',
});

describe('the example mapping: Freshdesk', () => {
  it('turns a created ticket into ticket.created at the receipt time, severity and client from the payload', async () => {
    const t = await translate('custom:freshdesk', freshdesk('{ticket_action:created}'));
    expect(t.unmapped).toEqual([]);
    expect(t.events).toEqual([
      {
        type: 'ticket.created',
        id: 'freshdesk:4021:created',
        ticketId: 'FD-4021',
        at: new Date(NOW).toISOString(),
        severity: 'P0',
        client: { id: 'Acme', tier: 'enterprise' },
      },
    ]);
    for (const e of t.events) expect(CanonicalEvent.safeParse(e).success).toBe(true);
  });

  it('reads a priority change, a resolution, and ignores what no rule reads', async () => {
    const priority = await translate(
      'custom:freshdesk',
      freshdesk('{priority:{from:4,to:3}}', { ticket_priority: 'High' }),
    );
    expect(priority.events).toMatchObject([{ type: 'severity.changed', severity: 'P1', ticketId: 'FD-4021' }]);
    const resolved = await translate(
      'custom:freshdesk',
      freshdesk('{status:{from:2,to:4}}', { ticket_status: 'Resolved' }),
    );
    expect(resolved.events).toMatchObject([{ type: 'ticket.resolved', ticketId: 'FD-4021' }]);
    const note = await translate('custom:freshdesk', freshdesk('{note_type:private}'));
    expect(note).toEqual({ events: [], unmapped: [], ignored: ['no event rule of this source matches the payload'] });
  });

  it('a ticket without a company is a standard client', async () => {
    const t = await translate('custom:freshdesk', freshdesk('{ticket_action:created}', { ticket_company: '' }));
    expect(t.events[0]).toMatchObject({ client: { id: 'unknown', tier: 'standard' } });
  });
});

describe('the example mapping: Opsgenie', () => {
  it('an alert created pages L2 for the ticket its alias names; its acknowledgement is L2 taking ownership', async () => {
    const created = await translate('custom:opsgenie', opsgenie('Create'));
    expect(created.events).toEqual([
      {
        type: 'escalated',
        id: 'opsgenie:7d1f0b7c-2a4e-4c55-9d8e-3b8f3c1d0a11:create',
        ticketId: 'FD-4021',
        at: new Date(NOW).toISOString(),
        toTier: 'L2',
        channel: 'page',
        incident: { system: 'opsgenie', id: '7d1f0b7c-2a4e-4c55-9d8e-3b8f3c1d0a11' },
      },
    ]);
    const acknowledged = await translate('custom:opsgenie', opsgenie('Acknowledge'));
    // updatedAt is in nanoseconds
    expect(acknowledged.events).toMatchObject([
      {
        type: 'ownership.taken',
        tier: 'L2',
        at: new Date(NOW + 60_000).toISOString(),
        actor: { id: 'ana@example.com' },
      },
    ]);
    for (const e of [...created.events, ...acknowledged.events]) expect(CanonicalEvent.safeParse(e).success).toBe(true);
  });
});

describe("the vendors' published examples (../shared/fixtures/webhooks)", () => {
  const fixtures = join(import.meta.dirname, '../../../../shared/fixtures/webhooks');
  const present = existsSync(join(fixtures, 'opsgenie-Create.json'));
  it.skipIf(!present).each([
    ['custom:freshdesk', 'freshdesk-ticket_created.json', 'ticket.created'],
    ['custom:freshdesk', 'freshdesk-ticket_updated-priority.json', 'severity.changed'],
    ['custom:opsgenie', 'opsgenie-Create.json', 'escalated'],
    ['custom:opsgenie', 'opsgenie-Acknowledge.json', 'ownership.taken'],
  ] as const)('%s reads %s as %s', async (id, file, type) => {
    const body = readFileSync(join(fixtures, file), 'utf8');
    const parsed = source(id).parse(body);
    if (!parsed.ok) throw new Error(parsed.error);
    const t = await translate(id, parsed.payload);
    expect(t.events.map((e) => (e as { type: string }).type)).toEqual([type]);
    for (const e of t.events) expect(CanonicalEvent.safeParse(e).error?.issues ?? []).toEqual([]);
  });
});

describe('signature schemes', () => {
  const custom = (signature: Record<string, unknown>) =>
    parseMapping(
      JSON.stringify({
        custom: {
          tool: { signature, events: [{ type: 'ticket.resolved', fields: { id: 'id', ticketId: 't', at: 'at' } }] },
        },
      }),
    );
  const verify = (m: ReturnType<typeof custom>, r: WebhookRequest, secrets = ['s3cret'], now = NOW) =>
    source('custom:tool', m).verify(r, { secrets, now, toleranceMs: 0 });

  it('token: the secret after the prefix, any of several during a rotation; never archived', () => {
    const m = custom({ scheme: 'token', header: 'Authorization', prefix: 'Bearer ' });
    const body = '{}';
    expect(verify(m, req(body, { authorization: 'Bearer s3cret' }), ['old', 's3cret'])).toEqual({ ok: true });
    expect(verify(m, req(body, { authorization: 'Bearer wrong' }))).toEqual({
      ok: false,
      reason: 'authorization is not a known token',
    });
    expect(verify(m, req(body, { authorization: 's3cret' }))).toMatchObject({ ok: false, reason: /must start with/ });
    expect(verify(m, req(body))).toEqual({ ok: false, reason: 'missing authorization header' });
    expect(source('custom:tool', m).keepHeaders).toEqual([]);
  });

  it('hmac-sha256 over timestamp and body, base64, within its tolerance', () => {
    const m = custom({
      scheme: 'hmac-sha256',
      header: 'X-Tool-Signature',
      encoding: 'base64',
      timestampHeader: 'X-Tool-Timestamp',
      signed: 'timestamp.body',
      toleranceSeconds: 60,
    });
    const s = source('custom:tool', m);
    const body = Buffer.from('{"a":1}');
    const headers = s.sign(body, 's3cret', NOW);
    expect(Object.keys(headers).sort()).toEqual(['x-tool-signature', 'x-tool-timestamp']);
    const signed = { headers, body, receivedAt: NOW };
    expect(verify(m, signed)).toEqual({ ok: true });
    expect(verify(m, { ...signed, body: Buffer.from('{"a":2}') })).toMatchObject({
      ok: false,
      reason: /does not match/,
    });
    expect(verify(m, signed, ['s3cret'], NOW + 61_000)).toMatchObject({ ok: false, reason: /more than 60 s from now/ });
    expect(s.keepHeaders).toEqual(['x-tool-signature', 'x-tool-timestamp']);
  });

  it('hmac-sha256 hex over the body, with a prefix', () => {
    const m = custom({ scheme: 'hmac-sha256', header: 'X-Sig', prefix: 'sha256=' });
    const s = source('custom:tool', m);
    const body = Buffer.from('{}');
    const headers = s.sign(body, 's3cret', NOW);
    expect(headers['x-sig']).toMatch(/^sha256=[0-9a-f]{64}$/);
    expect(verify(m, { headers, body, receivedAt: NOW })).toEqual({ ok: true });
  });
});

describe('mistakes, named', () => {
  it('a JSONata expression that does not parse is refused when the mapping is read, with its place', () => {
    expect(() =>
      parseMapping(
        JSON.stringify({
          custom: {
            tool: {
              signature: { scheme: 'token', header: 'X-Token' },
              events: [{ type: 'ticket.resolved', fields: { id: '"a" &', ticketId: 't', at: 'at' } }],
            },
          },
        }),
      ),
    ).toThrow(/custom\.tool\.events\.0\.fields\.id: not a JSONata expression/);
  });

  it('an unknown event type, field name or scheme is refused', () => {
    const parse = (tool: unknown) => () => parseMapping(JSON.stringify({ custom: { tool } }));
    const signature = { scheme: 'token', header: 'X-Token' };
    expect(parse({ signature, events: [{ type: 'ticket.closed', fields: {} }] })).toThrow(
      /custom\.tool\.events\.0\.type/,
    );
    expect(parse({ signature, events: [{ type: 'ticket.resolved', fields: { 'a.b.c': 'x' } }] })).toThrow(
      /custom\.tool\.events\.0\.fields/,
    );
    expect(parse({ signature: { scheme: 'basic' }, events: [{ type: 'ticket.resolved', fields: {} }] })).toThrow(
      /custom\.tool\.signature/,
    );
  });

  it('an expression that fails on a payload is reported unmapped with the rule named; other rules still apply', async () => {
    const m = parseMapping(
      JSON.stringify({
        custom: {
          tool: {
            signature: { scheme: 'token', header: 'X-Token' },
            events: [
              { type: 'ticket.resolved', fields: { id: '$error("no id here")', ticketId: 't', at: 'at' } },
              { type: 'tag.added', fields: { id: '"x"', ticketId: 't', at: 'at', tag: 'tag' } },
            ],
          },
        },
      }),
    );
    const t = await translate('custom:tool', { t: 'T-1', at: '2026-03-02T10:00:00Z', tag: 'vip' }, m);
    expect(t.unmapped).toEqual(['events[0] (ticket.resolved): no id here']);
    expect(t.events).toEqual([{ type: 'tag.added', id: 'x', ticketId: 'T-1', at: '2026-03-02T10:00:00Z', tag: 'vip' }]);
  });

  it('secrets for custom sources live under custom.<name>', () => {
    expect(parseSecrets('{"zendesk": "z", "custom": {"freshdesk": ["new", "old"]}}')).toEqual({
      zendesk: ['z'],
      'custom:freshdesk': ['new', 'old'],
    });
    expect(() => parseSecrets('{"custom": {"Fresh Desk": "x"}}')).toThrow(/custom/);
  });
});
