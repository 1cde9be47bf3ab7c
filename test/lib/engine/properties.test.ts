import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { evaluateTicket } from '../../../lib/engine/evaluate';
import { breachKey } from '../../../lib/engine/types';
import { parseEvent, type TicketEvent } from '../../../lib/events/parse';
import { CHANNELS, ROLES, SEVERITIES } from '../../../lib/events/schema';
import { DEFAULT_POLICY } from '../../../lib/policy/schema';

const START = Date.parse('2026-03-06T08:00:00Z'); // a Friday: working-day clocks cross a weekend
const MINUTE = 60_000;

/** A random canonical event on a 4-day span, minute-granular so that ties happen. */
const eventArb = fc
  .record({
    minute: fc.integer({ min: 0, max: 4 * 24 * 60 }),
    kind: fc.integer({ min: 0, max: 10 }),
    severity: fc.constantFrom(...SEVERITIES),
    tier: fc.constantFrom('L2', 'L3'),
    channel: fc.constantFrom(...CHANNELS),
    role: fc.option(fc.constantFrom(...ROLES), { nil: undefined }),
    status: fc.constantFrom(undefined, '', 'investigating'),
    etr: fc.boolean(),
    tag: fc.constantFrom('Escalate-L2', 'escalate-l2', 'other'),
  })
  .map((r) => {
    const at = new Date(START + r.minute * MINUTE).toISOString();
    const actor = r.role ? { actor: { role: r.role } } : {};
    const shapes = [
      { type: 'ticket.created', severity: r.severity, client: { id: 'c', tier: 'enterprise' } },
      { type: 'severity.changed', severity: r.severity },
      { type: 'incident_form.created' },
      { type: 'escalated', toTier: r.tier, channel: r.channel },
      { type: 'ownership.taken', tier: r.tier },
      { type: 'troubleshooting.documented' },
      { type: 'tag.added', tag: r.tag },
      {
        type: 'client.update',
        ...actor,
        ...(r.status === undefined ? {} : { status: r.status }),
        ...(r.etr ? { etr: at } : {}),
      },
      { type: 'client.update', actor: { role: 'CSM' }, status: 'ok', etr: at },
      { type: 'ticket.resolved' },
      { type: 'ticket.reopened' },
    ];
    return { ticketId: 'T-1', at, ...actor, ...shapes[r.kind] };
  });

/** A history that starts with a ticket.created, with unique ids. */
const historyArb = fc
  .tuple(fc.constantFrom(...SEVERITIES), fc.array(eventArb, { minLength: 0, maxLength: 40 }))
  .map(([severity, rest]) => {
    const raw = [
      {
        ticketId: 'T-1',
        type: 'ticket.created',
        at: new Date(START).toISOString(),
        severity,
        client: { id: 'c', tier: 'enterprise' },
      },
      ...rest,
    ];
    return raw.map((e, i) => {
      const r = parseEvent({ ...e, id: `ev-${String(i).padStart(3, '0')}` });
      if (!r.ok) throw new Error(r.error);
      return r.event;
    });
  });

const asOfArb = fc.integer({ min: 0, max: 6 * 24 * 60 }).map((m) => START + m * MINUTE);
const run = (events: readonly TicketEvent[], asOf: number) => evaluateTicket('T-1', events, DEFAULT_POLICY, asOf);

describe('engine properties', () => {
  it('shuffling and redelivering events never changes the result', () => {
    fc.assert(
      fc.property(
        historyArb,
        asOfArb,
        fc.infiniteStream(fc.nat()),
        fc.array(fc.nat(), { maxLength: 15 }),
        (events, asOf, randoms, redeliver) => {
          const copies = redeliver.map((i) => ({ ...(events[i % events.length] as TicketEvent) }));
          const shuffled = [...events, ...copies]
            .map((e) => ({ e, k: randoms.next().value as number }))
            .sort((a, b) => a.k - b.k)
            .map(({ e }) => e);
          const { duplicates, ...result } = run(shuffled, asOf);
          expect(duplicates).toBe(copies.length);
          expect(result).toEqual({ ...run(events, asOf), duplicates: undefined });
        },
      ),
      { numRuns: 500 },
    );
  });

  it('moving the audit time later never removes a breach', () => {
    fc.assert(
      fc.property(historyArb, asOfArb, asOfArb, (events, a, b) => {
        const [early, late] = a <= b ? [a, b] : [b, a];
        const later = new Set(run(events, late).breaches.map(breachKey));
        for (const breach of run(events, early).breaches) expect(later).toContain(breachKey(breach));
      }),
      { numRuns: 500 },
    );
  });

  it('every breach is due at or before the audit time, every pending obligation after it', () => {
    fc.assert(
      fc.property(historyArb, asOfArb, (events, asOf) => {
        for (const o of run(events, asOf).obligations) {
          if (o.status === 'breached') expect(o.dueAt).toBeLessThanOrEqual(asOf);
          if (o.status === 'pending') expect(o.dueAt).toBeGreaterThan(asOf);
          if (o.status === 'met') expect(o.evidence?.at).toBeLessThanOrEqual(o.dueAt);
        }
      }),
      { numRuns: 500 },
    );
  });
});
