/** A proxy in front of a DynamoDB engine that can answer with throttling errors (fault injection). */
import { createServer, request } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll } from 'vitest';
import { dynalite, type Engine } from './dynamo';

export interface FaultyEngine extends Engine {
  /** Throttle the next `times` calls of an operation (e.g. `PutItem`). */
  throttle(operation: string, times: number): void;
  readonly throttled: number;
}

export async function faulty(engine: Engine): Promise<FaultyEngine> {
  const plan = new Map<string, number>();
  let throttled = 0;
  const target = new URL(engine.endpoint);
  const server = createServer((req, res) => {
    const op =
      String(req.headers['x-amz-target'] ?? '')
        .split('.')
        .pop() ?? '';
    const left = plan.get(op) ?? 0;
    if (left > 0) {
      plan.set(op, left - 1);
      throttled++;
      req.resume();
      res.writeHead(400, { 'content-type': 'application/x-amz-json-1.0' });
      res.end(
        JSON.stringify({
          __type: 'com.amazonaws.dynamodb.v20120810#ProvisionedThroughputExceededException',
          message: 'The level of configured provisioned throughput for the table was exceeded',
        }),
      );
      return;
    }
    const upstream = request(
      { host: target.hostname, port: target.port, path: req.url, method: req.method, headers: req.headers },
      (r) => {
        res.writeHead(r.statusCode ?? 500, r.headers);
        r.pipe(res);
      },
    );
    req.pipe(upstream);
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return {
    endpoint: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    close: () => new Promise<void>((r) => server.close(() => r())),
    throttle: (operation, times) => plan.set(operation, times),
    get throttled() {
      return throttled;
    },
  };
}

/** dynalite, and the fault-injecting proxy in front of it, for the tests of one file. */
export function dynaliteWithFaults(): { readonly engine: Engine; readonly proxy: FaultyEngine } {
  const both = {} as { engine: Engine; proxy: FaultyEngine };
  beforeAll(async () => {
    both.engine = await dynalite();
    both.proxy = await faulty(both.engine);
  });
  afterAll(async () => {
    await both.proxy.close();
    await both.engine.close();
  });
  return both;
}
