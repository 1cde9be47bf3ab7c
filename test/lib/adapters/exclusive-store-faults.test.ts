/**
 * The sole-writer cache over the embedded engine, with a BatchWriteItem that gives up after some
 * of its writes landed (what DynamoDB's batch does when it keeps leaving items unprocessed): no
 * event that landed is hidden, nor overwritten by a different event under its id, before or
 * after a restart.
 */
import type { BatchWriteItemCommandInput } from '@aws-sdk/client-dynamodb';
import { afterAll, describe, expect, it } from 'vitest';
import { dynamoClient, startDynalite } from '../../../lib/adapters/dynamodb/local';
import { DynamoStore, ensureTable } from '../../../lib/adapters/dynamodb/store';
import { ExclusiveStore } from '../../../lib/adapters/local/exclusive-store';
import type { CanonicalEvent } from '../../../lib/events/schema';
import { createdEvent as created } from '../../support/canonical';

const engine = await startDynalite();
afterAll(() => engine.close());

/** A client whose next BatchWriteItem carrying events writes them, then fails as if it gave up. */
function faultyClient() {
  const client = dynamoClient(engine);
  const fault = { armed: false };
  client.middlewareStack.add(
    (next, context) => async (args) => {
      const result = await next(args);
      const input = args.input as BatchWriteItemCommandInput;
      const events = Object.values(input.RequestItems ?? {})
        .flat()
        .some((w) => w.PutRequest?.Item?.sk?.S?.startsWith('E#'));
      if (fault.armed && context.commandName === 'BatchWriteItemCommand' && events) {
        fault.armed = false;
        throw new Error('DynamoDB left 1 writes unprocessed');
      }
      return result;
    },
    { step: 'initialize', name: 'giveUpAfterWriting' },
  );
  return { client, fault };
}

/** A different event under the same id. */
const other = (e: CanonicalEvent): CanonicalEvent => ({ ...e, severity: 'P3' }) as CanonicalEvent;

describe('the sole-writer cache when a batch of events fails after landing', () => {
  it('keeps what landed in view: a different event under its id is a conflict, and a restart sees it', async () => {
    const table = 'faults';
    const { client, fault } = faultyClient();
    const ticketDirectory = await ensureTable(client, table);
    expect(ticketDirectory).toBe(true);
    const store = new ExclusiveStore(new DynamoStore({ client, table, ticketDirectory }));
    await store.append([created('seed', 'T-0')]); // the directory read, before the fault
    fault.armed = true;
    const first = [created('a1', 'T-NEW'), { ...created('a2', 'T-NEW'), at: '2026-03-02T10:01:00Z' }];
    await expect(store.append(first)).rejects.toThrow(/unprocessed/);
    // the sender gives up; a different event comes under a landed id
    expect(await store.append([other(created('a1', 'T-NEW'))])).toEqual(['conflict']);
    expect((await store.history('T-NEW')).map((e) => e.id).sort()).toEqual(['a1', 'a2']);
    expect((await store.history('T-NEW')).find((e) => e.id === 'a1')).toEqual(created('a1', 'T-NEW'));

    // dropped from memory and loaded again: read from the store, not taken for a new ticket
    const small = new ExclusiveStore(new DynamoStore({ client, table, ticketDirectory }), 2);
    await small.append([created('seed', 'T-0')]);
    fault.armed = true;
    await expect(small.append([created('c1', 'T-EVICTED')])).rejects.toThrow(/unprocessed/);
    for (let i = 0; i < 4; i++) await small.append([created(`x${i}`, `T-X${i}`)]);
    expect((await small.history('T-EVICTED')).map((e) => e.id)).toEqual(['c1']);

    // a restart: the directory lists the ticket, its landed events are read, the first stays
    const restarted = new ExclusiveStore(new DynamoStore({ client: dynamoClient(engine), table, ticketDirectory }));
    expect((await restarted.history('T-NEW')).map((e) => e.id).sort()).toEqual(['a1', 'a2']);
    expect(await restarted.append([other(created('a2', 'T-NEW'))])).toEqual(['conflict']);
    expect(await restarted.append([created('a1', 'T-NEW')])).toEqual(['duplicate']);
  });

  it('the sender’s retry of a batch that failed after landing is a duplicate, stored once', async () => {
    const table = 'faults-retry';
    const { client, fault } = faultyClient();
    const ticketDirectory = await ensureTable(client, table);
    const store = new ExclusiveStore(new DynamoStore({ client, table, ticketDirectory }));
    await store.append([created('seed', 'T-0')]);
    fault.armed = true;
    await expect(store.append([created('b1', 'T-R')])).rejects.toThrow(/unprocessed/);
    // the sender retries: the landed event is recognised, nothing is written twice
    expect(await store.append([created('b1', 'T-R')])).toEqual(['duplicate']);
    expect((await store.history('T-R')).map((e) => e.id)).toEqual(['b1']);
  });
});
