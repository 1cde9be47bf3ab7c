/**
 * The CDK app, synthesized for real (bundling skipped: test/infra/synth.test.ts runs the CLI with
 * it) and asserted property by property: every security-relevant setting and every IAM statement.
 */
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Match, Template } from 'aws-cdk-lib/assertions';
import { AwsSolutionsChecks } from 'cdk-nag';
import { describe, expect, it } from 'vitest';
import { stringify as stringifyYaml } from 'yaml';
import { createApp } from '../../infra/app';
import { environmentBytes } from '../../infra/auditor-function';

type Statement = { Action: string | string[]; Resource: unknown; Effect: string; Condition?: unknown };

function synth(context: Record<string, unknown> = {}) {
  const { app, stack } = createApp({
    context: { 'aws:cdk:bundling-stacks': [], ...context },
    builtinCloudFormationValidation: false,
  });
  return { app, stack, template: Template.fromStack(stack) };
}

const { app, stack, template } = synth({
  subscriptions: JSON.stringify({
    alerts: ['oncall@example.com', 'https://events.pagerduty.com/integration/abc/enqueue'],
    reports: 'managers@example.com',
    ops: ['ops@example.com'],
  }),
});
const id = (construct: { node: { defaultChild?: unknown } }) =>
  stack.getLogicalId(construct.node.defaultChild as Parameters<typeof stack.getLogicalId>[0]);

/** Every statement of the identity policies attached to `roleLogicalId`. */
function statementsOf(roleLogicalId: string): Statement[] {
  return Object.values(template.findResources('AWS::IAM::Policy'))
    .filter((p) => (p.Properties.Roles as { Ref: string }[]).some((r) => r.Ref === roleLogicalId))
    .flatMap((p) => p.Properties.PolicyDocument.Statement as Statement[]);
}
const actions = (s: Statement) => (Array.isArray(s.Action) ? s.Action : [s.Action]);
const roleOf = (f: typeof stack.ingest) => id(f.role);
const allStatements = () =>
  Object.values(template.findResources('AWS::IAM::Policy')).flatMap(
    (p) => p.Properties.PolicyDocument.Statement as Statement[],
  );

describe('the stack', () => {
  it('passes cdk-nag AwsSolutions with every finding fixed or acknowledged with a reason', () => {
    const report = new AwsSolutionsChecks(app).validateScope(app);
    expect(report.violations.map((v) => `${v.ruleName} ${v.violatingResources[0]?.constructPath}`)).toEqual([]);
  });

  it('builds three functions alike: Node 24 on arm64, JSON logs with retention, retries into a dead-letter queue', () => {
    const functions = template.findResources('AWS::Lambda::Function');
    expect(Object.keys(functions)).toHaveLength(3);
    for (const f of Object.values(functions)) {
      expect(f.Properties).toMatchObject({
        Runtime: 'nodejs24.x',
        Architectures: ['arm64'],
        Handler: 'index.handler',
        LoggingConfig: { LogFormat: 'JSON', LogGroup: expect.anything() },
        Environment: {
          Variables: expect.objectContaining({
            POWERTOOLS_SERVICE_NAME: 'escalation-auditor',
            POWERTOOLS_METRICS_NAMESPACE: 'EscalationAuditor',
            TABLE_NAME: expect.anything(),
          }),
        },
      });
    }
    template.resourceCountIs('AWS::Lambda::EventInvokeConfig', 3);
    template.allResourcesProperties('AWS::Lambda::EventInvokeConfig', {
      MaximumRetryAttempts: 2,
      DestinationConfig: { OnFailure: { Destination: Match.anyValue() } },
    });
    template.allResourcesProperties('AWS::Logs::LogGroup', { RetentionInDays: 30 });
  });

  it('keeps the webhook secrets out of the template: the ingest function gets a parameter name', () => {
    const ingest = template.findResources('AWS::Lambda::Function', {
      Properties: { FunctionName: 'escalation-auditor-dev-ingest' },
    });
    const env = Object.values(ingest)[0]?.Properties.Environment.Variables;
    expect(env.SECRETS_PARAMETER).toBe('/escalation-auditor/dev/webhook-secrets');
    expect(env.WEBHOOK_SECRETS).toBeUndefined();
    expect(JSON.stringify(template.toJSON())).not.toContain('escalation-auditor-dev-secret');
    expect(statementsOf(roleOf(stack.ingest))).toContainEqual({
      Effect: 'Allow',
      Action: 'ssm:GetParameter',
      Resource: {
        'Fn::Join': [
          '',
          [
            'arn:',
            { Ref: 'AWS::Partition' },
            ':ssm:',
            { Ref: 'AWS::Region' },
            ':',
            { Ref: 'AWS::AccountId' },
            ':parameter/escalation-auditor/dev/webhook-secrets',
          ],
        ],
      },
    });
  });

  it('stores data in one on-demand table with PITR, encryption, TTL on the archive, and the week index', () => {
    template.hasResourceProperties('AWS::DynamoDB::Table', {
      BillingMode: 'PAY_PER_REQUEST',
      PointInTimeRecoverySpecification: { PointInTimeRecoveryEnabled: true },
      SSESpecification: { SSEEnabled: true },
      TimeToLiveSpecification: { AttributeName: 'expiresAt', Enabled: true },
      DeletionProtectionEnabled: true,
      KeySchema: [
        { AttributeName: 'pk', KeyType: 'HASH' },
        { AttributeName: 'sk', KeyType: 'RANGE' },
      ],
      GlobalSecondaryIndexes: [Match.objectLike({ IndexName: 'gsi1', Projection: { ProjectionType: 'ALL' } })],
    });
    template.hasResource('AWS::DynamoDB::Table', { DeletionPolicy: 'Retain' });
  });

  it('serves the API with throttling and access logs; reading tickets and adding waivers need IAM, webhooks their signatures', () => {
    template.hasResourceProperties('AWS::ApiGatewayV2::Stage', {
      StageName: '$default',
      AutoDeploy: true,
      DefaultRouteSettings: { ThrottlingRateLimit: 50, ThrottlingBurstLimit: 100 },
      AccessLogSettings: { DestinationArn: Match.anyValue(), Format: Match.stringLikeRegexp('requestId') },
    });
    const routes = Object.values(template.findResources('AWS::ApiGatewayV2::Route')).map((r) => [
      r.Properties.RouteKey,
      r.Properties.AuthorizationType ?? 'NONE',
    ]);
    expect(routes.sort()).toEqual([
      ['GET /healthz', 'AWS_IAM'],
      ['GET /tickets/{id}', 'AWS_IAM'],
      ['POST /waivers', 'AWS_IAM'],
      ['POST /webhooks/custom/{name}', 'NONE'],
      ['POST /webhooks/{source}', 'NONE'],
    ]);
  });

  it('lets the scheduler role only invoke the checker and dead-letter to the timer queue', () => {
    const role = template.findResources('AWS::IAM::Role', {
      Properties: { AssumeRolePolicyDocument: { Statement: [{ Principal: { Service: 'scheduler.amazonaws.com' } }] } },
    });
    const [timerRoleId] = Object.entries(role)
      .filter(([, r]) => JSON.stringify(r.Properties.AssumeRolePolicyDocument).includes('aws:SourceArn'))
      .map(([k]) => k);
    expect(timerRoleId).toBeDefined();
    const trust = role[timerRoleId as string]?.Properties.AssumeRolePolicyDocument.Statement[0];
    // only schedules of the timer group may assume it; Scheduler's source is the group's ARN
    expect(trust.Condition.StringEquals).toEqual({
      'aws:SourceAccount': { Ref: 'AWS::AccountId' },
      'aws:SourceArn': { 'Fn::GetAtt': [expect.stringMatching(/^Timers/), 'Arn'] },
    });
    const statements = statementsOf(timerRoleId as string);
    expect(statements.map((s) => [actions(s), JSON.stringify(s.Resource)])).toEqual([
      [['lambda:InvokeFunction'], expect.stringContaining('function:escalation-auditor-dev-checker')],
      [['sqs:SendMessage'], expect.stringContaining(id(stack.node.findChild('TimerDeadLetters') as never))],
    ]);
  });

  it('runs the sweep every 10 minutes: the checker with {"sweep": true}, by a role of its own', () => {
    template.hasResourceProperties('AWS::Scheduler::Schedule', {
      ScheduleExpression: 'rate(10 minutes)',
      Target: Match.objectLike({
        Input: JSON.stringify({ sweep: true }),
        RetryPolicy: Match.objectLike({ MaximumRetryAttempts: 0 }),
      }),
    });
  });

  it('lets only the checker manage schedules, only in their group, and pass only the scheduler role, to Scheduler', () => {
    const statements = statementsOf(roleOf(stack.checker));
    const schedules = statements.find((s) => actions(s).some((a) => a.startsWith('scheduler:')));
    expect(actions(schedules as Statement).sort()).toEqual(['scheduler:CreateSchedule', 'scheduler:DeleteSchedule']);
    expect(JSON.stringify(schedules?.Resource)).toContain(':schedule/escalation-auditor-dev-timers/*');
    const pass = statements.find((s) => actions(s).includes('iam:PassRole'));
    expect(pass?.Condition).toEqual({ StringEquals: { 'iam:PassedToService': 'scheduler.amazonaws.com' } });
    expect(pass?.Resource).toEqual({ 'Fn::GetAtt': [expect.stringMatching(/^SchedulerRole/), 'Arn'] });
    const table = [
      'dynamodb:BatchWriteItem',
      'dynamodb:DeleteItem',
      'dynamodb:GetItem',
      'dynamodb:PutItem',
      'dynamodb:Query',
      'dynamodb:UpdateItem',
    ];
    const logs = ['logs:CreateLogStream', 'logs:PutLogEvents'];
    // its own failure queue, as Lambda's on-failure destination
    const failures = ['sqs:GetQueueAttributes', 'sqs:GetQueueUrl', 'sqs:SendMessage'];
    expect(statements.flatMap(actions).sort()).toEqual(
      [
        ...table,
        'dynamodb:Query',
        'iam:PassRole',
        'kms:Decrypt',
        'kms:GenerateDataKey',
        ...logs,
        'scheduler:CreateSchedule',
        'scheduler:DeleteSchedule',
        'sns:Publish',
        ...failures,
        // the changes queue, as its event source
        'sqs:ChangeMessageVisibility',
        'sqs:DeleteMessage',
        'sqs:GetQueueAttributes',
        'sqs:GetQueueUrl',
        'sqs:ReceiveMessage',
      ].sort(),
    );
    // the ingest function stores and queues; it neither schedules nor alerts
    const changes = id(stack.node.findChild('Changes') as never);
    const ingest = statementsOf(roleOf(stack.ingest));
    expect(ingest.flatMap(actions).sort()).toEqual(
      [...table, ...logs, ...failures, 'sqs:SendMessage', 'ssm:GetParameter'].sort(),
    );
    expect(ingest.find((s) => actions(s).length === 1 && actions(s)[0] === 'sqs:SendMessage')?.Resource).toEqual({
      'Fn::GetAtt': [changes, 'Arn'],
    });
  });

  it('reconciles changed tickets in the checker from a FIFO queue, with partial batch responses and a dead-letter queue', () => {
    const changes = id(stack.node.findChild('Changes') as never);
    template.hasResourceProperties('AWS::SQS::Queue', {
      FifoQueue: true,
      VisibilityTimeout: 360,
      RedrivePolicy: {
        deadLetterTargetArn: { 'Fn::GetAtt': [Match.stringLikeRegexp('^ChangeDeadLetters'), 'Arn'] },
        maxReceiveCount: 5,
      },
    });
    template.hasResourceProperties('AWS::Lambda::EventSourceMapping', {
      EventSourceArn: { 'Fn::GetAtt': [changes, 'Arn'] },
      FunctionName: { Ref: id(stack.checker.fn) },
      FunctionResponseTypes: ['ReportBatchItemFailures'],
      BatchSize: 10,
    });
    const ingest = template.findResources('AWS::Lambda::Function', {
      Properties: { FunctionName: 'escalation-auditor-dev-ingest' },
    });
    const env = Object.values(ingest)[0]?.Properties.Environment.Variables;
    expect(env.CHANGES_QUEUE_URL).toEqual({ Ref: changes });
    expect(env).not.toHaveProperty('SCHEDULE_GROUP');
    expect(env).not.toHaveProperty('ALERTS_TOPIC_ARN');
  });

  it('gives the report function reads through the table and its index, its bucket prefix and its topic, nothing more', () => {
    const statements = statementsOf(roleOf(stack.report));
    expect(statements.flatMap(actions).sort()).toEqual(
      [
        'dynamodb:Query',
        'kms:Decrypt',
        'kms:GenerateDataKey',
        'logs:CreateLogStream',
        'logs:PutLogEvents',
        's3:GetObject',
        's3:PutObject',
        'sns:Publish',
        'sqs:GetQueueAttributes',
        'sqs:GetQueueUrl',
        'sqs:SendMessage',
      ].sort(),
    );
    const s3 = statements.find((s) => actions(s).includes('s3:PutObject'));
    expect(JSON.stringify(s3?.Resource)).toContain('/reports/*');
  });

  it('has no wildcard action and no PassRole on "*" anywhere', () => {
    for (const s of allStatements()) {
      for (const a of actions(s)) expect(a).not.toMatch(/(^\*$|:\*$)/);
      if (actions(s).includes('iam:PassRole')) expect(s.Resource).not.toBe('*');
      if (actions(s).some((a) => a.startsWith('scheduler:'))) expect(s.Resource).not.toBe('*');
    }
  });

  it('schedules the weekly report on Mondays 00:05 in the policy time zone', () => {
    template.hasResourceProperties('AWS::Scheduler::Schedule', {
      ScheduleExpression: 'cron(5 0 ? * MON *)',
      ScheduleExpressionTimezone: 'UTC',
      FlexibleTimeWindow: { Mode: 'OFF' },
      Target: Match.objectLike({ RetryPolicy: { MaximumRetryAttempts: 2, MaximumEventAgeInSeconds: 21600 } }),
    });
    const berlin = synth({ timeZone: 'Europe/Berlin' });
    berlin.template.hasResourceProperties('AWS::Scheduler::Schedule', { ScheduleExpressionTimezone: 'Europe/Berlin' });
    for (const f of [berlin.stack.ingest, berlin.stack.checker, berlin.stack.report])
      expect(JSON.parse(readFileSync(f.configFile as string, 'utf8')).policy.calendar.timeZone).toBe('Europe/Berlin');
  });

  it('encrypts the topics with a rotating customer key, refuses plain HTTP and subscribes from context', () => {
    template.hasResourceProperties('AWS::KMS::Key', { EnableKeyRotation: true });
    const topics = template.findResources('AWS::SNS::Topic');
    expect(Object.keys(topics)).toHaveLength(3);
    for (const t of Object.values(topics)) expect(t.Properties.KmsMasterKeyId).toBeDefined();
    template.resourceCountIs('AWS::SNS::TopicPolicy', 3);
    template.allResourcesProperties('AWS::SNS::TopicPolicy', {
      PolicyDocument: {
        Statement: Match.arrayWith([
          Match.objectLike({ Effect: 'Deny', Condition: { Bool: { 'aws:SecureTransport': 'false' } } }),
        ]),
      },
    });
    const subscriptions = Object.values(template.findResources('AWS::SNS::Subscription')).map((s) => [
      s.Properties.Protocol,
      s.Properties.Endpoint,
    ]);
    expect(subscriptions.sort()).toEqual([
      ['email', 'managers@example.com'],
      ['email', 'oncall@example.com'],
      ['email', 'ops@example.com'],
      ['https', 'https://events.pagerduty.com/integration/abc/enqueue'],
    ]);
    // CloudWatch may use the key to publish alarms to the encrypted ops topic, from this account only.
    template.hasResourceProperties('AWS::KMS::Key', {
      KeyPolicy: {
        Statement: Match.arrayWith([
          Match.objectLike({
            Principal: { Service: 'cloudwatch.amazonaws.com' },
            Condition: { StringEquals: { 'aws:SourceAccount': { Ref: 'AWS::AccountId' } } },
          }),
        ]),
      },
    });
  });

  it('keeps reports in a private, KMS-encrypted, SSL-only bucket that expires them', () => {
    template.hasResourceProperties('AWS::S3::Bucket', {
      BucketEncryption: {
        ServerSideEncryptionConfiguration: [
          {
            ServerSideEncryptionByDefault: { SSEAlgorithm: 'aws:kms', KMSMasterKeyID: Match.anyValue() },
            BucketKeyEnabled: true,
          },
        ],
      },
      PublicAccessBlockConfiguration: {
        BlockPublicAcls: true,
        BlockPublicPolicy: true,
        IgnorePublicAcls: true,
        RestrictPublicBuckets: true,
      },
      LifecycleConfiguration: { Rules: [Match.objectLike({ ExpirationInDays: 400, Status: 'Enabled' })] },
    });
    template.hasResourceProperties('AWS::S3::BucketPolicy', {
      PolicyDocument: {
        Statement: Match.arrayWith([
          Match.objectLike({ Effect: 'Deny', Condition: { Bool: { 'aws:SecureTransport': 'false' } } }),
        ]),
      },
    });
  });

  it('encrypts every queue, refuses plain HTTP, and alarms on dead letters, errors and throttles to the ops topic', () => {
    template.resourceCountIs('AWS::SQS::Queue', 6);
    template.allResourcesProperties('AWS::SQS::Queue', { SqsManagedSseEnabled: true });
    template.resourceCountIs('AWS::SQS::QueuePolicy', 6);
    const alarms = Object.values(template.findResources('AWS::CloudWatch::Alarm'));
    expect(alarms.map((a) => a.Properties.MetricName).sort()).toEqual(
      [
        ...Array(5).fill('ApproximateNumberOfMessagesVisible'),
        ...Array(3).fill('Errors'),
        ...Array(3).fill('Throttles'),
        'SweepFailures',
        'ChangesNotQueued',
      ].sort(),
    );
    const ops = id(stack.node.findChild('Ops') as never);
    for (const a of alarms) expect(a.Properties.AlarmActions).toEqual([{ Ref: ops }]);
    template.resourceCountIs('AWS::CloudWatch::Dashboard', 1);
  });
});

describe('the repair of missed webhooks (reconcileFrom)', () => {
  const r = synth({
    mappingFile: 'examples/mapping.yaml',
    reconcileFrom: 'pagerduty,jira',
    vendorUrls: '{"jira": "https://acme.atlassian.net"}',
  });
  const repair = r.stack.repair;
  if (!repair) throw new Error('no repair function');
  const repairId = r.stack.getLogicalId(repair.fn.node.defaultChild as Parameters<typeof r.stack.getLogicalId>[0]);

  it('is not deployed unless asked for', () => {
    expect(stack.repair).toBeUndefined();
  });

  it('passes cdk-nag AwsSolutions', () => {
    const report = new AwsSolutionsChecks(r.app).validateScope(r.app);
    expect(report.violations.map((v) => `${v.ruleName} ${v.violatingResources[0]?.constructPath}`)).toEqual([]);
  });

  it('runs every 15 minutes, one run at a time, the next run its retry', () => {
    r.template.hasResourceProperties('AWS::Scheduler::Schedule', {
      ScheduleExpression: 'rate(15 minutes)',
      Target: Match.objectLike({
        Arn: { 'Fn::GetAtt': [repairId, 'Arn'] },
        RetryPolicy: { MaximumRetryAttempts: 0, MaximumEventAgeInSeconds: 300 },
      }),
    });
    r.template.hasResourceProperties('AWS::Lambda::Function', {
      FunctionName: 'escalation-auditor-dev-repair',
      ReservedConcurrentExecutions: 1,
      Environment: {
        Variables: Match.objectLike({
          RECONCILE_FROM: 'pagerduty,jira',
          RECONCILE_EVERY_MINUTES: '15',
          VENDOR_URLS: '{"jira":"https://acme.atlassian.net"}',
          CREDENTIALS_PARAMETER: '/escalation-auditor/dev/vendor-credentials',
        }),
      },
    });
  });

  it('may write the table, queue changes and read its credentials parameter, nothing more', () => {
    const statements = Object.values(r.template.findResources('AWS::IAM::Policy'))
      .filter((p) =>
        (p.Properties.Roles as { Ref: string }[]).some(
          (x) =>
            x.Ref === r.stack.getLogicalId(repair.role.node.defaultChild as Parameters<typeof r.stack.getLogicalId>[0]),
        ),
      )
      .flatMap((p) => p.Properties.PolicyDocument.Statement as Statement[]);
    expect([...new Set(statements.flatMap(actions))].sort()).toEqual(
      [
        'dynamodb:BatchWriteItem',
        'dynamodb:DeleteItem',
        'dynamodb:GetItem',
        'dynamodb:PutItem',
        'dynamodb:Query',
        'dynamodb:UpdateItem',
        'logs:CreateLogStream',
        'logs:PutLogEvents',
        'sqs:GetQueueAttributes',
        'sqs:GetQueueUrl',
        'sqs:SendMessage',
        'ssm:GetParameter',
      ].sort(),
    );
    const ssm = statements.find((x) => actions(x).includes('ssm:GetParameter'));
    expect(JSON.stringify(ssm?.Resource)).toContain('parameter/escalation-auditor/dev/vendor-credentials');
  });
});

describe('the deployment settings', () => {
  it.each([
    [{ stage: 'Prod!' }, 'stage'],
    [{ subscriptions: '{"alerts": ["not an address"]}' }, 'subscriptions.alerts.0'],
    [{ subscriptions: '{"alert": []}' }, 'subscriptions'],
    [{ timeZone: 'Mars/Olympus' }, 'timeZone: not an IANA time zone'],
    [{ archiveRetentionDays: '0' }, 'archiveRetentionDays'],
    [{ logRetentionDays: '17' }, 'logRetentionDays: 17 is not one of'],
    [{ policyFile: 'no/such/policy.yaml' }, 'policyFile: cannot read no/such/policy.yaml'],
    [{ mappingFile: 'examples/policy.yaml' }, 'CDK context mappingFile: (mapping): Unrecognized keys'],
    [{ reconcileFrom: 'servicenow' }, 'reconcileFrom.0'],
    [{ reconcileFrom: 'pagerduty' }, 'CDK context reconcileFrom: the mapping has no pagerduty section'],
    [
      { reconcileFrom: 'jira', mappingFile: 'examples/mapping.yaml' },
      'Jira needs its address, e.g. https://acme.atlassian.net; set vendorUrls.jira',
    ],
    [{ vendorUrls: '{"jira": "http://acme.atlassian.net"}' }, 'vendorUrls.jira: an https:// address'],
    [{ reconcileEveryMinutes: '1' }, 'reconcileEveryMinutes'],
  ])('refuses %j, naming the field', (context, message) => {
    expect(() => synth(context)).toThrow(message);
  });

  it('reads the policy and mapping files and passes them to the functions in their bundles, not their environment', () => {
    const { template: t, stack: s } = synth({
      policyFile: 'examples/policy.yaml',
      mappingFile: 'examples/mapping.yaml',
    });
    const ingest = Object.values(
      t.findResources('AWS::Lambda::Function', { Properties: { FunctionName: 'escalation-auditor-dev-ingest' } }),
    )[0]?.Properties.Environment.Variables;
    expect(ingest.CONFIG_FILE).toBe('auditor-config.json');
    expect(ingest.POLICY).toBeUndefined();
    const config = JSON.parse(readFileSync(s.ingest.configFile as string, 'utf8'));
    expect(config.policy.id).toBe('CS-POL-001');
    expect(config.mapping).toHaveProperty('zendesk');
  });

  it('deploys a large organisation: 120 groups with queues, 1,500 agents, 400 enterprise organisations', () => {
    const dir = mkdtempSync(join(tmpdir(), 'ea-large-'));
    const n = (k: number, f: (i: number) => string) =>
      Object.fromEntries(Array.from({ length: k }, (_, i) => [`${9_000_000_000_000 + i}`, f(i)]));
    const mapping = {
      zendesk: {
        severity: { field: 'priority', values: { URGENT: 'P1', HIGH: 'P2', NORMAL: 'P3', LOW: 'P4' } },
        groups: n(120, (i) => ['L1', 'L2', 'L3'][i % 3] as string),
        queues: n(120, (i) => `Support team number ${i}`),
        users: n(1_500, (i) => ['L1', 'L2', 'L3', 'CSM'][i % 4] as string),
        organizations: n(400, () => 'enterprise'),
        defaultClientTier: 'standard',
      },
    };
    const file = join(dir, 'mapping.yaml');
    writeFileSync(file, stringifyYaml(mapping));
    expect(readFileSync(file, 'utf8').length).toBeGreaterThan(55_000);
    const { template: t, stack: s } = synth({ mappingFile: file });
    for (const f of Object.values(t.findResources('AWS::Lambda::Function'))) {
      const variables = f.Properties.Environment.Variables as Record<string, string>;
      // every value synth cannot know yet counted at 256 bytes: well under Lambda's 4 KB
      expect(environmentBytes(variables)).toBeLessThan(2_500);
    }
    expect(
      Object.keys(JSON.parse(readFileSync(s.ingest.configFile as string, 'utf8')).mapping.zendesk.users),
    ).toHaveLength(1_500);
  });
});
