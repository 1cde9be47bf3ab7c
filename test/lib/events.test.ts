import { describe, expect, it } from 'vitest';
import { normalise } from '../../lib/events/history';
import { parseEvent, parseLine } from '../../lib/events/parse';
import { EVENT_TYPES } from '../../lib/events/schema';

const created = {
  id: 'e1',
  ticketId: 'T-1',
  type: 'ticket.created',
  at: '2026-03-02T10:00:00+01:00',
  severity: 'P1',
  client: { id: 'acme', tier: 'enterprise' },
};

const error = (value: unknown) => {
  const r = parseEvent(value);
  if (r.ok) throw new Error('expected a rejection');
  return r.error;
};

describe('canonical events', () => {
  it('knows every type of RULES.md section 1', () => {
    expect(EVENT_TYPES).toEqual([
      'ticket.created',
      'severity.changed',
      'incident_form.created',
      'escalated',
      'ownership.taken',
      'troubleshooting.documented',
      'tag.added',
      'tag.removed',
      'client.update',
      'ticket.resolved',
      'ticket.reopened',
    ]);
  });

  it('accepts offsets and keeps unknown fields out of the way', () => {
    const r = parseEvent({ ...created, zendesk: { brand: 1 } });
    expect(r.ok && r.event.t).toBe(Date.parse('2026-03-02T09:00:00Z'));
  });

  it.each([
    [{ ...created, id: '' }, 'id: '],
    [{ ...created, id: 'x'.repeat(257) }, 'id: '],
    [{ ...created, ticketId: undefined }, 'ticketId: '],
    [{ ...created, at: '2026-03-02 10:00' }, 'at: '],
    [{ ...created, at: '2026-03-02T10:00:00' }, 'at: '],
    [{ ...created, severity: 'P5' }, 'severity: '],
    [{ ...created, client: { id: 'acme', tier: 'gold' } }, 'client.tier: '],
    [{ ...created, actor: { role: 'Intern' } }, 'actor.role: '],
    [{ ...created, type: 'ticket.deleted' }, 'type: '],
    [{ id: 'e', ticketId: 'T', type: 'escalated', at: created.at, toTier: 'L1', channel: 'page' }, 'toTier: '],
    [{ id: 'e', ticketId: 'T', type: 'escalated', at: created.at, toTier: 'L2', channel: 'email' }, 'channel: '],
    [{ id: 'e', ticketId: 'T', type: 'client.update', at: created.at, etr: 'soon' }, 'etr: '],
    [{ id: 'e', ticketId: 'T', type: 'tag.added', at: created.at }, 'tag: '],
  ])('names the field it refuses: %#', (value, field) => {
    expect(error(value)).toContain(field);
  });

  it('refuses control characters in the fields people read (ids, queue, client, tag), naming the field', () => {
    const base = { id: 'e-1', ticketId: 'T-1', at: '2026-03-02T10:00:00Z' };
    const created = { ...base, type: 'ticket.created', severity: 'P1', client: { id: 'acme', tier: 'enterprise' } };
    for (const [value, field] of [
      [{ ...created, ticketId: 'T-1\r\nBREACH' }, 'ticketId'],
      [{ ...created, id: 'e\u0000' }, 'id'],
      [{ ...created, queue: 'EMEA\t2' }, 'queue'],
      [{ ...created, client: { id: 'ac\u009bme', tier: 'enterprise' } }, 'client.id'],
      [{ ...base, type: 'tag.added', tag: 'Escalate\u001b-L2' }, 'tag'],
    ] as const) {
      const r = parseEvent(value);
      expect(r.ok, field).toBe(false);
      expect(r.ok ? '' : r.error, field).toMatch(
        new RegExp(`^${field.replace('.', '\\.')}: must not contain control characters`),
      );
    }
    expect(parseEvent({ ...created, ticketId: 'T-1 ✓ Ünïcode' }).ok).toBe(true);
  });

  it('refuses what is not an object, and text that is not JSON', () => {
    expect(error(42)).toMatch(/Invalid input/);
    const r = parseLine('{"id": ');
    expect(r.ok || r.error).toMatch(/^not valid JSON/);
  });
});

describe('history normalisation', () => {
  const ev = (over: Record<string, unknown> = {}) => {
    const r = parseEvent({ ...created, ...over });
    if (!r.ok) throw new Error(r.error);
    return r.event;
  };

  it('ignores identical redeliveries, also in another notation of the same instant', () => {
    const h = normalise([ev(), ev({ at: '2026-03-02T09:00:00.000Z' }), ev({ extra: 'unknown fields are ignored' })]);
    expect(h.events).toHaveLength(1);
    expect(h.duplicates).toBe(2);
    expect(h.conflicts).toEqual([]);
  });

  it('keeps the first of two different events under one id and reports the conflict', () => {
    const h = normalise([ev(), ev({ severity: 'P2' })]);
    expect(h.events.map((e) => e.severity)).toEqual(['P1']);
    expect(h.conflicts.map((c) => c.refused.severity)).toEqual(['P2']);
  });

  it('orders by time, ties by id, and drops what comes after the audit time', () => {
    const h = normalise(
      [
        ev({ id: 'b' }),
        ev({ id: 'a' }),
        ev({ id: 'c', at: '2026-03-02T08:00:00Z' }),
        ev({ id: 'd', at: '2026-03-03T08:00:00Z' }),
      ],
      Date.parse('2026-03-02T12:00:00Z'),
    );
    expect(h.events.map((e) => e.id)).toEqual(['c', 'a', 'b']);
  });
});
