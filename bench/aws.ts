/**
 * AWS calls per event, on moto: the synthesized stack's resources on the emulator, the ingest and
 * checker bundles in processes of their own with their template environments, and a counting
 * proxy between them and moto. Generated tickets are sent one event per webhook (as helpdesks
 * send them); after each round the changes queue is handed to the checker in batches of 10, as
 * Lambda's SQS poller would (the histories are in the past: due breaches are judged in those
 * reconciles, and timers are armed for what is still pending). Prints each function's calls per event by service and operation, and the functions'
 * environment sizes as Lambda measures them.
 */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createServer, request } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DeleteMessageBatchCommand, type Message, ReceiveMessageCommand, SQSClient } from '@aws-sdk/client-sqs';
import { PutParameterCommand, SSMClient } from '@aws-sdk/client-ssm';
import { createApp } from '../infra/app';
import { startLambda } from '../test/support/lambda';
import { listen } from '../test/support/listen';
import { StackOnMoto, startMoto, type Template } from '../test/support/moto';
import { SECRET, signed } from '../test/support/webhooks';
import { random, ticketEvents } from './generate';

const NAMES = { ingest: 'escalation-auditor-dev-ingest', checker: 'escalation-auditor-dev-checker' } as const;

/** The operation a request names: its JSON target, its query Action, or its REST method and path. */
function operation(method: string, url: string, headers: Record<string, unknown>, body: string): string {
  const target = headers['x-amz-target'];
  if (typeof target === 'string')
    return target
      .replace(/^DynamoDB_\d+\./, 'dynamodb:')
      .replace(/^AmazonSQS\./, 'sqs:')
      .replace(/^AmazonSSM\./, 'ssm:');
  const action = /(?:^|&)Action=([A-Za-z]+)/.exec(body)?.[1];
  if (action) return `sns:${action}`;
  const path = url.split('?')[0] ?? '';
  if (path.startsWith('/schedules'))
    return `scheduler:${method === 'POST' ? 'CreateSchedule' : method === 'DELETE' ? 'DeleteSchedule' : method}`;
  return `${method} ${path.split('/')[1] ?? ''}`;
}

/** A proxy in front of moto that counts each request by operation, per counter name in the path. */
async function countingProxy(target: string) {
  const counts = new Map<string, Map<string, number>>();
  let current = 'setup';
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const body = Buffer.concat(chunks);
      const op = operation(req.method ?? '', req.url ?? '', req.headers, body.toString());
      const byOp = counts.get(current) ?? new Map<string, number>();
      byOp.set(op, (byOp.get(op) ?? 0) + 1);
      counts.set(current, byOp);
      const u = new URL(target);
      const forward = request(
        { host: u.hostname, port: u.port, method: req.method, path: req.url, headers: req.headers },
        (up) => {
          res.writeHead(up.statusCode ?? 502, up.headers);
          up.pipe(res);
        },
      );
      forward.on('error', () => res.writeHead(502).end());
      forward.end(body);
    });
  });
  const { url, close } = await listen(server);
  return {
    endpoint: url,
    counting: (name: string) => {
      current = name;
    },
    counts,
    close,
  };
}

export async function benchAws(tickets = 60): Promise<void> {
  const out = mkdtempSync(join(tmpdir(), 'ea-bench-aws-'));
  const moto = await startMoto();
  const proxy = await countingProxy(moto.endpoint);
  try {
    const { app } = createApp({ outdir: out, context: { mappingFile: 'examples/mapping.yaml', graceSeconds: '0' } });
    const artifact = app.synth().stacks[0];
    if (!artifact) throw new Error('no stack');
    const stack = new StackOnMoto(JSON.parse(readFileSync(join(out, artifact.templateFile), 'utf8')) as Template, moto);
    await stack.create();
    const ingestEnv = stack.environmentOf(NAMES.ingest);
    await new SSMClient(moto.config).send(
      new PutParameterCommand({
        Name: ingestEnv.SECRETS_PARAMETER,
        Type: 'SecureString',
        Value: JSON.stringify({ canonical: SECRET }),
      }),
    );
    console.log('\nAWS calls per event, on moto (bundles as cdk synth built them; one event per webhook)');
    console.log('environment as Lambda measures it (the JSON of the variables, references resolved):');
    for (const name of [...Object.values(NAMES), 'escalation-auditor-dev-report'])
      console.log(`  ${name.padEnd(32)} ${Buffer.byteLength(JSON.stringify(stack.environmentOf(name)))} bytes of 4096`);

    const fns = Object.fromEntries(
      await Promise.all(
        Object.entries(NAMES).map(async ([k, name]) => {
          const asset = stack.assetOf(name, out);
          const env = stack.environmentOf(name);
          // the SDK sends to a queue's own URL: moto's, which is rewritten to pass the proxy too
          if (env.CHANGES_QUEUE_URL)
            env.CHANGES_QUEUE_URL = env.CHANGES_QUEUE_URL.replace(moto.endpoint, proxy.endpoint);
          const fn = await startLambda(join(asset, 'index.mjs'), {
            ...env,
            ...moto.env,
            AWS_ENDPOINT_URL: proxy.endpoint,
            LAMBDA_TASK_ROOT: asset,
            AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true',
            POWERTOOLS_METRICS_DISABLED: 'true',
            POWERTOOLS_LOG_LEVEL: 'ERROR',
          });
          return [k, fn] as const;
        }),
      ),
    ) as Record<keyof typeof NAMES, Awaited<ReturnType<typeof startLambda>>>;

    // the events: generated tickets, the last three days up to now, in time order
    const now = Date.now();
    const rnd = random(5);
    const events = Array.from({ length: tickets }, (_, n) => ticketEvents(n, now - 3 * 86_400_000 + n * 60_000, rnd))
      .flat()
      .filter((e) => e.t <= now)
      .sort((a, b) => a.t - b.t);
    const sqs = new SQSClient(moto.config);
    const queueUrl = ingestEnv.CHANGES_QUEUE_URL as string;
    const queueArn = `arn:aws:sqs:us-east-1:123456789012:${queueUrl.split('/').pop()}`;
    let batches = 0;
    const started = process.hrtime.bigint();
    for (const [i, e] of events.entries()) {
      const s = signed('canonical', e.json);
      proxy.counting('ingest');
      const r = await fns.ingest.invoke<{ statusCode: number }>({
        version: '2.0',
        rawPath: '/webhooks/canonical',
        headers: s.headers,
        body: s.body,
        isBase64Encoded: false,
        requestContext: { http: { method: 'POST', path: '/webhooks/canonical' }, timeEpoch: Date.now() },
      });
      if (r.result.statusCode !== 200) throw new Error(`webhook ${i}: ${r.result.statusCode}`);
      // every 10 webhooks, the poller hands the queue to the checker
      if (i % 10 === 9 || i === events.length - 1) {
        for (;;) {
          proxy.counting('poller');
          const got = await sqs.send(
            new ReceiveMessageCommand({
              QueueUrl: queueUrl,
              MaxNumberOfMessages: 10,
              MessageSystemAttributeNames: ['All'],
            }),
          );
          const messages: Message[] = got.Messages ?? [];
          if (messages.length === 0) break;
          proxy.counting('checker');
          await fns.checker.invoke({
            Records: messages.map((m) => ({
              messageId: m.MessageId,
              body: m.Body,
              eventSource: 'aws:sqs',
              eventSourceARN: queueArn,
            })),
          });
          batches++;
          proxy.counting('poller');
          await sqs.send(
            new DeleteMessageBatchCommand({
              QueueUrl: queueUrl,
              Entries: messages.map((m, j) => ({ Id: String(j), ReceiptHandle: m.ReceiptHandle })),
            }),
          );
        }
      }
    }
    const seconds = Number(process.hrtime.bigint() - started) / 1e9;
    sqs.destroy();
    console.log(
      `${events.length} events of ${tickets} tickets, ${batches} checker batches, ${seconds.toFixed(1)} s (${(events.length / seconds).toFixed(0)} events/s through moto; not a throughput figure)`,
    );
    for (const who of ['ingest', 'checker'] as const) {
      const byOp = [...(proxy.counts.get(who) ?? new Map()).entries()].sort((a, b) => b[1] - a[1]);
      const total = byOp.reduce((n, [, c]) => n + c, 0);
      console.log(`${who}: ${(total / events.length).toFixed(2)} calls per event`);
      for (const [op, c] of byOp) console.log(`  ${op.padEnd(34)} ${(c / events.length).toFixed(3)} per event (${c})`);
    }
    for (const f of Object.values(fns)) await f.close();
  } finally {
    await proxy.close();
    await moto.close();
    rmSync(out, { recursive: true, force: true });
  }
}
