import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { request as httpRequest } from 'node:http';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadMappingFile } from '../../../cli/config';
import { MAX_BODY } from '../../../lib/app/limits';
import { SOURCES } from '../../../lib/sources';
import { cachedSecrets, parseSecrets, type Secrets } from '../../../lib/sources/secrets';
import { startApi, type TestApi } from '../../support/api';
import { dynalite, type Engine } from '../../support/dynamo';
import { jiraEvent, pagerDutyEvent, SECRET, signed, zendeskEvent } from '../../support/webhooks';

let engine: Engine;
let api: TestApi;
beforeAll(async () => {
  engine = await dynalite();
  api = await startApi(engine);
});
afterAll(async () => {
  await api.server.close();
  await engine.close();
});

const minutesAgo = (m: number) => new Date(Date.now() - m * 60_000).toISOString();
const created = (id: string, ticketId: string, at = minutesAgo(60)) => ({
  id,
  ticketId,
  type: 'ticket.created',
  at,
  severity: 'P1',
  client: { id: 'acme', tier: 'enterprise' },
});
const post = (source: string, payload: unknown, opts: Parameters<typeof signed>[2] = {}) => {
  const { headers, body } = signed(source as 'canonical', payload, opts);
  return api.post(`/webhooks/${source}`, body, headers);
};

describe('POST /webhooks/canonical', () => {
  it('stores a signed event once, and the ticket reads back with its obligations', async () => {
    const ev = created('c-1', 'T-1');
    expect(await post('canonical', ev)).toMatchObject({ status: 200, json: { accepted: 1, duplicates: 0 } });
    expect(await post('canonical', ev)).toMatchObject({ status: 200, json: { accepted: 0, duplicates: 1 } });
    const t = await api.get('/tickets/T-1');
    expect(t.status).toBe(200);
    expect(t.json.history).toEqual([ev]);
    expect((t.json.breaches as { rule: string }[]).map((b) => b.rule)).toContain('incident-form');
    expect((t.json.obligations as { explanation: string }[])[0]?.explanation).toMatch(
      /^no Incident Report Form filed by the/,
    );
  });

  it('takes a JSON array and NDJSON; arrival order does not matter', async () => {
    const events = [
      created('o-1', 'T-2', '2026-03-02T10:00:00Z'),
      { id: 'o-2', ticketId: 'T-2', type: 'incident_form.created', at: '2026-03-02T10:07:00Z' },
      { id: 'o-3', ticketId: 'T-2', type: 'ticket.resolved', at: '2026-03-02T10:20:00Z' },
    ];
    const same = events.map((e) => ({ ...e, id: `r${e.id}`, ticketId: 'T-3' }));
    expect((await post('canonical', events)).json.accepted).toBe(3);
    const reversed = [...same]
      .reverse()
      .map((e) => JSON.stringify(e))
      .join('\n');
    expect((await post('canonical', reversed)).json.accepted).toBe(3);
    const a = (await api.get('/tickets/T-2')).json;
    const b = (await api.get('/tickets/T-3')).json;
    const brief = (breaches: unknown) =>
      (breaches as { rule: string; dueAt: string; explanation: string }[]).map((x) => [x.rule, x.dueAt, x.explanation]);
    expect(brief(b.breaches)).toEqual(brief(a.breaches));
    expect(brief(a.breaches)).toContainEqual([
      'incident-form',
      '2026-03-02T10:05:00.000Z',
      'Incident Report Form filed 10:07, 2 min after the 10:05 deadline',
    ]);
    expect((b.history as { id: string }[]).map((e) => e.id)).toEqual(['ro-1', 'ro-2', 'ro-3']);
  });

  it('reports a different event under a known id as a conflict and keeps the first', async () => {
    const ev = created('k-1', 'T-4');
    await post('canonical', ev);
    const r = await post('canonical', { ...ev, severity: 'P3' });
    expect(r).toMatchObject({ status: 200, json: { accepted: 0, conflicts: ['k-1'] } });
    expect((await api.get('/tickets/T-4')).json.history).toEqual([ev]);
  });

  it('refuses an invalid event naming the field, and stores nothing of the request', async () => {
    const r = await post('canonical', [created('v-1', 'T-5'), { ...created('v-2', 'T-5'), at: 'yesterday' }]);
    expect(r.status).toBe(400);
    expect(r.json.issues).toEqual([expect.stringMatching(/^events\[1\]\.at: /)]);
    expect((await api.get('/tickets/T-5')).status).toBe(404);
    // every issue of an event names its field under the event, a value that is no object names the event
    const several = await post('canonical', [
      created('v-3', 'T-5'),
      7,
      { ...created('v-4', 'T-5'), severity: 'P9', at: 'x' },
    ]);
    expect(several.json.issues).toEqual([
      expect.stringMatching(/^events\[1\]: Invalid input: expected object/),
      expect.stringMatching(/^events\[2\]\.at: .*; events\[2\]\.severity: /),
    ]);
    const notJson = await post('canonical', '{"id": ');
    expect(notJson).toMatchObject({ status: 400, json: { reason: expect.stringMatching(/not valid JSON/) } });
  });

  it('refuses control characters in printed fields, invalid UTF-8, and an `at` far past the receipt, naming what', async () => {
    const forged = await post('canonical', { ...created('h-1', 'T-H'), ticketId: 'T-H\nRETRACTED T-9 incident-form' });
    expect(forged.status).toBe(400);
    expect(forged.json.issues).toEqual([
      expect.stringMatching(/^events\[0\]\.ticketId: must not contain control characters/),
    ]);
    const escaped = await post('canonical', { ...created('h-2', 'T-H'), actor: { id: 'ana\u001b[31m' } });
    expect(escaped.json.issues).toEqual([
      expect.stringMatching(/^events\[0\]\.actor\.id: must not contain control characters/),
    ]);
    // bytes that are not UTF-8 are refused, never replaced by U+FFFD
    const bytes = Buffer.concat([
      Buffer.from('{"id":"h-3","ticketId":"T-'),
      Buffer.from([0xc3, 0x28]),
      Buffer.from('","type":"ticket.resolved","at":"2026-03-02T10:00:00Z"}'),
    ]);
    const invalid = await api.post('/webhooks/canonical', bytes, SOURCES.canonical.sign(bytes, SECRET, Date.now()));
    expect(invalid).toMatchObject({
      status: 400,
      json: { reason: 'body: not valid UTF-8; send the payload UTF-8 encoded' },
    });
    // a day and more ahead of the receipt: a sender's clock, not a ticket to park
    const future = await post('canonical', created('h-4', 'T-H', new Date(Date.now() + 25 * 3_600_000).toISOString()));
    expect(future.status).toBe(400);
    expect(future.json.issues).toEqual([
      expect.stringMatching(/^events\[0\]\.at: .* is more than 24 h after the request was received/),
    ]);
    expect(
      (await post('canonical', created('h-5', 'T-H', new Date(Date.now() + 3_600_000).toISOString()))).status,
    ).toBe(200);
    expect((await api.get('/tickets/T-H')).json.history).toHaveLength(1);
  });

  it('refuses bad, missing and foreign signatures with 401', async () => {
    const { body, headers } = signed('canonical', created('s-1', 'T-6'));
    expect(
      (await api.post('/webhooks/canonical', body, { ...headers, 'x-signature': `sha256=${'0'.repeat(64)}` })).status,
    ).toBe(401);
    expect((await api.post('/webhooks/canonical', body, {})).status).toBe(401);
    expect((await post('canonical', created('s-1', 'T-6'), { secret: 'not-ours' })).status).toBe(401);
    expect((await api.get('/tickets/T-6')).status).toBe(404);
  });
});

describe('vendor webhooks', () => {
  it('zendesk: a ticket, then a PagerDuty page and a Jira-free comment land in one history', async () => {
    expect((await post('zendesk', zendeskEvent('ticket.created', { id: '7001' }))).json).toMatchObject({ accepted: 1 });
    const page = pagerDutyEvent('incident.triggered', { title: 'ZD-7001 checkout down' }, 'pd-1');
    expect((await post('pagerduty', page)).json).toMatchObject({ accepted: 1 });
    const history = (await api.get('/tickets/ZD-7001')).json.history as { type: string }[];
    expect(history.map((e) => e.type)).toEqual(['ticket.created', 'escalated']);
  });

  it('zendesk: numbers beyond 2^53 in the raw body do not disturb anything', async () => {
    const body = JSON.stringify(
      zendeskEvent('ticket.priority_changed', { id: '7001' }, { previous: 'HIGH', current: 'URGENT' }, 'zd-big'),
    ).replace('"event":{', '"event":{"meta":{"sequence":{"id":39313930383633353634323835,"position":1}},');
    expect(body).toContain('39313930383633353634323835');
    expect((await post('zendesk', body)).json).toMatchObject({ accepted: 1 });
  });

  it('zendesk: a stale signature timestamp is refused', async () => {
    const r = await post('zendesk', zendeskEvent('ticket.created', { id: '7002' }), { now: Date.now() - 10 * 60_000 });
    expect(r).toMatchObject({ status: 401, json: { reason: expect.stringMatching(/tolerance/) } });
  });

  it('an unmappable payload is kept and reported, never guessed', async () => {
    const r = await post('zendesk', zendeskEvent('ticket.created', { id: '7003', priority: null }, {}, 'zd-unmapped'));
    expect(r).toMatchObject({
      status: 200,
      json: { accepted: 0, unmapped: ['priority null has no severity in the mapping'] },
    });
    const kept = [];
    for await (const raw of api.store.archived(Date.now() - 60_000, Date.now() + 1))
      if (raw.id === r.json.requestId) kept.push(raw);
    expect(kept).toHaveLength(1);
    expect(kept[0]?.outcome?.unmapped).toEqual(['priority null has no severity in the mapping']);
    expect(JSON.parse(kept[0]?.body as string).id).toBe('zd-unmapped');
    // and found again: GET /unmapped lists the last day's, newest first, with reasons and request ids
    const listed = await api.get('/unmapped');
    expect(listed.status).toBe(200);
    const requests = listed.json.requests as { requestId: string; source: string; unmapped: string[] }[];
    expect(requests).toContainEqual(
      expect.objectContaining({
        requestId: r.json.requestId,
        source: 'zendesk',
        unmapped: ['priority null has no severity in the mapping'],
      }),
    );
    expect(listed.json.total).toBeGreaterThanOrEqual(requests.length);
    expect((await api.post('/unmapped', '')).status).toBe(405);
  });

  it('jira: an issue with its delivery identifier; a retry is a duplicate', async () => {
    const headers = { 'x-atlassian-webhook-identifier': 'jira-delivery-1' };
    expect((await post('jira', jiraEvent('jira:issue_created'), { headers })).json).toMatchObject({ accepted: 1 });
    expect(
      (
        await post('jira', jiraEvent('jira:issue_created'), {
          headers: { ...headers, 'x-atlassian-webhook-retry': '1' },
        })
      ).json,
    ).toMatchObject({
      accepted: 0,
      duplicates: 1,
    });
  });

  // The vendors' published examples, signed with our secret, as a vendor would send them.
  const fixtures = join(import.meta.dirname, '../../../../shared/fixtures/webhooks');
  it.skipIf(!existsSync(fixtures))('answers every published vendor example with 200, never a 4xx or 5xx', async () => {
    for (const file of readdirSync(fixtures).filter(
      (f) => /^(zendesk|jira|pagerduty)-.*\.json$/.test(f) && !f.includes('signature'),
    )) {
      const source = file.split('-')[0] as string;
      const body = readFileSync(join(fixtures, file), 'utf8');
      const r = await post(source, body);
      expect.soft(r.status, file).toBe(200);
    }
  });
});

describe('the HTTP surface', () => {
  it('refuses an oversized body with 413, declared or streamed', async () => {
    const big = 'x'.repeat(70 * 1024);
    expect((await api.post('/webhooks/canonical', big, { 'x-signature': 'sha256=00' })).status).toBe(413);
    const streamed = await new Promise<number>((resolve, reject) => {
      const req = httpRequest(
        `${api.url}/webhooks/canonical`,
        { method: 'POST', headers: { 'transfer-encoding': 'chunked' } },
        (res) => {
          res.resume();
          resolve(res.statusCode ?? 0);
        },
      );
      req.on('error', reject);
      for (let i = 0; i < 80; i++) req.write('y'.repeat(1024));
      req.end();
    });
    expect(streamed).toBe(413);
  });

  it('takes a body of the whole limit, archived in one item even as base64, and refuses one byte more with 413 naming it', async () => {
    const own = await startApi(engine, { maxBodyBytes: MAX_BODY });
    try {
      const events = Array.from({ length: 1200 }, (_, i) => created(`big-${i}`, `T-BIG-${i % 40}`));
      const json = JSON.stringify(events);
      const whole = json + ' '.repeat(MAX_BODY - Buffer.byteLength(json));
      const fits = signed('canonical', whole);
      expect(Buffer.byteLength(fits.body)).toBe(MAX_BODY);
      expect(await own.post('/webhooks/canonical', fits.body, fits.headers)).toMatchObject({
        status: 200,
        json: { accepted: 1200 },
      });
      // not UTF-8: refused, and archived as base64 (a third larger) without a 5xx
      const bytes = Buffer.alloc(MAX_BODY, 0x61);
      bytes[10] = 0xff;
      const invalid = signed('canonical', bytes);
      const refused = await fetch(`${own.url}/webhooks/canonical`, {
        method: 'POST',
        body: bytes,
        headers: invalid.headers,
      });
      expect(refused.status).toBe(400);
      const over = signed('canonical', `${whole} `);
      const r = await own.post('/webhooks/canonical', over.body, over.headers);
      expect(r.status).toBe(413);
      expect(r.json.reason).toMatch(/exceeds 262144 bytes.*archived whole in one item/);
    } finally {
      await own.server.close();
    }
  });

  it('answers unknown routes, sources and methods, and health', async () => {
    expect((await api.post('/webhooks/freshdesk', '{}')).status).toBe(404);
    expect((await api.get('/webhooks/canonical')).status).toBe(405);
    expect((await api.get('/nope')).status).toBe(404);
    expect((await api.get('/tickets/%E0%A4%A')).status).toBe(400);
    expect(await api.get('/healthz')).toMatchObject({ status: 200, json: { ok: true } });
  });

  it('counts in /healthz the requests since start that were unmapped or refused, and names the listing', async () => {
    const own = await startApi(engine);
    try {
      const unmapped = zendeskEvent('ticket.created', { id: '7004', priority: null }, {}, 'zd-count');
      const { headers, body } = signed('zendesk', unmapped);
      expect((await own.post('/webhooks/zendesk', body, headers)).json.unmapped).toHaveLength(1);
      const bad = signed('canonical', { ...created('h-1', 'T-H'), severity: 'P9' });
      expect((await own.post('/webhooks/canonical', bad.body, bad.headers)).status).toBe(400);
      const fine = signed('canonical', created('h-2', 'T-H'));
      expect((await own.post('/webhooks/canonical', fine.body, fine.headers)).status).toBe(200);
      expect((await own.get('/healthz')).json).toEqual({
        ok: true,
        unmapped: { sinceStart: 1, refusedSinceStart: 1, list: '/unmapped' },
        busySinceStart: 0,
      });
    } finally {
      await own.server.close();
    }
  });

  it('shows stored events that no longer parse in the ticket view and tells whoever asked, never dropping them unsaid', async () => {
    const told: string[] = [];
    const own = await startApi(engine, { unreadable: (u) => told.push(`${u.ticketId} ${u.id}`) });
    try {
      // stored before a schema change (written directly, as an old version would have)
      await own.store.appendUnchecked([
        created('u-1', 'T-U') as never,
        { id: 'u-2', ticketId: 'T-U', type: 'escalated', at: minutesAgo(50), toTier: 'L9', channel: 'page' } as never,
      ]);
      const view = await own.get('/tickets/T-U');
      expect(view.status).toBe(200);
      expect(view.json.unreadable).toEqual([{ id: 'u-2', error: expect.stringMatching(/^toTier: /) }]);
      expect(told).toEqual(['T-U u-2']);
    } finally {
      await own.server.close();
    }
  });

  it('with a read token, the read routes and the details of /healthz need it as a bearer token', async () => {
    const token = 'r3ad-token-0123456789';
    const own = await startApi(engine, { readToken: token });
    try {
      const fine = signed('canonical', created('rt-1', 'T-RT'));
      expect((await own.post('/webhooks/canonical', fine.body, fine.headers)).status).toBe(200);
      const get = (path: string, authorization?: string) =>
        fetch(`${own.url}${path}`, authorization ? { headers: { authorization } } : {}).then(async (r) => ({
          status: r.status,
          json: (await r.json()) as Record<string, unknown>,
        }));
      expect((await get('/tickets/T-RT')).status).toBe(401);
      expect((await get('/tickets/T-RT', 'Bearer wrong')).status).toBe(401);
      expect((await get('/tickets/T-RT', `Bearer ${token}x`)).status).toBe(401);
      expect((await get('/unmapped')).json).toMatchObject({ error: 'unauthorized' });
      expect((await get('/tickets/T-RT', `Bearer ${token}`)).status).toBe(200);
      expect((await get('/unmapped', `bearer ${token}`)).status).toBe(200);
      expect((await get('/healthz')).json).toEqual({ ok: true });
      expect((await get('/healthz', `Bearer ${token}`)).json).toHaveProperty('unmapped');
    } finally {
      await own.server.close();
    }
  });

  it('takes a rotated secret at once (re-read before refusing) and stops taking a revoked one after the maximum age', async () => {
    let stored: Secrets = { canonical: ['old-secret-0123456789'] };
    let reads = 0;
    const clock = { now: Date.now() };
    const source = cachedSecrets(
      async () => {
        reads++;
        return stored;
      },
      { maxAgeMs: 300_000, minRereadMs: 30_000, now: () => clock.now },
    );
    const own = await startApi(engine, { secrets: {}, secretSource: source });
    const send = (secret: string, id: string) => {
      const { body, headers } = signed('canonical', created(id, 'T-ROT'), { secret });
      return own.post('/webhooks/canonical', body, headers);
    };
    try {
      expect((await send('old-secret-0123456789', 'rot-1')).status).toBe(200);
      stored = { canonical: ['new-secret-0123456789', 'old-secret-0123456789'] };
      clock.now += 31_000;
      // the cached secrets (31 s old) do not know the new one: read again once, then accepted
      expect((await send('new-secret-0123456789', 'rot-2')).status).toBe(200);
      expect(reads).toBe(2);
      // a bad signature soon after does not read again (at most once per 30 s)
      expect((await send('wrong-secret-0123456789', 'rot-3')).status).toBe(401);
      expect(reads).toBe(2);
      // the old secret revoked: once the cache is older than its maximum age, refused
      stored = { canonical: ['new-secret-0123456789'] };
      expect((await send('old-secret-0123456789', 'rot-4')).status).toBe(200);
      clock.now += 300_001;
      expect((await send('old-secret-0123456789', 'rot-5')).status).toBe(401);
      expect(reads).toBe(3);
    } finally {
      await own.server.close();
    }
  });

  it('tells of a translator that throws, with source and request id, and reports the request unmapped', async () => {
    const failures: { source: string; requestId: string; error: string }[] = [];
    const own = await startApi(engine, { translatorFailed: (f) => failures.push(f) });
    const translate = SOURCES.zendesk.translate;
    SOURCES.zendesk.translate = () => {
      throw new TypeError("Cannot read properties of undefined (reading 'id')");
    };
    try {
      const { headers, body } = signed('zendesk', zendeskEvent('ticket.created', { id: '7010' }, {}, 'zd-throws'));
      const r = await own.post('/webhooks/zendesk', body, headers);
      expect(r).toMatchObject({ status: 200, json: { accepted: 0 } });
      expect(r.json.unmapped).toEqual(["the translator failed: Cannot read properties of undefined (reading 'id')"]);
      expect(failures).toEqual([
        { source: 'zendesk', requestId: r.json.requestId, error: "Cannot read properties of undefined (reading 'id')" },
      ]);
    } finally {
      SOURCES.zendesk.translate = translate;
      await own.server.close();
    }
  });
});

describe("custom sources (the mapping file's custom.<name>)", () => {
  it('takes a Freshdesk webhook at /webhooks/custom/freshdesk with its token, archives it without the token, and names what is wrong', async () => {
    const mapping = await loadMappingFile(join(import.meta.dirname, '../../../examples/mapping.yaml'));
    const own = await startApi(engine, {
      mapping,
      secrets: parseSecrets(JSON.stringify({ custom: { freshdesk: 'fd-token' } })),
    });
    try {
      const body = JSON.stringify({
        freshdesk_webhook: {
          triggered_event: '{ticket_action:created}',
          ticket_id: '77',
          ticket_status: 'Open',
          ticket_priority: 'High',
          ticket_company: '',
        },
      });
      const from = Date.now();
      const ok = await own.post('/webhooks/custom/freshdesk', body, {
        'content-type': 'application/json',
        'x-auditor-token': 'fd-token',
      });
      expect(ok).toMatchObject({ status: 200, json: { accepted: 1, unmapped: [] } });
      expect((await own.get('/tickets/FD-77')).json).toMatchObject({
        state: { severity: 'P1', clientTier: 'standard' },
      });
      const archived = [];
      for await (const r of own.store.archived(from - 1_000, Date.now() + 1_000)) archived.push(r);
      expect(archived.map((r) => [r.source, r.headers])).toEqual([['custom:freshdesk', {}]]);

      expect(await own.post('/webhooks/custom/freshdesk', body, { 'x-auditor-token': 'guess' })).toMatchObject({
        status: 401,
        json: { reason: 'x-auditor-token is not a known token' },
      });
      expect(await own.post('/webhooks/custom/servicenow', body, {})).toMatchObject({
        status: 404,
        json: { reason: 'no source custom:servicenow: the mapping file has no custom.servicenow' },
      });
      // a source with no secret configured refuses everything
      expect(await own.post('/webhooks/custom/opsgenie', '{}', { authorization: 'Bearer anything' })).toMatchObject({
        status: 401,
        json: { reason: 'no signing secret is configured for custom:opsgenie' },
      });
    } finally {
      await own.server.close();
    }
  });
});
