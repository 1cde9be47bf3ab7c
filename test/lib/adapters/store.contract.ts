/** The Store contract: every adapter and the in-memory fake must pass the same tests. */
import { describe, expect, it } from 'vitest';
import type { CanonicalEvent } from '../../../lib/events/schema';
import type { RawRequest, Store } from '../../../lib/ports';

let seq = 0;
const event = (ticketId: string, over: Partial<Record<string, unknown>> = {}): CanonicalEvent =>
  ({
    id: `ev-${++seq}`,
    ticketId,
    type: 'ticket.created',
    at: '2026-03-02T10:00:00Z',
    severity: 'P1',
    client: { id: 'acme', tier: 'enterprise' },
    ...over,
  }) as CanonicalEvent;

const ids = (events: CanonicalEvent[]) => events.map((e) => e.id).sort();

export function storeContract(name: string, make: () => Promise<Store>): void {
  describe(`Store contract: ${name}`, () => {
    it('appends events and reads a ticket history back', async () => {
      const store = await make();
      const a = event('T-1');
      const b = event('T-1', { type: 'incident_form.created', at: '2026-03-02T10:03:00Z' });
      const c = event('T-2');
      expect(await store.append([a, b, c])).toEqual(['added', 'added', 'added']);
      expect(ids(await store.history('T-1'))).toEqual(ids([a, b]));
      expect(await store.history('T-2')).toEqual([c]);
      expect(await store.history('T-unknown')).toEqual([]);
    });

    it('ignores an identical redelivery and refuses a different event under a known id', async () => {
      const store = await make();
      const a = event('T-3');
      await store.append([a]);
      expect(await store.append([{ ...a }])).toEqual(['duplicate']);
      expect(await store.append([{ ...a, at: '2026-03-02T10:00:00.000Z' }])).toEqual(['duplicate']);
      expect(await store.append([{ ...a, severity: 'P2' } as CanonicalEvent])).toEqual(['conflict']);
      expect(await store.history('T-3')).toEqual([a]);
    });

    it('judges one id twice in one call like a redelivery, and keeps the rest of the call', async () => {
      const store = await make();
      const a = event('T-4');
      const b = event('T-4', { type: 'ticket.resolved', at: '2026-03-02T11:00:00Z' });
      const outcomes = await store.append([a, { ...a }, { ...a, severity: 'P3' } as CanonicalEvent, b]);
      expect(outcomes).toEqual(['added', 'duplicate', 'conflict', 'added']);
      expect(ids(await store.history('T-4'))).toEqual(ids([a, b]));
    });

    it('mixes new and known events of one ticket in one call', async () => {
      const store = await make();
      const a = event('T-5');
      await store.append([a]);
      const many = Array.from({ length: 45 }, (_, i) => event('T-5', { type: 'tag.added', tag: `t${i}` }));
      const outcomes = await store.append([...many.slice(0, 30), a, ...many.slice(30)]);
      expect(outcomes.filter((o) => o === 'added')).toHaveLength(45);
      expect(outcomes[30]).toBe('duplicate');
      expect(await store.history('T-5')).toHaveLength(46);
    });

    it('adds an event exactly once under concurrent deliveries', async () => {
      const store = await make();
      const a = event('T-6');
      const outcomes = (await Promise.all(Array.from({ length: 12 }, () => store.append([{ ...a }])))).flat();
      expect(outcomes.filter((o) => o === 'added')).toHaveLength(1);
      expect(outcomes.filter((o) => o === 'duplicate')).toHaveLength(11);
      expect(await store.history('T-6')).toEqual([a]);
    });

    it('loses nothing when different events race to create a ticket', async () => {
      const store = await make();
      const events = Array.from({ length: 10 }, () => event('T-7', { type: 'tag.added', tag: 'x' }));
      const outcomes = (await Promise.all(events.map((e) => store.append([e])))).flat();
      expect(outcomes).toEqual(events.map(() => 'added'));
      expect(ids(await store.history('T-7'))).toEqual(ids(events));
    });

    it('archives requests, reports outcomes and lists them by receipt time', async () => {
      const store = await make();
      const base = Date.parse('2026-03-02T23:59:59Z');
      const raw = (n: number, at: number): RawRequest => ({
        id: `${at.toString(36)}-${n}`,
        source: 'zendesk',
        receivedAt: at,
        headers: { 'x-zendesk-webhook-signature': `sig${n}` },
        body: n === 2 ? Buffer.from([0xff, 0xfe, 0x00]).toString('base64') : `{"n":${n}}`,
        bodyEncoding: n === 2 ? 'base64' : 'utf8',
      });
      const r1 = raw(1, base);
      const r2 = raw(2, base + 2000); // the next day (UTC)
      const r3 = raw(3, base + 90_000_000);
      await Promise.all([store.archive(r1), store.archive(r2), store.archive(r3)]);
      await store.report(r1, { unmapped: ['priority null has no severity'], conflicts: [] });
      const listed = [];
      for await (const r of store.archived(base, base + 86_400_000)) listed.push(r);
      expect(listed).toEqual([{ ...r1, outcome: { unmapped: ['priority null has no severity'], conflicts: [] } }, r2]);
    });
  });
}
