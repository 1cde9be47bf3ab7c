/**
 * Tamper-evident history: a store filled as a user fills it (webhooks through `serve`, a waiver),
 * then altered, deleted from and inserted into directly over the DynamoDB API, as someone with
 * access to the table could; `escalation-auditor verify` names each change, and `--roots` holds
 * the store to the roots the weekly report published even when the seals were rewritten too.
 */
import { execFile } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  DeleteItemCommand,
  type DynamoDBClient,
  GetItemCommand,
  PutItemCommand,
  QueryCommand,
  UpdateItemCommand,
} from '@aws-sdk/client-dynamodb';
import { describe, expect, it } from 'vitest';
import { openLocalStore, TABLE } from '../../cli/local';
import { dynamoClient } from '../../lib/adapters/dynamodb/local';
import { chainOf, dayRoot, digestOf } from '../../lib/ledger';
import { weekOf } from '../../lib/report/aggregate';
import { BIN } from '../support/cli';
import { filledStore } from '../support/filled-store';

const cli = (args: string[]) =>
  new Promise<{ code: number; stdout: string; stderr: string }>((resolve) =>
    execFile(process.execPath, [BIN, ...args], { maxBuffer: 64 << 20 }, (err, stdout, stderr) =>
      resolve({ code: (err?.code as number) ?? 0, stdout, stderr }),
    ),
  );

async function withTable<T>(data: string, use: (client: DynamoDBClient) => Promise<T>): Promise<T> {
  const local = await openLocalStore(data, 'test');
  const client = dynamoClient(local.engine);
  try {
    return await use(client);
  } finally {
    client.destroy();
    await local.close();
  }
}
const key = (pk: string, sk: string) => ({ pk: { S: pk }, sk: { S: sk } });
const today = new Date().toISOString().slice(0, 10);

describe('escalation-auditor verify', () => {
  it('verifies a store as it was recorded, names every record altered, deleted or inserted, and every seal or day entry touched', async () => {
    const data = await filledStore();
    const clean = await cli(['verify', '--data', data, '--format', 'json']);
    expect(clean.stderr).toBe('');
    expect(clean.code).toBe(0);
    const summary = JSON.parse(clean.stdout);
    expect(summary.findings).toEqual([]);
    expect(summary.records).toBeGreaterThanOrEqual(166);
    expect(summary.days).toEqual([expect.objectContaining({ day: today })]);
    expect((await cli(['verify', '--data', data])).stdout).toMatch(/verified: every record is as it was sealed/);

    await withTable(data, async (db) => {
      // altered: T-1002's form filed a minute earlier than it was
      const form = await db.send(new GetItemCommand({ TableName: TABLE, Key: key('T#T-1002', 'E#evt-0011') }));
      const event = JSON.parse(form.Item?.event?.S as string);
      await db.send(
        new UpdateItemCommand({
          TableName: TABLE,
          Key: key('T#T-1002', 'E#evt-0011'),
          UpdateExpression: 'SET event = :e',
          ExpressionAttributeValues: { ':e': { S: JSON.stringify({ ...event, at: '2026-03-02T10:04:00Z' }) } },
        }),
      );
      // deleted: a client update of T-1003
      await db.send(new DeleteItemCommand({ TableName: TABLE, Key: key('T#T-1003', 'E#evt-0022') }));
      // inserted: an update T-1007 never had
      const forged = {
        id: 'evt-9999',
        ticketId: 'T-1007',
        type: 'client.update',
        at: '2026-03-04T15:00:00Z',
        actor: { role: 'CSM' },
        status: 'ok',
        etr: '2026-03-04T16:00:00Z',
      };
      await db.send(
        new PutItemCommand({
          TableName: TABLE,
          Item: { ...key('T#T-1007', 'E#evt-9999'), event: { S: JSON.stringify(forged) } },
        }),
      );
      // the waiver's reason rewritten
      const w = await db.send(new GetItemCommand({ TableName: TABLE, Key: key('WAIVERS', 'W-1') }));
      const record = JSON.parse(w.Item?.record?.S as string);
      await db.send(
        new UpdateItemCommand({
          TableName: TABLE,
          Key: key('WAIVERS', 'W-1'),
          UpdateExpression: 'SET #r = :r',
          ExpressionAttributeNames: { '#r': 'record' },
          ExpressionAttributeValues: { ':r': { S: JSON.stringify({ ...record, approver: 'the CEO' }) } },
        }),
      );
      // T-1008's seal deleted (its day's root still lists it)
      await db.send(new DeleteItemCommand({ TableName: TABLE, Key: key('CHAIN#ticket:T-1008', '0000000001') }));
      // T-1009's day entry deleted (its seal stays)
      await db.send(
        new DeleteItemCommand({ TableName: TABLE, Key: key(`SEALS#${today}`, 'ticket:T-1009#0000000001') }),
      );
    });
    const tampered = await cli(['verify', '--data', data, '--format', 'json']);
    expect(tampered.code).toBe(1);
    const found = JSON.parse(tampered.stdout).findings.map(
      (f: { kind: string; where: string; what: string }) => `${f.kind} ${f.where} ${f.what}`,
    );
    expect(found).toEqual(
      expect.arrayContaining([
        'altered ticket:T-1002 E#evt-0011',
        'deleted ticket:T-1003 E#evt-0022',
        'inserted ticket:T-1007 E#evt-9999',
        'altered waivers W-1',
        'seal-missing ticket:T-1008 seal 1',
        `day-entry-missing ${today} ticket:T-1009 seal 1`,
      ]),
    );
    const text = await cli(['verify', '--data', data]);
    expect(text.stdout).toMatch(/findings: the history is not as it was recorded/);
    expect(text.stdout).toContain('ALTERED  ticket:T-1002  E#evt-0011: it is not what seal 1 sealed');
  }, 120_000);

  it("holds the store to the roots the weekly report published, even when the record's seal and day entry are rewritten to match", async () => {
    const data = await filledStore();
    // the week's report from the store carries the roots of its days
    const week = weekOf(Date.now(), 'UTC');
    const out = mkdtempSync(join(tmpdir(), 'ea-verify-report-'));
    const report = await cli(['report', '--data', data, '--week', week, '--format', 'json']);
    expect(report.code).toBe(0);
    const published = JSON.parse(report.stdout);
    expect(published.roots).toEqual([
      expect.objectContaining({ day: today, root: expect.stringMatching(/^[0-9a-f]{64}$/) }),
    ]);
    const reportFile = join(out, 'report.json');
    writeFileSync(reportFile, report.stdout);
    expect((await cli(['verify', '--data', data, '--roots', reportFile])).code).toBe(0);

    // a careful forger: T-1010's first event altered, its digest put into its seal, the seal's
    // chain made again (its only seal), and the day entry made to match
    await withTable(data, async (db) => {
      const seals = await db.send(
        new QueryCommand({
          TableName: TABLE,
          KeyConditionExpression: 'pk = :pk',
          ExpressionAttributeValues: { ':pk': { S: 'CHAIN#ticket:T-1010' } },
        }),
      );
      expect(seals.Items).toHaveLength(1);
      const seal = seals.Items?.[0] as NonNullable<typeof seals.Items>[number];
      const records = JSON.parse(seal.records?.S as string) as [string, string][];
      const [firstKey] = records[0] as [string, string];
      const item = await db.send(new GetItemCommand({ TableName: TABLE, Key: key('T#T-1010', firstKey) }));
      const forged = JSON.stringify({ ...JSON.parse(item.Item?.event?.S as string), at: '2026-03-05T09:59:00Z' });
      await db.send(
        new UpdateItemCommand({
          TableName: TABLE,
          Key: key('T#T-1010', firstKey),
          UpdateExpression: 'SET event = :e',
          ExpressionAttributeValues: { ':e': { S: forged } },
        }),
      );
      // an event's digest covers how it arrived too (lib/adapters/dynamodb/store.ts)
      records[0] = [firstKey, digestOf(`${forged}\n${item.Item?.receivedAt?.N ?? ''}\n${item.Item?.via?.S ?? ''}`)];
      const list = records.map(([k, digest]) => ({ key: k, digest }));
      const chain = chainOf(seal.prev?.S as string, 1, Number(seal.sealedAt?.N), list);
      await db.send(
        new PutItemCommand({
          TableName: TABLE,
          Item: { ...seal, records: { S: JSON.stringify(records) }, chain: { S: chain } },
        }),
      );
      await db.send(
        new UpdateItemCommand({
          TableName: TABLE,
          Key: key(`SEALS#${today}`, 'ticket:T-1010#0000000001'),
          UpdateExpression: 'SET chain = :c',
          ExpressionAttributeValues: { ':c': { S: chain } },
        }),
      );
    });
    // the store is consistent with itself now
    expect((await cli(['verify', '--data', data])).code).toBe(0);
    // but not with what was published
    const held = await cli(['verify', '--data', data, '--roots', reportFile, '--format', 'json']);
    expect(held.code).toBe(1);
    expect(JSON.parse(held.stdout).findings).toEqual([expect.objectContaining({ kind: 'root-differs', where: today })]);
    expect(dayRoot([])).toMatch(/^[0-9a-f]{64}$/);
  }, 120_000);
});
