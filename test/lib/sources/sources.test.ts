import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { SOURCES } from '../../../lib/sources';
import { cachedSecrets } from '../../../lib/sources/secrets';
import type { SourceName, WebhookRequest } from '../../../lib/sources/types';
import { MAPPING } from '../../support/mapping';
import { jiraEvent, pagerDutyEvent, request, SECRET, zendeskEvent } from '../../support/webhooks';

const NOW = Date.parse('2026-03-02T10:00:01Z');
const verify = (source: SourceName, req: WebhookRequest, secrets = [SECRET], now = NOW) =>
  SOURCES[source].verify(req, { secrets, now, toleranceMs: 300_000 });
const translate = (source: SourceName, payload: unknown, headers: Record<string, string> = {}) =>
  SOURCES[source].translate(payload, { headers, body: Buffer.from(''), receivedAt: NOW }, MAPPING);
const brief = (events: unknown[]) => (events as Record<string, unknown>[]).map(({ id, ticketId, at, ...rest }) => rest);

describe('signatures', () => {
  it.each(['canonical', 'zendesk', 'jira', 'pagerduty'] as const)(
    '%s: accepts its own signature, refuses others',
    (source) => {
      const req = request(source, { hello: 'world' }, { now: NOW });
      expect(verify(source, req)).toEqual({ ok: true });
      expect(verify(source, req, ['another-secret']).ok).toBe(false);
      expect(verify(source, { ...req, body: Buffer.from('{"hello":"World"}') }).ok).toBe(false);
      expect(verify(source, { ...req, headers: {} })).toMatchObject({
        ok: false,
        reason: expect.stringMatching(/missing/),
      });
    },
  );

  it.each([
    ['canonical', 'x-signature', 'sha256='],
    ['jira', 'x-hub-signature', 'sha256='],
    ['pagerduty', 'x-pagerduty-signature', 'v1='],
  ] as const)(
    '%s: reads a hex signature in any case, and refuses one that is not a digest',
    (source, header, prefix) => {
      const req = request(source, { hello: 'world' }, { now: NOW });
      const hex = (req.headers[header] as string).slice(prefix.length);
      const as = (sig: string) => ({ ...req, headers: { [header]: `${prefix}${sig}` } });
      expect(verify(source, as(hex.toUpperCase()))).toEqual({ ok: true });
      expect(verify(source, as(`${hex.slice(0, 10)}${hex.slice(10).toUpperCase()}`))).toEqual({ ok: true });
      expect(verify(source, as(`${hex}0`)).ok).toBe(false);
      expect(verify(source, as(hex.slice(0, 63))).ok).toBe(false);
      expect(verify(source, as(`${hex.slice(0, 62)}zz`)).ok).toBe(false);
    },
  );

  it('accepts any of several secrets during a rotation', () => {
    const req = request('jira', { a: 1 }, { secret: 'old' });
    expect(verify('jira', req, ['new', 'old'])).toEqual({ ok: true });
  });

  it('pagerduty: accepts when any of several v1 signatures matches', () => {
    const req = request('pagerduty', { a: 1 });
    const mine = req.headers['x-pagerduty-signature'] as string;
    const rotated = { ...req, headers: { 'x-pagerduty-signature': `v1=${'0'.repeat(64)}, ${mine}` } };
    expect(verify('pagerduty', rotated)).toEqual({ ok: true });
    expect(verify('pagerduty', { ...req, headers: { 'x-pagerduty-signature': `v0=${mine.slice(3)}` } }).ok).toBe(false);
  });

  it('zendesk: refuses a timestamp outside the tolerance window, either way', () => {
    const stale = request('zendesk', { a: 1 }, { now: NOW - 301_000 });
    expect(verify('zendesk', stale)).toMatchObject({ ok: false, reason: expect.stringMatching(/tolerance/) });
    const future = request('zendesk', { a: 1 }, { now: NOW + 301_000 });
    expect(verify('zendesk', future).ok).toBe(false);
    expect(verify('zendesk', request('zendesk', { a: 1 }, { now: NOW - 299_000 }))).toEqual({ ok: true });
  });

  it('jira: refuses a method other than sha256', () => {
    const req = request('jira', { a: 1 });
    const sha1 = {
      ...req,
      headers: { 'x-hub-signature': `sha1=${(req.headers['x-hub-signature'] as string).slice(7)}` },
    };
    expect(verify('jira', sha1).ok).toBe(false);
  });

  // The vendors' own published vectors, where the workspace has them (../shared/fixtures/webhooks).
  const vectors = join(import.meta.dirname, '../../../../shared/fixtures/webhooks');
  const vector = (name: string) => JSON.parse(readFileSync(join(vectors, name), 'utf8'));
  const lower = (h: Record<string, string>) =>
    Object.fromEntries(Object.entries(h).map(([k, v]) => [k.toLowerCase(), v]));
  it.skipIf(!existsSync(vectors))('matches the vendors’ published signature vectors', () => {
    const jira = vector('jira-signature-testvector.json');
    expect(
      verify('jira', { headers: lower(jira.headers), body: Buffer.from(jira.raw_body), receivedAt: NOW }, [
        jira.secret,
      ]),
    ).toEqual({ ok: true });
    const pd = vector('pagerduty-signature-testvector.json');
    const body = Buffer.from(pd.raw_body);
    expect(verify('pagerduty', { headers: lower(pd.headers_valid), body, receivedAt: NOW }, [pd.secret])).toEqual({
      ok: true,
    });
    expect(verify('pagerduty', { headers: lower(pd.headers_mismatch), body, receivedAt: NOW }, [pd.secret]).ok).toBe(
      false,
    );
    const zd = vector('zendesk-signature-derived-vector.json');
    const signedAt = Date.parse(zd.headers['X-Zendesk-Webhook-Signature-Timestamp']);
    const req = { headers: lower(zd.headers), body: Buffer.from(zd.raw_body), receivedAt: signedAt };
    expect(verify('zendesk', req, [zd.secret], signedAt)).toEqual({ ok: true });
  });
});

describe('canonical', () => {
  const parse = SOURCES.canonical.parse;
  it('reads one event, a JSON array or NDJSON', () => {
    expect(parse('{"id":"a"}')).toEqual({ ok: true, payload: [{ id: 'a' }] });
    expect(parse('[{"id":"a"},{"id":"b"}]')).toEqual({ ok: true, payload: [{ id: 'a' }, { id: 'b' }] });
    expect(parse('{"id":"a"}\n\n{"id":"b"}\n')).toEqual({ ok: true, payload: [{ id: 'a' }, { id: 'b' }] });
  });
  it('names the line that is not JSON', () => {
    expect(parse('{"id":"a"}\n{"id":')).toMatchObject({
      ok: false,
      error: expect.stringMatching(/^line 2: not valid JSON/),
    });
    expect(parse('  ')).toMatchObject({ ok: false, error: expect.stringMatching(/^body: empty/) });
  });
});

describe('zendesk translation', () => {
  it('ticket.created: severity from priority, tier from organization, tags, marker tags and an L2 group', () => {
    const t = translate('zendesk', zendeskEvent('ticket.created', { tags: ['vip', 'incident-form'], group_id: '200' }));
    expect(t.unmapped).toEqual([]);
    expect(t.events).toEqual([
      {
        id: 'zendesk:5158:created:2026-03-02T10:00:00Z#0',
        ticketId: 'ZD-5158',
        at: '2026-03-02T10:00:00.105316520Z',
        actor: { id: '9001', role: 'L1' },
        type: 'ticket.created',
        severity: 'P1',
        client: { id: '700', tier: 'enterprise' },
      },
      expect.objectContaining({ id: 'zendesk:5158:created:2026-03-02T10:00:00Z#1', type: 'tag.added', tag: 'vip' }),
      expect.objectContaining({ type: 'tag.added', tag: 'incident-form' }),
      expect.objectContaining({ type: 'incident_form.created' }),
      expect.objectContaining({ type: 'escalated', toTier: 'L2', channel: 'ticket_assignment' }),
    ]);
  });

  it("names the queue by the ticket's current group when the mapping lists it", () => {
    const mapping = {
      ...MAPPING,
      zendesk: { ...(MAPPING.zendesk as NonNullable<typeof MAPPING.zendesk>), queues: { '200': 'Platform L2' } },
    };
    const at = (group: string) =>
      SOURCES.zendesk.translate(
        zendeskEvent(
          'ticket.comment_added',
          { group_id: group },
          { comment: { is_public: true, author: { id: '9002', is_staff: true }, body: 'x' } },
        ),
        { headers: {}, body: Buffer.from(''), receivedAt: NOW },
        mapping,
      ).events;
    expect(at('200')).toEqual([expect.objectContaining({ type: 'client.update', queue: 'Platform L2' })]);
    expect(at('100')[0]).not.toHaveProperty('queue');
  });

  it('reports what it cannot map instead of guessing: a null priority, an unknown organization', () => {
    const nullPriority = translate('zendesk', zendeskEvent('ticket.created', { priority: null }));
    expect(nullPriority.events).toEqual([]);
    expect(nullPriority.unmapped).toEqual(['priority null has no severity in the mapping']);
    const unknownOrg = translate('zendesk', zendeskEvent('ticket.created', { organization_id: null }));
    expect(unknownOrg.unmapped[0]).toMatch(/organization null has no client tier/);
  });

  it('status, priority, comments, tags, group and agent changes', () => {
    expect(
      brief(
        translate('zendesk', zendeskEvent('ticket.status_changed', {}, { previous: 'OPEN', current: 'SOLVED' })).events,
      ),
    ).toEqual([{ type: 'ticket.resolved', actor: { id: '9001', role: 'L1' } }]);
    expect(
      brief(
        translate('zendesk', zendeskEvent('ticket.status_changed', {}, { previous: 'SOLVED', current: 'OPEN' })).events,
      )[0],
    ).toMatchObject({ type: 'ticket.reopened' });
    expect(
      translate('zendesk', zendeskEvent('ticket.status_changed', {}, { previous: 'NEW', current: 'OPEN' })).ignored,
    ).toHaveLength(1);
    expect(
      brief(
        translate('zendesk', zendeskEvent('ticket.priority_changed', {}, { previous: 'HIGH', current: 'URGENT' }))
          .events,
      )[0],
    ).toMatchObject({ type: 'severity.changed', severity: 'P1' });
    const comment = (is_public: boolean, author = '9004') =>
      translate(
        'zendesk',
        zendeskEvent(
          'ticket.comment_added',
          {},
          {
            comment: {
              id: '1',
              is_public,
              author: { id: author, is_staff: true },
              body: 'Hello\nStatus: Mitigating the outage\nETR: 2026-03-02T14:00:00Z\nThanks',
            },
          },
        ),
      );
    expect(brief(comment(true).events)).toEqual([
      {
        type: 'client.update',
        actor: { id: '9004', role: 'CSM' },
        status: 'Mitigating the outage',
        etr: '2026-03-02T14:00:00Z',
      },
    ]);
    expect(comment(false).events).toEqual([]);
    expect(
      brief(
        translate(
          'zendesk',
          zendeskEvent('ticket.tags_changed', {}, { tags_added: ['Escalate-L2'], tags_removed: ['vip'] }),
        ).events,
      ),
    ).toEqual([
      { type: 'tag.added', tag: 'Escalate-L2', actor: { id: '9001', role: 'L1' } },
      { type: 'tag.removed', tag: 'vip', actor: { id: '9001', role: 'L1' } },
    ]);
    expect(
      brief(
        translate('zendesk', zendeskEvent('ticket.group_assignment_changed', {}, { previous: '100', current: '300' }))
          .events,
      )[0],
    ).toMatchObject({ type: 'escalated', toTier: 'L3', channel: 'ticket_assignment' });
    expect(
      brief(translate('zendesk', zendeskEvent('ticket.agent_assignment_changed', {}, { current: '9003' })).events)[0],
    ).toMatchObject({ type: 'ownership.taken', tier: 'L3' });
    expect(translate('zendesk', zendeskEvent('ticket.subject_changed')).ignored).toEqual([
      'ticket.subject_changed: no rule reads it',
    ]);
  });

  it('gives a redelivery the same ids', () => {
    const payload = zendeskEvent('ticket.tags_changed', {}, { tags_added: ['a', 'b'] });
    expect(translate('zendesk', payload).events).toEqual(translate('zendesk', structuredClone(payload)).events);
  });

  it('is unmapped without a zendesk section, or for a payload that is not an event webhook', () => {
    expect(
      SOURCES.zendesk.translate(
        zendeskEvent('ticket.created'),
        { headers: {}, body: Buffer.from(''), receivedAt: NOW },
        {},
      ).unmapped,
    ).toEqual(['no zendesk section in the mapping file']);
    expect(translate('zendesk', { ticket: { id: 1 } }).unmapped[0]).toMatch(/not a Zendesk event webhook/);
  });
});

describe('jira translation', () => {
  const headers = { 'x-atlassian-webhook-identifier': 'wh-1' };
  it('issue created: severity from the priority, tier from the JSM organization', () => {
    const t = translate('jira', jiraEvent('jira:issue_created'), headers);
    expect(t.events).toEqual([
      {
        id: 'jira:SUP-42:created#0',
        ticketId: 'SUP-42',
        at: '2026-03-02T10:00:00.000Z',
        actor: { id: '5a1b0e47748e770ed11f338c', role: 'CSM' },
        type: 'ticket.created',
        severity: 'P1',
        client: { id: 'Acme', tier: 'enterprise' },
      },
    ]);
  });

  it("names the queue from the mapping's queue field", () => {
    const mapping = {
      ...MAPPING,
      jira: { ...(MAPPING.jira as NonNullable<typeof MAPPING.jira>), queueField: 'project' },
    };
    const r = SOURCES.jira.translate(
      jiraEvent('jira:issue_created', {}, { project: { key: 'SUP', name: 'Customer Support' } }),
      { headers, body: Buffer.from(''), receivedAt: NOW },
      mapping,
    );
    expect(r.events).toEqual([expect.objectContaining({ type: 'ticket.created', queue: 'Customer Support' })]);
  });

  it('issue updated: reads the changelog', () => {
    const changelog = {
      id: 10124,
      items: [
        { field: 'priority', fieldtype: 'jira', from: '3', fromString: 'Medium', to: '1', toString: 'Highest' },
        {
          field: 'labels',
          fieldtype: 'jira',
          from: null,
          fromString: 'ui',
          to: null,
          toString: 'Escalate-L2 ui troubleshooting-documented',
        },
        {
          field: 'customfield_10001',
          fieldtype: 'custom',
          from: null,
          fromString: 'Support L1',
          to: null,
          toString: 'Support L2',
        },
        { field: 'assignee', fieldtype: 'jira', from: null, fromString: null, to: 'l3-account', toString: 'Kim' },
        { field: 'status', fieldtype: 'jira', from: '1', fromString: 'In Progress', to: '2', toString: 'Done' },
        { field: 'summary', fieldtype: 'jira', from: null, fromString: 'a', to: null, toString: 'b' },
      ],
    };
    const t = translate('jira', jiraEvent('jira:issue_updated', { changelog }), headers);
    expect(brief(t.events).map((e) => e.type)).toEqual([
      'severity.changed',
      'tag.added',
      'tag.added',
      'troubleshooting.documented',
      'escalated',
      'ownership.taken',
      'ticket.resolved',
    ]);
    expect(t.events.map((e) => (e as { id: string }).id)).toEqual(
      Array.from({ length: 7 }, (_, i) => `jira:SUP-42:changelog:10124#${i}`),
    );
    expect(t.ignored).toEqual(['summary: no rule reads it']);
  });

  it("comments: public ones are client updates; internal ones and the customer's own are not", () => {
    const comment = (jsdPublic: boolean, accountType = 'atlassian') => ({
      comment: {
        id: '1',
        author: { accountId: '5a1b0e47748e770ed11f338c', accountType },
        body: 'Status: fixed\nETR: 2026-03-02T12:00:00Z',
        jsdPublic,
      },
    });
    expect(brief(translate('jira', jiraEvent('comment_created', comment(true)), headers).events)).toEqual([
      {
        type: 'client.update',
        actor: { id: '5a1b0e47748e770ed11f338c', role: 'CSM' },
        status: 'fixed',
        etr: '2026-03-02T12:00:00Z',
      },
    ]);
    expect(translate('jira', jiraEvent('comment_created', comment(false)), headers).events).toEqual([]);
    const customer = translate('jira', jiraEvent('comment_created', comment(true, 'customer')), headers);
    expect(customer.events).toEqual([]);
    expect(customer.ignored).toEqual(['comment by the customer: not a client update']);
  });

  it('an unmapped priority is reported', () => {
    const t = translate('jira', jiraEvent('jira:issue_created', {}, { priority: { name: 'Minor' } }), headers);
    expect(t.unmapped).toEqual(['priority "Minor" has no severity in the mapping']);
  });
});

describe('pagerduty translation', () => {
  it('a trigger or escalation pages the tier behind the escalation policy', () => {
    expect(brief(translate('pagerduty', pagerDutyEvent('incident.triggered')).events)).toEqual([
      {
        type: 'escalated',
        toTier: 'L2',
        channel: 'page',
        actor: { id: 'PXRUEF2' },
        // the incident it comes from, for the population check
        incident: { system: 'pagerduty', id: expect.any(String) },
      },
    ]);
    const l3 = translate('pagerduty', pagerDutyEvent('incident.escalated', { escalation_policy: { id: 'PL3' } }));
    expect(l3.events[0]).toMatchObject({
      id: 'pagerduty:Q3B15VLMF3ASBD:incident.escalated:2026-03-02T10:03:00Z',
      ticketId: 'ZD-5158',
      at: '2026-03-02T10:03:00.642Z',
      toTier: 'L3',
      channel: 'incident_system',
    });
  });

  it('an acknowledgement is ownership; a resolution is not read', () => {
    expect(brief(translate('pagerduty', pagerDutyEvent('incident.acknowledged')).events)[0]).toMatchObject({
      type: 'ownership.taken',
      tier: 'L2',
    });
    expect(translate('pagerduty', pagerDutyEvent('incident.resolved')).ignored).toEqual([
      'incident.resolved: no rule reads it',
    ]);
  });

  it('reports an incident that names no ticket or an unknown escalation policy', () => {
    expect(translate('pagerduty', pagerDutyEvent('incident.triggered', { title: 'Disk full' })).unmapped[0]).toMatch(
      /names no ticket/,
    );
    expect(
      translate(
        'pagerduty',
        pagerDutyEvent('incident.triggered', { escalation_policy: { id: 'PX' }, service: { id: 'SX' } }),
      ).unmapped[0],
    ).toMatch(/not in the mapping/);
  });
});

describe('signing secrets read while running', () => {
  it('does not keep a failed read: the next request reads again', async () => {
    let calls = 0;
    const source = cachedSecrets(async () => {
      calls++;
      if (calls === 1) throw new Error('SSM throttled');
      return { jira: ['s'] };
    });
    await expect(source.current()).rejects.toThrow('SSM throttled');
    expect(await source.current()).toEqual({ jira: ['s'] });
    expect(await source.current()).toEqual({ jira: ['s'] });
    expect(calls).toBe(2);
  });
});
