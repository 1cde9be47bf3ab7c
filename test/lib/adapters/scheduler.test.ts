import {
  ConflictException,
  CreateScheduleCommand,
  DeleteScheduleCommand,
  ResourceNotFoundException,
  SchedulerClient,
} from '@aws-sdk/client-scheduler';
import { mockClient } from 'aws-sdk-client-mock';
import { beforeEach, describe, expect, it } from 'vitest';
import { MemoryStore } from '../../../lib/adapters/memory/store';
import { MemoryAlerts } from '../../../lib/adapters/memory/timers';
import { atExpression, SchedulerTimers, scheduleName } from '../../../lib/adapters/scheduler/timers';
import { reconcile } from '../../../lib/app/live';
import type { CanonicalEvent } from '../../../lib/events/schema';
import { DEFAULT_POLICY } from '../../../lib/policy/schema';
import type { Timer } from '../../../lib/ports';

const scheduler = mockClient(SchedulerClient);
beforeEach(() => scheduler.reset());

const opts = {
  client: new SchedulerClient({ region: 'eu-west-1' }),
  group: 'escalation-auditor-timers',
  targetArn: 'arn:aws:lambda:eu-west-1:111122223333:function:checker',
  roleArn: 'arn:aws:iam::111122223333:role/scheduler',
  deadLetterArn: 'arn:aws:sqs:eu-west-1:111122223333:timers-dlq',
};
const timer = (fireAt: string, over: Partial<Timer> = {}): Timer => ({
  ticketId: 'T-100',
  rule: 'incident-form',
  kind: 'deadline',
  dueAt: Date.parse(fireAt),
  fireAt: Date.parse(fireAt),
  ...over,
});

describe('at() expressions', () => {
  it.each([
    ['end of a month', '2026-01-31T23:59:59.000Z', 'at(2026-01-31T23:59:59)'],
    ['milliseconds round up, over a month', '2026-01-31T23:59:59.001Z', 'at(2026-02-01T00:00:00)'],
    ['over a year', '2026-12-31T23:59:59.500Z', 'at(2027-01-01T00:00:00)'],
    ['a leap day', '2028-02-29T12:00:00.000Z', 'at(2028-02-29T12:00:00)'],
    // UTC throughout: the Berlin spring-forward hour (01:00-02:00Z on 29 March 2026) is ordinary
    ['across the Berlin DST change', '2026-03-29T01:30:00.000Z', 'at(2026-03-29T01:30:00)'],
    ['across the New York DST change', '2026-11-01T06:00:00.000Z', 'at(2026-11-01T06:00:00)'],
  ])('%s', (_, iso, expected) => {
    expect(atExpression(Date.parse(iso))).toBe(expected);
  });
});

describe('schedule names', () => {
  it('are deterministic, at most 64 characters of [0-9a-zA-Z-_.]', () => {
    const long = timer('2026-03-02T10:05:00Z', {
      ticketId: 'ZD-5158/with spaces and ünïcödé and a very long tail'.repeat(5),
      rule: 'troubleshooting-documented',
      kind: 'warning',
    });
    for (const t of [timer('2026-03-02T10:05:00Z'), long]) {
      expect(scheduleName(t)).toMatch(/^[0-9a-zA-Z_.-]{1,64}$/);
      expect(scheduleName(t)).toBe(scheduleName({ ...t }));
    }
    expect(scheduleName(timer('2026-03-02T10:05:00Z'))).toBe('d.T-100.if.1772445900');
    expect(scheduleName(long)).not.toBe(scheduleName({ ...long, ticketId: `${long.ticketId}x` }));
  });
});

describe('SchedulerTimers', () => {
  it('creates a one-time schedule with the exact input', async () => {
    scheduler.on(CreateScheduleCommand).resolves({ ScheduleArn: 'arn' });
    await new SchedulerTimers(opts).arm([
      timer('2026-03-02T10:05:00.250Z', { dueAt: Date.parse('2026-03-02T10:04:30Z') }),
    ]);
    expect(scheduler.commandCalls(CreateScheduleCommand)[0]?.args[0].input).toEqual({
      Name: 'd.T-100.if.1772445870',
      GroupName: 'escalation-auditor-timers',
      ScheduleExpression: 'at(2026-03-02T10:05:01)',
      ScheduleExpressionTimezone: 'UTC',
      FlexibleTimeWindow: { Mode: 'OFF' },
      ActionAfterCompletion: 'DELETE',
      Target: {
        Arn: opts.targetArn,
        RoleArn: opts.roleArn,
        Input: JSON.stringify({
          ticketId: 'T-100',
          rule: 'incident-form',
          dueAt: '2026-03-02T10:04:30.000Z',
          kind: 'deadline',
        }),
        RetryPolicy: { MaximumRetryAttempts: 10, MaximumEventAgeInSeconds: 3600 },
        DeadLetterConfig: { Arn: opts.deadLetterArn },
      },
    });
  });

  it('treats ConflictException as already armed and ResourceNotFound as already gone', async () => {
    scheduler
      .on(CreateScheduleCommand)
      .rejects(new ConflictException({ message: 'exists', Message: 'exists', $metadata: {} }));
    scheduler
      .on(DeleteScheduleCommand)
      .rejects(new ResourceNotFoundException({ message: 'gone', Message: 'gone', $metadata: {} }));
    const timers = new SchedulerTimers(opts);
    await expect(timers.arm([timer('2026-03-02T10:05:00Z')])).resolves.toBeUndefined();
    await expect(timers.disarm([timer('2026-03-02T10:05:00Z')])).resolves.toBeUndefined();
    expect(timers.calls).toBe(2);
  });

  it('throws anything else, so that the caller retries', async () => {
    scheduler
      .on(CreateScheduleCommand)
      .rejects(Object.assign(new Error('Rate exceeded'), { name: 'ThrottlingException' }));
    await expect(new SchedulerTimers(opts).arm([timer('2026-03-02T10:05:00Z')])).rejects.toThrow('Rate exceeded');
  });

  it('with reconcile: creates a schedule per pending obligation, deletes them on resolution', async () => {
    scheduler.on(CreateScheduleCommand).resolves({});
    scheduler.on(DeleteScheduleCommand).resolves({});
    const store = new MemoryStore();
    const t0 = Date.parse('2026-03-02T10:00:00Z');
    const deps = {
      store,
      timers: new SchedulerTimers(opts),
      alerts: new MemoryAlerts(),
      policy: DEFAULT_POLICY,
      graceMs: 0,
      baseUrl: '',
      now: () => t0 + 60_000,
    };
    await store.append([
      {
        id: 'e1',
        ticketId: 'T-100',
        type: 'ticket.created',
        at: '2026-03-02T10:00:00Z',
        severity: 'P1',
        client: { id: 'c', tier: 'enterprise' },
      } as CanonicalEvent,
    ]);
    await reconcile('T-100', deps);
    expect(
      scheduler
        .commandCalls(CreateScheduleCommand)
        .map((c) => c.args[0].input.Name)
        .sort(),
    ).toEqual([
      'd.T-100.cu.1772452800',
      'd.T-100.if.1772445900',
      'd.T-100.l2p.1772445900',
      'd.T-100.l3e.1772446500',
      'd.T-100.l3o.1772447400',
    ]);
    await store.append([
      { id: 'e2', ticketId: 'T-100', type: 'ticket.resolved', at: '2026-03-02T10:00:30Z' } as CanonicalEvent,
    ]);
    await reconcile('T-100', deps);
    expect(scheduler.commandCalls(DeleteScheduleCommand)).toHaveLength(5);
    expect(scheduler.commandCalls(CreateScheduleCommand)).toHaveLength(5);
  });
});
