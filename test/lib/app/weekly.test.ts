import { describe, expect, it } from 'vitest';
import { MemoryStore } from '../../../lib/adapters/memory/store';
import { storeTickets, weeklyReport } from '../../../lib/app/weekly';
import { earliestClockStart } from '../../../lib/engine/lookback';
import type { CanonicalEvent } from '../../../lib/events/schema';
import { DEFAULT_POLICY, PolicyConfig } from '../../../lib/policy/schema';
import { isoWeek } from '../../../lib/report/aggregate';
import { exampleLines, exampleShard } from '../../support/example';

describe('the weekly report from the store', () => {
  it('equals the report of the same events read from an export', async () => {
    const store = new MemoryStore();
    await store.append(exampleLines().map((l) => JSON.parse(l) as CanonicalEvent));
    const shard = exampleShard();
    const week = isoWeek('2026-W10', 'UTC');
    const now = Date.parse('2026-11-26T00:00:00Z');
    const fromExport = await weeklyReport(shard, DEFAULT_POLICY, week, { now });
    const fromStore = await weeklyReport(storeTickets(store), DEFAULT_POLICY, week, { now });
    expect(fromStore).toEqual(fromExport);
    expect(fromStore.asOf).toBe(week.end);
    // a later week without activity reads nothing
    const quiet = await weeklyReport(storeTickets(store), DEFAULT_POLICY, isoWeek('2026-W30', 'UTC'), { now });
    expect(quiet.total.due).toBe(0);
  });
});

describe('retracted breaches in the weekly report', () => {
  it('are counted apart and never as breaches', async () => {
    const store = new MemoryStore();
    await store.append(exampleLines().map((l) => JSON.parse(l) as CanonicalEvent));
    const dueAt = Date.parse('2026-03-02T10:05:00Z');
    await store.record({
      ticketId: 'T-1001',
      rule: 'incident-form',
      dueAt,
      kind: 'breach',
      state: 'recorded',
      severity: 'P1',
      clientTier: 'enterprise',
      explanation: 'x',
      recordedAt: 0,
    });
    await store.transition(
      { ticketId: 'T-1001', rule: 'incident-form', dueAt, kind: 'breach' },
      'recorded',
      'retracted',
      0,
    );
    const report = await weeklyReport(storeTickets(store), DEFAULT_POLICY, isoWeek('2026-W10', 'UTC'), {
      now: Date.parse('2026-11-26T00:00:00Z'),
    });
    expect(report.retracted).toEqual({ total: 1, byRule: { 'incident-form': 1 } });
    expect(report.byRule['incident-form'].breached).toBe(2); // T-1002's and reopened T-1007's, as before
  });
});

describe('the weekly report as of a time (RULES.md section 2, as-of)', () => {
  const p1 = (id: string, at: string): CanonicalEvent =>
    ({
      id,
      ticketId: 'T-NOW',
      type: 'ticket.created',
      at,
      severity: 'P1',
      client: { id: 'c', tier: 'enterprise' },
    }) as CanonicalEvent;

  it('counts nothing due after the as-of: a P1 created now has open obligations, not 66 breaches', async () => {
    const store = new MemoryStore();
    const now = Date.parse('2026-03-04T12:00:00Z'); // Wednesday of 2026-W10
    await store.append([p1('n-1', '2026-03-04T11:00:00Z')]);
    const report = await weeklyReport(storeTickets(store), DEFAULT_POLICY, isoWeek('2026-W10', 'UTC'), { now });
    expect(report.asOf).toBe(now);
    // due by 12:00: the form, the page, L3 engaged and its ownership (all missed)
    expect(report.total).toMatchObject({ due: 4, breached: 4 });
    // open: the next client update (13:00); nothing later than the as-of is judged
    expect([...report.open].map((o) => `${o.rule} ${new Date(o.dueAt).toISOString()}`)).toEqual([
      'client-update 2026-03-04T13:00:00.000Z',
    ]);
    // as of the week's end, the silent ticket has missed every 2-hourly update until Sunday night
    const atEnd = await weeklyReport(storeTickets(store), DEFAULT_POLICY, isoWeek('2026-W10', 'UTC'), {
      now,
      asOf: isoWeek('2026-W10', 'UTC').end,
    });
    // Wed 11:00 to Mon 00:00 is 109 hours: 54 windows missed, the 55th open at the week's end
    expect(atEnd.byRule['client-update'].breached).toBe(54);
    expect([...atEnd.open].map((o) => o.rule)).toEqual(['client-update']);
  });

  it("looks back as far as the policy's longest clock allows: working days over holidays", async () => {
    const store = new MemoryStore();
    // a P2 escalated on Mon 5 Jan 2026; with four weeks of holidays after it, its 2 working days
    // end on Tue 3 Feb, in the first trend week of 2026-W10: its clock started 6 weeks before
    // the week, further back than any fixed fortnight before the trend would read
    await store.append([
      {
        id: 'q-1',
        ticketId: 'T-Q',
        type: 'ticket.created',
        at: '2026-01-05T09:00:00Z',
        severity: 'P2',
        client: { id: 'c', tier: 'enterprise' },
      },
      { id: 'q-2', ticketId: 'T-Q', type: 'troubleshooting.documented', at: '2026-01-05T09:30:00Z' },
      { id: 'q-3', ticketId: 'T-Q', type: 'escalated', at: '2026-01-05T10:00:00Z', toTier: 'L2', channel: 'page' },
    ] as CanonicalEvent[]);
    const holidays = Array.from({ length: 27 }, (_, i) =>
      new Date(Date.parse('2026-01-06') + i * 86_400_000).toISOString().slice(0, 10),
    );
    const policy = PolicyConfig.parse({ calendar: { holidays } });
    const report = await weeklyReport(storeTickets(store), policy, isoWeek('2026-W10', 'UTC'), {
      now: Date.parse('2026-04-01T00:00:00Z'),
    });
    expect(report.trend[0]).toMatchObject({ week: '2026-W06', due: 1, breached: 1 });
    expect(earliestClockStart(policy, Date.parse('2026-02-02T00:00:00Z'))).toBeLessThan(
      Date.parse('2026-01-05T10:00:00Z'),
    );
  });
});
