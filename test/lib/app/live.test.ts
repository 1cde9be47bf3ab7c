import { describe, expect, it } from 'vitest';
import { MemoryStore } from '../../../lib/adapters/memory/store';
import { MemoryAlerts, MemoryTimers } from '../../../lib/adapters/memory/timers';
import { check, type LiveDeps, reconcile } from '../../../lib/app/live';
import type { CanonicalEvent } from '../../../lib/events/schema';
import { DEFAULT_POLICY, type Policy, PolicyConfig } from '../../../lib/policy/schema';

const T0 = Date.parse('2026-03-02T10:00:00Z');
const MIN = 60_000;

function setup(policy: Policy = DEFAULT_POLICY, graceMs = 0) {
  const store = new MemoryStore();
  const timers = new MemoryTimers();
  const alerts = new MemoryAlerts();
  const clock = { now: T0 };
  const deps: LiveDeps = { store, timers, alerts, policy, graceMs, baseUrl: 'http://x', now: () => clock.now };
  let n = 0;
  const add = (type: string, minutes: number, extra: Record<string, unknown> = {}) =>
    store.append([
      {
        id: `e${++n}`,
        ticketId: 'T-1',
        type,
        at: new Date(T0 + minutes * MIN).toISOString(),
        ...extra,
      } as CanonicalEvent,
    ]);
  const created = () => add('ticket.created', 0, { severity: 'P1', client: { id: 'c', tier: 'enterprise' } });
  const armed = () =>
    [...timers.armed.values()]
      .map((t) => `${t.kind} ${t.rule} ${new Date(t.fireAt).toISOString().slice(11, 16)}`)
      .sort();
  const sent = () => alerts.published.map((a) => `${a.kind} ${a.rule} ${a.dueAt.slice(11, 16)}`);
  /** The incident-form breach recorded and claimed (60 s lease) by another checker, now. */
  const claimedElsewhere = async () => {
    const key = { ticketId: 'T-1', rule: 'incident-form' as const, dueAt: T0 + 5 * MIN, kind: 'breach' as const };
    const notice = { ...key, state: 'recorded' as const, severity: 'P1' as const, clientTier: 'enterprise' as const };
    await store.record({ ...notice, explanation: 'x', recordedAt: clock.now });
    return store.transition(key, 'recorded', 'alerting', clock.now, 60_000);
  };
  return { store, timers, alerts, clock, deps, add, created, armed, sent, claimedElsewhere };
}

describe('reconcile and check', () => {
  it('arms a timer per pending obligation, then alerts each breach once when it fires', async () => {
    const s = setup();
    await s.created();
    await reconcile('T-1', s.deps);
    expect(s.armed()).toEqual([
      'deadline client-update 12:00',
      'deadline incident-form 10:05',
      'deadline l2-paged 10:05',
      'deadline l3-engaged 10:15',
      'deadline l3-ownership 10:30',
    ]);
    expect(s.sent()).toEqual([]);
    s.clock.now = T0 + 5 * MIN;
    await check({ ticketId: 'T-1' }, s.deps);
    expect(s.sent()).toEqual(['breach incident-form 10:05', 'breach l2-paged 10:05']);
    expect(s.alerts.published[0]).toMatchObject({
      alertId: 'breach:T-1:incident-form:2026-03-02T10:05:00.000Z',
      severity: 'P1',
      clientTier: 'enterprise',
      policy: 'CS-POL-001',
      policyVersion: '2025-11-01',
      explanation: 'no Incident Report Form filed by the 10:05 deadline',
      link: 'http://x/tickets/T-1',
    });
    // the fired timers are gone, the others stay
    expect(s.armed()).toEqual([
      'deadline client-update 12:00',
      'deadline l3-engaged 10:15',
      'deadline l3-ownership 10:30',
    ]);
    // a timer delivered twice, and concurrent checks: still one alert per breach
    await Promise.all([
      check({ ticketId: 'T-1' }, s.deps),
      check({ ticketId: 'T-1' }, s.deps),
      reconcile('T-1', s.deps),
    ]);
    expect(s.sent()).toHaveLength(2);
  });

  it('waits for the grace period before judging a deadline', async () => {
    const s = setup(DEFAULT_POLICY, 30_000);
    await s.created();
    await reconcile('T-1', s.deps);
    expect(s.armed()).toContain('deadline incident-form 10:05');
    expect([...s.timers.armed.values()].find((t) => t.rule === 'incident-form')?.fireAt).toBe(T0 + 5 * MIN + 30_000);
    s.clock.now = T0 + 5 * MIN + 10_000;
    await check({ ticketId: 'T-1' }, s.deps);
    expect(s.sent()).toEqual([]);
    s.clock.now = T0 + 5 * MIN + 30_000;
    await check({ ticketId: 'T-1' }, s.deps);
    expect(s.sent()).toEqual(['breach incident-form 10:05', 'breach l2-paged 10:05']);
  });

  it('a deadline already past is judged at once, when the change arrives', async () => {
    const s = setup();
    s.clock.now = T0 + 20 * MIN;
    await s.created();
    await reconcile('T-1', s.deps);
    expect(s.sent()).toEqual(['breach incident-form 10:05', 'breach l2-paged 10:05', 'breach l3-engaged 10:15']);
    expect(s.armed()).toEqual(['deadline client-update 12:00', 'deadline l3-ownership 10:30']);
  });

  it('retracts a breach that late evidence met, once, and disarms what resolution cancelled', async () => {
    const s = setup();
    await s.created();
    s.clock.now = T0 + 6 * MIN;
    await reconcile('T-1', s.deps);
    await s.add('incident_form.created', 2); // filed on time, delivered late
    await reconcile('T-1', s.deps);
    await reconcile('T-1', s.deps);
    expect(s.sent()).toEqual(['breach incident-form 10:05', 'breach l2-paged 10:05', 'retraction incident-form 10:05']);
    expect(s.alerts.published[2]?.explanation).toBe(
      'retracted: Incident Report Form filed 10:02, 3 min before the 10:05 deadline',
    );
    expect((await s.store.notices('T-1')).map((n) => `${n.rule} ${n.state}`).sort()).toEqual([
      'incident-form retraction-alerted',
      'l2-paged alerted',
    ]);
    await s.add('ticket.resolved', 7);
    s.clock.now = T0 + 8 * MIN;
    await reconcile('T-1', s.deps);
    expect(s.armed()).toEqual([]);
  });

  it('does not page on-call for breaches older than the alert horizon', async () => {
    const s = setup();
    s.clock.now = T0 + 30 * 60 * MIN; // 30 hours later: the ticket was imported late
    await s.created();
    await reconcile('T-1', s.deps);
    // only the 2-hourly windows of the last 24 hours
    expect(s.sent().every((a) => a.startsWith('breach client-update'))).toBe(true);
    expect(s.sent()).toHaveLength(13); // Mon 16:00 to Tue 16:00, both included
    expect(s.armed()).toEqual(['deadline client-update 18:00']);
  });

  it('throws when publishing fails; the retried check publishes exactly once', async () => {
    const s = setup();
    await s.created();
    s.clock.now = T0 + 5 * MIN;
    s.alerts.failures = 1;
    await expect(check({ ticketId: 'T-1' }, s.deps)).rejects.toThrow('alert channel unavailable');
    await check({ ticketId: 'T-1' }, s.deps);
    await check({ ticketId: 'T-1' }, s.deps);
    expect(s.sent()).toEqual(['breach incident-form 10:05', 'breach l2-paged 10:05']);
  });

  it('throws when the store fails to record; the retried check records and alerts once', async () => {
    const s = setup();
    await s.created();
    s.clock.now = T0 + 5 * MIN;
    const record = s.store.record.bind(s.store);
    let fail = true;
    s.store.record = async (n) => {
      if (fail) {
        fail = false;
        throw Object.assign(new Error('Rate exceeded'), { name: 'ProvisionedThroughputExceededException' });
      }
      return record(n);
    };
    await expect(check({ ticketId: 'T-1' }, s.deps)).rejects.toThrow('Rate exceeded');
    await check({ ticketId: 'T-1' }, s.deps);
    expect(s.sent()).toEqual(['breach incident-form 10:05', 'breach l2-paged 10:05']);
  });

  it('warns ahead of a due time when the policy asks, once per obligation', async () => {
    const policy = PolicyConfig.parse({
      id: 'P',
      version: '1',
      warnings: { leadMinutes: 15, rules: ['client-update'] },
    });
    const s = setup(policy);
    await s.created();
    await reconcile('T-1', s.deps);
    expect(s.armed()).toContain('warning client-update 11:45');
    expect(s.armed().filter((t) => t.startsWith('warning'))).toHaveLength(1);
    s.clock.now = T0 + 105 * MIN;
    await check({ ticketId: 'T-1' }, s.deps);
    await check({ ticketId: 'T-1' }, s.deps);
    expect(s.sent().filter((a) => a.startsWith('warning'))).toEqual(['warning client-update 12:00']);
    // met in time: no breach for that window
    await s.add('client.update', 110, { actor: { role: 'CSM' }, status: 'ok', etr: '2026-03-02T14:00:00Z' });
    s.clock.now = T0 + 121 * MIN;
    await check({ ticketId: 'T-1' }, s.deps);
    expect(s.sent().filter((a) => a.includes('client-update'))).toEqual(['warning client-update 12:00']);
    expect(s.armed()).toContain('warning client-update 13:35');
  });

  it('is off by default: no warning timers', async () => {
    const s = setup();
    await s.created();
    await reconcile('T-1', s.deps);
    expect(s.armed().some((t) => t.startsWith('warning'))).toBe(false);
  });

  it('a claim whose holder died is taken over when its lease runs out: a lease timer brings the check back', async () => {
    const s = setup();
    await s.created();
    s.clock.now = T0 + 5 * MIN;
    // another checker claimed the incident-form breach, then died before publishing
    expect(await s.claimedElsewhere()).toBe(true);
    await check({ ticketId: 'T-1' }, s.deps);
    expect(s.sent()).toEqual(['breach l2-paged 10:05']);
    expect(s.armed()).toContain('lease incident-form 10:06');
    s.clock.now = T0 + 6 * MIN;
    await check({ ticketId: 'T-1' }, s.deps);
    expect(s.sent()).toEqual(['breach l2-paged 10:05', 'breach incident-form 10:05']);
    expect(s.armed().some((t) => t.startsWith('lease'))).toBe(false);
    expect((await s.store.notices('T-1')).every((n) => n.state === 'alerted')).toBe(true);
  });

  it('retracts a breach caught mid-alert: its alert goes out first, then the retraction', async () => {
    const s = setup();
    await s.created();
    s.clock.now = T0 + 5 * MIN;
    await s.claimedElsewhere();
    await s.add('incident_form.created', 2); // filed in time, delivered late
    s.clock.now = T0 + 7 * MIN; // the claim has run out
    await reconcile('T-1', s.deps);
    expect(s.sent().filter((a) => a.includes('incident-form'))).toEqual([
      'breach incident-form 10:05',
      'retraction incident-form 10:05',
    ]);
    expect((await s.store.notices('T-1')).find((n) => n.rule === 'incident-form')?.state).toBe('retraction-alerted');
  });
});

describe('reconcile with the register of waivers', () => {
  const waiver = (id: string, scope: { ticketId: string; rule: string }, grantedAt: number) => ({
    id,
    scope,
    reason: 'the client was on a bridge call with L2',
    approver: 'maria (Head of Support)',
    grantedAt: new Date(grantedAt).toISOString(),
    expiresAt: new Date(T0 + 24 * 60 * MIN).toISOString(),
  });

  it('pages no breach a waiver granted ahead of time excuses; still pages the others', async () => {
    const s = setup();
    await s.store.addWaiver(waiver('W-1', { ticketId: 'T-1', rule: 'l2-paged' }, T0 + MIN), T0 + MIN);
    const deps = { ...s.deps, waivers: () => s.store.waivers() };
    await s.created();
    await reconcile('T-1', deps);
    s.clock.now = T0 + 5 * MIN;
    await check({ ticketId: 'T-1' }, deps);
    expect(s.sent()).toEqual(['breach incident-form 10:05']);
  });

  it('follows an alerted breach a waiver later excuses with one "excused" notice naming the waiver', async () => {
    const s = setup();
    const deps = { ...s.deps, waivers: () => s.store.waivers() };
    await s.created();
    s.clock.now = T0 + 5 * MIN;
    await reconcile('T-1', deps);
    expect(s.sent()).toEqual(['breach incident-form 10:05', 'breach l2-paged 10:05']);
    s.clock.now = T0 + 8 * MIN;
    await s.store.addWaiver(waiver('W-1', { ticketId: 'T-1', rule: 'l2-paged' }, s.clock.now), s.clock.now);
    await Promise.all([reconcile('T-1', deps), reconcile('T-1', deps)]);
    await reconcile('T-1', deps);
    expect(s.sent()).toEqual(['breach incident-form 10:05', 'breach l2-paged 10:05', 'excused l2-paged 10:05']);
    expect(s.alerts.published[2]).toMatchObject({
      kind: 'excused',
      alertId: 'excused:T-1:l2-paged:2026-03-02T10:05:00.000Z',
      explanation: expect.stringMatching(
        /^excused by waiver W-1 \(approved by maria \(Head of Support\): the client was on a bridge call with L2\); L2 not paged/,
      ),
    });
  });
});
