import { describe, expect, it } from 'vitest';
import { MemoryStore } from '../../../lib/adapters/memory/store';
import { weeklyReport } from '../../../lib/app/weekly';
import type { CanonicalEvent } from '../../../lib/events/schema';
import { DEFAULT_POLICY } from '../../../lib/policy/schema';
import { aggregateWeek, isoWeek } from '../../../lib/report/aggregate';
import { exampleLines, exampleShard } from '../../support/example';

describe('the weekly report from the store', () => {
  it('equals the report of the same events read from an export', async () => {
    const store = new MemoryStore();
    await store.append(exampleLines().map((l) => JSON.parse(l) as CanonicalEvent));
    const shard = exampleShard();
    const week = isoWeek('2026-W10', 'UTC');
    const fromExport = aggregateWeek(shard.audits(DEFAULT_POLICY, week.end), DEFAULT_POLICY, week);
    const fromStore = await weeklyReport(store, DEFAULT_POLICY, week, Date.parse('2026-11-26T00:00:00Z'));
    expect(fromStore.total).toEqual(fromExport.total);
    expect(fromStore.byRule).toEqual(fromExport.byRule);
    expect(fromStore.breaches).toEqual(fromExport.breaches);
    // a later week without activity reads nothing
    const quiet = await weeklyReport(
      store,
      DEFAULT_POLICY,
      isoWeek('2026-W30', 'UTC'),
      Date.parse('2026-11-26T00:00:00Z'),
    );
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
    const report = await weeklyReport(
      store,
      DEFAULT_POLICY,
      isoWeek('2026-W10', 'UTC'),
      Date.parse('2026-11-26T00:00:00Z'),
    );
    expect(report.retracted).toEqual({ total: 1, byRule: { 'incident-form': 1 } });
    expect(report.byRule['incident-form'].breached).toBe(1); // T-1002's, as before
  });
});
