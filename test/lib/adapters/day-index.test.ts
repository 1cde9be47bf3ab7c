/**
 * The day index (gsi1) lists a ticket once per day it had events: the first event of a ticket-day
 * that a store process writes carries the entry, the others do not (lib/adapters/dynamodb/store.ts).
 */
import { type DynamoDBClient, QueryCommand } from '@aws-sdk/client-dynamodb';
import { describe, expect, it } from 'vitest';
import { DynamoStore } from '../../../lib/adapters/dynamodb/store';
import type { CanonicalEvent } from '../../../lib/events/schema';
import { createdEvent } from '../../support/canonical';
import { freshTable } from '../../support/dynamo';
import { dynaliteWithFaults } from '../../support/faults';

const dbs = dynaliteWithFaults();

const MON = Date.parse('2026-03-02T00:00:00Z');
const DAY = 86_400_000;
/** Event `id` of `ticketId` on Monday 2 March 2026, or `day` days later. */
const on = (id: string, ticketId: string, day = 0): CanonicalEvent => ({
  ...createdEvent(id, ticketId),
  at: new Date(MON + day * DAY + 10 * 3_600_000).toISOString(),
});

/** The day index entries of a UTC day, as `<ticketId>#E#<event id>`. */
async function entries(client: DynamoDBClient, table: string, day: string): Promise<string[]> {
  const r = await client.send(
    new QueryCommand({
      TableName: table,
      IndexName: 'gsi1',
      KeyConditionExpression: 'gsi1pk = :d',
      ExpressionAttributeValues: { ':d': { S: `DAY#${day}` } },
    }),
  );
  return (r.Items ?? []).map((item) => item.gsi1sk?.S as string).sort();
}

describe('the day index of events', () => {
  it('lists each ticket once per day, whichever way its events are written', async () => {
    const { client, table } = await freshTable(dbs.engine);
    const store = new DynamoStore({ client, table });
    await store.appendUnchecked([on('e1', 'T-1'), on('e2', 'T-2')]);
    await store.appendUnchecked([on('e3', 'T-1'), on('e4', 'T-1', 1)]);
    expect(await store.append([on('e5', 'T-2'), on('e6', 'T-3'), on('e7', 'T-3')])).toEqual([
      'added',
      'added',
      'added',
    ]);
    expect(await entries(client, table, '2026-03-02')).toEqual(['T-1#E#e1', 'T-2#E#e2', 'T-3#E#e6', 'T-3#E#e7']);
    expect(await entries(client, table, '2026-03-03')).toEqual(['T-1#E#e4']);
    // e6 and e7 were written at once, before either was stored: both carry the entry
    expect(await store.ticketsActive(MON, MON + 2 * DAY)).toEqual(['T-1', 'T-2', 'T-3']);
    expect(await store.ticketsActive(MON + DAY, MON + 2 * DAY)).toEqual(['T-1']);
    expect((await store.history('T-1')).map((e) => e.id)).toEqual(['e1', 'e3', 'e4']);

    // a restarted process does not know what is indexed: a ticket-day's first event is indexed again
    const restarted = new DynamoStore({ client, table });
    await restarted.appendUnchecked([on('e8', 'T-1')]);
    await restarted.appendUnchecked([on('e9', 'T-1')]);
    expect(await entries(client, table, '2026-03-02')).toEqual([
      'T-1#E#e1',
      'T-1#E#e8',
      'T-2#E#e2',
      'T-3#E#e6',
      'T-3#E#e7',
    ]);
  });

  it('indexes the next event of a ticket-day when the write of its entry failed', async () => {
    const { client, table } = await freshTable(dbs.proxy);
    const store = new DynamoStore({ client, table });
    dbs.proxy.throttle('BatchWriteItem', 3); // past the SDK's three attempts
    await expect(store.appendUnchecked([on('e1', 'T-1')])).rejects.toThrow(/throughput/);
    await store.appendUnchecked([on('e2', 'T-1')]);
    await store.appendUnchecked([on('e3', 'T-1')]);
    expect(await entries(client, table, '2026-03-02')).toEqual(['T-1#E#e2']);
    expect(await store.ticketsActive(MON, MON + DAY)).toEqual(['T-1']);
  });
});
