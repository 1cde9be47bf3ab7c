import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';

const BIN = join(import.meta.dirname, '../../bin/escalation-auditor.mjs');
const EXAMPLE = join(import.meta.dirname, '../../examples/export.jsonl');

const cli = (args: string[]) =>
  new Promise<{ code: number; stdout: string; stderr: string }>((resolve) =>
    execFile(process.execPath, [BIN, ...args], (err, stdout, stderr) =>
      resolve({ code: (err?.code as number) ?? 0, stdout, stderr }),
    ),
  );

describe('escalation-auditor report', () => {
  it('agrees with the audit of the same export as of the week’s end', async () => {
    const report = JSON.parse(
      (await cli(['report', '--week', '2026-W10', '--events', EXAMPLE, '--format', 'json'])).stdout,
    );
    const audit = JSON.parse(
      (await cli(['audit', '--events', EXAMPLE, '--as-of', '2026-03-09T00:00:00Z', '--format', 'json'])).stdout,
    );
    expect(report).toMatchObject({
      week: '2026-W10',
      from: '2026-03-02T00:00:00.000Z',
      to: '2026-03-09T00:00:00.000Z',
    });
    // every obligation of the example is due inside the week, so both count the same
    for (const [rule, t] of Object.entries(audit.summary) as [string, { met: number; breached: number }][]) {
      expect.soft(report.byRule[rule], rule).toMatchObject({ met: t.met, breached: t.breached });
    }
    expect(report.breaches).toHaveLength(audit.breaches.length);
    expect(report.findings.map((f: { ticketId: string }) => f.ticketId)).toEqual(['T-1008']);
  });

  it('writes CSV, one row per obligation, into a folder', async () => {
    const out = mkdtempSync(join(tmpdir(), 'ea-report-'));
    const r = await cli(['report', '--week', '2026-W10', '--events', EXAMPLE, '--format', 'csv', '--out', out]);
    expect(r.code).toBe(0);
    const csv = readFileSync(join(out, 'CS-POL-001-2026-W10.csv'), 'utf8').trim().split('\r\n');
    expect(csv[0]).toBe(
      'ticketId,rule,severity,status,startAt,dueAt,evidenceAt,evidenceEventId,queue,agent,explanation',
    );
    expect(csv.length - 1).toBe(114);
  });

  it('refuses a week that is not an ISO week', async () => {
    const r = await cli(['report', '--week', '2026-10', '--events', EXAMPLE]);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('--week');
  });
});
