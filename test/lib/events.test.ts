import { describe, expect, it } from 'vitest';
import { EventLog } from '../../lib/events/history';
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

  it('refuses what is not an object, and text that is not JSON', () => {
    expect(error(42)).toMatch(/Invalid input/);
    const r = parseLine('{"id": ');
    expect(r.ok || r.error).toMatch(/^not valid JSON/);
  });
});

describe('event log', () => {
  const ev = (over: Record<string, unknown> = {}) => {
    const r = parseEvent({ ...created, ...over });
    if (!r.ok) throw new Error(r.error);
    return r.event;
  };

  it('ignores identical redeliveries, also in another notation of the same instant', () => {
    const log = new EventLog();
    expect(log.add(ev())).toBe('added');
    expect(log.add(ev({ at: '2026-03-02T09:00:00.000Z' }))).toBe('duplicate');
    expect(log.add(ev({ extra: 'unknown fields are ignored' }))).toBe('duplicate');
    expect(log.events).toBe(1);
    expect(log.duplicates).toBe(2);
  });

  it('keeps the first of two different events under one id and reports the conflict', () => {
    const log = new EventLog();
    log.add(ev());
    expect(log.add(ev({ severity: 'P2' }))).toBe('conflict');
    expect(log.tickets.get('T-1')?.map((e) => e.severity)).toEqual(['P1']);
    expect(log.conflicts.map((c) => c.refused.severity)).toEqual(['P2']);
  });
});
