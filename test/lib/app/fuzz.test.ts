/**
 * Malformed bodies, correctly signed so that they reach the parsers: at least 10,000 per webhook
 * endpoint in process, and a sample over real HTTP on dynalite. Never a 5xx, never a partial write.
 */
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MemoryStore } from '../../../lib/adapters/memory/store';
import { createApi } from '../../../lib/app/http';
import { DEFAULT_POLICY } from '../../../lib/policy/schema';
import { SOURCE_NAMES, type SourceName } from '../../../lib/sources/types';
import { startApi, type TestApi } from '../../support/api';
import { dynalite, type Engine } from '../../support/dynamo';
import { MAPPING } from '../../support/mapping';
import { jiraEvent, pagerDutyEvent, SECRET, signed, zendeskEvent } from '../../support/webhooks';

const valid: Record<SourceName, unknown> = {
  canonical: {
    id: 'f-1',
    ticketId: 'T-F',
    type: 'ticket.created',
    at: '2026-03-02T10:00:00Z',
    severity: 'P1',
    client: { id: 'c', tier: 'enterprise' },
  },
  zendesk: zendeskEvent('ticket.created'),
  jira: jiraEvent('jira:issue_created'),
  pagerduty: pagerDutyEvent('incident.triggered'),
};

/** Replaces the value at a random path of a valid payload with an arbitrary JSON value, or deletes it. */
function mutate(value: unknown, path: number[], replacement: unknown, remove: boolean): unknown {
  if (typeof value !== 'object' || value === null || path.length === 0) return replacement;
  const keys = Object.keys(value);
  if (keys.length === 0) return replacement;
  const key = keys[(path[0] as number) % keys.length] as string;
  const copy: Record<string, unknown> = Array.isArray(value) ? ([...value] as never) : { ...(value as object) };
  if (remove && path.length === 1) delete copy[key];
  else copy[key] = mutate(copy[key], path.slice(1), replacement, remove);
  return copy;
}

const body = (source: SourceName) =>
  fc.oneof(
    fc.string({ maxLength: 200 }),
    fc.jsonValue({ maxDepth: 3 }).map((v) => JSON.stringify(v)),
    fc.uint8Array({ maxLength: 100 }).map((b) => Buffer.from(b)),
    fc
      .tuple(fc.array(fc.nat(), { minLength: 1, maxLength: 5 }), fc.jsonValue({ maxDepth: 2 }), fc.boolean())
      .map(([path, replacement, remove]) => JSON.stringify(mutate(valid[source], path, replacement, remove))),
    fc
      .tuple(fc.nat(200), fc.string({ maxLength: 5 }))
      .map(([cut, junk]) => JSON.stringify(valid[source]).slice(0, cut) + junk),
  );

const sign = (source: SourceName, b: string | Buffer) => signed(source, Buffer.from(b)).headers;

describe('fuzz: malformed bodies', () => {
  for (const source of SOURCE_NAMES) {
    it(`POST /webhooks/${source}: 10,000 malformed bodies, no 5xx, no partial write`, async () => {
      const store = new MemoryStore();
      const api = createApi({ store, mapping: MAPPING, secrets: { [source]: [SECRET] }, policy: DEFAULT_POLICY });
      const statuses = new Map<number, number>();
      await fc.assert(
        fc.asyncProperty(body(source), async (b) => {
          const bytes = typeof b === 'string' ? Buffer.from(b) : b;
          const before = store.events;
          const r = await api({
            method: 'POST',
            path: `/webhooks/${source}`,
            headers: sign(source, b),
            body: bytes,
            receivedAt: Date.now(),
          });
          statuses.set(r.status, (statuses.get(r.status) ?? 0) + 1);
          expect(r.status).toBeLessThan(500);
          const reply = JSON.parse(r.body);
          // all or nothing: a refused request stores nothing, an accepted one exactly what it says
          expect(store.events - before).toBe(r.status === 200 ? reply.accepted : 0);
        }),
        { numRuns: 10_000 },
      );
      // every body was signed correctly, so every one reached the parsers
      expect(statuses.get(401)).toBeUndefined();
      expect(statuses.get(400) ?? 0).toBeGreaterThan(0);
    });
  }

  it('GET /tickets/{anything}: no 5xx', async () => {
    const api = createApi({ store: new MemoryStore(), mapping: MAPPING, secrets: {}, policy: DEFAULT_POLICY });
    await fc.assert(
      fc.asyncProperty(fc.string({ maxLength: 60 }), async (id) => {
        const r = await api({
          method: 'GET',
          path: `/tickets/${id}`,
          headers: {},
          body: Buffer.alloc(0),
          receivedAt: Date.now(),
        });
        expect(r.status).toBeLessThan(500);
      }),
      { numRuns: 2_000 },
    );
  });
});

describe('fuzz over real HTTP on dynalite', () => {
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

  it('300 malformed bodies per endpoint: no 5xx', async () => {
    for (const source of SOURCE_NAMES) {
      await fc.assert(
        fc.asyncProperty(body(source), async (b) => {
          const r = await api.post(`/webhooks/${source}`, b, sign(source, b));
          expect(r.status).toBeLessThan(500);
          if (r.status === 200) expect(r.json.accepted).toBeGreaterThanOrEqual(0);
        }),
        { numRuns: 300 },
      );
    }
  });
});
