import { SchedulerClient } from '@aws-sdk/client-scheduler';
import { PublishCommand, SNSClient } from '@aws-sdk/client-sns';
import { mockClient } from 'aws-sdk-client-mock';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DynamoStore } from '../../lib/adapters/dynamodb/store';
import type { CanonicalEvent } from '../../lib/events/schema';
import { dynalite, type Engine, freshTable } from '../support/dynamo';
import { type FaultyEngine, faulty } from '../support/faults';

const sns = mockClient(SNSClient);
const scheduler = mockClient(SchedulerClient);
let engine: Engine;
let proxy: FaultyEngine;
let store: DynamoStore;
let handler: (event: unknown, context: object) => Promise<{ breaches: number }>;

beforeAll(async () => {
  engine = await dynalite();
  proxy = await faulty(engine);
  const { table, client } = await freshTable(engine);
  store = new DynamoStore({ client, table });
  Object.assign(process.env, {
    TABLE_NAME: table,
    DYNAMODB_ENDPOINT: proxy.endpoint,
    AWS_REGION: 'local',
    AWS_ACCESS_KEY_ID: 'local',
    AWS_SECRET_ACCESS_KEY: 'local',
    AWS_MAX_ATTEMPTS: '2',
    SCHEDULE_GROUP: 'timers',
    CHECKER_ARN: 'arn:aws:lambda:eu-west-1:111122223333:function:checker',
    SCHEDULER_ROLE_ARN: 'arn:aws:iam::111122223333:role/scheduler',
    TIMER_DLQ_ARN: 'arn:aws:sqs:eu-west-1:111122223333:dlq',
    ALERTS_TOPIC_ARN: 'arn:aws:sns:eu-west-1:111122223333:alerts',
    API_URL: 'https://api.example',
    GRACE_SECONDS: '0',
  });
  ({ handler } = (await import('../../functions/check')) as unknown as { handler: typeof handler });
});
afterAll(async () => {
  await proxy.close();
  await engine.close();
});

const minutesAgo = (m: number) => new Date(Date.now() - m * 60_000).toISOString();
const timerEvent = (ticketId: string) => ({ ticketId, rule: 'incident-form', dueAt: minutesAgo(5), kind: 'deadline' });

describe('checker Lambda', () => {
  it('records and alerts each breach once, however often the timer is delivered', async () => {
    sns.reset();
    sns.on(PublishCommand).resolves({ MessageId: 'm' });
    await store.append([
      {
        id: 'a1',
        ticketId: 'T-A',
        type: 'ticket.created',
        at: minutesAgo(10),
        severity: 'P1',
        client: { id: 'c', tier: 'enterprise' },
      } as CanonicalEvent,
    ]);
    const concurrent = await Promise.all([handler(timerEvent('T-A'), {}), handler(timerEvent('T-A'), {})]);
    const redelivered = await handler(timerEvent('T-A'), {});
    // BreachesRecorded counts what an invocation changed: two in all, none on the redelivery
    expect(concurrent.reduce((n, r) => n + r.breaches, 0)).toBe(2);
    expect(redelivered.breaches).toBe(0);
    const alerts = sns
      .commandCalls(PublishCommand)
      .map((c) => JSON.parse(c.args[0].input.Message as string).rule)
      .sort();
    expect(alerts).toEqual(['incident-form', 'l2-paged']);
  });

  it('throws when SNS fails; the retried invocation publishes exactly once', async () => {
    sns.reset();
    sns.on(PublishCommand).rejectsOnce(new Error('SNS unavailable')).resolves({ MessageId: 'm' });
    await store.append([
      {
        id: 'b1',
        ticketId: 'T-B',
        type: 'ticket.created',
        at: minutesAgo(10),
        severity: 'P0',
        client: { id: 'c', tier: 'enterprise' },
      } as CanonicalEvent,
    ]);
    await expect(handler(timerEvent('T-B'), {})).rejects.toThrow('SNS unavailable');
    await handler(timerEvent('T-B'), {});
    await handler(timerEvent('T-B'), {});
    const delivered = sns
      .commandCalls(PublishCommand)
      .slice(1)
      .map((c) => JSON.parse(c.args[0].input.Message as string).rule)
      .sort();
    expect(delivered).toEqual(['incident-form', 'l2-paged']);
  });

  it('throws when DynamoDB throttles past the SDK retries; the retried invocation records and alerts once', async () => {
    sns.reset();
    sns.on(PublishCommand).resolves({ MessageId: 'm' });
    await store.append([
      {
        id: 'c1',
        ticketId: 'T-C',
        type: 'ticket.created',
        at: minutesAgo(10),
        severity: 'P1',
        client: { id: 'c', tier: 'enterprise' },
      } as CanonicalEvent,
    ]);
    proxy.throttle('PutItem', 2);
    await expect(handler(timerEvent('T-C'), {})).rejects.toThrow(/provisioned throughput/i);
    expect(proxy.throttled).toBeGreaterThanOrEqual(2);
    await handler(timerEvent('T-C'), {});
    await handler(timerEvent('T-C'), {});
    const alerts = sns
      .commandCalls(PublishCommand)
      .map((c) => JSON.parse(c.args[0].input.Message as string).rule)
      .sort();
    expect(alerts).toEqual(['incident-form', 'l2-paged']);
    expect((await store.notices('T-C')).map((n) => n.state)).toEqual(['alerted', 'alerted']);
  });

  it("reconciles a batch from the changes queue: each ticket once, a failed ticket's messages returned", async () => {
    sns.reset();
    // SNS fails for T-E's first alert only
    sns.on(PublishCommand).callsFake((input: { Message: string }) => {
      if (JSON.parse(input.Message).ticketId === 'T-E' && !failedOnce) {
        failedOnce = true;
        throw new Error('SNS unavailable');
      }
      return { MessageId: 'm' };
    });
    let failedOnce = false;
    const created = (id: string, ticketId: string) =>
      ({
        id,
        ticketId,
        type: 'ticket.created',
        at: minutesAgo(10),
        severity: 'P1',
        client: { id: 'c', tier: 'enterprise' },
      }) as CanonicalEvent;
    await store.append([created('d1', 'T-D'), created('e1', 'T-E')]);
    const at = Date.now();
    await store.flagChanged(['T-D', 'T-E'], at);
    const record = (messageId: string, body: string) => ({ messageId, body, eventSource: 'aws:sqs' });
    const message = (ticketId: string) => JSON.stringify({ ticketId, at });
    const batch = {
      Records: [
        record('m1', message('T-D')),
        record('m2', message('T-E')),
        record('m3', message('T-D')),
        record('m4', 'not json'),
        record('m5', message('T-E')),
      ],
    };
    const first = (await handler(batch, {})) as unknown as { breaches: number; batchItemFailures: unknown[] };
    // T-D: two breaches recorded and alerted, its flag cleared; T-E failed: both its messages go
    // back, with the unreadable one (for the dead-letter queue)
    expect(first.breaches).toBe(2);
    expect(first.batchItemFailures).toEqual([
      { itemIdentifier: 'm4' },
      { itemIdentifier: 'm2' },
      { itemIdentifier: 'm5' },
    ]);
    expect((await store.changedTickets()).map((c) => c.ticketId)).toEqual(['T-E']);
    // SQS redelivers T-E's messages: alerted once each, the flag cleared
    const again = (await handler(
      { Records: [record('m2', message('T-E')), record('m5', message('T-E'))] },
      {},
    )) as never as {
      batchItemFailures: unknown[];
    };
    expect(again.batchItemFailures).toEqual([]);
    expect(await store.changedTickets()).toEqual([]);
    const alerted = sns.commandCalls(PublishCommand).map((c) => JSON.parse(c.args[0].input.Message as string));
    expect(alerted.filter((a) => a.ticketId === 'T-D')).toHaveLength(2);
    // the failed first attempt, then each of T-E's two breaches once
    const e = alerted.filter((a) => a.ticketId === 'T-E').map((a) => a.rule);
    expect(e).toHaveLength(3);
    expect(new Set(e).size).toBe(2);
  });

  it('refuses an event that is not a timer', async () => {
    await expect(handler({ hello: 'world' }, {})).rejects.toThrow(/ticketId/);
  });
});

scheduler.onAnyCommand().resolves({});
