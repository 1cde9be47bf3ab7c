/**
 * The ticket directory of embedded tables: what lets `serve` take a new ticket without reading it
 * (lib/adapters/dynamodb/store.ts, lib/adapters/local/exclusive-store.ts), on dynalite.
 */
import { DeleteItemCommand, type DynamoDBClient, QueryCommand } from '@aws-sdk/client-dynamodb';
import { describe, expect, it } from 'vitest';
import { dynamoClient } from '../../../lib/adapters/dynamodb/local';
import { DynamoStore, ensureTable } from '../../../lib/adapters/dynamodb/store';
import { ExclusiveStore } from '../../../lib/adapters/local/exclusive-store';
import { createdEvent as created } from '../../support/canonical';
import { freshTable } from '../../support/dynamo';
import { dynaliteWithFaults } from '../../support/faults';

const dbs = dynaliteWithFaults();

/** Counts the queries of ticket partitions a client sends (the directory's own query is not one). */
function countTicketQueries(client: DynamoDBClient): { count: number } {
  const seen = { count: 0 };
  const send = client.send.bind(client);
  client.send = ((command: unknown, ...rest: unknown[]) => {
    if (command instanceof QueryCommand) {
      const pk = command.input.ExpressionAttributeValues?.[':pk']?.S ?? '';
      if (pk.startsWith('T#')) seen.count++;
    }
    return (send as (...args: unknown[]) => unknown)(command, ...rest);
  }) as typeof client.send;
  return seen;
}

describe('the ticket directory', () => {
  it('is kept by a table created by ensureTable, and not by one made before it', async () => {
    const { client, table, ticketDirectory } = await freshTable(dbs.engine);
    expect(ticketDirectory).toBe(true);
    expect(await ensureTable(client, table)).toBe(true);
    await client.send(
      new DeleteItemCommand({ TableName: table, Key: { pk: { S: 'META' }, sk: { S: 'ticket-directory' } } }),
    );
    expect(await ensureTable(client, table)).toBe(false);
    expect(await new DynamoStore({ client, table }).ticketDirectory()).toBeUndefined();
  });

  it('lists every ticket with events, whichever way they were written', async () => {
    const store = new DynamoStore(await freshTable(dbs.engine));
    expect(await store.ticketDirectory()).toEqual([]);
    await store.append([created('e1', 'T-1'), created('e2', 'T-1')]);
    await store.appendUnchecked([created('e3', 'T-2')], ['T-2']);
    expect(await store.ticketDirectory()).toEqual(['T-1', 'T-2']);
    // the directory is not part of any ticket: histories and the week index are unchanged
    expect(await store.history('T-1')).toHaveLength(2);
    expect(await store.ticketsActive(Date.parse('2026-03-02T00:00:00Z'), Date.parse('2026-03-03T00:00:00Z'))).toEqual([
      'T-1',
      'T-2',
    ]);
  });

  it('lets the sole writer take a new ticket without reading it, and read a known one once after a restart', async () => {
    const table = await freshTable(dbs.engine);
    const before = countTicketQueries(table.client);
    const first = new ExclusiveStore(new DynamoStore(table));
    expect(await first.append([created('e1', 'T-1')])).toEqual(['added']);
    expect(await first.append([created('e2', 'T-1')])).toEqual(['added']);
    expect(await first.history('T-1')).toHaveLength(2);
    expect(before.count).toBe(0);

    // a restart: a new process over the same table
    const client = dynamoClient(dbs.engine);
    const after = countTicketQueries(client);
    const second = new ExclusiveStore(new DynamoStore({ ...table, client }));
    expect(await second.append([created('e1', 'T-1'), created('e9', 'T-9')])).toEqual(['duplicate', 'added']);
    expect(await second.history('T-1')).toHaveLength(2);
    expect(after.count).toBe(1);
  });

  it('lists nothing when the write fails, and the retry lists the ticket with its event', async () => {
    const { client, table, ticketDirectory } = await freshTable(dbs.proxy);
    const store = new ExclusiveStore(new DynamoStore({ client, table, ticketDirectory }));
    await store.ticket('T-warm'); // the directory is read before the fault is armed
    dbs.proxy.throttle('BatchWriteItem', 3); // past the SDK's three attempts
    await expect(store.append([created('e1', 'T-1')])).rejects.toThrow(/throughput/);
    const direct = new DynamoStore({ client: dynamoClient(dbs.engine), table, ticketDirectory });
    expect(await direct.ticketDirectory()).toEqual([]);
    expect(await store.append([created('e1', 'T-1')])).toEqual(['added']);
    expect(await direct.ticketDirectory()).toEqual(['T-1']);
    const restarted = new ExclusiveStore(direct);
    expect(await restarted.append([created('e1', 'T-1')])).toEqual(['duplicate']);
  });

  it('falls back to reading every ticket it has not seen on a table without a directory', async () => {
    const { client, table } = await freshTable(dbs.engine);
    const queries = countTicketQueries(client);
    const first = new ExclusiveStore(new DynamoStore({ client, table }));
    expect(await first.append([created('e1', 'T-1')])).toEqual(['added']);
    expect(queries.count).toBe(1);
    const second = new ExclusiveStore(new DynamoStore({ client, table }));
    expect(await second.append([created('e1', 'T-1')])).toEqual(['duplicate']);
    expect(queries.count).toBe(2);
  });
});
