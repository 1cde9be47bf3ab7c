/** The embedded DynamoDB: dynalite in this process or on a thread of its own, in memory or in a data folder. */

import type { AddressInfo } from 'node:net';
import { Worker } from 'node:worker_threads';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import dynalite from 'dynalite';

export interface LocalDynamo {
  readonly endpoint: string;
  close(): Promise<void>;
}

/**
 * Starts dynalite on a loopback port; `path` keeps the data on disk (LevelDB), else in memory.
 * With `thread`, it runs on a worker thread of its own (what `serve` does).
 */
export async function startDynalite(
  opts: { path?: string; port?: number; thread?: boolean } = {},
): Promise<LocalDynamo> {
  const options = { createTableMs: 0, deleteTableMs: 0, updateTableMs: 0, ...(opts.path ? { path: opts.path } : {}) };
  if (opts.thread) return startOnThread(options, opts.port ?? 0);
  const server = dynalite(options);
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(opts.port ?? 0, '127.0.0.1', () => resolve());
  });
  const { port } = server.address() as AddressInfo;
  return {
    endpoint: `http://127.0.0.1:${port}`,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

/**
 * A client for a local engine or, without an endpoint, for AWS. The local engines check that a
 * request carries a well-formed SigV4 header, not its signature, so requests to them are stamped
 * with one instead of signed: signing was a tenth of the server's CPU under load. The middleware
 * stack is resolved once per command, not per request (a third of the SDK's own time per call).
 */
export function dynamoClient(endpoint?: string): DynamoDBClient {
  if (!endpoint) return new DynamoDBClient({ cacheMiddleware: true });
  return new DynamoDBClient({
    endpoint,
    region: 'local',
    credentials: { accessKeyId: 'local', secretAccessKey: 'local' },
    maxAttempts: 3,
    cacheMiddleware: true,
    signer: { sign: async <R extends Stampable>(request: R) => stamp(request) },
  });
}

type Stampable = { headers: Record<string, string> };

function stamp<R extends Stampable>(request: R): R {
  const date = `${new Date().toISOString().replace(/[-:]/g, '').slice(0, 15)}Z`;
  request.headers['x-amz-date'] = date;
  request.headers.authorization =
    `AWS4-HMAC-SHA256 Credential=local/${date.slice(0, 8)}/local/dynamodb/aws4_request, ` +
    'SignedHeaders=host;x-amz-date, Signature=0';
  return request;
}

async function startOnThread(options: object, port: number): Promise<LocalDynamo> {
  const worker = new Worker(new URL('./dynalite-thread.mjs', import.meta.url), { workerData: { options, port } });
  const reply = await new Promise<{ port?: number; error?: string }>((resolve, reject) => {
    worker.once('message', resolve);
    worker.once('error', reject);
  });
  if (reply.error || reply.port === undefined) throw new Error(`dynalite did not start: ${reply.error}`);
  return {
    endpoint: `http://127.0.0.1:${reply.port}`,
    close: async () => {
      const closed = new Promise((resolve) => worker.once('message', resolve));
      worker.postMessage('close');
      await closed;
      await worker.terminate();
    },
  };
}
