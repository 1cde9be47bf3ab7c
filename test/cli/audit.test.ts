import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';

const BIN = join(import.meta.dirname, '../../bin/escalation-auditor.mjs');
const EXAMPLE = join(import.meta.dirname, '../../examples/export.jsonl');
const dir = mkdtempSync(join(tmpdir(), 'ea-cli-'));

interface Run {
  code: number;
  stdout: string;
  stderr: string;
}

function cli(args: string[], stdin?: string, env: Record<string, string> = {}): Promise<Run> {
  return new Promise((resolve) => {
    const options = { maxBuffer: 256 << 20, env: { ...process.env, ...env } };
    const child = execFile(process.execPath, [BIN, ...args], options, (err, stdout, stderr) =>
      resolve({ code: err ? (err.code as number) : 0, stdout, stderr }),
    );
    if (stdin !== undefined) child.stdin?.end(stdin);
  });
}

function file(name: string, lines: unknown[]): string {
  const path = join(dir, name);
  writeFileSync(path, `${lines.map((l) => (typeof l === 'string' ? l : JSON.stringify(l))).join('\n')}\n`);
  return path;
}

const created = (id: string, ticketId: string, at: string, severity = 'P1') => ({
  id,
  ticketId,
  type: 'ticket.created',
  at,
  severity,
  client: { id: 'c', tier: 'enterprise' },
});

describe('escalation-auditor audit', () => {
  it('prints the JSON document of RULES.md section 5', async () => {
    const events = file('silent.jsonl', [
      created('e1', 'T-100', '2026-03-02T10:00:00Z'),
      { id: 'e2', ticketId: 'T-100', type: 'incident_form.created', at: '2026-03-02T10:03:00Z' },
      { id: 'e3', ticketId: 'T-100', type: 'escalated', at: '2026-03-02T10:04:00Z', toTier: 'L2', channel: 'page' },
      {
        id: 'e4',
        ticketId: 'T-100',
        type: 'escalated',
        at: '2026-03-02T10:10:00Z',
        toTier: 'L3',
        channel: 'incident_system',
      },
      { id: 'e5', ticketId: 'T-100', type: 'ownership.taken', at: '2026-03-02T10:20:00Z', tier: 'L3' },
    ]);
    const r = await cli(['audit', '--events', events, '--as-of', '2026-03-02T16:00:00Z', '--format', 'json']);
    expect(r.code).toBe(0);
    const doc = JSON.parse(r.stdout);
    expect(doc).toMatchObject({ asOf: '2026-03-02T16:00:00.000Z', policy: 'CS-POL-001', tickets: 1 });
    expect(
      doc.breaches.map((b: { ticketId: string; rule: string; dueAt: string }) => [b.ticketId, b.rule, b.dueAt]),
    ).toEqual([
      ['T-100', 'client-update', '2026-03-02T12:00:00.000Z'],
      ['T-100', 'client-update', '2026-03-02T14:00:00.000Z'],
      ['T-100', 'client-update', '2026-03-02T16:00:00.000Z'],
    ]);
    expect(doc.breaches[0].reason).toBe('no qualifying client update between 10:00 and 12:00');
  });

  it('defaults the audit time to the latest event, and reads standard input', async () => {
    const input = [
      created('e1', 'T-1', '2026-03-02T10:00:00Z'),
      { id: 'e2', ticketId: 'T-1', type: 'ticket.resolved', at: '2026-03-02T10:07:00Z' },
    ]
      .map((e) => JSON.stringify(e))
      .join('\n');
    const r = await cli(['audit', '--events', '-', '--format', 'json'], input);
    const doc = JSON.parse(r.stdout);
    expect(doc.asOf).toBe('2026-03-02T10:07:00.000Z');
    expect(doc.breaches.map((b: { rule: string }) => b.rule)).toEqual(['incident-form', 'l2-paged']);
  });

  it('refuses input with invalid lines: exit 2, nothing on stdout, the first 20 lines named on stderr', async () => {
    const bad = Array.from({ length: 23 }, (_, i) => ({
      id: `b${i}`,
      ticketId: 'T-2',
      type: 'ticket.created',
      at: 'yesterday',
    }));
    const events = file('bad.jsonl', [created('e1', 'T-1', '2026-03-02T10:00:00Z'), 'not json', '', ...bad]);
    const r = await cli(['audit', '--events', events, '--format', 'json']);
    expect(r.code).toBe(2);
    expect(r.stdout).toBe('');
    expect(r.stderr).toContain('24 invalid lines');
    expect(r.stderr).toContain('line 2: not valid JSON');
    expect(r.stderr).toMatch(/line 4: at: Invalid ISO datetime/);
    expect(r.stderr).toContain('... and 4 more');
    expect(r.stderr).toContain('--skip-invalid');

    const skipped = await cli(['audit', '--events', events, '--format', 'json', '--skip-invalid']);
    expect(skipped.code).toBe(0);
    expect(JSON.parse(skipped.stdout)).toMatchObject({ rejected: 24, tickets: 1 });
  });

  it('refuses an invalid policy file and an invalid --as-of, naming what is wrong', async () => {
    const events = file('one.jsonl', [created('e1', 'T-1', '2026-03-02T10:00:00Z')]);
    const policy = join(dir, 'policy.yaml');
    writeFileSync(policy, 'id: ACME\nversion: "1"\nrules:\n  client-update:\n    everyMinutes: 0\n');
    const r = await cli(['audit', '--events', events, '--policy', policy]);
    expect(r.code).toBe(2);
    expect(r.stdout).toBe('');
    expect(r.stderr).toContain('rules.client-update.everyMinutes');
    const asOf = await cli(['audit', '--events', events, '--as-of', 'tomorrow']);
    expect(asOf.code).toBe(2);
    expect(asOf.stderr).toContain('--as-of');
    const missing = await cli(['audit', '--events', join(dir, 'nope.jsonl')]);
    expect(missing).toMatchObject({ code: 2, stdout: '' });
    expect(missing.stderr).toContain('no such file');
  });

  it('applies a policy file', async () => {
    const events = file('slow-form.jsonl', [
      created('e1', 'T-1', '2026-03-02T10:00:00Z'),
      { id: 'e2', ticketId: 'T-1', type: 'incident_form.created', at: '2026-03-02T10:08:00Z' },
    ]);
    const policy = join(dir, 'lenient.json');
    writeFileSync(policy, JSON.stringify({ id: 'ACME', version: '7', rules: { 'incident-form': { dueMinutes: 10 } } }));
    const r = await cli([
      'audit',
      '--events',
      events,
      '--policy',
      policy,
      '--as-of',
      '2026-03-02T10:09:00Z',
      '--format',
      'json',
    ]);
    const doc = JSON.parse(r.stdout);
    expect(doc.policy).toBe('ACME');
    expect(doc.breaches.map((b: { rule: string }) => b.rule)).toEqual(['l2-paged']);
  });

  it('audits the example export as text and markdown', async () => {
    const text = await cli(['audit', '--events', EXAMPLE, '--as-of', '2026-03-06T18:00:00Z']);
    expect(text.code).toBe(0);
    expect(text.stdout).toContain('CS-POL-001 (2025-11-01) audit as of 2026-03-06 18:00 UTC');
    expect(text.stdout).toContain('BY RULE');
    expect(text.stdout).toContain('Incident Report Form filed 10:07, 2 min after the 10:05 deadline');
    const md = await cli(['audit', '--events', EXAMPLE, '--format', 'markdown', '--fail-on-breach']);
    expect(md.code).toBe(1);
    expect(md.stdout).toContain('| RULE | DUE | MET | BREACHED |');
  });

  it('the example export exercises every rule', async () => {
    const r = await cli(['audit', '--events', EXAMPLE, '--as-of', '2026-03-06T18:00:00Z', '--format', 'json']);
    const doc = JSON.parse(r.stdout);
    const breached = new Set(doc.breaches.map((b: { rule: string }) => b.rule));
    for (const [rule, tally] of Object.entries(doc.summary) as [string, { met: number }][]) {
      expect.soft(breached, rule).toContain(rule);
      expect.soft(tally.met, rule).toBeGreaterThan(0);
    }
    expect(doc.findings).toHaveLength(1);
    expect(doc.incomplete).toEqual(['T-9001']);
    expect(doc.duplicates).toBe(1);
  });

  it('says whether the population is complete: P0/P1 tickets no incident names, incidents naming no known ticket', async () => {
    const page = (id: string, ticketId: string, incident?: string) => ({
      id,
      ticketId,
      type: 'escalated',
      at: '2026-03-02T10:03:00Z',
      toTier: 'L2',
      channel: 'page',
      ...(incident ? { incident: { system: 'pagerduty', id: incident } } : {}),
    });
    const events = file('population.jsonl', [
      created('p1', 'T-PAGED', '2026-03-02T10:00:00Z'),
      page('p2', 'T-PAGED', 'Q1'),
      // paged, but through no incident tool (the page names none)
      created('u1', 'T-UNPAGED', '2026-03-02T10:00:00Z', 'P0'),
      page('u2', 'T-UNPAGED'),
      // a P3 needs no incident; a P3 raised to P1 does
      created('l1', 'T-LOW', '2026-03-02T10:00:00Z', 'P3'),
      created('r1', 'T-RAISED', '2026-03-02T10:00:00Z', 'P3'),
      { id: 'r2', ticketId: 'T-RAISED', type: 'severity.changed', at: '2026-03-02T11:00:00Z', severity: 'P1' },
      // an incident naming a ticket the export does not have (a typo in the incident's title)
      page('o1', 'ZD-99999', 'Q7'),
    ]);
    const json = await cli(['audit', '--events', events, '--as-of', '2026-03-02T12:00:00Z', '--format', 'json']);
    expect(JSON.parse(json.stdout).population).toEqual({
      severe: 3,
      severeWithIncident: 1,
      withoutIncident: ['T-RAISED', 'T-UNPAGED'],
      unknownTicket: [{ incident: 'pagerduty:Q7', ticketId: 'ZD-99999' }],
      recovered: { total: 0, bySource: {} },
    });
    const text = await cli(['audit', '--events', events, '--as-of', '2026-03-02T12:00:00Z']);
    expect(text.stdout).toContain(
      'POPULATION: 3 P0/P1 tickets, 1 named by an incident; 1 incident naming no known ticket\n' +
        '  P0/P1 tickets no incident names (2): T-RAISED, T-UNPAGED\n' +
        '  incidents naming no known ticket (1): pagerduty:Q7 (ZD-99999)',
    );
    const md = await cli(['audit', '--events', events, '--as-of', '2026-03-02T12:00:00Z', '--format', 'markdown']);
    expect(md.stdout).toContain('## Population\n\n3 P0/P1 tickets, 1 named by an incident');
  });

  it('excuses the breaches a register of waivers covers, counts them apart, names the waiver, and reports what matches nothing', async () => {
    const WAIVERS = join(import.meta.dirname, '../../examples/waivers.yaml');
    const args = ['audit', '--events', EXAMPLE, '--waivers', WAIVERS];
    const json = JSON.parse((await cli([...args, '--format', 'json'])).stdout);
    expect(json.breaches).toHaveLength(15);
    expect(
      json.excused.map(
        (e: { ticketId: string; rule: string; waiver: { id: string } }) => `${e.ticketId} ${e.rule} ${e.waiver.id}`,
      ),
    ).toEqual([
      'T-1002 l2-paged W-2026-002',
      'T-1004 client-update W-2026-001',
      'T-1004 client-update W-2026-001',
      'T-1004 client-update W-2026-001',
    ]);
    expect(json.excused[0]).toMatchObject({
      waiver: { approver: 'maria.lopez (Head of Support)', grantedAt: '2026-03-02T11:00:00.000Z' },
      reason: expect.stringMatching(/^excused by waiver W-2026-002 \(approved by maria.lopez/),
    });
    // the revoked client waiver no longer excuses T-1007's update due after the revocation
    expect(json.breaches).toContainEqual(expect.objectContaining({ ticketId: 'T-1007', rule: 'client-update' }));
    expect(json.summary['client-update']).toMatchObject({ breached: 2, excused: 3 });
    expect(json.waivers).toEqual({
      records: 5,
      excused: 4,
      unmatched: [{ id: 'W-2026-004', why: 'its scope covers no obligation of the tickets audited' }],
    });
    // the same on worker threads
    expect(JSON.parse((await cli([...args, '--format', 'json', '--threads', '2'])).stdout)).toEqual(json);
    const text = (await cli(args)).stdout;
    expect(text).toContain('15 breaches · 4 excused by waivers');
    expect(text).toMatch(
      /EXCUSED \(breaches a waiver in force covers; not counted as breaches\)\n.*\n2026-03-02 10:05 {2}T-1002/,
    );
    expect(text).toContain('W-2026-004: its scope covers no obligation of the tickets audited');
    expect((await cli([...args, '--format', 'markdown'])).stdout).toContain('## Excused');
    // a register with a mistake is refused, naming the record and the field
    const bad = join(dir, 'waivers-bad.yaml');
    writeFileSync(
      bad,
      '- id: W-1\n  scope: { ticketId: T-1 }\n  reason: r\n  grantedAt: 2026-03-02T09:00:00Z\n  expiresAt: 2026-03-03T09:00:00Z\n',
    );
    const refused = await cli(['audit', '--events', EXAMPLE, '--waivers', bad]);
    expect(refused.code).toBe(2);
    expect(refused.stderr).toContain(`invalid waivers file ${bad}: [0] (W-1).approver`);
  });

  it('--compare-policy lists the breaches a proposed policy adds and removes, per rule and per ticket, storing nothing', async () => {
    const proposed = join(dir, 'proposed.yaml');
    writeFileSync(
      proposed,
      'version: "2026-04-01"\nrules:\n  client-update: { everyMinutes: 60 }\n  l2-paged: { channels: [page, phone, ticket_assignment] }\n',
    );
    const args = ['audit', '--events', EXAMPLE, '--compare-policy', proposed];
    const json = JSON.parse((await cli([...args, '--format', 'json'])).stdout);
    expect(json).toMatchObject({
      asOf: '2026-03-06T16:50:00.000Z',
      current: { id: 'CS-POL-001', version: '2025-11-01' },
      proposed: { version: '2026-04-01' },
      stored: 'nothing: no record was added, changed or removed',
    });
    expect(json.byRule['client-update']).toEqual({ now: 5, proposed: 21, added: 16, removed: 0 });
    expect(json.byRule['l2-paged']).toEqual({ now: 2, proposed: 1, added: 0, removed: 1 });
    expect(json.changes).toHaveLength(17);
    expect(json.changes.find((c: { change: string }) => c.change === 'removed')).toMatchObject({
      ticketId: 'T-1002',
      rule: 'l2-paged',
      dueAt: '2026-03-02T10:05:00.000Z',
    });
    expect(json.byTicket.find((t: { ticketId: string }) => t.ticketId === 'T-1002')).toEqual({
      ticketId: 'T-1002',
      added: 1,
      removed: 1,
    });
    expect(JSON.parse((await cli([...args, '--format', 'json', '--threads', '2'])).stdout)).toEqual(json);
    const text = (await cli(args)).stdout;
    expect(text).toContain('16 breaches the proposed policy adds, 1 it removes; nothing is stored or changed');
    expect(text).toMatch(
      /REMOVED \(BREACHED UNDER THE CURRENT POLICY ONLY\)\n {2}2026-03-02T10:05:00.000Z {2}T-1002 {2}l2-paged/,
    );
    expect((await cli([...args, '--format', 'markdown'])).stdout).toContain('| client-update | 5 | 21 | 16 | 0 |');
    // the same policy: no difference
    const same = JSON.parse(
      (
        await cli([
          'audit',
          '--events',
          EXAMPLE,
          '--compare-policy',
          join(import.meta.dirname, '../../examples/policy.yaml'),
          '--policy',
          join(import.meta.dirname, '../../examples/policy.yaml'),
          '--format',
          'json',
        ])
      ).stdout,
    );
    expect(same.changes).toEqual([]);
    const stdin = await cli(['audit', '--events', '-', '--compare-policy', proposed], '');
    expect(stdin).toMatchObject({ code: 2, stderr: expect.stringContaining('reads the export twice') });
  });

  it('a policy with versions: each breach names the version it is judged by, in JSON and in text; `policy` prints them all', async () => {
    const versioned = join(dir, 'versioned.yaml');
    writeFileSync(
      versioned,
      'version: "2025-11-01"\nversions:\n  - effective: "2026-03-04T00:00:00Z"\n    version: "2026-03-04"\n    rules: { client-update: { everyMinutes: 60 } }\n',
    );
    const json = JSON.parse(
      (await cli(['audit', '--events', EXAMPLE, '--policy', versioned, '--format', 'json'])).stdout,
    );
    expect(json.policyVersions).toEqual([
      { version: '2025-11-01', effective: null },
      { version: '2026-03-04', effective: '2026-03-04T00:00:00.000Z' },
    ]);
    const versions = (rule: string, before: boolean) =>
      new Set(
        json.breaches
          .filter(
            (b: { rule: string; dueAt: string }) => b.rule === rule && b.dueAt < '2026-03-04T00:00:00.000Z' === before,
          )
          .map((b: { policyVersion: string }) => b.policyVersion),
      );
    // the breaches of clocks started before the switch are the first version's, those after the second's
    expect(versions('client-update', true)).toEqual(new Set(['2025-11-01']));
    expect(versions('client-update', false)).toEqual(new Set(['2026-03-04']));
    const text = (await cli(['audit', '--events', EXAMPLE, '--policy', versioned])).stdout;
    expect(text).toMatch(/^CS-POL-001 \(2025-11-01; 2026-03-04 from 2026-03-04T00:00:00.000Z\) audit as of/);
    expect(text).toMatch(/no qualifying client update between .* \(policy 2026-03-04\)/);
    const printed = (await cli(['policy', '--policy', versioned, '--format', 'json'])).stdout;
    expect(JSON.parse(printed).versions[0]).toMatchObject({
      effective: '2026-03-04T00:00:00.000Z',
      version: '2026-03-04',
      rules: { 'client-update': { everyMinutes: 60 } },
    });
  });

  it('has --help on every command', async () => {
    const root = await cli(['--help']);
    expect(root.code).toBe(0);
    expect(root.stdout).toContain('audit');
    const audit = await cli(['audit', '--help']);
    expect(audit.code).toBe(0);
    expect(audit.stdout).toContain('--skip-invalid');
    expect(audit.stdout).toMatch(/--events <file>\s+\(required\)/);
    for (const command of ['serve', 'report', 'replay', 'send', 'policy', 'unmapped']) {
      const help = await cli([command, '--help']);
      expect(help.code, command).toBe(0);
    }
    expect((await cli(['report', '--help'])).stdout).toMatch(/--week <week>\s+\(required\)/);
    expect((await cli(['report', '--help'])).stdout).not.toMatch(/--events <file>\s+\(required\)/);
    const wrong = await cli(['audit', '--events', EXAMPLE, '--format', 'xml']);
    expect(wrong.code).toBe(2);
    expect(wrong.stderr).toContain('xml');
  });
});

describe('escalation-auditor audit on several threads', () => {
  it('gives the same document on one thread and on three, however the lines are written', async () => {
    const lines: unknown[] = [];
    for (let n = 0; n < 60; n++) {
      const ticketId = `T-${n}`;
      lines.push(
        created(`c${n}`, ticketId, `2026-03-02T${String(8 + (n % 10)).padStart(2, '0')}:00:00Z`, n % 3 ? 'P2' : 'P1'),
      );
      lines.push({ id: `f${n}`, ticketId, type: 'incident_form.created', at: '2026-03-02T10:02:00Z' });
      lines.push({
        id: `x${n}`,
        ticketId,
        type: 'escalated',
        at: '2026-03-02T11:00:00Z',
        toTier: 'L2',
        channel: 'page',
      });
    }
    // a ticket id written with escapes, and an unknown field that mentions another ticket first
    lines.push('{"id":"esc-1","ticketId":"T\\u002d7","type":"ticket.resolved","at":"2026-03-02T12:00:00Z"}');
    lines.push(
      '{"meta":{"ticketId":"T-999"},"id":"mis-1","ticketId":"T-8","type":"ticket.resolved","at":"2026-03-02T12:00:00Z"}',
    );
    lines.push(lines[5] as object); // a redelivery
    const events = file('many.jsonl', lines);
    const one = await cli(['audit', '--events', events, '--format', 'json', '--threads', '1']);
    const three = await cli(['audit', '--events', events, '--format', 'json', '--threads', '3']);
    expect(one.code).toBe(0);
    expect(three.stdout).toBe(one.stdout);
    const doc = JSON.parse(one.stdout);
    expect(doc).toMatchObject({ tickets: 60, events: 182, duplicates: 1 });
  });

  it('refuses invalid lines in line order on several threads too', async () => {
    const lines = Array.from({ length: 30 }, (_, i) =>
      i % 2
        ? { id: `b${i}`, ticketId: `T-${i}`, type: 'ticket.created', at: 'nope' }
        : created(`c${i}`, `T-${i}`, '2026-03-02T08:00:00Z'),
    );
    const r = await cli(['audit', '--events', file('bad-many.jsonl', lines), '--threads', '2']);
    expect(r.code).toBe(2);
    const numbers = [...r.stderr.matchAll(/line (\d+):/g)].map((m) => Number(m[1]));
    expect(numbers).toEqual([2, 4, 6, 8, 10, 12, 14, 16, 18, 20, 22, 24, 26, 28, 30]);
  });
});

describe('escalation-auditor policy', () => {
  it('prints the effective policy of a partial file, and names an unknown key', async () => {
    const partial = join(dir, 'partial.yaml');
    writeFileSync(partial, 'warnings: {leadMinutes: 15}\nrules:\n  l2-paged: {dueMinutes: 10}\n');
    const yaml = await cli(['policy', '--policy', partial]);
    expect(yaml.code).toBe(0);
    expect(yaml.stdout).toMatch(/^# The effective policy: .*partial.yaml over CS-POL-001's defaults\n/);
    expect(yaml.stdout).toMatch(/\nid: CS-POL-001\n/);
    const json = JSON.parse((await cli(['policy', '--policy', partial, '--format', 'json'])).stdout);
    expect(json).toMatchObject({
      id: 'CS-POL-001',
      warnings: { leadMinutes: 15 },
      rules: { 'l2-paged': { dueMinutes: 10, channels: ['page', 'phone'] } },
    });
    expect(JSON.parse((await cli(['policy', '--format', 'json'])).stdout).rules['l2-paged'].dueMinutes).toBe(5);
    const typo = join(dir, 'typo.yaml');
    writeFileSync(typo, 'rules:\n  l2-paged: {dueMinute: 10}\n');
    const refused = await cli(['policy', '--policy', typo]);
    expect(refused.code).toBe(2);
    expect(refused.stderr).toMatch(/rules\.l2-paged: Unrecognized key: "dueMinute"/);
  });
});

describe('progress on standard error', () => {
  // `script` (util-linux) runs the command on a pseudo-terminal, as a person at a terminal would
  const onTerminal = (args: string[]): Promise<string> =>
    new Promise((resolve) => {
      const command = [process.execPath, BIN, ...args].map((a) => `'${a}'`).join(' ');
      execFile('script', ['-qec', `${command} >/dev/null`, '/dev/null'], (_err, stdout) => resolve(stdout));
    });
  const drawn = (text: string) => text.includes('\r\u001b[K');

  it('is drawn only on a terminal, and never with --no-progress', async () => {
    const args = ['audit', '--events', EXAMPLE];
    const redirected = await cli(args);
    expect(redirected.code).toBe(0);
    expect(redirected.stderr).toBe('');
    expect(drawn(await onTerminal(args))).toBe(true);
    expect(drawn(await onTerminal([...args, '--no-progress']))).toBe(false);
  });
});

describe('an audit of any size: events spilled to buckets, output merged from sorted chunks', () => {
  // the same inputs with the spilling thresholds lowered, so that small files take the paths of large ones
  const SPILL = {
    ESCALATION_AUDITOR_IN_MEMORY_BYTES: '0',
    ESCALATION_AUDITOR_BUCKET_BYTES: '2000',
    ESCALATION_AUDITOR_CHUNK_RECORDS: '7',
  };
  // silent P1 tickets open for days: hundreds of 2-hourly client-update breaches each
  const silent = Array.from({ length: 12 }, (_, n) =>
    created(`s${n}`, `S-${n}`, `2026-03-0${1 + (n % 5)}T0${n % 10}:00:00Z`),
  );
  const events = () => file('spill.jsonl', [...silent, ...exampleLinesOf()]);
  const exampleLinesOf = () => readFileSync(EXAMPLE, 'utf8').split('\n').filter(Boolean);

  it.each(['json', 'text', 'markdown'])(
    '%s: the same output in memory and spilled, on one thread and on three',
    async (format) => {
      const args = ['audit', '--events', events(), '--as-of', '2026-03-20T00:00:00Z', '--format', format];
      const memory = await cli([...args, '--threads', '1']);
      expect(memory.code).toBe(0);
      const spilled1 = await cli([...args, '--threads', '1'], undefined, SPILL);
      const spilled3 = await cli([...args, '--threads', '3'], undefined, SPILL);
      const stdin = await cli(
        [...args.map((a) => (a.endsWith('spill.jsonl') ? '-' : a)), '--threads', '2'],
        readFileSync(events(), 'utf8'),
        SPILL,
      );
      expect(spilled1.stdout).toBe(memory.stdout);
      expect(spilled3.stdout).toBe(memory.stdout);
      expect(stdin.stdout).toBe(memory.stdout);
    },
  );

  it('refuses invalid lines spilled too, in line order, and audits the valid ones with --skip-invalid', async () => {
    const bad = (i: number) => ({ id: `b${i}`, ticketId: `S-${i % 12}`, type: 'ticket.created', at: 'nope' });
    const lines = [...silent, ...exampleLinesOf()].flatMap((l, i) => (i % 4 === 1 ? [l, bad(i)] : [l]));
    const withBad = file('spill-bad.jsonl', lines);
    const numbers = lines.flatMap((l, i) =>
      typeof l === 'object' && (l as { at: string }).at === 'nope' ? [i + 1] : [],
    );
    for (const threads of ['1', '3']) {
      const r = await cli(['audit', '--events', withBad, '--threads', threads], undefined, SPILL);
      expect(r.code).toBe(2);
      expect(r.stdout).toBe('');
      expect([...r.stderr.matchAll(/line (\d+):/g)].map((m) => Number(m[1]))).toEqual(numbers.slice(0, 20));
      expect(r.stderr).toContain(`... and ${numbers.length - 20} more`);
    }
    const args = ['audit', '--as-of', '2026-03-20T00:00:00Z', '--format', 'json', '--skip-invalid'];
    const skipped = await cli([...args, '--events', withBad, '--threads', '3'], undefined, SPILL);
    const clean = await cli([...args, '--events', events(), '--threads', '1']);
    expect(JSON.parse(skipped.stdout)).toEqual({ ...JSON.parse(clean.stdout), rejected: numbers.length });
  });

  it('without --as-of, audits as of the latest valid event, though a later line is invalid and skipped', async () => {
    // the latest line read is not an event: the as-of is read from the lines first, then checked
    const late = '{"id":"late","ticketId":"S-1","type":"ticket.resolved","at":"2026-04-30T00:00:00Z","actor":7}';
    const events = file('spill-late.jsonl', [...silent, ...exampleLinesOf(), late]);
    const args = ['audit', '--events', events, '--format', 'json', '--skip-invalid'];
    const memory = JSON.parse((await cli([...args, '--threads', '1'])).stdout);
    const spilled = JSON.parse((await cli([...args, '--threads', '3'], undefined, SPILL)).stdout);
    const latest = [...silent, ...exampleLinesOf()]
      .map((l) => (typeof l === 'string' ? JSON.parse(l) : l).at as string)
      .reduce((a, b) => (Date.parse(a) > Date.parse(b) ? a : b));
    expect(memory.asOf).toBe(new Date(latest).toISOString());
    expect(memory.rejected).toBe(1);
    expect(spilled).toEqual(memory);
  });

  it('an audit thread that runs out of its heap says so and what to do, exit status 2', async () => {
    const r = await cli(['audit', '--events', events(), '--threads', '2'], undefined, {
      ...SPILL,
      ESCALATION_AUDITOR_THREAD_MEMORY_MB: '2',
    });
    expect(r.code).toBe(2);
    expect(r.stdout).toBe('');
    expect(r.stderr).toMatch(/an audit thread needed more than its 2 MB .*run again with --threads 1/);
  });

  it('JSON keeps every breach in order and adds the runs of missed windows; text shows each run as one row', async () => {
    const args = ['audit', '--events', events(), '--as-of', '2026-03-20T00:00:00Z'];
    const doc = JSON.parse((await cli([...args, '--format', 'json'], undefined, SPILL)).stdout);
    const s0 = doc.breaches.filter(
      (b: { ticketId: string; rule: string }) => b.ticketId === 'S-0' && b.rule === 'client-update',
    );
    // created Sun 1 Mar 00:00, silent until the as-of 20 Mar 00:00: 19 days of 12 windows
    expect(s0).toHaveLength(228);
    const keys = doc.breaches.map((b: { dueAt: string; ticketId: string }) => `${b.dueAt} ${b.ticketId}`);
    expect(keys).toEqual([...keys].sort());
    expect(doc.breaches.length).toBeGreaterThan(2500);
    expect(doc.runs).toContainEqual({
      ticketId: 'S-0',
      rule: 'client-update',
      severity: 'P1',
      windows: 228,
      from: '2026-03-01T02:00:00.000Z',
      to: '2026-03-20T00:00:00.000Z',
    });
    const text = (await cli([...args, '--format', 'text'], undefined, SPILL)).stdout;
    const rows = text.split('\n').filter((l) => / S-0 /.test(l));
    expect(rows.filter((l) => l.includes('client-update'))).toEqual([
      expect.stringMatching(
        /^2026-03-01 02:00 {2}S-0 +P1 +client-update +228 missed windows in a row, due 02:00 to Fri 20 Mar 00:00: no qualifying client update from 00:00 to Fri 20 Mar 00:00$/,
      ),
    ]);
  });
});
