import { PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { PublishCommand, SNSClient } from '@aws-sdk/client-sns';
import { mockClient } from 'aws-sdk-client-mock';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DynamoStore } from '../../lib/adapters/dynamodb/store';
import type { CanonicalEvent } from '../../lib/events/schema';
import { dynalite, type Engine, freshTable } from '../support/dynamo';
import { exampleLines } from '../support/example';

const s3 = mockClient(S3Client);
const sns = mockClient(SNSClient);
let engine: Engine;
let handler: (event: unknown, context: object) => Promise<{ week: string; links: Record<string, string> }>;

beforeAll(async () => {
  engine = await dynalite();
  const { table, client } = await freshTable(engine);
  await new DynamoStore({ client, table }).append(exampleLines().map((l) => JSON.parse(l) as CanonicalEvent));
  Object.assign(process.env, {
    TABLE_NAME: table,
    DYNAMODB_ENDPOINT: engine.endpoint,
    AWS_REGION: 'eu-west-1',
    AWS_ACCESS_KEY_ID: 'local',
    AWS_SECRET_ACCESS_KEY: 'local',
    REPORTS_BUCKET: 'reports-bucket',
    REPORTS_TOPIC_ARN: 'arn:aws:sns:eu-west-1:111122223333:reports',
  });
  ({ handler } = (await import('../../functions/report')) as unknown as { handler: typeof handler });
});
afterAll(() => engine.close());

describe('weekly report Lambda', () => {
  it('puts the week in S3 (through the day index) and publishes a summary with the link', async () => {
    s3.on(PutObjectCommand).resolves({});
    sns.on(PublishCommand).resolves({ MessageId: 'm' });
    const r = await handler({ week: '2026-W10' }, {});
    expect(r.week).toBe('2026-W10');
    expect(
      s3
        .commandCalls(PutObjectCommand)
        .map((c) => c.args[0].input.Key)
        .sort(),
    ).toEqual([
      'reports/CS-POL-001-2026-W10.csv',
      'reports/CS-POL-001-2026-W10.html',
      'reports/CS-POL-001-2026-W10.json',
    ]);
    const message = sns.commandCalls(PublishCommand)[0]?.args[0].input.Message as string;
    expect(message).toMatch(/^CS-POL-001 compliance for 2026-W10: 59\.6% \(114 obligations due, 46 breached/);
    expect(message).toContain('X-Amz-Expires=604800');
  });
});
