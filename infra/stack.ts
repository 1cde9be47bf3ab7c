/**
 * The whole system as one stack: webhooks in through an HTTP API, the single table, one
 * EventBridge Scheduler timer per pending obligation, the checker publishing breaches, the weekly
 * report, and what operations need to notice when any of it fails.
 */

import { createHash } from 'node:crypto';
import { mkdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  ArnFormat,
  type CfnElement,
  CfnOutput,
  Duration,
  RemovalPolicy,
  Stack,
  type StackProps,
  Stage,
  TimeZone,
  Validations,
} from 'aws-cdk-lib';
import { AccessLogFormat } from 'aws-cdk-lib/aws-apigateway';
import { HttpApi, HttpMethod, HttpStage, LogGroupLogDestination } from 'aws-cdk-lib/aws-apigatewayv2';
import { HttpIamAuthorizer } from 'aws-cdk-lib/aws-apigatewayv2-authorizers';
import { HttpLambdaIntegration } from 'aws-cdk-lib/aws-apigatewayv2-integrations';
import {
  Alarm,
  ComparisonOperator,
  Dashboard,
  GraphWidget,
  type IMetric,
  Metric,
  TextWidget,
  TreatMissingData,
} from 'aws-cdk-lib/aws-cloudwatch';
import { SnsAction } from 'aws-cdk-lib/aws-cloudwatch-actions';
import { AttributeType, BillingMode, ProjectionType, Table, TableEncryption } from 'aws-cdk-lib/aws-dynamodb';
import { type IGrantable, PolicyStatement, Role, ServicePrincipal } from 'aws-cdk-lib/aws-iam';
import { Key } from 'aws-cdk-lib/aws-kms';
import { SqsEventSource } from 'aws-cdk-lib/aws-lambda-event-sources';
import { LogGroup, RetentionDays } from 'aws-cdk-lib/aws-logs';
import { BlockPublicAccess, Bucket, BucketEncryption, ObjectOwnership } from 'aws-cdk-lib/aws-s3';
import { Schedule, ScheduleExpression, ScheduleGroup, ScheduleTargetInput } from 'aws-cdk-lib/aws-scheduler';
import { LambdaInvoke } from 'aws-cdk-lib/aws-scheduler-targets';
import { Topic } from 'aws-cdk-lib/aws-sns';
import { EmailSubscription, UrlSubscription } from 'aws-cdk-lib/aws-sns-subscriptions';
import { Queue, QueueEncryption } from 'aws-cdk-lib/aws-sqs';
import type { Construct, IConstruct } from 'constructs';
import { SWEEP_EVERY_MS } from '../lib/app/sweep';
import { ConfigError } from '../lib/config';
import { AuditorFunction } from './auditor-function';
import type { DeployConfig } from './config';

/** DynamoDB actions the store adapter uses (lib/adapters/dynamodb/store.ts), nothing more. */
const TABLE_WRITER = [
  'dynamodb:BatchWriteItem',
  'dynamodb:DeleteItem',
  'dynamodb:GetItem',
  'dynamodb:PutItem',
  'dynamodb:Query',
  'dynamodb:UpdateItem',
];
/**
 * Writes the functions' configuration (policy and mapping as compact JSON) into the cloud
 * assembly's folder, named by its content, for the bundles to take in; undefined when there is
 * none (the functions then use CS-POL-001 and an empty mapping).
 */
function writeConfig(scope: Construct, c: DeployConfig): string | undefined {
  if (!c.policyText && !c.mappingText) return undefined;
  const text = JSON.stringify({
    ...(c.policyText ? { policy: JSON.parse(c.policyText) } : {}),
    ...(c.mappingText ? { mapping: JSON.parse(c.mappingText) } : {}),
  });
  const dir = join(Stage.of(scope)?.outdir ?? tmpdir(), 'escalation-auditor-config');
  mkdirSync(dir, { recursive: true });
  const file = join(dir, `${createHash('sha256').update(text).digest('hex').slice(0, 16)}.json`);
  writeFileSync(file, text);
  return file;
}

export interface AuditorStackProps extends StackProps {
  readonly config: DeployConfig;
}

export class AuditorStack extends Stack {
  readonly ingest: AuditorFunction;
  readonly checker: AuditorFunction;
  readonly report: AuditorFunction;
  /** The repair of missed webhooks, when the context names vendors to reconcile with (`reconcileFrom`). */
  readonly repair: AuditorFunction | undefined;

  constructor(scope: Construct, id: string, props: AuditorStackProps) {
    super(scope, id, props);
    const c = props.config;
    const prefix = `escalation-auditor-${c.stage}`;
    const logRetention = retention(c.logRetentionDays);
    // the policy and the mapping travel in the bundles, not in the environment (4 KB)
    const configFile = writeConfig(this, c);

    // Keys, data, queues, topics -------------------------------------------------------------
    const key = new Key(this, 'Key', {
      description: `${prefix}: SNS topics and the reports bucket`,
      enableKeyRotation: true,
      removalPolicy: RemovalPolicy.RETAIN,
    });
    // CloudWatch alarms publish to the (encrypted) ops topic.
    key.addToResourcePolicy(
      new PolicyStatement({
        principals: [new ServicePrincipal('cloudwatch.amazonaws.com')],
        actions: ['kms:Decrypt', 'kms:GenerateDataKey'],
        resources: ['*'],
        conditions: { StringEquals: { 'aws:SourceAccount': this.account } },
      }),
    );

    const table = new Table(this, 'Table', {
      partitionKey: { name: 'pk', type: AttributeType.STRING },
      sortKey: { name: 'sk', type: AttributeType.STRING },
      billingMode: BillingMode.PAY_PER_REQUEST,
      pointInTimeRecoverySpecification: { pointInTimeRecoveryEnabled: true },
      encryption: TableEncryption.AWS_MANAGED,
      timeToLiveAttribute: 'expiresAt',
      deletionProtection: true,
      removalPolicy: RemovalPolicy.RETAIN,
    });
    // The week index: events and breaches by day, timers by due time (see the store adapter).
    table.addGlobalSecondaryIndex({
      indexName: 'gsi1',
      partitionKey: { name: 'gsi1pk', type: AttributeType.STRING },
      sortKey: { name: 'gsi1sk', type: AttributeType.STRING },
      projectionType: ProjectionType.ALL,
    });

    const timerDeadLetters = new Queue(this, 'TimerDeadLetters', {
      encryption: QueueEncryption.SQS_MANAGED,
      enforceSSL: true,
      retentionPeriod: Duration.days(14),
    });
    acknowledge(
      timerDeadLetters,
      'AwsSolutions-SQS3',
      'This queue is the dead-letter queue of the ticket timers; its depth alarms to the ops topic.',
    );
    // Changed tickets, from the ingest Lambda to the checker: one message group per ticket, so a
    // ticket's reconciles run one at a time; five tries, then the dead-letter queue (the ticket's
    // changed flag stays in the table for the sweep meanwhile).
    const changeDeadLetters = new Queue(this, 'ChangeDeadLetters', {
      fifo: true,
      encryption: QueueEncryption.SQS_MANAGED,
      enforceSSL: true,
      retentionPeriod: Duration.days(14),
    });
    acknowledge(
      changeDeadLetters,
      'AwsSolutions-SQS3',
      'This queue is the dead-letter queue of the changes queue; its depth alarms to the ops topic.',
    );
    const changes = new Queue(this, 'Changes', {
      fifo: true,
      encryption: QueueEncryption.SQS_MANAGED,
      enforceSSL: true,
      // six times the checker's timeout, as Lambda's SQS guide asks
      visibilityTimeout: Duration.minutes(6),
      retentionPeriod: Duration.days(4),
      deadLetterQueue: { queue: changeDeadLetters, maxReceiveCount: 5 },
    });
    const topic = (id: string, displayName: string) =>
      new Topic(this, id, { displayName, masterKey: key, enforceSSL: true });
    const alerts = topic('Alerts', 'Escalation policy breaches');
    const reports = topic('Reports', 'Weekly escalation compliance reports');
    const ops = topic('Ops', 'escalation-auditor operations alarms');
    for (const [t, endpoints] of [
      [alerts, c.subscriptions.alerts],
      [reports, c.subscriptions.reports],
      [ops, c.subscriptions.ops],
    ] as const)
      for (const endpoint of endpoints)
        t.addSubscription(
          endpoint.startsWith('https://') ? new UrlSubscription(endpoint) : new EmailSubscription(endpoint),
        );

    const bucket = new Bucket(this, 'ReportsBucket', {
      encryption: BucketEncryption.KMS,
      encryptionKey: key,
      bucketKeyEnabled: true,
      blockPublicAccess: BlockPublicAccess.BLOCK_ALL,
      objectOwnership: ObjectOwnership.BUCKET_OWNER_ENFORCED,
      enforceSSL: true,
      minimumTLSVersion: 1.2,
      lifecycleRules: [
        { expiration: Duration.days(c.reportRetentionDays), abortIncompleteMultipartUploadAfter: Duration.days(1) },
      ],
      removalPolicy: RemovalPolicy.RETAIN,
    });
    acknowledge(
      bucket,
      'AwsSolutions-S1',
      'Only the report function writes here and reads are pre-signed links it signs; CloudTrail records both. ' +
        'A server access log bucket would hold nothing more and need a log bucket of its own.',
    );

    // Timers ---------------------------------------------------------------------------------
    const group = new ScheduleGroup(this, 'Timers', { scheduleGroupName: `${prefix}-timers` });
    const checkerName = `${prefix}-checker`;
    const checkerArn = this.formatArn({
      service: 'lambda',
      resource: 'function',
      resourceName: checkerName,
      arnFormat: ArnFormat.COLON_RESOURCE_NAME,
    });
    const schedulesArn = this.formatArn({
      service: 'scheduler',
      resource: 'schedule',
      resourceName: `${group.scheduleGroupName}/*`,
    });
    // cdk-nag's rendering of schedulesArn, for the acknowledgments below.
    const schedulesPattern = `arn:<AWS::Partition>:scheduler:<AWS::Region>:<AWS::AccountId>:schedule/${group.scheduleGroupName}/*`;
    const schedulerRole = new Role(this, 'SchedulerRole', {
      description: `${prefix}: runs ticket timers; may only invoke the checker and dead-letter to its queue`,
      // Scheduler names the schedule group as the source (never a schedule): see its
      // confused-deputy guide.
      assumedBy: new ServicePrincipal('scheduler.amazonaws.com').withConditions({
        StringEquals: { 'aws:SourceAccount': this.account, 'aws:SourceArn': group.scheduleGroupArn },
      }),
    });
    allow(schedulerRole, ['lambda:InvokeFunction'], [checkerArn]);
    allow(schedulerRole, ['sqs:SendMessage'], [timerDeadLetters.queueArn]);

    // Functions ------------------------------------------------------------------------------
    const api = new HttpApi(this, 'Api', {
      apiName: prefix,
      description: 'Helpdesk and PagerDuty webhooks in; tickets with their obligations out (IAM)',
      createDefaultStage: false,
    });
    const store = {
      TABLE_NAME: table.tableName,
      ARCHIVE_RETENTION_DAYS: String(c.archiveRetentionDays),
    };
    const live = {
      SCHEDULE_GROUP: group.scheduleGroupName,
      CHECKER_ARN: checkerArn,
      SCHEDULER_ROLE_ARN: schedulerRole.roleArn,
      TIMER_DLQ_ARN: timerDeadLetters.queueArn,
      ALERTS_TOPIC_ARN: alerts.topicArn,
      API_URL: api.apiEndpoint,
      GRACE_SECONDS: String(c.graceSeconds),
    };
    this.ingest = new AuditorFunction(this, 'Ingest', {
      entry: 'functions/ingest.ts',
      functionName: `${prefix}-ingest`,
      description: 'Verifies, archives and stores webhooks; queues the changed tickets for the checker',
      environment: {
        ...store,
        CHANGES_QUEUE_URL: changes.queueUrl,
        SECRETS_PARAMETER: c.secretsParameter,
      },
      configFile,
      logRetention,
      timeout: Duration.seconds(29),
    });
    this.checker = new AuditorFunction(this, 'Checker', {
      entry: 'functions/check.ts',
      functionName: checkerName,
      description: 'Reconciles changed tickets and fired timers: records a breach once and alerts on-call',
      environment: { ...store, ...live },
      configFile,
      logRetention,
      timeout: Duration.seconds(60),
    });
    this.report = new AuditorFunction(this, 'Report', {
      entry: 'functions/report.ts',
      functionName: `${prefix}-report`,
      description: "Writes last week's compliance report to S3 and announces it",
      environment: { ...store, REPORTS_BUCKET: bucket.bucketName, REPORTS_TOPIC_ARN: reports.topicArn },
      configFile,
      logRetention,
      timeout: Duration.minutes(15),
      memorySize: 2048,
    });

    // The repair of missed webhooks (lib/app/repair.ts): each vendor of reconcileFrom pulled on a
    // rate, its API credentials in an SSM SecureString deployed by hand like the webhook secrets.
    // One run at a time: two would pull the same range and race for the cursor.
    this.repair =
      c.reconcileFrom.length > 0
        ? new AuditorFunction(this, 'Repair', {
            entry: 'functions/repair.ts',
            functionName: `${prefix}-repair`,
            description: "Pulls the vendors' changes since the last pull and stores what no webhook delivered",
            environment: {
              ...store,
              CHANGES_QUEUE_URL: changes.queueUrl,
              CREDENTIALS_PARAMETER: c.credentialsParameter,
              RECONCILE_FROM: c.reconcileFrom.join(','),
              RECONCILE_EVERY_MINUTES: String(c.reconcileEveryMinutes),
              VENDOR_URLS: JSON.stringify(c.vendorUrls),
            },
            configFile,
            logRetention,
            timeout: Duration.minutes(Math.min(15, c.reconcileEveryMinutes)),
            reservedConcurrency: 1,
          })
        : undefined;
    const repair = this.repair;

    // Grants, each one explicit --------------------------------------------------------------
    const kmsPublish = ['kms:Decrypt', 'kms:GenerateDataKey'];
    for (const f of [this.ingest, this.checker]) allow(f.role, TABLE_WRITER, [table.tableArn]);
    allow(this.ingest.role, ['sqs:SendMessage'], [changes.queueArn]);
    // every reconcile runs in the checker: from the changes queue, a timer or the sweep
    this.checker.fn.addEventSource(
      new SqsEventSource(changes, { batchSize: 10, reportBatchItemFailures: true, maxConcurrency: 20 }),
    );
    // the sweep (in the checker) lists overdue timers through the index
    allow(this.checker.role, ['dynamodb:Query'], [`${table.tableArn}/index/gsi1`]);
    allow(this.checker.role, ['scheduler:CreateSchedule', 'scheduler:DeleteSchedule'], [schedulesArn]);
    acknowledge(
      this.checker.role,
      `AwsSolutions-IAM5[Resource::${schedulesPattern}]`,
      'One schedule per pending obligation, named at run time from ticket and rule: the wildcard is ' +
        "confined to this stack's timer group, and the only actions are Create and Delete.",
    );
    allow(this.checker.role, ['iam:PassRole'], [schedulerRole.roleArn], {
      StringEquals: { 'iam:PassedToService': 'scheduler.amazonaws.com' },
    });
    allow(this.checker.role, ['sns:Publish'], [alerts.topicArn]);
    allow(this.checker.role, kmsPublish, [key.keyArn]);
    allow(
      this.ingest.role,
      ['ssm:GetParameter'],
      [this.formatArn({ service: 'ssm', resource: 'parameter', resourceName: c.secretsParameter.slice(1) })],
    );
    allow(this.report.role, ['dynamodb:Query'], [table.tableArn, `${table.tableArn}/index/gsi1`]);
    allow(this.report.role, ['s3:PutObject', 's3:GetObject'], [bucket.arnForObjects('reports/*')]);
    acknowledge(
      this.report.role,
      `AwsSolutions-IAM5[Resource::<${this.getLogicalId(bucket.node.defaultChild as CfnElement)}.Arn>/reports/*]`,
      'One object per week and format, named at run time; the reports/ prefix is the narrowest scope.',
    );
    allow(this.report.role, ['sns:Publish'], [reports.topicArn]);
    allow(this.report.role, kmsPublish, [key.keyArn]);
    if (repair) {
      allow(repair.role, TABLE_WRITER, [table.tableArn]);
      allow(repair.role, ['sqs:SendMessage'], [changes.queueArn]);
      allow(
        repair.role,
        ['ssm:GetParameter'],
        [this.formatArn({ service: 'ssm', resource: 'parameter', resourceName: c.credentialsParameter.slice(1) })],
      );
    }

    // API ------------------------------------------------------------------------------------
    const accessLogs = new LogGroup(this, 'ApiAccessLogs', { retention: logRetention });
    new HttpStage(this, 'ApiStage', {
      httpApi: api,
      stageName: '$default',
      autoDeploy: true,
      throttle: { rateLimit: c.apiRateLimit, burstLimit: c.apiBurstLimit },
      accessLogSettings: {
        destination: new LogGroupLogDestination(accessLogs),
        format: AccessLogFormat.custom(
          JSON.stringify({
            requestId: '$context.requestId',
            ip: '$context.identity.sourceIp',
            time: '$context.requestTime',
            route: '$context.routeKey',
            status: '$context.status',
            latency: '$context.responseLatency',
            bytes: '$context.responseLength',
            integrationError: '$context.integrationErrorMessage',
          }),
        ),
      },
    });
    const integration = new HttpLambdaIntegration('Ingest', this.ingest.fn);
    for (const route of [
      ...api.addRoutes({ path: '/webhooks/{source}', methods: [HttpMethod.POST], integration }),
      // the mapping file's declarative sources
      ...api.addRoutes({ path: '/webhooks/custom/{name}', methods: [HttpMethod.POST], integration }),
    ])
      acknowledge(
        route,
        'AwsSolutions-APIG4',
        'Helpdesks cannot sign SigV4: each webhook is authenticated by its HMAC signature (constant-time, ' +
          "replay window) or its source's token, checked by the function before anything is stored.",
      );
    const iam = new HttpIamAuthorizer();
    api.addRoutes({ path: '/tickets/{id}', methods: [HttpMethod.GET], integration, authorizer: iam });
    api.addRoutes({ path: '/healthz', methods: [HttpMethod.GET], integration, authorizer: iam });
    // the register of waivers: a manager's tool or a script signed with SigV4, never a helpdesk
    api.addRoutes({ path: '/waivers', methods: [HttpMethod.POST], integration, authorizer: iam });

    // The sweep behind the timers: the checker, every 10 minutes, repairs what an outage of
    // Scheduler or SNS (or a lost schedule) left undone (lib/app/sweep.ts). A role of its own: the
    // timers' role may be assumed only by the timer group's schedules.
    const sweepScheduleRole = new Role(this, 'SweepScheduleRole', {
      description: `${prefix}: runs the sweep schedule`,
      assumedBy: new ServicePrincipal('scheduler.amazonaws.com').withConditions({
        StringEquals: { 'aws:SourceAccount': this.account },
      }),
    });
    new Schedule(this, 'Sweep', {
      description: `${prefix}: reconciles tickets whose reconcile failed and timers that did not fire`,
      schedule: ScheduleExpression.rate(Duration.minutes(SWEEP_EVERY_MS / 60_000)),
      target: new LambdaInvoke(this.checker.fn, {
        role: sweepScheduleRole,
        input: ScheduleTargetInput.fromObject({ sweep: true }),
        // the next run is the retry
        retryAttempts: 0,
        maxEventAge: Duration.minutes(5),
        deadLetterQueue: this.checker.failures,
      }),
    });
    acknowledge(
      sweepScheduleRole,
      `AwsSolutions-IAM5[Resource::<${this.getLogicalId(this.checker.fn.node.defaultChild as CfnElement)}.Arn>:*]`,
      "LambdaInvoke's grant for the sweep: the checker function and its versions, nothing else.",
    );

    const reportScheduleRole = new Role(this, 'ReportScheduleRole', {
      description: `${prefix}: runs the weekly report schedule`,
      assumedBy: new ServicePrincipal('scheduler.amazonaws.com').withConditions({
        StringEquals: { 'aws:SourceAccount': this.account },
      }),
    });
    // The weekly report: Mondays 00:05 in the policy's time zone, like `serve`.
    new Schedule(this, 'WeeklyReport', {
      description: `${prefix}: last week's compliance report`,
      schedule: ScheduleExpression.cron({
        minute: '5',
        hour: '0',
        weekDay: 'MON',
        timeZone: TimeZone.of(c.policy.calendar.timeZone),
      }),
      target: new LambdaInvoke(this.report.fn, {
        role: reportScheduleRole,
        input: ScheduleTargetInput.fromObject({}),
        retryAttempts: 2,
        maxEventAge: Duration.hours(6),
        deadLetterQueue: this.report.failures,
      }),
    });

    acknowledge(
      reportScheduleRole,
      `AwsSolutions-IAM5[Resource::<${this.getLogicalId(this.report.fn.node.defaultChild as CfnElement)}.Arn>:*]`,
      "LambdaInvoke's grant: the report function and its versions, nothing else.",
    );

    if (repair) {
      const repairScheduleRole = new Role(this, 'RepairScheduleRole', {
        description: `${prefix}: runs the repair schedule`,
        assumedBy: new ServicePrincipal('scheduler.amazonaws.com').withConditions({
          StringEquals: { 'aws:SourceAccount': this.account },
        }),
      });
      new Schedule(this, 'RepairSchedule', {
        description: `${prefix}: pulls ${c.reconcileFrom.join(', ')} and stores what no webhook delivered`,
        schedule: ScheduleExpression.rate(Duration.minutes(c.reconcileEveryMinutes)),
        target: new LambdaInvoke(repair.fn, {
          role: repairScheduleRole,
          input: ScheduleTargetInput.fromObject({}),
          // the next run is the retry: it pulls from where the failed one would have started
          retryAttempts: 0,
          maxEventAge: Duration.minutes(5),
          deadLetterQueue: repair.failures,
        }),
      });
      acknowledge(
        repairScheduleRole,
        `AwsSolutions-IAM5[Resource::<${this.getLogicalId(repair.fn.node.defaultChild as CfnElement)}.Arn>:*]`,
        "LambdaInvoke's grant for the repair: the repair function and its versions, nothing else.",
      );
    }

    // Operations -----------------------------------------------------------------------------
    const functions = [this.ingest, this.checker, this.report, ...(repair ? [repair] : [])];
    const queues: [string, Queue][] = [
      ['TimerDeadLetters', timerDeadLetters],
      ['ChangeDeadLetters', changeDeadLetters],
      ...functions.map((f) => [`${f.node.id}Failures`, f.failures] as [string, Queue]),
    ];
    const alarm = (id: string, metric: IMetric, description: string) =>
      new Alarm(this, id, {
        metric,
        threshold: 1,
        evaluationPeriods: 1,
        comparisonOperator: ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
        treatMissingData: TreatMissingData.NOT_BREACHING,
        alarmDescription: description,
      }).addAlarmAction(new SnsAction(ops));
    const five = { period: Duration.minutes(5) };
    for (const [id, q] of queues)
      alarm(
        `${id}Alarm`,
        q.metricApproximateNumberOfMessagesVisible({ ...five, statistic: 'Maximum' }),
        `${id}: messages waiting; a timer or an invocation failed for good. Inspect, fix, redrive.`,
      );
    for (const f of functions) {
      alarm(`${f.node.id}ErrorsAlarm`, f.fn.metricErrors(five), `${f.fn.node.path}: errors`);
      alarm(`${f.node.id}ThrottlesAlarm`, f.fn.metricThrottles(five), `${f.fn.node.path}: throttled`);
    }
    const custom = (metricName: string) =>
      new Metric({
        namespace: 'EscalationAuditor',
        metricName,
        dimensionsMap: { service: 'escalation-auditor' },
        statistic: 'Sum',
        ...five,
      });
    // a ticket the sweep could not reconcile: a due breach may be recorded and not alerted (SNS
    // failing), or a timer not armed (Scheduler failing), for more than one sweep period already
    alarm(
      'SweepFailuresAlarm',
      custom('SweepFailures'),
      `${prefix}: the sweep could not reconcile a ticket; a due breach may be recorded but not alerted. See the checker's logs ("sweep: reconcile failed").`,
    );
    // a change the ingest function stored but could not queue: the sweep reconciles it within one
    // period; more than a few means SQS is failing
    alarm(
      'ChangesNotQueuedAlarm',
      custom('ChangesNotQueued'),
      `${prefix}: changed tickets were stored but not queued for reconciling (SQS failing); the sweep repairs them within ${SWEEP_EVERY_MS / 60_000} minutes. See the ingest function's logs ("changes not queued").`,
    );
    new Dashboard(this, 'Dashboard', {
      dashboardName: prefix,
      widgets: [
        [
          new TextWidget({
            markdown: `# ${prefix}\nWebhooks in, breaches out. Alarms go to the ops topic.`,
            width: 24,
            height: 2,
          }),
        ],
        [
          graph(
            'Invocations',
            functions.map((f) => f.fn.metricInvocations(five)),
          ),
          graph(
            'Errors',
            functions.map((f) => f.fn.metricErrors(five)),
          ),
          graph(
            'Throttles',
            functions.map((f) => f.fn.metricThrottles(five)),
          ),
          graph(
            'Duration p99',
            functions.map((f) => f.fn.metricDuration({ ...five, statistic: 'p99' })),
          ),
        ],
        [
          graph('API requests', [api.metricCount(five), api.metricClientError(five), api.metricServerError(five)]),
          graph('API latency p99', [api.metricLatency({ ...five, statistic: 'p99' })]),
          graph('Breaches, retractions, warnings', [
            custom('BreachesRecorded'),
            custom('BreachesRetracted'),
            custom('WarningsSent'),
          ]),
          graph('Recovered by reconciliation (no webhook delivered them)', [
            custom('RecoveredByReconciliation'),
            custom('ReconciliationFailures'),
          ]),
          graph('Reconcile failures (the sweep repairs them)', [
            custom('ReconcileFailures'),
            custom('ChangesNotQueued'),
            custom('SweepFailures'),
          ]),
          graph(
            'Dead letters',
            queues.map(([, q]) => q.metricApproximateNumberOfMessagesVisible({ ...five, statistic: 'Maximum' })),
          ),
        ],
      ],
    });

    const out = (id: string, value: string, description: string) => new CfnOutput(this, id, { value, description });
    out('ApiUrl', api.apiEndpoint, 'POST {ApiUrl}/webhooks/{canonical|zendesk|jira|pagerduty}');
    out('SecretsParameter', c.secretsParameter, 'SSM SecureString: the webhook signing secrets (JSON)');
    if (repair)
      out(
        'CredentialsParameter',
        c.credentialsParameter,
        'SSM SecureString: the vendors\' API credentials for the repair (JSON: { "pagerduty": { "token": "…" } })',
      );
    out('AlertsTopicArn', alerts.topicArn, 'breach alerts for on-call');
    out('ReportsTopicArn', reports.topicArn, 'weekly report announcements');
    out('OpsTopicArn', ops.topicArn, 'alarms of the auditor itself');
    out('ReportsBucketName', bucket.bucketName, 'weekly reports (reports/<policy id>-<week>.html|csv|json)');
    out('TableName', table.tableName, 'the single table');
  }
}

function allow(grantee: IGrantable, actions: string[], resources: string[], conditions?: Record<string, unknown>) {
  grantee.grantPrincipal.addToPrincipalPolicy(
    new PolicyStatement({ actions, resources, ...(conditions ? { conditions } : {}) }),
  );
}

/** A cdk-nag finding accepted on one construct, with the reason it is right here. */
function acknowledge(scope: IConstruct, id: string, reason: string) {
  Validations.of(scope).acknowledge({ id, reason });
}

const graph = (title: string, left: IMetric[]) => new GraphWidget({ title, left, width: 6, height: 6 });

/** CloudWatch Logs accepts only some retention periods; the context must name one of them. */
function retention(days: number): RetentionDays {
  const allowed = Object.values(RetentionDays).filter((v): v is number => typeof v === 'number' && v > 0);
  if (!allowed.includes(days))
    throw new ConfigError(`CDK context logRetentionDays: ${days} is not one of ${allowed.join(', ')}`);
  return days as RetentionDays;
}
