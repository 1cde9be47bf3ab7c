/**
 * Deadlines: (1) in-process timers with 10,000 live P1 tickets whose first deadlines fall due over
 * 20 seconds: how late after its due time each timer fires (the checks run the real `reconcile`
 * on the in-memory store); (2) EventBridge Scheduler calls per ticket change, replaying generated
 * ticket histories change by change through `reconcile` with a Scheduler client that only counts.
 */
import type { SchedulerClient } from '@aws-sdk/client-scheduler';
import { LocalTimers } from '../lib/adapters/local/timers';
import { MemoryStore } from '../lib/adapters/memory/store';
import { MemoryAlerts } from '../lib/adapters/memory/timers';
import { SchedulerTimers } from '../lib/adapters/scheduler/timers';
import { check, type LiveDeps, reconcile } from '../lib/app/live';
import type { CanonicalEvent } from '../lib/events/schema';
import { DEFAULT_POLICY } from '../lib/policy/schema';
import type { Timer } from '../lib/ports';
import { random, ticketEvents } from './generate';

const pct = (sorted: number[], p: number) =>
  sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] ?? 0;

async function localTimers(tickets: number): Promise<void> {
  const store = new MemoryStore();
  const alerts = new MemoryAlerts();
  const late: number[] = [];
  const deps: { live?: LiveDeps } = {};
  const timers = new LocalTimers(async (t: Timer) => {
    late.push(Date.now() - t.fireAt);
    if (deps.live) await check(t, deps.live);
  });
  deps.live = { store, timers, alerts, policy: DEFAULT_POLICY, graceMs: 0, baseUrl: '' };
  const start = Date.now();
  // created 5 minutes before "now + 2..22 s": the incident-form and l2-paged deadlines fall due then
  for (let n = 0; n < tickets; n++) {
    const at = new Date(start - 5 * 60_000 + 2_000 + Math.floor((n / tickets) * 20_000)).toISOString();
    await store.append([
      {
        id: `c${n}`,
        ticketId: `T-${n}`,
        type: 'ticket.created',
        at,
        severity: 'P1',
        client: { id: 'c', tier: 'enterprise' },
      } as CanonicalEvent,
    ]);
    await reconcile(`T-${n}`, deps.live);
  }
  const armedAfter = Date.now() - start;
  const firstTwo = tickets * 2;
  while (late.length < firstTwo && Date.now() - start < 60_000) await new Promise((r) => setTimeout(r, 100));
  timers.stop();
  const sorted = [...late].sort((a, b) => a - b);
  console.log(
    `\n## timers: ${tickets.toLocaleString('en-US')} live P1 tickets, ${timers.size.toLocaleString('en-US')} timers still armed after the run (armed in ${(armedAfter / 1000).toFixed(1)} s)`,
  );
  console.log(
    `in-process timers: ${sorted.length.toLocaleString('en-US')} fired; lateness after the due time p50 ${pct(sorted, 50)} ms, p90 ${pct(sorted, 90)} ms, ` +
      `p99 ${pct(sorted, 99)} ms, max ${sorted.at(-1)} ms; ${sorted.filter((x) => x <= 1000).length === sorted.length ? 'all' : sorted.filter((x) => x <= 1000).length} within 1 s (target: within 1 s); ` +
      `${alerts.published.length.toLocaleString('en-US')} breach alerts`,
  );
}

async function schedulerCalls(tickets: number): Promise<void> {
  let calls = 0;
  const client = { send: async () => ({}) } as unknown as SchedulerClient;
  const scheduler = new SchedulerTimers({
    client,
    group: 'g',
    targetArn: 'arn:t',
    roleArn: 'arn:r',
    deadLetterArn: 'arn:d',
  });
  const store = new MemoryStore();
  const deps = {
    store,
    timers: scheduler,
    alerts: new MemoryAlerts(),
    policy: DEFAULT_POLICY,
    graceMs: 60_000,
    baseUrl: '',
  };
  const rnd = random(11);
  const week = Date.parse('2026-03-02T00:00:00Z');
  const changes: { t: number; event: CanonicalEvent }[] = [];
  for (let n = 0; n < tickets; n++) {
    for (const e of ticketEvents(n, week + Math.floor(rnd() * 7 * 24 * 60) * 60_000, rnd)) {
      changes.push({ t: e.t, event: JSON.parse(e.json) as CanonicalEvent });
    }
  }
  changes.sort((a, b) => a.t - b.t);
  for (const c of changes) {
    await store.append([c.event]);
    const now = c.t;
    await reconcile(c.event.ticketId, { ...deps, now: () => now });
  }
  calls = scheduler.calls;
  console.log(
    `EventBridge Scheduler: ${calls.toLocaleString('en-US')} CreateSchedule/DeleteSchedule calls for ${changes.length.toLocaleString('en-US')} ticket changes ` +
      `(${tickets.toLocaleString('en-US')} tickets): ${(calls / changes.length).toFixed(2)} calls per change`,
  );
}

export async function benchTimers(tickets = 10_000): Promise<void> {
  await localTimers(tickets);
  await schedulerCalls(tickets);
}
