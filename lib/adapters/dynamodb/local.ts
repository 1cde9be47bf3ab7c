/** The embedded DynamoDB: dynalite in this process or on a thread of its own, in memory or in a data folder. */

import type { AddressInfo } from 'node:net';
import { MessageChannel, type MessagePort, Worker } from 'node:worker_threads';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import type { HttpRequest, HttpResponse } from '@smithy/types';
import dynalite from './dynalite.mjs';

export interface LocalDynamo {
  /** The engine's loopback URL. */
  readonly endpoint: string;
  /** For an engine on a thread: hands the SDK's requests to that thread as messages, not over a socket. */
  readonly requestHandler?: ThreadHandler;
  /** For an engine on a thread: settles with the reason if that thread stops other than by `close`. */
  readonly failed?: Promise<Error>;
  close(): Promise<void>;
}

/**
 * Starts dynalite on a loopback port; `path` keeps the data on disk (LevelDB), else in memory.
 * With `thread`, it runs on a worker thread of its own (what `serve` does), and a client made with
 * `dynamoClient(engine)` posts its requests to that thread instead of sending them over loopback.
 */
export async function startDynalite(opts: { path?: string; thread?: boolean } = {}): Promise<LocalDynamo> {
  const options = { createTableMs: 0, deleteTableMs: 0, updateTableMs: 0, ...(opts.path ? { path: opts.path } : {}) };
  if (opts.thread) return startOnThread(options);
  const server = dynalite(options);
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve());
  });
  const { port } = server.address() as AddressInfo;
  return {
    endpoint: `http://127.0.0.1:${port}`,
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

/**
 * The SDK's HTTP handler for an engine on a thread: the signed request, as the SDK built it, is
 * posted to the thread, which gives it to dynalite's own request handler; the answer comes back
 * as the HTTP response the SDK parses. Everything above the transport is the SDK's, unchanged.
 */
export class ThreadHandler {
  private next = 0;
  private readonly waiting = new Map<
    number,
    { resolve(r: { response: HttpResponse }): void; reject(e: Error): void }
  >();
  private reason?: Error;

  constructor(private readonly port: MessagePort) {
    port.on('message', (answer: ThreadAnswer) => {
      const request = this.waiting.get(answer.id);
      this.waiting.delete(answer.id);
      const { statusCode, headers, body } = answer;
      request?.resolve({ response: { statusCode, headers, body: Buffer.from(body) } });
    });
    // the worker keeps the process alive while it runs; the port need not
    port.unref();
  }

  handle(request: HttpRequest): Promise<{ response: HttpResponse }> {
    if (this.reason) return Promise.reject(this.reason);
    return new Promise((resolve, reject) => {
      const id = this.next++;
      this.waiting.set(id, { resolve, reject });
      const headers = Object.fromEntries(Object.entries(request.headers).map(([k, v]) => [k.toLowerCase(), v]));
      const message: ThreadRequest = { id, method: request.method, path: request.path, headers, body: request.body };
      this.port.postMessage(message);
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
