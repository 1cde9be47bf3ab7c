import { describe, expect, it } from 'vitest';
import { MemoryStore } from '../../../lib/adapters/memory/store';
import { MemoryAlerts, MemoryTimers } from '../../../lib/adapters/memory/timers';
import type { LiveDeps } from '../../../lib/app/live';
import { reconcileChanged, sweep } from '../../../lib/app/sweep';
import type { CanonicalEvent } from '../../../lib/events/schema';
import { DEFAULT_POLICY } from '../../../lib/policy/schema';
import type { Timer } from '../../../lib/ports';

const T0 = Date.parse('2026-03-02T10:00:00Z');
const MIN = 60_000;

/** Timers that fail while `down` (Scheduler unavailable). */
class Outage extends MemoryTimers {
  down = true;
  override async arm(timers: readonly Timer[]) {
    if (this.down) throw new Error('Scheduler: ServiceUnavailable');
    return super.arm(timers);
  }
}

/** A P1 ticket created at T0, stored, with the live use case's ports in memory and a clock. */
async function setup(ticketId: string, timers: MemoryTimers, now: number) {
  const store = new MemoryStore();
  const alerts = new MemoryAlerts();
  const clock = { now };
  const deps: LiveDeps = {
    store,
    timers,
    alerts,
    policy: DEFAULT_POLICY,
    graceMs: 0,
    baseUrl: '',
    now: () => clock.now,
  };
  const created = { id: 'e1', ticketId, type: 'ticket.created', at: new Date(T0).toISOString(), severity: 'P1' };
  await store.append([{ ...created, client: { id: 'c', tier: 'enterprise' } } as CanonicalEvent]);
  return { store, alerts, clock, deps };
}

describe('the sweep', () => {
  it('after an outage of Scheduler and SNS longer than the sender retries, records and alerts every due breach once', async () => {
    const timers = new Outage();
    const { store, alerts, clock, deps } = await setup('T-1', timers, T0 + MIN);
    alerts.failures = 1_000; // SNS down too
    // the ingest path: stored, flagged, and its reconcile fails
    await store.flagChanged(['T-1'], clock.now);
    await expect(reconcileChanged('T-1', clock.now, deps)).rejects.toThrow(/ServiceUnavailable|unavailable/);
    // the deadlines pass during the outage; a sweep during it fails and keeps the flag
    clock.now = T0 + 20 * MIN;
    expect(await sweep(deps)).toMatchObject({ tickets: 1, failed: 1 });
    expect(await store.changedTickets()).toHaveLength(1);
    expect(alerts.published).toEqual([]);
    // both are back: the next sweep alerts what fell due, once, and clears the flag
    timers.down = false;
    alerts.failures = 0;
    clock.now = T0 + 25 * MIN;
    const swept = await sweep(deps);
    expect(swept).toMatchObject({ tickets: 1, failed: 0 });
    const breached = alerts.published.map((a) => a.rule).sort();
    expect(breached).toEqual(['incident-form', 'l2-paged', 'l3-engaged']);
    expect(swept.breaches).toBe(breached.length);
    expect(await store.changedTickets()).toEqual([]);
    expect([...timers.armed.values()].map((t) => t.rule).sort()).toEqual(['client-update', 'l3-ownership']);
    // nothing left to sweep; nothing alerted twice
    expect(await sweep(deps)).toMatchObject({ tickets: 0 });
    expect(alerts.published).toHaveLength(3);
  });

  it('reconciles a ticket whose timer should have fired long ago and is still armed (a lost schedule)', async () => {
    const { alerts, clock, deps } = await setup('T-2', new MemoryTimers(), T0);
    await reconcileChanged('T-2', undefined, deps); // armed; then the schedules are lost
    clock.now = T0 + 12 * MIN;
    expect((await sweep(deps)).tickets).toBe(1);
    expect(alerts.published.map((a) => a.rule).sort()).toEqual(['incident-form', 'l2-paged']);
  });
});
