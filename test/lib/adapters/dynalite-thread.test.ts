import { setTimeout as sleep } from 'node:timers/promises';
import { MessageChannel, type MessagePort } from 'node:worker_threads';
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
    // closing is not failing
    const settled = await Promise.race([engine.failed?.then(() => 'failed'), sleep(50).then(() => 'pending')]);
    expect(settled).toBe('pending');
  });

  it('says when its thread dies under it, and fails requests instead of leaving them waiting', async () => {
    const engine = await startDynalite({ thread: true });
    const client = dynamoClient(engine);
    expect((await client.send(new ListTablesCommand({}))).TableNames).toEqual([]);
    // fault injection: a request without headers makes dynalite's handler throw on its thread
    const port = (engine.requestHandler as unknown as { port: MessagePort }).port;
    port.postMessage({ id: -1, method: 'POST', path: '/', headers: null, body: '{}' });
    expect((await engine.failed)?.message).toMatch(/Cannot read properties of null/);
    await expect(client.send(new ListTablesCommand({}))).rejects.toThrow(/Cannot read properties of null/);
    await engine.close(); // at once: there is nothing left to close
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
