/**
 * A reconcile that swaps a ticket's timers (its deadline timer for a claim's lease timer) and dies
 * halfway must leave the store a timer too many, never none: the new timers are written, and
 * acknowledged, before the old ones are deleted.
 */
import { BatchWriteItemCommand } from '@aws-sdk/client-dynamodb';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DynamoStore } from '../../../lib/adapters/dynamodb/store';
import type { Timer } from '../../../lib/ports';
import { dynalite, type Engine, freshTable } from '../../support/dynamo';

let engine: Engine;
beforeAll(async () => {
  engine = await dynalite();
});
afterAll(() => engine.close());

describe('saving timers', () => {
  it('writes the armed ones before deleting the disarmed, and a moved timer is one put', async () => {
    const opts = await freshTable(engine);
    const sent: string[] = [];
    // each batch's writes, once acknowledged
    const send = opts.client.send.bind(opts.client) as (command: unknown) => Promise<unknown>;
    (opts.client as { send: unknown }).send = async (command: unknown) => {
      const result = await send(command);
      if (command instanceof BatchWriteItemCommand)
        for (const w of Object.values(command.input.RequestItems ?? {}).flat())
          sent.push(w.PutRequest ? `put ${w.PutRequest.Item?.sk?.S}` : `delete ${w.DeleteRequest?.Key?.sk?.S}`);
      return result;
    };
    const store = new DynamoStore(opts);
    const deadline: Timer = { ticketId: 'T-1', rule: 'incident-form', kind: 'deadline', dueAt: 1_000, fireAt: 1_000 };
    const warning: Timer = { ticketId: 'T-1', rule: 'incident-form', kind: 'warning', dueAt: 1_000, fireAt: 500 };
    await store.saveTimers([deadline, warning], []);
    sent.length = 0;
    const lease: Timer = { ticketId: 'T-1', rule: 'incident-form', kind: 'lease', dueAt: 1_000, fireAt: 61_000 };
    const moved: Timer = { ...warning, fireAt: 700 };
    await store.saveTimers([lease, moved], [deadline, warning]);
    // the lease and the moved warning acknowledged in one batch before the deadline timer goes
    expect(sent).toEqual([
      'put TM#lease#incident-form#1000',
      'put TM#warning#incident-form#1000',
      'delete TM#deadline#incident-form#1000',
    ]);
    expect((await store.timers('T-1')).sort((a, b) => a.fireAt - b.fireAt)).toEqual([moved, lease]);
  });
});
