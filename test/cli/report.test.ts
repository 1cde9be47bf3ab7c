import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';

const BIN = join(import.meta.dirname, '../../bin/escalation-auditor.mjs');
const EXAMPLE = join(import.meta.dirname, '../../examples/export.jsonl');

const cli = (args: string[], env: Record<string, string> = {}) =>
  new Promise<{ code: number; stdout: string; stderr: string }>((resolve) =>
    execFile(process.execPath, [BIN, ...args], { env: { ...process.env, ...env } }, (err, stdout, stderr) =>
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
    // the population agrees too: every ticket of the example opens in the week
    expect(report.population).toEqual(audit.population);
  });

  it('lists the population gaps of the week only: P0/P1 tickets opened in it no incident names, its incidents naming no known ticket, the changes recovered by reconciliation', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'ea-population-'));
    const file = join(dir, 'export.jsonl');
    const created = (ticketId: string, at: string) =>
      JSON.stringify({
        id: `${ticketId}-c`,
        ticketId,
        type: 'ticket.created',
        at,
        severity: 'P1',
        client: { id: 'c', tier: 'enterprise' },
      });
    // a page found by the periodic reconciliation, not delivered by webhook, has recoveredAt
    const page = (ticketId: string, at: string, incident: string, recovered = false) =>
      JSON.stringify({
        id: `pagerduty:${incident}:incident.triggered:${at}`,
        ticketId,
        type: 'escalated',
        at,
        toTier: 'L2',
        channel: 'page',
        incident: { system: 'pagerduty', id: incident },
        ...(recovered ? { recoveredAt: at.replace(/:\d\dZ$/, ':59Z') } : {}),
      });
    writeFileSync(
      file,
      `${[
        created('T-LAST-WEEK', '2026-02-27T10:00:00Z'),
        created('T-PAGED', '2026-03-03T10:00:00Z'),
        page('T-PAGED', '2026-03-03T10:02:00Z', 'Q1', true),
        created('T-UNPAGED', '2026-03-03T11:00:00Z'),
        page('ZD-404', '2026-03-04T09:00:00Z', 'Q9'),
        page('ZD-405', '2026-02-26T09:00:00Z', 'Q8', true),
      ].join('\n')}\n`,
    );
    const json = JSON.parse((await cli(['report', '--week', '2026-W10', '--events', file, '--format', 'json'])).stdout);
    expect(json.population).toEqual({
      severe: 2,
      severeWithIncident: 1,
      withoutIncident: ['T-UNPAGED'],
      unknownTicket: [{ incident: 'pagerduty:Q9', ticketId: 'ZD-404' }],
      recovered: { total: 1, bySource: { pagerduty: 1 } },
    });
    const markdown = (await cli(['report', '--week', '2026-W10', '--events', file])).stdout;
    expect(markdown).toContain('1 change no webhook delivered, recovered by reconciliation (pagerduty 1)');
    const html = (await cli(['report', '--week', '2026-W10', '--events', file, '--format', 'html'])).stdout;
    expect(html).toContain('<h2>Population</h2>');
    expect(html).toContain('Incidents naming no known ticket (1): pagerduty:Q9 (ZD-404)');
    expect(html).toContain('1 change no webhook delivered, recovered by reconciliation (pagerduty 1)');
  });

  it('writes CSV, one row per obligation, into a folder', async () => {
    const out = mkdtempSync(join(tmpdir(), 'ea-report-'));
    const r = await cli(['report', '--week', '2026-W10', '--events', EXAMPLE, '--format', 'csv', '--out', out]);
    expect(r.code).toBe(0);
    const csv = readFileSync(join(out, 'CS-POL-001-2026-W10.csv'), 'utf8').trim().split('\r\n');
    expect(csv[0]).toBe(
      'ticketId,rule,severity,status,startAt,dueAt,evidenceAt,evidenceEventId,queue,agent,waiverId,policyVersion,explanation,asOf',
    );
    expect(csv.length - 1).toBe(114);
  });

  it('states its as-of in every format, and agrees with the audit as of the same time', async () => {
    const asOf = '2026-03-06T18:00:00Z';
    const json = JSON.parse(
      (await cli(['report', '--week', '2026-W10', '--events', EXAMPLE, '--format', 'json', '--as-of', asOf])).stdout,
    );
    const audit = JSON.parse((await cli(['audit', '--events', EXAMPLE, '--as-of', asOf, '--format', 'json'])).stdout);
    expect(json.asOf).toBe('2026-03-06T18:00:00.000Z');
    // the week so far: exactly the audit's breaches, nothing due after the as-of
    expect(
      json.breaches.map((b: { ticketId: string; rule: string; dueAt: string }) => `${b.ticketId} ${b.rule} ${b.dueAt}`),
    ).toEqual(
      audit.breaches.map(
        (b: { ticketId: string; rule: string; dueAt: string }) => `${b.ticketId} ${b.rule} ${b.dueAt}`,
      ),
    );
    expect(json.open.every((o: { dueAt: string }) => o.dueAt > json.asOf)).toBe(true);
    expect(json.open.length).toBeGreaterThan(0);
    for (const format of ['markdown', 'html', 'csv']) {
      const r = await cli(['report', '--week', '2026-W10', '--events', EXAMPLE, '--format', format, '--as-of', asOf]);
      expect(r.stdout, format).toContain('2026-03-06');
      expect(r.stdout, format).toMatch(format === 'csv' ? /,2026-03-06T18:00:00\.000Z\r\n/ : /as of 2026-03-06.18:00/);
    }
    // a past week defaults to its end (a running one to now: test/lib/app/weekly.test.ts)
    const now = JSON.parse(
      (await cli(['report', '--week', '2026-W10', '--events', EXAMPLE, '--format', 'json'])).stdout,
    );
    expect(now.asOf).toBe('2026-03-09T00:00:00.000Z');
  });

  it('neutralises CSV cells that a spreadsheet would run as formulas', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'ea-report-'));
    const events = join(dir, 'formula.jsonl');
    writeFileSync(
      events,
      `${JSON.stringify({ id: 'f-1', ticketId: '=HYPERLINK("http://x")', type: 'ticket.created', at: '2026-03-02T10:00:00Z', severity: 'P1', client: { id: 'c', tier: 'enterprise' }, actor: { id: '@evil' } })}\n`,
    );
    const r = await cli(['report', '--week', '2026-W10', '--events', events, '--format', 'csv']);
    expect(r.code).toBe(0);
    const row = r.stdout.split('\r\n')[1] as string;
    expect(row.startsWith(`"'=HYPERLINK(""http://x"")"`)).toBe(true);
    expect(row).toContain(",'@evil,");
  });

  it.each(['json', 'csv', 'html'])(
    '%s: the same report with the export spilled to bucket files by ticket (what a large export does)',
    async (format) => {
      const args = ['report', '--week', '2026-W10', '--events', EXAMPLE, '--format', format];
      const memory = await cli(args);
      const spilled = await cli(args, {
        ESCALATION_AUDITOR_IN_MEMORY_BYTES: '0',
        ESCALATION_AUDITOR_BUCKET_BYTES: '2000',
      });
      expect(memory.code).toBe(0);
      expect(spilled.stdout).toBe(memory.stdout);
      expect(spilled.stdout.length).toBeGreaterThan(1000);
    },
  );

  it('writes the same report in every format when its lists are spilled to disk', async () => {
    const waivers = join(import.meta.dirname, '../../examples/waivers.yaml');
    for (const format of ['json', 'html', 'csv', 'markdown']) {
      const args = ['report', '--week', '2026-W10', '--as-of', '2026-03-06T12:00:00Z', '--format', format];
      const inMemory = await cli([...args, '--events', EXAMPLE, '--waivers', waivers]);
      expect(inMemory.code).toBe(0);
      // ten items a chunk: each list of the week is read back from several files
      const spilled = await cli([...args, '--events', EXAMPLE, '--waivers', waivers], {
        ESCALATION_AUDITOR_CHUNK_RECORDS: '10',
        ESCALATION_AUDITOR_IN_MEMORY_BYTES: '1000',
      });
      expect.soft(spilled.stdout, format).toBe(inMemory.stdout);
    }
  });

  it('refuses an export with invalid lines, in memory and spilled: exit 2, nothing written, the lines named', async () => {
    const lines = readFileSync(EXAMPLE, 'utf8').split('\n').filter(Boolean);
    const bad = [...lines.slice(0, 40), 'not json', ...lines.slice(40), '{"id":"x","ticketId":"T-1","type":"nope"}'];
    const events = join(mkdtempSync(join(tmpdir(), 'ea-report-')), 'bad.jsonl');
    writeFileSync(events, `${bad.join('\n')}\n`);
    const args = ['report', '--week', '2026-W10', '--events', events, '--format', 'json'];
    const spill = { ESCALATION_AUDITOR_IN_MEMORY_BYTES: '0', ESCALATION_AUDITOR_BUCKET_BYTES: '2000' };
    for (const env of [{}, spill]) {
      const r = await cli(args, env);
      expect(r.code).toBe(2);
      expect(r.stdout).toBe('');
      expect(r.stderr).toMatch(
        /2 invalid lines; no report was made\.\n {2}line 41: not valid JSON.*\n {2}line \d+: type/,
      );
      const skipped = await cli([...args, '--skip-invalid'], env);
      expect(skipped.code).toBe(0);
      expect(JSON.parse(skipped.stdout)).toEqual(
        JSON.parse((await cli(['report', '--week', '2026-W10', '--events', EXAMPLE, '--format', 'json'])).stdout),
      );
    }
  });

  it('refuses a week that is not an ISO week', async () => {
    const r = await cli(['report', '--week', '2026-10', '--events', EXAMPLE]);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('--week');
  });
});
