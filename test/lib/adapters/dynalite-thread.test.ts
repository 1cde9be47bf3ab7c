import { MessageChannel } from 'node:worker_threads';
import { ListTablesCommand } from '@aws-sdk/client-dynamodb';
import type { HttpRequest } from '@smithy/types';
import { describe, expect, it } from 'vitest';
import { dynamoClient, startDynalite, ThreadHandler } from '../../../lib/adapters/dynamodb/local';
import { DynamoStore, ensureTable } from '../../../lib/adapters/dynamodb/store';
import { createdEvent as created } from '../../support/canonical';

describe('dynalite on a thread of its own', () => {
  it('takes the SDK requests over its port, not over loopback, and refuses them once closed', async () => {
    const engine = await startDynalite({ thread: true });
    // nothing listens on port 9: every request below goes to the thread as a message
    const client = dynamoClient({ endpoint: 'http://127.0.0.1:9', requestHandler: engine.requestHandler });
    // a table made, then written at once
    expect(await ensureTable(client, 'threaded')).toBe(true);
    const store = new DynamoStore({ client, table: 'threaded', ticketDirectory: true });
    expect(await store.append([created('e1', 'T-1')])).toEqual(['added']);
    expect(await store.ticketDirectory()).toEqual(['T-1']);
    await engine.close();
    await expect(client.send(new ListTablesCommand({}))).rejects.toThrow(/embedded DynamoDB is closed/);
  });

  it('fails the requests waiting on a thread that stopped, and every later one', async () => {
    const { port1, port2 } = new MessageChannel();
    port2.on('message', () => {}); // a thread that never answers
    const handler = new ThreadHandler(port1);
    const request = { method: 'POST', path: '/', headers: {}, body: '{}', hostname: 'x', protocol: 'http:' };
    const waiting = handler.handle(request as HttpRequest);
    handler.stop(new Error('the thread exited (1)'));
    await expect(waiting).rejects.toThrow('the thread exited (1)');
    await expect(handler.handle(request as HttpRequest)).rejects.toThrow('the thread exited (1)');
    port2.close();
  });
});
