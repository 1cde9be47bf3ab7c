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

describe('the sweep', () => {
  it('after an outage of Scheduler and SNS longer than the sender retries, records and alerts every due breach once', async () => {
    const store = new MemoryStore();
    const timers = new Outage();
    const alerts = new MemoryAlerts();
    alerts.failures = 1_000; // SNS down too
    const clock = { now: T0 + MIN };
    const deps: LiveDeps = {
      store,
      timers,
      alerts,
      policy: DEFAULT_POLICY,
      graceMs: 0,
      baseUrl: '',
      now: () => clock.now,
    };
    // the ingest path: stored, flagged, and its reconcile fails
    await store.append([
      {
        id: 'e1',
        ticketId: 'T-1',
        type: 'ticket.created',
        at: new Date(T0).toISOString(),
        severity: 'P1',
        client: { id: 'c', tier: 'enterprise' },
      } as CanonicalEvent,
    ]);
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
    const store = new MemoryStore();
    const alerts = new MemoryAlerts();
    const clock = { now: T0 };
    const deps: LiveDeps = {
      store,
      timers: new MemoryTimers(),
      alerts,
      policy: DEFAULT_POLICY,
      graceMs: 0,
      baseUrl: '',
      now: () => clock.now,
    };
    await store.append([
      {
        id: 'e1',
        ticketId: 'T-2',
        type: 'ticket.created',
        at: new Date(T0).toISOString(),
        severity: 'P1',
        client: { id: 'c', tier: 'enterprise' },
      } as CanonicalEvent,
    ]);
    await reconcileChanged('T-2', undefined, deps); // armed; then the schedules are lost
    clock.now = T0 + 12 * MIN;
    expect((await sweep(deps)).tickets).toBe(1);
    expect(alerts.published.map((a) => a.rule).sort()).toEqual(['incident-form', 'l2-paged']);
  });
});
