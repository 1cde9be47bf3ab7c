import { existsSync, mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { GetObjectCommand, PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { mockClient } from 'aws-sdk-client-mock';
import { describe, expect, it } from 'vitest';
import { ReportFolder } from '../../../lib/adapters/local/report-folder';
import { MemoryStore } from '../../../lib/adapters/memory/store';
import { S3ReportSink } from '../../../lib/adapters/s3/report-sink';
import { deliverWeeklyReport } from '../../../lib/app/weekly';
import type { CanonicalEvent } from '../../../lib/events/schema';
import { DEFAULT_POLICY } from '../../../lib/policy/schema';
import { isoWeek, lastWeek, nextReportTime } from '../../../lib/report/aggregate';
import { exampleLines } from '../../support/example';

describe('weekly report delivery', () => {
  it('writes HTML, CSV and JSON into the reports folder and sums the week up', async () => {
    const store = new MemoryStore();
    await store.append(exampleLines().map((l) => JSON.parse(l) as CanonicalEvent));
    const folder = mkdtempSync(join(tmpdir(), 'ea-reports-'));
    const delivered = await deliverWeeklyReport(
      store,
      DEFAULT_POLICY,
      isoWeek('2026-W10', 'UTC'),
      new ReportFolder(folder),
      Date.parse('2026-11-26T00:00:00Z'),
    );
    for (const link of Object.values(delivered.links)) expect(existsSync(fileURLToPath(link))).toBe(true);
    expect(readFileSync(join(folder, 'CS-POL-001-2026-W10.html'), 'utf8')).toContain('<svg');
    expect(delivered.summary).toMatch(
      /^CS-POL-001 compliance for 2026-W10: 59\.6% \(114 obligations due, 46 breached, 1 finding\)\. Report: file:/,
    );
  });

  it('stores in S3 with KMS encryption and links with a 7-day pre-signed URL', async () => {
    const s3 = mockClient(S3Client);
    s3.on(PutObjectCommand).resolves({});
    const client = new S3Client({
      region: 'eu-west-1',
      credentials: { accessKeyId: 'AKIDEXAMPLE', secretAccessKey: 'secret' },
    });
    const link = await new S3ReportSink(client, 'reports-bucket').put(
      'CS-POL-001-2026-W10.html',
      'text/html; charset=utf-8',
      '<html></html>',
    );
    expect(s3.commandCalls(PutObjectCommand)[0]?.args[0].input).toEqual({
      Bucket: 'reports-bucket',
      Key: 'reports/CS-POL-001-2026-W10.html',
      Body: '<html></html>',
      ContentType: 'text/html; charset=utf-8',
    });
    expect(s3.commandCalls(GetObjectCommand)).toHaveLength(0); // a pre-signed link makes no call
    const url = new URL(link);
    expect(url.pathname).toContain('reports/CS-POL-001-2026-W10.html');
    expect(url.searchParams.get('X-Amz-Expires')).toBe('604800');
    s3.restore();
  });

  it('runs on Mondays at 00:05 in the policy time zone, about the week before', () => {
    const now = Date.parse('2026-03-11T12:00:00Z'); // a Wednesday
    expect(new Date(nextReportTime(now, 'UTC')).toISOString()).toBe('2026-03-16T00:05:00.000Z');
    expect(new Date(nextReportTime(now, 'Europe/Berlin')).toISOString()).toBe('2026-03-15T23:05:00.000Z');
    expect(lastWeek(now, 'UTC').id).toBe('2026-W10');
    expect(lastWeek(Date.parse('2026-03-16T00:05:00Z'), 'UTC').id).toBe('2026-W11');
  });
});
