/**
 * A Lambda handler in a child process with exactly the environment it is given: from the
 * TypeScript source (through tsx) or from the bundle `cdk synth` built. Invocations return the
 * handler's result and the metrics it emitted in CloudWatch's embedded metric format.
 */
import { type ChildProcess, fork } from 'node:child_process';
import { join } from 'node:path';
import type { APIGatewayProxyEventV2 } from 'aws-lambda';

const RUNNER = join(import.meta.dirname, 'lambda-runner.mjs');

export interface Invocation<R> {
  readonly result: R;
  /** The embedded-format metrics of this invocation, summed by name. */
  readonly metrics: Record<string, number>;
  readonly output: string;
}

export interface LambdaProcess {
  invoke<R = unknown>(event: unknown): Promise<Invocation<R>>;
  close(): Promise<void>;
}

/** Sums the values of every metric in the EMF lines of `output`. */
export function emfMetrics(output: string): Record<string, number> {
  const sums: Record<string, number> = {};
  for (const line of output.split('\n')) {
    if (!line.startsWith('{')) continue;
    let record: Record<string, unknown>;
    try {
      record = JSON.parse(line);
    } catch {
      continue;
    }
    const aws = record._aws as { CloudWatchMetrics?: { Metrics: { Name: string }[] }[] } | undefined;
    for (const group of aws?.CloudWatchMetrics ?? [])
      for (const { Name } of group.Metrics) {
        const v = record[Name];
        const values = Array.isArray(v) ? v : [v];
        sums[Name] = (sums[Name] ?? 0) + values.reduce((a: number, b) => a + Number(b), 0);
      }
  }
  return sums;
}

/** Starts the handler of `entry` (a `.ts` source or a bundle's `index.mjs`) with `env` only. */
export async function startLambda(entry: string, env: Record<string, string>): Promise<LambdaProcess> {
  const child: ChildProcess = fork(RUNNER, [entry], {
    env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '', ...env },
    execArgv: entry.endsWith('.ts') ? ['--import', 'tsx'] : [],
    stdio: ['ignore', 'pipe', 'pipe', 'ipc'],
  });
  let stderr = '';
  child.stderr?.on('data', (d: Buffer) => {
    stderr = (stderr + d.toString()).slice(-8000);
  });
  child.stdout?.resume();
  const waiting = new Map<number, (m: { result?: unknown; error?: string; output: string }) => void>();
  let ready: () => void = () => undefined;
  const started = new Promise<void>((resolve) => {
    ready = resolve;
  });
  child.on('message', (m: { ready?: boolean; id?: number; result?: unknown; error?: string; output: string }) => {
    if (m.ready) ready();
    else if (m.id !== undefined) waiting.get(m.id)?.(m);
  });
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  await Promise.race([
    started,
    exited.then(() => {
      throw new Error(`${entry} did not load: ${stderr.slice(-2000)}`);
    }),
  ]);
  let next = 0;
  return {
    invoke<R>(event: unknown): Promise<Invocation<R>> {
      const id = next++;
      return new Promise((resolve, reject) => {
        waiting.set(id, (m) => {
          waiting.delete(id);
          if (m.error !== undefined) reject(Object.assign(new Error(m.error), { output: m.output }));
          else resolve({ result: m.result as R, metrics: emfMetrics(m.output), output: m.output });
        });
        child.send({ id, event });
      });
    },
    async close() {
      child.kill('SIGTERM');
      await exited;
    },
  };
}

/** API Gateway's HTTP API (payload v2) event for a request, as the ingest function receives it. */
export function httpApiEvent(
  method: string,
  path: string,
  body = '',
  headers: Record<string, string> = {},
  base64 = false,
): APIGatewayProxyEventV2 {
  return {
    version: '2.0',
    routeKey: '$default',
    rawPath: path,
    rawQueryString: '',
    headers,
    body: base64 ? Buffer.from(body).toString('base64') : body,
    isBase64Encoded: base64,
    requestContext: { http: { method, path }, timeEpoch: Date.now() } as APIGatewayProxyEventV2['requestContext'],
  } as APIGatewayProxyEventV2;
}
