/** The embedded DynamoDB: dynalite in this process or on a thread of its own, in memory or in a data folder. */

import type { AddressInfo } from 'node:net';
import { MessageChannel, type MessagePort, Worker } from 'node:worker_threads';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import type { HttpRequest, HttpResponse } from '@smithy/types';
import { readAhead } from '../../window';
import { partitionKey, startEngine } from './dynalite.mjs';
import type { Item, PartitionReader } from './store';

export interface LocalDynamo {
  /** The engine's loopback URL. */
  readonly endpoint: string;
  /** For an engine on a thread: hands the SDK's requests to that thread as messages, not over a socket. */
  readonly requestHandler?: ThreadHandler;
  /** For an engine on a thread: settles with the reason if that thread stops other than by `close`. */
  readonly failed?: Promise<Error>;
  /** dynalite's: many partitions read at once, without a Query each (dynalite.mjs, `readPartitions`). */
  readonly partitions?: PartitionReader;
  close(): Promise<void>;
}

/**
 * The LevelDB tables a read of the whole store once through keeps open (`openTables`): LevelDB's
 * table cache, 1,000 by default. An open table is mapped into memory, and what has been read of
 * it counts in the process's resident memory: with the default, a weekly report over 200,000
 * tickets held 0.4 GB of its 2 MB files, with this 0.18 GB. `serve` keeps the default: its reads
 * fall anywhere, and each read of a table not open opens it again; tried with 64, the soak's rate
 * fell from 1,937 to 742 events/s as the folder grew from 34 to 151 tables (1,524 events/s over
 * the whole soak with the default).
 */
export const ONE_PASS_TABLES = 64;

/**
 * Starts dynalite on a loopback port; `path` keeps the data on disk (LevelDB), else in memory,
 * with `openTables` of its tables open at most (see ONE_PASS_TABLES).
 * With `thread`, it runs on a worker thread of its own (what `serve` does), and a client made with
 * `dynamoClient(engine)` posts its requests to that thread instead of sending them over loopback.
 */
export async function startDynalite(
  opts: { path?: string; thread?: boolean; openTables?: number } = {},
): Promise<LocalDynamo> {
  const options = {
    createTableMs: 0,
    deleteTableMs: 0,
    updateTableMs: 0,
    ...(opts.path ? { path: opts.path } : {}),
    ...(opts.openTables ? { maxOpenFiles: opts.openTables } : {}),
  };
  if (opts.thread) return startOnThread(options);
  const { server, readPartitions } = startEngine(options);
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve());
  });
  const { port } = server.address() as AddressInfo;
  return {
    endpoint: `http://127.0.0.1:${port}`,
    partitions: partitionReader(readPartitions),
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

/**
 * A client for a local engine or, without one, for AWS. The local engines check that a
 * request carries a well-formed SigV4 header, not its signature, so requests to them are stamped
 * with one instead of signed: signing was a tenth of the server's CPU under load. The middleware
 * stack is resolved once per command, not per request (a third of the SDK's own time per call).
 */
export function dynamoClient(engine?: Pick<LocalDynamo, 'endpoint' | 'requestHandler'>): DynamoDBClient {
  if (!engine) return new DynamoDBClient({ cacheMiddleware: true });
  const { endpoint, requestHandler } = engine;
  return new DynamoDBClient({
    endpoint,
    region: 'local',
    credentials: { accessKeyId: 'local', secretAccessKey: 'local' },
    maxAttempts: 3,
    cacheMiddleware: true,
    ...(requestHandler ? { requestHandler } : {}),
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

/** Partitions asked of the engine at once, and chunks in flight: a few MB of items held at a time. */
const CHUNK = 1_000;
const CHUNKS_IN_FLIGHT = 2;

/**
 * The engine's bulk read as the store takes it: the partitions in the engine's key order (so that
 * one chunk follows the last on disk), a chunk at a time, the next one read while this one is used.
 */
function partitionReader(read: (starts: readonly string[]) => Promise<string[][]>): PartitionReader {
  return async function* (table, pks) {
    const keyed = pks.map((pk) => ({ pk, start: partitionKey(table, pk) }));
    keyed.sort((a, b) => (a.start < b.start ? -1 : a.start > b.start ? 1 : 0));
    const chunks: (typeof keyed)[] = [];
    for (let i = 0; i < keyed.length; i += CHUNK) chunks.push(keyed.slice(i, i + CHUNK));
    // parsed one partition at a time, as it is used: a chunk's items never live at once as objects
    for await (const { chunk, items } of readAhead(chunks, CHUNKS_IN_FLIGHT, async (chunk) => ({
      chunk,
      items: await read(chunk.map((k) => k.start)),
    })))
      for (const [j, { pk }] of chunk.entries())
        yield { pk, items: (items[j] ?? []).map((json) => JSON.parse(json) as Item) };
  };
}

/**
 * dynalite on a worker thread. It listens on loopback too (closing its server is what closes its
 * store), but the requests of `dynamoClient(engine)` go to it over a MessagePort: under load, the
 * sockets' system calls and HTTP parsing on both ends were a third of the embedded store's CPU.
 */
async function startOnThread(options: object): Promise<LocalDynamo> {
  const { port1, port2 } = new MessageChannel();
  const worker = new Worker(new URL('./dynalite-thread.mjs', import.meta.url), {
    workerData: { options, requests: port2 },
    transferList: [port2],
  });
  const reply = await new Promise<{ port?: number; error?: string }>((resolve, reject) => {
    worker.once('message', resolve);
    worker.once('error', reject);
  });
  if (reply.error || reply.port === undefined) throw new Error(`dynalite did not start: ${reply.error}`);
  const requestHandler = new ThreadHandler(port1);
  // the engine's thread crashed (an error its handler threw, a disk that filled up): every request
  // waiting, and every later one, fails with that error instead of waiting forever
  let closing = false;
  const failed = new Promise<Error>((resolve) => {
    const stop = (err: Error) => {
      requestHandler.stop(err);
      if (!closing) resolve(err);
    };
    worker.on('error', stop);
    worker.on('exit', (code) => stop(new Error(`the embedded DynamoDB's thread exited (${code})`)));
  });
  return {
    endpoint: `http://127.0.0.1:${reply.port}`,
    requestHandler,
    failed,
    partitions: partitionReader((starts) => requestHandler.readPartitions(starts)),
    close: async () => {
      if (closing || requestHandler.stopped) return;
      closing = true;
      const closed = new Promise((resolve) => worker.once('message', resolve));
      worker.postMessage('close');
      await closed;
      requestHandler.stop(new Error('the embedded DynamoDB is closed'));
      await worker.terminate();
    },
  };
}

/** A request as the engine's thread gets it, and its answer. */
interface ThreadRequest {
  readonly id: number;
  readonly method: string;
  readonly path: string;
  readonly headers: Record<string, string>;
  readonly body: string | Uint8Array | undefined;
}
interface ThreadAnswer {
  readonly id: number;
  readonly statusCode: number;
  readonly headers: Record<string, string>;
  readonly body: string;
}
/** The answer to a bulk read of partitions. */
interface PartitionsAnswer {
  readonly id: number;
  readonly items?: string[][];
  readonly error?: string;
}

/**
 * The SDK's HTTP handler for an engine on a thread: the signed request, as the SDK built it, is
 * posted to the thread, which gives it to dynalite's own request handler; the answer comes back
 * as the HTTP response the SDK parses. Everything above the transport is the SDK's, unchanged.
 */
export class ThreadHandler {
  private next = 0;
  /** What waits for an answer: an HTTP response, or a bulk read's items (by the request's kind). */
  private readonly waiting = new Map<number, { resolve(r: unknown): void; reject(e: Error): void }>();
  private reason?: Error;

  constructor(private readonly port: MessagePort) {
    port.on('message', (answer: ThreadAnswer | PartitionsAnswer) => {
      const request = this.waiting.get(answer.id);
      this.waiting.delete(answer.id);
      if ('statusCode' in answer) {
        const { statusCode, headers, body } = answer;
        request?.resolve({ response: { statusCode, headers, body: Buffer.from(body) } });
      } else if (answer.error !== undefined) request?.reject(new Error(`the embedded DynamoDB: ${answer.error}`));
      else request?.resolve(answer.items);
    });
    // the worker keeps the process alive while it runs; the port need not
    port.unref();
  }

  handle(request: HttpRequest): Promise<{ response: HttpResponse }> {
    const headers = Object.fromEntries(Object.entries(request.headers).map(([k, v]) => [k.toLowerCase(), v]));
    return this.post(
      (id): ThreadRequest => ({ id, method: request.method, path: request.path, headers, body: request.body }),
    );
  }

  /** The engine thread's bulk read (dynalite.mjs, `readPartitions`), posted like a request. */
  readPartitions(starts: readonly string[]): Promise<string[][]> {
    return this.post((id) => ({ id, partitions: starts }));
  }

  /** Posts the message made with the next id; settles with its answer. */
  private post<T>(message: (id: number) => object): Promise<T> {
    if (this.reason) return Promise.reject(this.reason);
    return new Promise((resolve, reject) => {
      const id = this.next++;
      this.waiting.set(id, { resolve: resolve as (r: unknown) => void, reject });
      this.port.postMessage(message(id));
    });
  }

  /** Why it takes no more requests, once it does not. */
  get stopped(): Error | undefined {
    return this.reason;
  }

  /** Fails every waiting request, and every later one, with `err`. */
  stop(err: Error): void {
    this.reason ??= err;
    for (const request of this.waiting.values()) request.reject(this.reason);
    this.waiting.clear();
    this.port.close();
  }

  updateHttpClientConfig(): void {}

  httpHandlerConfigs(): object {
    return {};
  }
}
