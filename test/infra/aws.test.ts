/**
 * The deployed stack on moto, the AWS API emulator: the resources are made from the synthesized
 * template, and each function runs in a process of its own with its template environment
 * (references resolved to the emulator's resources), once from the TypeScript source and once as
 * the bundle `cdk synth` built. A signed webhook is followed through the table, the changes queue,
 * the checker, the schedules and SNS; the report through S3 and its topic; an outage of SNS and
 * Scheduler through the sweep; a missed webhook through the repair, against a stand-in for
 * PagerDuty's REST API. moto cannot run Lambda or fire schedules: the test delivers what
 * SQS and Scheduler would, from the queue's own messages and the schedules' own payloads.
 */
import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { DeleteItemCommand, DynamoDBClient, PutItemCommand, QueryCommand, ScanCommand } from '@aws-sdk/client-dynamodb';
import { HeadObjectCommand, S3Client } from '@aws-sdk/client-s3';
import {
  CreateScheduleGroupCommand,
  DeleteScheduleGroupCommand,
  GetScheduleCommand,
  ListSchedulesCommand,
  SchedulerClient,
} from '@aws-sdk/client-scheduler';
import { CreateTopicCommand, DeleteTopicCommand, SNSClient, SubscribeCommand } from '@aws-sdk/client-sns';
import {
  CreateQueueCommand,
  DeleteMessageBatchCommand,
  GetQueueAttributesCommand,
  type Message,
  ReceiveMessageCommand,
  SQSClient,
} from '@aws-sdk/client-sqs';
import { PutParameterCommand, SSMClient } from '@aws-sdk/client-ssm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createApp } from '../../infra/app';
import { ROOT } from '../../infra/auditor-function';
import { atExpression, scheduleName } from '../../lib/adapters/scheduler/timers';
import { MAX_BODY } from '../../lib/app/limits';
import type { CanonicalEvent } from '../../lib/events/schema';
import type { Timer } from '../../lib/ports';
import { weekOf } from '../../lib/report/aggregate';
import { httpApiEvent, type LambdaProcess, startLambda } from '../support/lambda';
import { type Moto, StackOnMoto, startMoto, type Template } from '../support/moto';
import { type FakePagerDuty, fakePagerDuty, type LogEntry, TOKEN as PAGERDUTY_TOKEN } from '../support/pagerduty-api';
import { SECRET, signed } from '../support/webhooks';

const run = promisify(execFile);
const out = mkdtempSync(join(tmpdir(), 'ea-moto-'));
let moto: Moto;
let stack: StackOnMoto;
let templateFile: string;
let sqs: SQSClient;
let sns: SNSClient;
let scheduler: SchedulerClient;
const taps: Record<'alerts' | 'reports', string> = { alerts: '', reports: '' };

const NAMES = {
  ingest: 'escalation-auditor-dev-ingest',
  checker: 'escalation-auditor-dev-checker',
  report: 'escalation-auditor-dev-report',
  repair: 'escalation-auditor-dev-repair',
};
const ENTRIES = {
  ingest: 'functions/ingest.ts',
  checker: 'functions/check.ts',
  report: 'functions/report.ts',
  repair: 'functions/repair.ts',
};
/** What PagerDuty's log holds; each test adds what it needs. */
const pagerDutyLog: LogEntry[] = [];
let pagerDuty: FakePagerDuty;

beforeAll(async () => {
  moto = await startMoto();
  pagerDuty = await fakePagerDuty(pagerDutyLog);
  // the real app, synthesized with its bundles: a mapping (so the configuration file travels in
  // each bundle), no grace, so that a deadline is judged the moment it passes, and the repair
  // pulling from the PagerDuty stand-in
  const { app } = createApp({
    outdir: out,
    context: {
      mappingFile: 'examples/mapping.yaml',
      graceSeconds: '0',
      reconcileFrom: 'pagerduty',
      vendorUrls: JSON.stringify({ pagerduty: pagerDuty.url }),
    },
  });
  const assembly = app.synth();
  const artifact = assembly.stacks[0];
  if (!artifact) throw new Error('no stack synthesized');
  templateFile = join(out, artifact.templateFile);
  stack = new StackOnMoto(JSON.parse(readFileSync(templateFile, 'utf8')) as Template, moto);
  await stack.create();
  sqs = new SQSClient(moto.config);
  sns = new SNSClient(moto.config);
  scheduler = new SchedulerClient(moto.config);
  // the signing secrets, in the parameter the stack names (deployed by hand, as the README says)
  await new SSMClient(moto.config).send(
    new PutParameterCommand({
      Name: stack.environmentOf(NAMES.ingest).SECRETS_PARAMETER,
      Type: 'SecureString',
      Value: JSON.stringify({ canonical: SECRET, custom: { opsgenie: 'og-token' } }),
    }),
  );
  await new SSMClient(moto.config).send(
    new PutParameterCommand({
      Name: stack.environmentOf(NAMES.repair).CREDENTIALS_PARAMETER,
      Type: 'SecureString',
      Value: JSON.stringify({ pagerduty: { token: PAGERDUTY_TOKEN } }),
    }),
  );
  // what on-call and the managers would receive: a queue subscribed to each topic
  for (const [tap, topic] of [
    ['alerts', 'Alerts'],
    ['reports', 'Reports'],
  ] as const)
    taps[tap] = await subscribeTap(tap, topicArn(topic));
}, 240_000);

afterAll(async () => {
  for (const c of [sqs, sns, scheduler]) c?.destroy();
  await moto?.close();
  await pagerDuty?.close();
  rmSync(out, { recursive: true, force: true });
});

const topicArn = (logical: string) => stack.physical(logicalId('AWS::SNS::Topic', logical));
function logicalId(type: string, prefix: string): string {
  const id = stack.idsOf(type).find((i) => i.startsWith(prefix));
  if (!id) throw new Error(`no ${type} ${prefix}* in the template`);
  return id;
}

async function subscribeTap(name: string, topic: string): Promise<string> {
  const { QueueUrl } = await sqs.send(new CreateQueueCommand({ QueueName: `tap-${name}` }));
  const a = await sqs.send(new GetQueueAttributesCommand({ QueueUrl, AttributeNames: ['QueueArn'] }));
  await sns.send(new SubscribeCommand({ TopicArn: topic, Protocol: 'sqs', Endpoint: a.Attributes?.QueueArn }));
  return QueueUrl as string;
}

/** Every message on a queue now, removed from it. */
async function drain(queueUrl: string, fifo = false): Promise<Message[]> {
  const all: Message[] = [];
  for (;;) {
    const r = await sqs.send(
      new ReceiveMessageCommand({
        QueueUrl: queueUrl,
        MaxNumberOfMessages: 10,
        MessageSystemAttributeNames: ['All'],
        VisibilityTimeout: fifo ? 30 : 0,
      }),
    );
    const got = r.Messages ?? [];
    if (got.length === 0) return all;
    all.push(...got);
    await sqs.send(
      new DeleteMessageBatchCommand({
        QueueUrl: queueUrl,
        Entries: got.map((m, i) => ({ Id: String(i), ReceiptHandle: m.ReceiptHandle })),
      }),
    );
  }
}

/** The SNS notifications a tap received: each alert (or report summary) with its attributes. */
async function notifications(tap: 'alerts' | 'reports') {
  return (await drain(taps[tap])).map((m) => {
    const n = JSON.parse(m.Body ?? '{}') as {
      Subject?: string;
      Message: string;
      MessageAttributes?: Record<string, { Value: string }>;
    };
    const attributes = Object.fromEntries(Object.entries(n.MessageAttributes ?? {}).map(([k, v]) => [k, v.Value]));
    return { subject: n.Subject, message: n.Message, attributes };
  });
}
const alertsOf = async (ticketId: string) =>
  (await notifications('alerts'))
    .map((n) => ({ ...n, alert: JSON.parse(n.message) as { ticketId: string; rule: string; kind: string } }))
    .filter((n) => n.alert.ticketId === ticketId);

/** Lambda's SQS event for messages received from the changes queue. */
function sqsEvent(messages: Message[], queueArn: string) {
  return {
    Records: messages.map((m) => ({
      messageId: m.MessageId,
      receiptHandle: m.ReceiptHandle,
      body: m.Body,
      attributes: m.Attributes ?? {},
      messageAttributes: {},
      md5OfBody: m.MD5OfBody,
      eventSource: 'aws:sqs',
      eventSourceARN: queueArn,
      awsRegion: 'us-east-1',
    })),
  };
}

const minutesAgo = (m: number) => new Date(Date.now() - m * 60_000).toISOString();
const created = (ticketId: string, at: string): CanonicalEvent => ({
  id: `${ticketId}-created`,
  ticketId,
  type: 'ticket.created',
  at,
  severity: 'P0',
  client: { id: 'acme', tier: 'enterprise' },
});

describe.each(['source', 'bundle'] as const)('the stack on moto, functions from the %s', (form) => {
  const fns = {} as Record<keyof typeof NAMES, LambdaProcess>;
  const env = (name: keyof typeof NAMES) => stack.environmentOf(NAMES[name]);
  let changesUrl = '';
  let changesArn = '';

  beforeAll(async () => {
    changesUrl = stack.physical(logicalId('AWS::SQS::Queue', 'Changes'));
    const a = await sqs.send(new GetQueueAttributesCommand({ QueueUrl: changesUrl, AttributeNames: ['QueueArn'] }));
    changesArn = a.Attributes?.QueueArn ?? '';
    for (const name of Object.keys(NAMES) as (keyof typeof NAMES)[]) {
      const asset = stack.assetOf(NAMES[name], out);
      fns[name] = await startLambda(form === 'source' ? join(ROOT, ENTRIES[name]) : join(asset, 'index.mjs'), {
        ...env(name),
        ...moto.env,
        // as Lambda runs it: the bundle's folder is the task root (the configuration file is there)
        LAMBDA_TASK_ROOT: asset,
        AWS_LAMBDA_FUNCTION_NAME: NAMES[name],
        POWERTOOLS_METRICS_DISABLED: 'false',
        AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true',
      });
    }
  }, 60_000);
  afterAll(async () => {
    for (const f of Object.values(fns)) await f?.close();
  });

  const post = async (events: unknown, padTo?: number) => {
    let body = JSON.stringify(events);
    if (padTo) body += ' '.repeat(padTo - Buffer.byteLength(body));
    const s = signed('canonical', body);
    return (
      await fns.ingest.invoke<{ statusCode: number; body: string }>(
        httpApiEvent('POST', '/webhooks/canonical', s.body, s.headers),
      )
    ).result;
  };

  it('follows a signed webhook to the table, the queue, the schedules and one SNS alert per breach', async () => {
    const soon = `${form}-soon`;
    const late = `${form}-late`;
    // due in 8 s (the incident form is due 5 minutes after a P0 opens), and overdue
    const accepted = await post([
      created(soon, new Date(Date.now() - 5 * 60_000 + 8_000).toISOString()),
      created(late, minutesAgo(10)),
    ]);
    expect(accepted.statusCode).toBe(200);
    expect(JSON.parse(accepted.body)).toMatchObject({ accepted: 2 });

    // the events and the archived request in the table, the tickets flagged changed
    const items =
      (await new DynamoDBClient(moto.config).send(new ScanCommand({ TableName: env('ingest').TABLE_NAME }))).Items ??
      [];
    const keys = items.map((i) => `${i.pk?.S} ${i.sk?.S}`);
    expect(keys).toEqual(
      expect.arrayContaining([
        `T#${soon} E#${soon}-created`,
        `T#${late} E#${late}-created`,
        `CHANGED ${soon}`,
        `CHANGED ${late}`,
      ]),
    );
    const archived = items.filter((i) => i.pk?.S?.startsWith('RAW#') && i.body?.S?.includes(soon));
    expect(archived).toHaveLength(1);
    expect(archived[0]?.expiresAt?.N).toBeDefined();

    // one message per ticket on the changes queue, grouped by ticket; the checker takes the batch
    const messages = await drain(changesUrl, true);
    expect(messages.map((m) => m.Attributes?.MessageGroupId).sort()).toEqual([late, soon]);
    const batch = await fns.checker.invoke<{ batchItemFailures: unknown[]; breaches: number }>(
      sqsEvent(messages, changesArn),
    );
    expect(batch.result.batchItemFailures).toEqual([]);
    const lateAlerts = await alertsOf(late);
    expect(lateAlerts.length).toBeGreaterThan(0);
    expect(batch.metrics.BreachesRecorded).toBe(lateAlerts.length);
    expect(lateAlerts[0]?.attributes).toMatchObject({
      kind: 'breach',
      severity: 'P0',
      clientTier: 'enterprise',
      policy: 'CS-POL-001',
    });
    expect(lateAlerts.map((a) => a.attributes.rule).sort()).toEqual(lateAlerts.map((a) => a.alert.rule).sort());

    // the pending ticket's timers, as Scheduler holds them
    const group = env('checker').SCHEDULE_GROUP as string;
    const listed = (await scheduler.send(new ListSchedulesCommand({ GroupName: group }))).Schedules ?? [];
    const schedules = await Promise.all(
      listed.map((s) => scheduler.send(new GetScheduleCommand({ GroupName: group, Name: s.Name }))),
    );
    const mine = schedules.filter((s) => JSON.parse(s.Target?.Input ?? '{}').ticketId === soon);
    expect(mine.length).toBeGreaterThan(0);
    for (const s of mine) {
      // named from ticket, rule and due time (so a second arm is a conflict, not a second timer),
      // at the due time plus the grace (none here), in UTC
      const input = JSON.parse(s.Target?.Input ?? '{}') as {
        ticketId: string;
        rule: Timer['rule'];
        dueAt: string;
        kind: Timer['kind'];
      };
      const dueAt = Date.parse(input.dueAt);
      expect(s.Name).toBe(scheduleName({ ...input, dueAt, fireAt: dueAt }));
      expect(s.ScheduleExpression).toBe(atExpression(dueAt));
      expect(s.ScheduleExpressionTimezone).toBe('UTC');
      expect(s.FlexibleTimeWindow).toEqual({ Mode: 'OFF' });
      expect(s.ActionAfterCompletion).toBe('DELETE');
      expect(s.Target).toMatchObject({
        Arn: env('checker').CHECKER_ARN,
        RoleArn: env('checker').SCHEDULER_ROLE_ARN,
        DeadLetterConfig: { Arn: env('checker').TIMER_DLQ_ARN },
      });
    }
    expect(env('checker').CHECKER_ARN).toBe(`arn:aws:lambda:us-east-1:123456789012:function:${NAMES.checker}`);

    // the first deadline comes: Scheduler invokes the checker with the schedule's own payload,
    // twice (at-least-once): one breach, one alert
    const first = mine
      .map((s) => ({ s, at: Date.parse(`${/^at\((.*)\)$/.exec(s.ScheduleExpression ?? '')?.[1]}Z`) }))
      .sort((a, b) => a.at - b.at)[0];
    if (!first) throw new Error('no schedule');
    await new Promise((r) => setTimeout(r, Math.max(0, first.at - Date.now() + 1_000)));
    const payload = JSON.parse(first.s.Target?.Input ?? '{}');
    const fired = await fns.checker.invoke<{ breaches: number }>(payload);
    const again = await fns.checker.invoke<{ breaches: number }>(payload);
    const soonAlerts = await alertsOf(soon);
    expect(fired.result.breaches).toBeGreaterThan(0);
    expect(soonAlerts).toHaveLength(fired.result.breaches);
    expect(soonAlerts.map((a) => a.alert.rule)).toContain(payload.rule);
    expect([fired.metrics.BreachesRecorded, again.metrics.BreachesRecorded]).toEqual([fired.result.breaches, 0]);
    // the fired timer is gone from Scheduler
    const after = (await scheduler.send(new ListSchedulesCommand({ GroupName: group }))).Schedules ?? [];
    expect(after.map((s) => s.Name)).not.toContain(first.s.Name);
  }, 60_000);

  it('repairs a webhook PagerDuty never delivered: the repair stores it once with recoveredAt, queues the ticket, counts it', async () => {
    const ticket = form === 'source' ? 'ZD-8101' : 'ZD-8102';
    const incident = {
      id: `QREP${form.toUpperCase()}`,
      type: 'incident',
      title: `${ticket} Checkout down`,
      escalation_policy: { id: 'P1EUYO0', type: 'escalation_policy_reference' },
      service: { id: 'PLVTM9H', type: 'service_reference' },
    };
    const agent = { id: 'PXRUEF2', type: 'user_reference', summary: 'On-call L2' };
    const at = (m: number) => minutesAgo(m).replace(/\.\d+Z$/, 'Z');
    pagerDutyLog.push(
      { id: `R1${form}`, type: 'trigger_log_entry', created_at: at(10), agent, incident },
      { id: `R2${form}`, type: 'acknowledge_log_entry', created_at: at(8), agent, incident },
    );
    const table = env('repair').TABLE_NAME as string;
    const dynamo = new DynamoDBClient(moto.config);
    // a first run (the other form's run left its cursor): it looks back a day
    await dynamo.send(
      new DeleteItemCommand({ TableName: table, Key: { pk: { S: 'CURSOR' }, sk: { S: 'repair:pagerduty' } } }),
    );
    await drain(changesUrl, true);
    const first = await fns.repair.invoke<{ runs: { vendor: string; recovered: number; tickets: number }[] }>({});
    expect(first.result.runs).toEqual([expect.objectContaining({ vendor: 'pagerduty', recovered: 2, tickets: 1 })]);
    expect(first.metrics.RecoveredByReconciliation).toBe(2);
    // run again: the cursor moved on, nothing new
    const again = await fns.repair.invoke<{ runs: { recovered: number }[] }>({});
    expect(again.result.runs.every((r) => r.recovered === 0)).toBe(true);
    // the ticket's events in the table, each stamped as recovered; the ticket queued for the checker
    const items =
      (
        await dynamo.send(
          new QueryCommand({
            TableName: table,
            KeyConditionExpression: 'pk = :pk AND begins_with(sk, :e)',
            ExpressionAttributeValues: { ':pk': { S: `T#${ticket}` }, ':e': { S: 'E#' } },
          }),
        )
      ).Items ?? [];
    const events = items.map((i) => JSON.parse(i.event?.S ?? '{}') as CanonicalEvent);
    expect(events.map((e) => e.type).sort()).toEqual(['escalated', 'ownership.taken']);
    for (const e of events) expect(e.recoveredAt).toBeDefined();
    const messages = await drain(changesUrl, true);
    expect(messages.map((m) => m.Attributes?.MessageGroupId)).toContain(ticket);
    const batch = await fns.checker.invoke<{ batchItemFailures: unknown[] }>(sqsEvent(messages, changesArn));
    expect(batch.result.batchItemFailures).toEqual([]);
    dynamo.destroy();
  }, 60_000);

  it('adds a waiver through POST /waivers as the IAM principal API Gateway authenticated, once, into the table', async () => {
    const waiver = {
      id: `W-${form}`,
      scope: { ticketId: `${form}-late`, rule: 'incident-form' },
      reason: 'the form was filed on paper during the outage',
      approver: 'maria (Head of Support)',
      grantedAt: minutesAgo(1),
      expiresAt: new Date(Date.now() + 86_400_000).toISOString(),
    };
    const event = httpApiEvent('POST', '/waivers', JSON.stringify(waiver), { 'content-type': 'application/json' });
    // as API Gateway passes it on the IAM-authorised route
    (event.requestContext as unknown as Record<string, unknown>).authorizer = {
      iam: { userArn: 'arn:aws:iam::123456789012:user/maria', accountId: '123456789012' },
    };
    const first = await fns.ingest.invoke<{ statusCode: number; body: string }>(event);
    expect(first.result.statusCode).toBe(200);
    expect(JSON.parse(first.result.body)).toEqual({ waivers: [{ id: `W-${form}`, outcome: 'added' }] });
    const again = await fns.ingest.invoke<{ statusCode: number; body: string }>(event);
    expect(JSON.parse(again.result.body)).toEqual({ waivers: [{ id: `W-${form}`, outcome: 'duplicate' }] });
    // without the principal (not through the IAM route) and unsigned: refused
    const unsigned = httpApiEvent('POST', '/waivers', JSON.stringify(waiver), { 'content-type': 'application/json' });
    expect((await fns.ingest.invoke<{ statusCode: number }>(unsigned)).result.statusCode).toBe(401);
    const items =
      (
        await new DynamoDBClient(moto.config).send(
          new QueryCommand({
            TableName: env('ingest').TABLE_NAME,
            KeyConditionExpression: 'pk = :pk',
            ExpressionAttributeValues: { ':pk': { S: 'WAIVERS' } },
          }),
        )
      ).Items ?? [];
    expect(items.map((i) => JSON.parse(i.record?.S ?? '{}').id)).toContain(`W-${form}`);
    // the ticket it bears on is queued for the checker, flagged as a change to the register: the
    // checker reads the register again, and on-call hears the breach alerted earlier is excused
    const messages = await drain(changesUrl, true);
    const mine = messages.filter((m) => m.Attributes?.MessageGroupId === `${form}-late`);
    expect(mine.map((m) => JSON.parse(m.Body ?? '{}'))).toEqual([
      { ticketId: `${form}-late`, at: expect.any(Number), waivers: true },
    ]);
    const batch = await fns.checker.invoke<{ batchItemFailures: unknown[] }>(sqsEvent(mine, changesArn));
    expect(batch.result.batchItemFailures).toEqual([]);
    const excused = (await alertsOf(`${form}-late`)).filter((a) => a.attributes.kind === 'excused');
    expect(excused.map((a) => a.alert.rule)).toEqual(['incident-form']);
    expect(JSON.parse(excused[0]?.message ?? '{}').explanation).toMatch(/^excused by waiver W-/);
  }, 60_000);

  it('stores a body of the whole limit within DynamoDB item size, and refuses one byte more with 413', async () => {
    const events = Array.from({ length: 400 }, (_, i) => created(`${form}-big-${i % 20}`, minutesAgo(1)));
    for (const [i, e] of events.entries()) e.id = `${form}-big-${i}`;
    const whole = await post(events, MAX_BODY);
    expect(whole.statusCode).toBe(200);
    expect(JSON.parse(whole.body)).toMatchObject({ accepted: 400 });
    const over = await post(events, MAX_BODY + 1);
    expect(over.statusCode).toBe(413);
    expect(JSON.parse(over.body).reason).toMatch(/exceeds 262144 bytes/);
    await drain(changesUrl, true);
  }, 60_000);

  it("takes a custom source's webhook at /webhooks/custom/{name}, with the token from the SSM parameter", async () => {
    const body = JSON.stringify({
      action: 'Create',
      alert: { alertId: `${form}-alert-1`, alias: `${form}-late`, createdAt: Date.now() - 60_000, username: 'ana' },
    });
    const answer = async (token: string) =>
      (
        await fns.ingest.invoke<{ statusCode: number; body: string }>(
          httpApiEvent('POST', '/webhooks/custom/opsgenie', body, { authorization: `Bearer ${token}` }),
        )
      ).result;
    const ok = await answer('og-token');
    expect(ok.statusCode).toBe(200);
    expect(JSON.parse(ok.body)).toMatchObject({ accepted: 1, unmapped: [] });
    expect((await answer('guess')).statusCode).toBe(401);
    await drain(changesUrl, true);
  }, 60_000);

  it('writes the weekly report to S3 under the stack key and announces it on the reports topic', async () => {
    const week = weekOf(Date.now(), 'UTC');
    const r = await fns.report.invoke<{ week: string; links: Record<string, string> }>({ week });
    expect(r.result.week).toBe(week);
    expect(r.metrics.ReportsDelivered).toBe(1);
    const s3 = new S3Client(moto.config);
    const bucket = env('report').REPORTS_BUCKET as string;
    const key = stack.physical(logicalId('AWS::KMS::Key', 'Key'));
    for (const [format, link] of Object.entries(r.result.links)) {
      const objectKey = decodeURIComponent(new URL(link).pathname.replace(`/${bucket}/`, ''));
      expect(objectKey).toBe(`reports/CS-POL-001-${week}.${format}`);
      const head = await s3.send(new HeadObjectCommand({ Bucket: bucket, Key: objectKey }));
      expect(head.ServerSideEncryption).toBe('aws:kms');
      expect(head.SSEKMSKeyId).toContain(key);
      // the pre-signed link opens the object
      const got = await fetch(link);
      expect(got.status).toBe(200);
      if (format === 'json') expect(await got.text()).toContain(`${form}-late`);
    }
    s3.destroy();
    const summaries = await notifications('reports');
    expect(summaries.map((n) => n.subject)).toEqual([`CS-POL-001 compliance report ${week}`]);
    expect(summaries[0]?.message).toContain(r.result.links.html);
  }, 60_000);

  it('with SNS and Scheduler down, answers webhooks; one sweep after they return alerts every due breach exactly once', async () => {
    const down = `${form}-outage-late`;
    const pending = `${form}-outage-pending`;
    const group = env('checker').SCHEDULE_GROUP as string;
    const topic = env('checker').ALERTS_TOPIC_ARN as string;
    await scheduler.send(new DeleteScheduleGroupCommand({ Name: group }));
    await sns.send(new DeleteTopicCommand({ TopicArn: topic }));

    // the webhook waits only for the table: accepted
    const accepted = await post([created(down, minutesAgo(10)), created(pending, minutesAgo(1))]);
    expect(accepted.statusCode).toBe(200);
    const messages = await drain(changesUrl, true);
    expect(messages).toHaveLength(2);
    const failed = await fns.checker.invoke<{ batchItemFailures: { itemIdentifier: string }[] }>(
      sqsEvent(messages, changesArn),
    );
    // both tickets fail (one cannot alert, the other cannot arm a timer): their messages go back
    expect(failed.result.batchItemFailures.map((f) => f.itemIdentifier).sort()).toEqual(
      messages.map((m) => m.MessageId).sort(),
    );
    expect(failed.metrics.ReconcileFailures).toBe(2);
    expect(failed.metrics.BreachesRecorded).toBe(0);

    // SNS and Scheduler return (same names, same ARNs); the next sweep repairs both tickets
    await scheduler.send(new CreateScheduleGroupCommand({ Name: group }));
    expect((await sns.send(new CreateTopicCommand({ Name: topic.split(':').pop() }))).TopicArn).toBe(topic);
    taps.alerts = await subscribeTap('alerts', topic);
    const swept = await fns.checker.invoke<{ breaches: number }>({ sweep: true });
    const alerted = await alertsOf(down);
    expect(alerted.length).toBeGreaterThan(0);
    expect(swept.metrics.BreachesRecorded).toBe(alerted.length);
    expect(swept.metrics.SweepFailures).toBe(0);
    const listed = (await scheduler.send(new ListSchedulesCommand({ GroupName: group }))).Schedules ?? [];
    expect(listed.some((s) => s.Name?.includes(pending))).toBe(true);

    // SQS redelivers the returned messages, and the sweep runs again: nothing more is alerted
    const redelivered = await fns.checker.invoke<{ batchItemFailures: unknown[] }>(sqsEvent(messages, changesArn));
    const second = await fns.checker.invoke({ sweep: true });
    expect(redelivered.result.batchItemFailures).toEqual([]);
    expect([redelivered.metrics.BreachesRecorded, second.metrics.BreachesRecorded]).toEqual([0, 0]);
    expect(await alertsOf(down)).toEqual([]);
  }, 60_000);
});

describe('verify against the deployed table', () => {
  it('finds every record the functions stored sealed into its chain, and names one altered behind their back', async () => {
    const table = stack.environmentOf(NAMES.ingest).TABLE_NAME as string;
    const verify = (format = 'json') =>
      run(
        process.execPath,
        [
          join(ROOT, 'bin/escalation-auditor.mjs'),
          'verify',
          '--table',
          table,
          '--endpoint',
          moto.endpoint,
          '--region',
          moto.config.region,
          '--format',
          format,
        ],
        {
          env: { ...process.env, ...moto.env },
        },
      ).then(
        (r) => ({ code: 0, stdout: r.stdout }),
        (err: { code: number; stdout: string }) => ({ code: err.code, stdout: err.stdout }),
      );
    const clean = await verify();
    expect(JSON.parse(clean.stdout).findings).toEqual([]);
    expect(clean.code).toBe(0);
    expect(JSON.parse(clean.stdout).seals).toBeGreaterThan(0);
    // a breach notice the checker recorded, its explanation rewritten in the table
    const db = new DynamoDBClient(moto.config);
    const items = (await db.send(new ScanCommand({ TableName: table }))).Items ?? [];
    const notice = items.find((i) => i.pk?.S?.startsWith('T#') && i.sk?.S?.startsWith('N#breach#'));
    if (!notice) throw new Error('no breach notice stored');
    await db.send(new PutItemCommand({ TableName: table, Item: { ...notice, explanation: { S: 'met in time' } } }));
    db.destroy();
    const tampered = await verify();
    expect(tampered.code).toBe(1);
    expect(JSON.parse(tampered.stdout).findings).toEqual([
      expect.objectContaining({ kind: 'altered', where: `ticket:${notice.pk?.S?.slice(2)}`, what: notice.sk?.S }),
    ]);
  }, 60_000);
});

describe('the synthesized template', () => {
  it('has no cfn-lint errors', async () => {
    const r = await run('cfn-lint', ['--format', 'json', templateFile]).catch(
      (err: { code?: number | string; stdout?: string; stderr?: string }) => {
        if (err.code === 'ENOENT')
          throw new Error(
            'cfn-lint is not installed: pip install "cfn-lint==1.51.0" (see ../shared/notes/toolchain.md)',
          );
        // exit codes are bit flags: 2 errors, 4 warnings, 8 informational
        if (typeof err.code === 'number' && (err.code & 2) === 0) return { stdout: err.stdout ?? '[]' };
        throw new Error(`cfn-lint found errors: ${err.stdout}${err.stderr}`);
      },
    );
    const findings = JSON.parse(r.stdout || '[]') as { Level: string; Rule: { Id: string } }[];
    expect(findings.filter((f) => f.Level === 'Error')).toEqual([]);
  }, 60_000);
});
