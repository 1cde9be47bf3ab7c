/**
 * The weekly report Lambda, on an EventBridge Scheduler cron (Mondays, in the policy's time
 * zone): last week's report to S3 (HTML, CSV, JSON) and a summary with a pre-signed link to the
 * reports topic. `{ "week": "2026-W10" }` as input makes that week's report instead.
 */
import { S3Client } from '@aws-sdk/client-s3';
import { PublishCommand, SNSClient } from '@aws-sdk/client-sns';
import * as z from 'zod';
import { S3ReportSink } from '../lib/adapters/s3/report-sink';
import { deliverWeeklyReport } from '../lib/app/weekly';
import { isoWeek, lastWeek } from '../lib/report/aggregate';
import { count, observed } from './observability';
import { policyFromEnv, storeFromEnv } from './wiring';

const store = storeFromEnv();
const policy = policyFromEnv();
const s3 = new S3Client({});
const sns = new SNSClient({});
const Input = z.object({ week: z.string().optional() }).loose();

export const handler = observed<unknown, { week: string; links: Record<string, string> }>().handler(async (event) => {
  const bucket = process.env.REPORTS_BUCKET;
  const topic = process.env.REPORTS_TOPIC_ARN;
  if (!bucket || !topic) throw new Error('the report function needs REPORTS_BUCKET and REPORTS_TOPIC_ARN');
  const zone = policy.calendar.timeZone;
  const { week: requested } = Input.parse(event ?? {});
  const week = requested ? isoWeek(requested, zone) : lastWeek(Date.now(), zone);
  const delivered = await deliverWeeklyReport(store, policy, week, new S3ReportSink(s3, bucket));
  await sns.send(
    new PublishCommand({
      TopicArn: topic,
      Subject: `${policy.id} compliance report ${week.id}`,
      Message: delivered.summary,
    }),
  );
  count('ReportsDelivered');
  return { week: delivered.week, links: delivered.links };
});
