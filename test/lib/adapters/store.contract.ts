/** The Store contract: every adapter and the in-memory fake must pass the same tests. */
import { describe, expect, it } from 'vitest';
import type { CanonicalEvent } from '../../../lib/events/schema';
import type { Notice, RawRequest, Store, Timer } from '../../../lib/ports';

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

/** A P1 ticket's missed Incident Report Form, recorded. */
const formBreach = (ticketId: string): Notice => ({
  ticketId,
  rule: 'incident-form',
  dueAt: Date.parse('2026-03-02T10:05:00Z'),
  kind: 'breach',
  state: 'recorded',
  severity: 'P1',
  clientTier: 'enterprise',
  explanation: 'no Incident Report Form filed by the 10:05 deadline',
  recordedAt: 1,
});

/** `ledger`: the store keeps the hash chains (lib/ledger.ts); the in-memory fake does not. */
export function storeContract(name: string, make: () => Promise<Store>, { ledger = true } = {}): void {
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

    it('finds the tickets active on the days of a period through the day index', async () => {
      const store = await make();
      await store.append([
        event('T-11', { at: '2026-03-02T00:30:00Z' }),
        event('T-12', { at: '2026-03-08T23:59:00Z' }),
        event('T-13', { at: '2026-03-09T00:00:00Z' }),
        event('T-14', { at: '2026-02-20T10:00:00Z' }),
      ]);
      await store.record({
        ticketId: 'T-14',
        rule: 'client-update',
        dueAt: Date.parse('2026-03-05T10:00:00Z'),
        kind: 'breach',
        state: 'recorded',
        severity: 'P1',
        clientTier: 'enterprise',
        explanation: 'no qualifying client update',
        recordedAt: 0,
      });
      const week = await store.ticketsActive(Date.parse('2026-03-02T00:00:00Z'), Date.parse('2026-03-09T00:00:00Z'));
      expect(week.filter((t) => t.startsWith('T-1') && t.length === 4)).toEqual(['T-11', 'T-12', 'T-14']);
    });

    it('keeps the armed timers per ticket and lists them all by fire time', async () => {
      const store = await make();
      const t = (ticketId: string, rule: Timer['rule'], fireAt: number, kind: Timer['kind'] = 'deadline'): Timer => ({
        ticketId,
        rule,
        kind,
        dueAt: fireAt - 1000,
        fireAt,
      });
      const a = t('T-8', 'incident-form', 3000);
      const b = t('T-8', 'l2-paged', 1000);
      const c = t('T-9', 'client-update', 2000, 'warning');
      await store.saveTimers([a, b, c], []);
      expect((await store.timers('T-8')).sort((x, y) => x.fireAt - y.fireAt)).toEqual([b, a]);
      expect(await store.timersDue(2000)).toEqual([b, c]);
      const whole = await store.ticket('T-8');
      expect(whole.timers.sort((x, y) => x.fireAt - y.fireAt)).toEqual([b, a]);
      expect(whole.events).toEqual([]);
      await store.saveTimers([], [b, t('T-8', 'l3-engaged', 9)]);
      expect(await store.timers('T-8')).toEqual([a]);
      expect(await store.timersDue(Number.POSITIVE_INFINITY)).toEqual([c, a]);
    });

    it('records a breach once and moves it through its states, with leases', async () => {
      const store = await make();
      const n = formBreach('T-10');
      expect(await store.record(n)).toBe(true);
      expect(await store.record({ ...n, explanation: 'again' })).toBe(false);
      expect(await store.notices('T-10')).toEqual([n]);
      expect((await store.ticket('T-10')).notices).toEqual([n]);
      // two checkers race for the alert: one wins the lease
      const claims = await Promise.all([1, 2, 3].map(() => store.transition(n, 'recorded', 'alerting', 1000, 60_000)));
      expect(claims.filter(Boolean)).toHaveLength(1);
      expect(await store.transition(n, 'recorded', 'alerting', 30_000, 60_000)).toBe(false);
      // the holder died: after the lease, another checker takes it over
      expect(await store.transition(n, 'recorded', 'alerting', 61_001, 60_000)).toBe(true);
      // a claim shows when its lease runs out (what a lease timer is armed for)
      expect((await store.notices('T-10'))[0]).toMatchObject({ state: 'alerting', leaseUntil: 121_001 });
      expect(await store.transition(n, 'alerting', 'alerted', 61_002)).toBe(true);
      expect((await store.ticket('T-10')).notices[0]?.leaseUntil).toBeUndefined();
      expect(await store.transition(n, 'alerting', 'alerted', 61_003)).toBe(false);
      expect((await store.notices('T-10'))[0]?.state).toBe('alerted');
    });

    it('keeps the tickets changed and not yet reconciled until they are cleared, unless flagged again', async () => {
      const store = await make();
      await store.flagChanged(['T-20', 'T-21', 'T-20'], 1_000);
      await store.flagChanged(['T-21'], 2_000);
      const changed = async () => (await store.changedTickets()).sort((a, b) => (a.ticketId < b.ticketId ? -1 : 1));
      expect(await changed()).toEqual([
        { ticketId: 'T-20', at: 1_000 },
        { ticketId: 'T-21', at: 2_000 },
      ]);
      // a reconcile that started before the second change does not clear it
      await store.clearChanged('T-21', 1_000);
      await store.clearChanged('T-20', 1_000);
      expect(await changed()).toEqual([{ ticketId: 'T-21', at: 2_000 }]);
      await store.clearChanged('T-21', 2_000);
      await store.clearChanged('T-22', 5); // never flagged: nothing to do
      expect(await changed()).toEqual([]);
    });

    it('keeps the register of waivers append-only: a taken id is refused, the first stays, in the order added', async () => {
      const store = await make();
      const w = (id: string, reason: string) => ({
        id,
        scope: { ticketId: 'T-30' },
        reason,
        approver: 'maria',
        grantedAt: '2026-03-02T10:00:00Z',
        expiresAt: '2026-03-03T10:00:00Z',
      });
      expect(await store.addWaiver(w('W-2', 'first'), 1_000)).toBe(true);
      expect(await store.addWaiver(w('W-1', 'second'), 2_000)).toBe(true);
      expect(await store.addWaiver(w('W-2', 'rewritten'), 3_000)).toBe(false);
      expect((await store.waivers()).map((r) => `${r.id} ${r.reason}`)).toEqual(['W-2 first', 'W-1 second']);
    });

    it('reads many tickets at once: each asked for once, as a read of one answers it', async () => {
      const store = await make();
      const asked = Array.from({ length: 40 }, (_, i) => `M-${i}`);
      await store.append(asked.flatMap((t, i) => Array.from({ length: 1 + (i % 5) }, () => event(t))));
      await store.append([event('M-not-asked')]);
      await store.saveTimers(
        [{ ticketId: 'M-3', rule: 'client-update', kind: 'deadline', dueAt: 1_000, fireAt: 2_000 }],
        [],
      );
      await store.record(formBreach('M-4'));
      const wanted = [...asked, 'M-nothing'];
      const seen = new Map<string, Awaited<ReturnType<Store['ticket']>>>();
      for await (const { ticketId, ...t } of store.tickets(wanted)) {
        expect(seen.has(ticketId)).toBe(false);
        seen.set(ticketId, t);
      }
      expect([...seen.keys()].sort()).toEqual([...wanted].sort());
      for (const id of wanted) {
        const one = await store.ticket(id);
        const many = seen.get(id);
        expect(ids(many?.events ?? [])).toEqual(ids(one.events));
        expect(many?.timers).toEqual(one.timers);
        expect(many?.notices).toEqual(one.notices);
      }
      expect(seen.get('M-3')?.timers).toHaveLength(1);
      expect(seen.get('M-4')?.notices).toHaveLength(1);
      expect(seen.get('M-nothing')?.events).toEqual([]);
      for await (const t of store.tickets([])) expect.unreachable(`nothing was asked for, got ${t.ticketId}`);
    });

    it.skipIf(!ledger)(
      'seals each record once into its chain, racing sealers included, and each seal into its day',
      async () => {
        const store = await make();
        const now = Date.parse('2026-03-02T12:00:00Z');
        await store.append([event('T-40'), event('T-40', { type: 'incident_form.created' })]);
        expect(await store.seal('ticket:T-40', now)).toBe(2);
        expect(await store.seal('ticket:T-40', now + 1)).toBe(0);
        await store.append([event('T-40', { type: 'ticket.resolved', at: '2026-03-02T11:00:00Z' })]);
        // two sealers at once: the record is sealed by one of them
        const raced = await Promise.all([store.seal('ticket:T-40', now + 2), store.seal('ticket:T-40', now + 2)]);
        expect(raced.reduce((a, b) => a + b, 0)).toBe(1);
        const [day] = await store.dayRoots(['2026-03-02', '2026-03-03']);
        expect(day).toMatchObject({ day: '2026-03-02', seals: 2, root: expect.stringMatching(/^[0-9a-f]{64}$/) });
      },
    );
  });
}
