/**
 * What the Lambdas need, built once per cold start from their environment:
 * - TABLE_NAME (and DYNAMODB_ENDPOINT for a local engine), ARCHIVE_RETENTION_DAYS (default 30);
 * - CONFIG_FILE: the policy and the mapping as JSON, in the bundle (the CDK app converts the YAML
 *   files and copies the result in); or POLICY and MAPPING as JSON text, for local runs and tests;
 * - the webhook signing secrets from the SSM SecureString parameter named by SECRETS_PARAMETER
 *   (WEBHOOK_SECRETS for local runs), read again after 5 minutes and before refusing a signature;
 * - for timers and alerts (the checker): SCHEDULE_GROUP, CHECKER_ARN, SCHEDULER_ROLE_ARN,
 *   TIMER_DLQ_ARN, ALERTS_TOPIC_ARN, API_URL and GRACE_SECONDS (default 60);
 * - CHANGES_QUEUE_URL (the ingest and repair Lambdas): the FIFO queue of changed tickets the checker reconciles;
 * - for the repair Lambda: RECONCILE_FROM (vendors, comma-separated), RECONCILE_EVERY_MINUTES,
 *   VENDOR_URLS (JSON: vendor -> address) and CREDENTIALS_PARAMETER, the SSM SecureString with
 *   each vendor's API credentials (`{ "pagerduty": { "token": "…" }, "jira": { "email": "…", "token": "…" } }`).
 */
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { SchedulerClient } from '@aws-sdk/client-scheduler';
import { SNSClient } from '@aws-sdk/client-sns';
import { SQSClient } from '@aws-sdk/client-sqs';
import { GetParameterCommand, SSMClient } from '@aws-sdk/client-ssm';
import { DynamoStore } from '../lib/adapters/dynamodb/store';
import { SchedulerTimers } from '../lib/adapters/scheduler/timers';
import { SnsAlerts } from '../lib/adapters/sns/alerts';
import { SqsChanges } from '../lib/adapters/sqs/changes';
import type { LiveDeps } from '../lib/app/live';
import { cached } from '../lib/cache';
import { parsePolicy } from '../lib/policy/load';
import { DEFAULT_POLICY, type Policy } from '../lib/policy/schema';
import { type Mapping, parseMapping } from '../lib/sources/mapping';
import { cachedSecrets, parseSecrets, type Secrets } from '../lib/sources/secrets';
import { count, logger } from './observability';

function required(name: string): string {
  const value = process.env[name];
  if (!value) throw new Error(`environment variable ${name} is not set`);
  return value;
}

export function storeFromEnv(): DynamoStore {
  const endpoint = process.env.DYNAMODB_ENDPOINT;
  return new DynamoStore({
    // the middleware stack resolved once per command, not on every call (nothing changes it later)
    client: new DynamoDBClient({ cacheMiddleware: true, ...(endpoint ? { endpoint } : {}) }),
    table: required('TABLE_NAME'),
    retentionDays: Number(process.env.ARCHIVE_RETENTION_DAYS ?? 30),
  });
}

/**
 * The configuration the CDK app put in the bundle (`CONFIG_FILE`, next to the handler: the
 * policy and the mapping as JSON), read once per cold start; POLICY and MAPPING in the
 * environment instead for local runs and tests.
 */
let bundled: { policy?: unknown; mapping?: unknown } | undefined;
function bundledConfig(): { policy?: unknown; mapping?: unknown } {
  const file = process.env.CONFIG_FILE;
  if (!file) return {};
  bundled ??= JSON.parse(readFileSync(resolve(process.env.LAMBDA_TASK_ROOT ?? process.cwd(), file), 'utf8'));
  return bundled ?? {};
}

export function policyFromEnv(): Policy {
  const { policy } = bundledConfig();
  if (policy !== undefined) return parsePolicy(JSON.stringify(policy));
  return process.env.POLICY ? parsePolicy(process.env.POLICY) : DEFAULT_POLICY;
}

export function mappingFromEnv(): Mapping {
  const { mapping } = bundledConfig();
  return parseMapping(mapping !== undefined ? JSON.stringify(mapping) : (process.env.MAPPING ?? '{}'));
}

/** Timers and alerts, when the environment configures them; `waiversChanged` drops the checker's copy of the register. */
export function liveFromEnv(
  store: DynamoStore,
  policy: Policy,
): (LiveDeps & { readonly waiversChanged: () => void }) | undefined {
  if (!process.env.SCHEDULE_GROUP || !process.env.ALERTS_TOPIC_ARN) return undefined;
  // the register of waivers, read again once a minute: a checker batch reconciles many tickets on
  // one read. A record added through the API queues the tickets it bears on with a flag
  // (`waivers`) that has the register read again first, so their reconcile sees it.
  const register = cached(() => store.waivers(), { maxAgeMs: 60_000 });
  return {
    waiversChanged: () => void register.reread(),
    store,
    policy,
    timers: new SchedulerTimers({
      client: new SchedulerClient({}),
      group: required('SCHEDULE_GROUP'),
      targetArn: required('CHECKER_ARN'),
      roleArn: required('SCHEDULER_ROLE_ARN'),
      deadLetterArn: required('TIMER_DLQ_ARN'),
    }),
    alerts: new SnsAlerts(new SNSClient({}), required('ALERTS_TOPIC_ARN')),
    waivers: () => register.current(),
    graceMs: Number(process.env.GRACE_SECONDS ?? 60) * 1000,
    baseUrl: process.env.API_URL ?? '',
  };
}

export async function loadSecrets(ssm: () => SSMClient = () => new SSMClient({})): Promise<Secrets> {
  const parameter = process.env.SECRETS_PARAMETER;
  if (!parameter) return parseSecrets(process.env.WEBHOOK_SECRETS ?? '{}');
  const r = await ssm().send(new GetParameterCommand({ Name: parameter, WithDecryption: true }));
  return parseSecrets(r.Parameter?.Value ?? '{}');
}

/**
 * What the ingest and the repair do with the tickets whose events they stored: flag them in the
 * table and queue them for the checker. The answer waits for the events and the flag; a message
 * SQS did not take is not the sender's fault and is not retried by it: the flag stays and the
 * next sweep reconciles the ticket.
 */
export function changedNotifier(store: DynamoStore, changes: SqsChanges) {
  return async (ticketIds: readonly string[], why?: 'waivers') => {
    const at = Date.now();
    await store.flagChanged(ticketIds, at);
    try {
      // a change to the register tells the checker to read it again (its copy is a minute old at most)
      await changes.send(
        ticketIds.map((ticketId) => ({ ticketId, at, ...(why === 'waivers' ? { waivers: true as const } : {}) })),
      );
    } catch (err) {
      logger.error('changes not queued; the sweep reconciles these tickets', { ticketIds, err });
      count('ChangesNotQueued', ticketIds.length);
    }
  };
}

export function changesFromEnv(): SqsChanges | undefined {
  const queueUrl = process.env.CHANGES_QUEUE_URL;
  return queueUrl ? new SqsChanges(new SQSClient({}), queueUrl) : undefined;
}

export async function wireIngest() {
  const store = storeFromEnv();
  const changes = changesFromEnv();
  return {
    store,
    policy: policyFromEnv(),
    mapping: mappingFromEnv(),
    // read with a maximum age (5 min) and once more before refusing a signature: a rotated or
    // revoked secret takes effect on warm instances too
    secrets: {},
    secretSource: cachedSecrets(() => loadSecrets()),
    ...(changes ? { changed: changedNotifier(store, changes) } : {}),
  };
}
