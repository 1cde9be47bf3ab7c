/**
 * `escalation-auditor verify`: is the history as it was recorded? Every event, notice and waiver
 * of the embedded store (`--data`) or of the deployed table (`--table`, with the AWS credentials
 * of the environment) against its hash chain and the day roots (lib/ledger.ts); `--roots` holds
 * the store to the roots a weekly report published. Exit status 1 when anything was altered,
 * deleted or inserted, each named.
 */
import { readFile } from 'node:fs/promises';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoStore } from '../lib/adapters/dynamodb/store';
import { publishedRoots, verifyStore } from '../lib/app/verify';
import { counted } from '../lib/text/plural';
import { openLocalStore } from './local';
import { UsageError } from './options';
import { count, Progress } from './progress';

export interface VerifyOptions {
  data: string;
  table?: string;
  endpoint?: string;
  region?: string;
  roots?: string;
  format: 'text' | 'json';
  progress?: boolean;
}

export async function verifyCommand(opts: VerifyOptions, out: NodeJS.WritableStream = process.stdout): Promise<number> {
  let published: Map<string, string> | undefined;
  if (opts.roots) {
    try {
      published = publishedRoots(JSON.parse(await readFile(opts.roots, 'utf8')));
    } catch (err) {
      throw new UsageError(`--roots ${opts.roots}: ${(err as Error).message}`);
    }
  }
  const progress = new Progress(opts.progress !== false);
  const onPage = (read: number) => progress.update(() => `verifying · ${count(read)} items read`);
  let summary: Awaited<ReturnType<typeof verifyStore>>;
  if (opts.table) {
    const client = new DynamoDBClient({
      ...(opts.endpoint ? { endpoint: opts.endpoint } : {}),
      ...(opts.region ? { region: opts.region } : {}),
    });
    try {
      summary = await verifyStore(new DynamoStore({ client, table: opts.table }), published, onPage);
    } finally {
      progress.done();
      client.destroy();
    }
  } else {
    const local = await openLocalStore(opts.data, 'verify', { onePass: true });
    try {
      summary = await verifyStore(local.store, published, onPage);
    } finally {
      progress.done();
      await local.close();
    }
  }
  if (opts.format === 'json') out.write(`${JSON.stringify(summary, null, 2)}\n`);
  else {
    const lines = [
      `${counted(summary.records, 'record')} in ${counted(summary.partitions, 'chain')} (tickets and the register of waivers), ${counted(summary.seals, 'seal')} over ${counted(summary.days.length, 'day')}` +
        (summary.awaitingSeal ? `; ${summary.awaitingSeal} awaiting their reconcile` : ''),
      summary.findings.length === 0
        ? `verified: every record is as it was sealed${published ? `, and the store's roots are those published in ${opts.roots}` : ''}`
        : `${counted(summary.findings.length, 'finding')}: the history is not as it was recorded`,
      ...summary.findings.map((f) => `  ${f.kind.toUpperCase()}  ${f.where}  ${f.what}: ${f.detail}`),
    ];
    out.write(`${lines.join('\n')}\n`);
  }
  return summary.findings.length === 0 ? 0 : 1;
}
