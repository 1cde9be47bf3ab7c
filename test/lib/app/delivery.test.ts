import { existsSync, mkdtempSync, readdirSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { CreateBucketCommand, GetObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { describe, expect, it } from 'vitest';
import { ReportFolder } from '../../../lib/adapters/local/report-folder';
import { MemoryStore } from '../../../lib/adapters/memory/store';
import { S3ReportSink } from '../../../lib/adapters/s3/report-sink';
import { deliverWeeklyReport } from '../../../lib/app/weekly';
import type { CanonicalEvent } from '../../../lib/events/schema';
import { DEFAULT_POLICY } from '../../../lib/policy/schema';
import { isoWeek, lastWeek, nextReportTime } from '../../../lib/report/aggregate';
import { exampleLines } from '../../support/example';
import { startMoto } from '../../support/moto';

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
    // each written beside its name and renamed when whole
    expect(readdirSync(folder).sort()).toEqual([
      'CS-POL-001-2026-W10.csv',
      'CS-POL-001-2026-W10.html',
      'CS-POL-001-2026-W10.json',
    ]);
    expect(readFileSync(join(folder, 'CS-POL-001-2026-W10.html'), 'utf8')).toContain('<svg');
    expect(delivered.summary).toMatch(
      /^CS-POL-001 compliance for 2026-W10: 59\.6% \(114 obligations due, 46 breached, 1 finding\)\. Report: file:/,
    );
  });

  it('streams each file to S3 (a large one as a multipart upload) and links it with a 7-day pre-signed URL', async () => {
    const moto = await startMoto();
    try {
      const client = new S3Client({ ...moto.config, forcePathStyle: true });
      await client.send(new CreateBucketCommand({ Bucket: 'reports-bucket' }));
      const sink = new S3ReportSink(client, 'reports-bucket');
      const small = await sink.put('CS-POL-001-2026-W10.html', 'text/html; charset=utf-8', ['<html>', '</html>']);
      // 12 MB in 1 KB pieces, never one string: three parts of 5 MB
      const row = `${'é,'.repeat(340)}x\n`;
      const rows = function* () {
        for (let i = 0; i < 12_000; i++) yield row;
      };
      await sink.put('CS-POL-001-2026-W10.csv', 'text/csv; charset=utf-8', rows());
      const get = (Key: string) => client.send(new GetObjectCommand({ Bucket: 'reports-bucket', Key }));
      const html = await get('reports/CS-POL-001-2026-W10.html');
      expect(await html.Body?.transformToString()).toBe('<html></html>');
      expect(html.ContentType).toBe('text/html; charset=utf-8');
      const csv = await get('reports/CS-POL-001-2026-W10.csv');
      expect(csv.ContentType).toBe('text/csv; charset=utf-8');
      expect(csv.ContentLength).toBe(12_000 * Buffer.byteLength(row));
      // a multipart object's ETag names its parts
      expect(csv.ETag).toMatch(/-3"$/);
      expect(await csv.Body?.transformToString()).toBe(row.repeat(12_000));
      const url = new URL(small);
      expect(url.pathname).toContain('reports/CS-POL-001-2026-W10.html');
      expect(url.searchParams.get('X-Amz-Expires')).toBe('604800');
      expect(await (await fetch(small)).text()).toBe('<html></html>');
    } finally {
      await moto.close();
    }
  });

  it('runs on Mondays at 00:05 in the policy time zone, about the week before', () => {
    const now = Date.parse('2026-03-11T12:00:00Z'); // a Wednesday
    expect(new Date(nextReportTime(now, 'UTC')).toISOString()).toBe('2026-03-16T00:05:00.000Z');
    expect(new Date(nextReportTime(now, 'Europe/Berlin')).toISOString()).toBe('2026-03-15T23:05:00.000Z');
    expect(lastWeek(now, 'UTC').id).toBe('2026-W10');
    expect(lastWeek(Date.parse('2026-03-16T00:05:00Z'), 'UTC').id).toBe('2026-W11');
  });
});
