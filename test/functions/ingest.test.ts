import type { APIGatewayProxyEventV2, Context } from 'aws-lambda';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { dynalite, type Engine, freshTable } from '../support/dynamo';
import { httpApiEvent } from '../support/lambda';
import { MAPPING } from '../support/mapping';
import { SECRET, signed } from '../support/webhooks';

let engine: Engine;
let handler: (event: APIGatewayProxyEventV2, context: Context) => Promise<{ statusCode?: number; body?: string }>;

beforeAll(async () => {
  engine = await dynalite();
  const { table, client } = await freshTable(engine);
  client.destroy();
  Object.assign(process.env, {
    TABLE_NAME: table,
    DYNAMODB_ENDPOINT: engine.endpoint,
    AWS_REGION: 'local',
    AWS_ACCESS_KEY_ID: 'local',
    AWS_SECRET_ACCESS_KEY: 'local',
    WEBHOOK_SECRETS: JSON.stringify({ canonical: SECRET }),
    MAPPING: JSON.stringify(MAPPING),
  });
  ({ handler } = (await import('../../functions/ingest')) as unknown as { handler: typeof handler });
});
afterAll(() => engine.close());

const context = {} as Context;

describe('ingest Lambda (API Gateway HTTP API v2)', () => {
  it('stores a signed canonical event and serves the ticket, like serve does', async () => {
    const ev = {
      id: 'l-1',
      ticketId: 'T-L1',
      type: 'ticket.created',
      at: '2026-03-02T10:00:00Z',
      severity: 'P2',
      client: { id: 'c', tier: 'standard' },
    };
    const { body, headers } = signed('canonical', ev);
    const r = await handler(
      httpApiEvent('POST', '/webhooks/canonical', body, { 'X-Signature': headers['x-signature'] as string }),
      context,
    );
    expect(r.statusCode).toBe(200);
    expect(JSON.parse(r.body as string)).toMatchObject({ accepted: 1 });
    const again = await handler(
      httpApiEvent('POST', '/webhooks/canonical', body, { 'x-signature': headers['x-signature'] as string }, true),
      context,
    );
    expect(JSON.parse(again.body as string)).toMatchObject({ accepted: 0, duplicates: 1 });
    const t = await handler(httpApiEvent('GET', '/tickets/T-L1'), context);
    expect(JSON.parse(t.body as string).history).toEqual([ev]);
  });

  it('answers bad input with 4xx, not an exception', async () => {
    expect((await handler(httpApiEvent('POST', '/webhooks/canonical', '{}', {}), context)).statusCode).toBe(401);
    expect((await handler(httpApiEvent('POST', '/webhooks/zendesk', '{}', {}), context)).statusCode).toBe(401);
    expect((await handler(httpApiEvent('GET', '/tickets/none'), context)).statusCode).toBe(404);
  });
});
