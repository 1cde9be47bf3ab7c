import { describe, expect, it } from 'vitest';
import { random, ticketEvents } from '../../../bench/generate';
import { evaluateTicket } from '../../../lib/engine/evaluate';
import { RULE_IDS } from '../../../lib/engine/rules';
import type { TicketAudit } from '../../../lib/engine/types';
import { parseEvent, type TicketEvent } from '../../../lib/events/parse';
import { DEFAULT_POLICY, PolicyConfig } from '../../../lib/policy/schema';
import { aggregateWeek, isoWeek, NO_AGENT, NO_QUEUE, weekOf } from '../../../lib/report/aggregate';

describe('ISO weeks in the policy time zone', () => {
  it('runs Monday 00:00 to Monday 00:00 local time', () => {
    const w = isoWeek('2026-W10', 'UTC');
    expect(new Date(w.start).toISOString()).toBe('2026-03-02T00:00:00.000Z');
    expect(new Date(w.end).toISOString()).toBe('2026-03-09T00:00:00.000Z');
    const berlin = isoWeek('2026-W13', 'Europe/Berlin'); // DST starts Sunday 29 March
    expect(new Date(berlin.start).toISOString()).toBe('2026-03-22T23:00:00.000Z');
    expect((berlin.end - berlin.start) / 3_600_000).toBe(167);
    expect(weekOf(Date.parse('2026-03-08T23:30:00Z'), 'Europe/Berlin')).toBe('2026-W11');
    expect(weekOf(Date.parse('2027-01-01T12:00:00Z'), 'UTC')).toBe('2026-W53');
  });

  it('refuses what is not an ISO week', () => {
    expect(() => isoWeek('2026-10', 'UTC')).toThrow(/ISO week/);
    expect(() => isoWeek('2026-W54', 'UTC')).toThrow(/ISO week/);
  });
});

/** A generated week of tickets, audited by the engine as of the end of the week. */
function generatedWeek(
  tickets: number,
  seed: number,
  policy = DEFAULT_POLICY,
): { audits: TicketAudit[]; asOf: number } {
  const rnd = random(seed);
  const weekStart = Date.parse('2026-02-23T00:00:00Z');
  const asOf = Date.parse('2026-03-09T00:00:00Z');
  const audits: TicketAudit[] = [];
  for (let n = 0; n < tickets; n++) {
    const events: TicketEvent[] = ticketEvents(n, weekStart + Math.floor(rnd() * 14 * 24 * 60) * 60_000, rnd).map(
      (e) => {
        const r = parseEvent(JSON.parse(e.json));
        if (!r.ok) throw new Error(r.error);
        return r.event;
      },
    );
    audits.push(evaluateTicket(`T-${n}`, events, policy, asOf));
  }
  return { audits, asOf };
}

describe('weekly aggregation, checked against the engine’s obligations', () => {
  it.each([1, 2, 3])('every figure of a generated week (seed %i)', (seed) => {
    const { audits } = generatedWeek(400, seed);
    const week = isoWeek('2026-W10', 'UTC');
    const report = aggregateWeek(audits, DEFAULT_POLICY, week, { asOf: week.end });
    const inWeek = audits
      .flatMap((a) => a.obligations)
      .filter((o) => o.dueAt >= week.start && o.dueAt < week.end && (o.status === 'met' || o.status === 'breached'));
    expect(report.obligations).toHaveLength(inWeek.length);
    expect(report.total.due).toBe(inWeek.length);
    expect(report.total.breached).toBe(inWeek.filter((o) => o.status === 'breached').length);
    for (const rule of RULE_IDS) {
      const of = inWeek.filter((o) => o.rule === rule);
      const met = of.filter((o) => o.status === 'met').length;
      expect.soft(report.byRule[rule], rule).toMatchObject({ due: of.length, met, breached: of.length - met });
      expect.soft(report.byRule[rule].compliance, rule).toBe(of.length ? met / of.length : null);
    }
    expect([...report.breaches].map((b) => `${b.ticketId} ${b.rule} ${b.dueAt}`).sort()).toEqual(
      audits
        .flatMap((a) => a.breaches)
        .filter((b) => b.dueAt >= week.start && b.dueAt < week.end)
        .map((b) => `${b.ticketId} ${b.rule} ${b.dueAt}`)
        .sort(),
    );
    // the trend's last week is this week, the others are the weeks before
    expect(report.trend.map((t) => t.week)).toEqual(['2026-W06', '2026-W07', '2026-W08', '2026-W09', '2026-W10']);
    expect(report.trend.at(-1)).toMatchObject({ due: report.total.due, breached: report.total.breached });
    const severities = Object.values(report.bySeverity).reduce((n, t) => n + t.due, 0);
    expect(severities).toBe(report.total.due);
    // per team and per agent: each group is the tally of the obligations the engine put down to it
    for (const [groups, key, none] of [
      [report.byQueue, (o: (typeof inWeek)[number]) => o.queue, NO_QUEUE],
      [report.byAgent, (o: (typeof inWeek)[number]) => o.agent, NO_AGENT],
    ] as const) {
      expect(groups.length).toBeGreaterThan(1);
      expect(groups.reduce((n, g) => n + g.due, 0)).toBe(report.total.due);
      for (const g of groups) {
        const of = inWeek.filter((o) => (key(o) ?? none) === g.name);
        const met = of.filter((o) => o.status === 'met').length;
        expect.soft(g, g.name).toMatchObject({ due: of.length, met, breached: of.length - met });
      }
      // most breaches first
      expect(groups.map((g) => g.breached)).toEqual(groups.map((g) => g.breached).sort((a, b) => b - a));
    }
    expect(report.byQueue.map((g) => g.name).sort()).toEqual(['APAC', 'Americas', 'EMEA', 'L2 Platform']);
  });

  it('puts an obligation down to who met it, or else to who held the ticket when it fell due', () => {
    const policy = DEFAULT_POLICY;
    const at = (m: number) => new Date(Date.parse('2026-03-03T10:00:00Z') + m * 60_000).toISOString();
    const events = [
      {
        id: 'c',
        type: 'ticket.created',
        at: at(0),
        severity: 'P1',
        client: { id: 'a', tier: 'enterprise' },
        actor: { id: 'ana', role: 'L1' },
        queue: 'EMEA',
      },
      { id: 'f', type: 'incident_form.created', at: at(3), actor: { id: 'ben', role: 'L1' } },
      {
        id: 'o',
        type: 'ownership.taken',
        at: at(10),
        tier: 'L2',
        actor: { id: 'lee', role: 'L2' },
        queue: 'L2 Platform',
      },
    ].map((e) => {
      const r = parseEvent({ ticketId: 'T-1', ...e });
      if (!r.ok) throw new Error(r.error);
      return r.event;
    });
    const audit = evaluateTicket('T-1', events, policy, Date.parse(at(60)));
    const of = (rule: string) => audit.obligations.find((o) => o.rule === rule);
    expect(of('incident-form')).toMatchObject({ status: 'met', agent: 'ben', queue: 'EMEA' });
    expect(of('l2-paged')).toMatchObject({ status: 'breached', agent: 'ana', queue: 'EMEA' });
    expect(of('l3-ownership')).toMatchObject({ status: 'breached', agent: 'lee', queue: 'L2 Platform' });
  });

  it('counts retracted breaches per rule, team and agent among the met', () => {
    const { audits } = generatedWeek(300, 5);
    const week = isoWeek('2026-W10', 'UTC');
    const met = audits
      .flatMap((a) => a.obligations)
      .filter((o) => o.status === 'met' && o.queue && o.dueAt >= week.start && o.dueAt < week.end)
      .slice(0, 3);
    const report = aggregateWeek(audits, DEFAULT_POLICY, week, {
      asOf: week.end,
      retractions: met.map((o) => ({ kind: 'breach' as const, ticketId: o.ticketId, rule: o.rule, dueAt: o.dueAt })),
    });
    expect(report.total.retracted).toBe(3);
    expect(report.byQueue.reduce((n, g) => n + g.retracted, 0)).toBe(3);
    expect(report.byAgent.reduce((n, g) => n + g.retracted, 0)).toBe(3);
    expect(Object.values(report.byRule).reduce((n, t) => n + t.retracted, 0)).toBe(3);
    expect(report.retracted.total).toBe(3);
  });

  it('near misses and time to evidence come from the evidence of met obligations', () => {
    const ev = (type: string, at: string, extra: object = {}) => {
      const r = parseEvent({ id: `${type}-${at}`, ticketId: 'T-1', type, at, ...extra });
      if (!r.ok) throw new Error(r.error);
      return r.event;
    };
    const audit = evaluateTicket(
      'T-1',
      [
        ev('ticket.created', '2026-03-02T10:00:00Z', { severity: 'P1', client: { id: 'c', tier: 'standard' } }),
        ev('incident_form.created', '2026-03-02T10:04:45Z'), // 4 min 45 s of 5 min: a near miss
        ev('escalated', '2026-03-02T10:01:00Z', { toTier: 'L2', channel: 'page' }),
        ev('ticket.resolved', '2026-03-02T10:10:00Z'),
      ],
      DEFAULT_POLICY,
      Date.parse('2026-03-09T00:00:00Z'),
    );
    const week = isoWeek('2026-W10', 'UTC');
    const report = aggregateWeek([audit], DEFAULT_POLICY, week, { asOf: week.end });
    expect(report.byRule['incident-form']).toMatchObject({
      due: 1,
      met: 1,
      nearMisses: 1,
      timeToEvidence: { median: 285_000, p90: 285_000 },
    });
    expect(report.byRule['l2-paged']).toMatchObject({
      due: 1,
      met: 1,
      nearMisses: 0,
      timeToEvidence: { median: 60_000 },
    });
    expect(report.findings.map((f) => f.kind)).toEqual(['critical-from-non-target-client']);
  });

  it('counts a week in the policy’s own time zone', () => {
    const policy = PolicyConfig.parse({ id: 'P', version: '1', calendar: { timeZone: 'Pacific/Auckland' } });
    const { audits } = generatedWeek(200, 4, policy);
    const week = isoWeek('2026-W10', 'Pacific/Auckland');
    expect(new Date(week.start).toISOString()).toBe('2026-03-01T11:00:00.000Z');
    const report = aggregateWeek(audits, policy, week, { asOf: week.end });
    expect([...report.obligations].every((o) => o.dueAt >= week.start && o.dueAt < week.end)).toBe(true);
  });
});
