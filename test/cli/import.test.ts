/**
 * `escalation-auditor import pagerduty` as a user runs it, against a local server answering like
 * PagerDuty's REST API: pagination, a 429 and a 500 on the way, an interrupted run resumed, ids
 * that agree with the webhook's, and the store as the target.
 */
import { execFile } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadMappingFile } from '../../cli/config';
import { SOURCES } from '../../lib/sources';
import { serve } from '../support/cli';
import { fakeJira, JIRA_EMAIL, JIRA_TOKEN, type JiraIssue, jiraIssues } from '../support/jira-api';
import { type FakePagerDuty, fakePagerDuty, type LogEntry, logEntries, TOKEN } from '../support/pagerduty-api';
import { jiraEvent, pagerDutyEvent, signed } from '../support/webhooks';

const BIN = join(import.meta.dirname, '../../bin/escalation-auditor.mjs');
const MAPPING = join(import.meta.dirname, '../../examples/mapping.yaml');
const START = Date.parse('2026-03-02T00:00:00Z');
const entries = logEntries(START, 3, 50);
let pd: FakePagerDuty;
beforeAll(async () => {
  pd = await fakePagerDuty(entries);
});
afterAll(() => pd.close());

const cli = (args: string[], env: Record<string, string> = { PAGERDUTY_TOKEN: TOKEN }) =>
  new Promise<{ code: number; stdout: string; stderr: string }>((resolve) =>
    execFile(
      process.execPath,
      [BIN, ...args],
      { env: { ...process.env, ...env }, maxBuffer: 64 << 20 },
      (err, stdout, stderr) => resolve({ code: (err?.code as number) ?? 0, stdout, stderr }),
    ),
  );
const range = ['--since', '2026-03-02T00:00:00Z', '--until', '2026-03-05T00:00:00Z'];
const lines = (file: string) =>
  readFileSync(file, 'utf8')
    .split('\n')
    .filter(Boolean)
    .map((l) => JSON.parse(l) as { id: string; type: string; ticketId: string; incident?: { id: string } });

describe('escalation-auditor import pagerduty', () => {
  it('pages through the log entries, waits out a 429, retries a 500, and writes each page and action once', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'ea-import-'));
    const out = join(dir, 'pd.jsonl');
    pd.requests.length = 0;
    pd.rateLimit(1, 1);
    pd.fail(1);
    const r = await cli([
      'import',
      'pagerduty',
      ...range,
      '--mapping',
      MAPPING,
      '--url',
      pd.url,
      '--out',
      out,
      '--format',
      'json',
    ]);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    const summary = JSON.parse(r.stdout);
    // 150 incidents: a trigger (a page to L2) and an acknowledgement (L2 taking ownership) each
    expect(summary).toMatchObject({ pages: 6, records: 300, events: 300, unmapped: 0 });
    const events = lines(out);
    expect(events).toHaveLength(300);
    expect(new Set(events.map((e) => e.id)).size).toBe(300);
    expect(events.filter((e) => e.type === 'escalated')).toHaveLength(150);
    expect(events.filter((e) => e.type === 'ownership.taken')).toHaveLength(150);
    expect(events[0]).toMatchObject({ ticketId: 'ZD-1000', incident: { system: 'pagerduty', id: 'Q000000' } });
    // one 429, one 500, then the six pages (two a day)
    expect(pd.requests.map((q) => q.status)).toEqual([429, 500, 200, 200, 200, 200, 200, 200]);
    // run again: done already, nothing fetched
    const again = await cli(['import', 'pagerduty', ...range, '--mapping', MAPPING, '--url', pd.url, '--out', out]);
    expect(again.code).toBe(0);
    expect(again.stderr).toMatch(/already done/);
    expect(pd.requests).toHaveLength(8);
  });

  it('an import interrupted in the middle resumes from its last page, fetching and writing nothing twice', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'ea-import-'));
    const out = join(dir, 'pd.jsonl');
    pd.requests.length = 0;
    // the second day's second page is refused (a token revoked mid-import)
    pd.refuse((q) => q.since.startsWith('2026-03-03') && q.offset === 100);
    const args = ['import', 'pagerduty', ...range, '--mapping', MAPPING, '--url', pd.url, '--out', out];
    const first = await cli(args);
    expect(first.code).toBe(1);
    expect(first.stderr).toMatch(/the import stopped: GET .*log_entries.*: 401 \(check the credentials/);
    expect(first.stderr).toMatch(/run the same command again to resume/);
    // the first day, and the second day's first page
    const relevant = (e: { type: string }) => e.type === 'trigger_log_entry' || e.type === 'acknowledge_log_entry';
    const day = (d: string) => entries.filter((e) => e.created_at.startsWith(d));
    const written = day('2026-03-02').filter(relevant).length + day('2026-03-03').slice(0, 100).filter(relevant).length;
    expect(lines(out)).toHaveLength(written);
    expect(existsSync(`${out}.import-state.json`)).toBe(true);
    pd.refuse(undefined);
    const second = await cli(args);
    expect(second.code).toBe(0);
    const events = lines(out);
    expect(events).toHaveLength(300);
    expect(new Set(events.map((e) => e.id)).size).toBe(300);
    // the pages already written were not asked for again
    const asked = pd.requests.filter((q) => q.status === 200).map((q) => `${q.since.slice(0, 10)}+${q.offset}`);
    expect(asked).toEqual([
      '2026-03-02+0',
      '2026-03-02+100',
      '2026-03-03+0',
      '2026-03-03+100',
      '2026-03-04+0',
      '2026-03-04+100',
    ]);
  });

  it('gives an imported action the id its webhook gives it, so the two are one event', async () => {
    const mapping = await loadMappingFile(MAPPING);
    const trigger = entries.find((e) => e.type === 'trigger_log_entry') as (typeof entries)[number];
    // the webhook PagerDuty sent for that trigger: its own event id, the time with milliseconds
    const webhook = pagerDutyEvent('incident.triggered', { ...trigger.incident }, '01HZZZZZZZZZZZZZZZZZZZZZZZ') as {
      event: Record<string, unknown>;
    };
    webhook.event.occurred_at = trigger.created_at.replace('Z', '.418Z');
    const translated = SOURCES.pagerduty.translate(
      webhook,
      { headers: {}, body: Buffer.alloc(0), receivedAt: Date.now() },
      mapping,
    );
    const dir = mkdtempSync(join(tmpdir(), 'ea-import-'));
    const out = join(dir, 'pd.jsonl');
    await cli(['import', 'pagerduty', ...range, '--mapping', MAPPING, '--url', pd.url, '--out', out]);
    const imported = lines(out).find((e) => e.type === 'escalated' && e.incident?.id === trigger.incident.id);
    expect((translated.events[0] as { id: string }).id).toBe(imported?.id);
  });

  it('imports into the store, where the report lists the incidents whose tickets it does not know', async () => {
    const data = mkdtempSync(join(tmpdir(), 'ea-import-data-'));
    const r = await cli(['import', 'pagerduty', ...range, '--mapping', MAPPING, '--url', pd.url, '--data', data]);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/imported 300 events from 300 pagerduty records \(6 pages\) into the store/);
    const report = await cli(['report', '--data', data, '--week', '2026-W10', '--format', 'json']);
    const population = JSON.parse(report.stdout).population;
    // only the incidents were imported, not the helpdesk's tickets: each names an unknown ticket
    expect(population.unknownTicket).toHaveLength(150);
    expect(population.unknownTicket[0]).toEqual({ incident: 'pagerduty:Q000000', ticketId: 'ZD-1000' });
  });

  it('says what is missing: credentials, a target, a mapping', async () => {
    const base = ['import', 'pagerduty', ...range, '--url', pd.url];
    expect((await cli([...base, '--mapping', MAPPING, '--out', '/tmp/x.jsonl'], {})).stderr).toMatch(
      /no PagerDuty credentials: set PAGERDUTY_TOKEN/,
    );
    expect((await cli([...base, '--mapping', MAPPING])).stderr).toMatch(/pass one of --out FILE/);
    expect((await cli([...base, '--out', '/tmp/x.jsonl'])).stderr).toMatch(/the mapping has no pagerduty section/);
  });
});

describe('serve --reconcile-every', () => {
  it('stores what PagerDuty and Jira have and no webhook delivered, counts it, and leaves what was delivered alone', async () => {
    const minutesAgo = (m: number) => new Date(Date.now() - m * 60_000).toISOString().replace(/\.\d+Z$/, 'Z');
    const incident = {
      id: 'QREPAIR1',
      type: 'incident',
      title: 'ZD-7001 Checkout down',
      escalation_policy: { id: 'P1EUYO0', type: 'escalation_policy_reference' },
      service: { id: 'PLVTM9H', type: 'service_reference' },
    };
    const agent = { id: 'PXRUEF2', type: 'user_reference', summary: 'On-call L2' };
    const entries: LogEntry[] = [
      { id: 'R1', type: 'trigger_log_entry', created_at: minutesAgo(10), agent, incident },
      { id: 'R2', type: 'acknowledge_log_entry', created_at: minutesAgo(8), agent, incident },
    ];
    const live = await fakePagerDuty(entries);
    // a Jira issue created 95 minutes ago: of its webhooks, only the creation arrived
    const [issue] = jiraIssues(Date.now() - 95 * 60_000, 1) as [JiraIssue];
    const jira = await fakeJira([issue]);
    const dir = mkdtempSync(join(tmpdir(), 'ea-repair-'));
    const credentials = join(dir, 'pagerduty.yaml');
    writeFileSync(credentials, `token: ${TOKEN}\n`);
    const jiraCredentials = join(dir, 'jira.yaml');
    writeFileSync(jiraCredentials, `email: ${JIRA_EMAIL}\ntoken: ${JIRA_TOKEN}\n`);
    try {
      const s = await serve([
        '--memory',
        '--mapping',
        MAPPING,
        '--reconcile-every',
        '2s',
        '--pagerduty-url',
        live.url,
        '--pagerduty-credentials',
        credentials,
        '--reconcile-from',
        'pagerduty,jira',
        '--jira-url',
        jira.url,
        '--jira-credentials',
        jiraCredentials,
      ]);
      // the helpdesk's webhooks arrived; of PagerDuty's, only the acknowledgement did
      const post = async (source: 'canonical' | 'pagerduty' | 'jira', payload: unknown) => {
        const r = signed(source, payload, { secret: 'escalation-auditor-dev-secret' });
        return (await fetch(`${s.url}/webhooks/${source}`, { method: 'POST', headers: r.headers, body: r.body }))
          .status;
      };
      expect(
        await post('canonical', {
          id: 'zd-created',
          ticketId: 'ZD-7001',
          type: 'ticket.created',
          at: minutesAgo(12),
          severity: 'P1',
          client: { id: 'acme', tier: 'enterprise' },
        }),
      ).toBe(200);
      const ack = pagerDutyEvent('incident.acknowledged', incident, '01HACKACKACKACKACKACKACKAC') as {
        event: Record<string, unknown>;
      };
      ack.event.occurred_at = (entries[1] as LogEntry).created_at.replace('Z', '.250Z');
      expect(await post('pagerduty', ack)).toBe(200);
      const created = jiraEvent(
        'jira:issue_created',
        {},
        {
          ...issue.fields,
          labels: [],
          customfield_10001: { value: 'Support L1' },
        },
      );
      Object.assign(created, { timestamp: Date.parse(issue.fields.created), user: issue.fields.creator });
      (created.issue as { key: string }).key = issue.key;
      expect(await post('jira', created)).toBe(200);
      type Tally = { runs: number; recovered: number };
      let health: { reconciliation?: { recoveredByReconciliation: number; pagerduty: Tally; jira: Tally } } = {};
      for (const start = Date.now(); Date.now() - start < 20_000; ) {
        health = (await (await fetch(`${s.url}/healthz`)).json()) as typeof health;
        if ((health.reconciliation?.pagerduty.runs ?? 0) >= 2 && (health.reconciliation?.jira.runs ?? 0) >= 2) break;
        await new Promise((r) => setTimeout(r, 200));
      }
      // what no webhook brought is recovered, once however often the pull runs: PagerDuty's page;
      // Jira's changes and comments after the creation
      expect(health.reconciliation).toMatchObject({
        recoveredByReconciliation: 7,
        pagerduty: { recovered: 1 },
        jira: { recovered: 6 },
      });
      type View = { history: { id: string; type: string; recoveredAt?: string }[] };
      const view = (await (await fetch(`${s.url}/tickets/ZD-7001`)).json()) as View;
      expect(view.history.map((e) => e.type)).toEqual(['ticket.created', 'escalated', 'ownership.taken']);
      expect(view.history.map((e) => e.recoveredAt !== undefined)).toEqual([false, true, false]);
      const sup = (await (await fetch(`${s.url}/tickets/${issue.key}`)).json()) as View;
      expect(sup.history.map((e) => e.type)).toEqual([
        'ticket.created',
        'tag.added',
        'troubleshooting.documented',
        'escalated',
        'client.update',
        'client.update',
        'ticket.resolved',
      ]);
      expect(sup.history.filter((e) => e.recoveredAt !== undefined)).toHaveLength(6);
      s.child.kill('SIGTERM');
    } finally {
      await live.close();
      await jira.close();
    }
  }, 40_000);
});

/** `import <vendor>` of 2 March 2026 from a stand-in at `url` into the export `out`. */
const dayImport = (vendor: string, url: string, out: string) => [
  'import',
  vendor,
  '--url',
  url,
  '--since',
  '2026-03-02T00:00:00Z',
  '--until',
  '2026-03-03T00:00:00Z',
  '--mapping',
  MAPPING,
  '--out',
  out,
];

describe('escalation-auditor import zendesk', () => {
  const zendeskArgs = (url: string, out: string) => dayImport('zendesk', url, out);
  const t0 = Date.parse('2026-03-02T10:00:00Z') / 1000;
  const audit = (
    id: number,
    ticket: number,
    at: number,
    child_events: Record<string, unknown>[],
    updater = 8447388090494,
  ) => ({
    id,
    ticket_id: ticket,
    timestamp: at,
    created_at: new Date(at * 1000).toISOString().replace('.000Z', 'Z'),
    updater_id: updater,
    via: 'Web form',
    event_type: 'Audit' as const,
    child_events: child_events.map((c, i) => ({ id: id * 100 + i, via: 'Web form', via_reference_id: null, ...c })),
  });
  const comment = (author: number, body: string) => ({
    event_type: 'Comment',
    type: 'Comment',
    author_id: author,
    body,
    public: true,
  });
  const history = [
    audit(
      1,
      5158,
      t0,
      [
        { event_type: 'Create', priority: 'urgent' },
        { event_type: 'Create', status: 'new' },
        { event_type: 'Create', group_id: 8447320466430 },
        { event_type: 'Create', organization_id: 8447346622462 },
        { event_type: 'Create', requester_id: 9100 },
        { event_type: 'Create', tags: ['incident-form'], added_tags: ['incident-form'], removed_tags: [] },
        comment(9100, 'Checkout is down for everyone'),
      ],
      9100,
    ),
    audit(2, 5158, t0 + 180, [{ event_type: 'Change', group_id: 8447320466431, previous_value: 8447320466430 }]),
    audit(
      3,
      5158,
      t0 + 600,
      [comment(8447388090496, 'Status: Investigating\nETR: 2026-03-02T12:00:00Z')],
      8447388090496,
    ),
    audit(4, 5158, t0 + 660, [comment(9100, 'Any news?')], 9100),
    // a colleague of the client, copied on the ticket: an end-user, so no update from the team
    audit(8, 5158, t0 + 690, [comment(9300, 'Status: still down here\nETR: 2026-03-02T12:00:00Z')], 9300),
    // three audits in one second, across a page boundary (three a page)
    audit(5, 5158, t0 + 720, [{ event_type: 'Change', status: 'solved', previous_value: 'open' }]),
    audit(
      6,
      5159,
      t0 + 720,
      [
        { event_type: 'Create', priority: 'low' },
        { event_type: 'Create', organization_id: null },
        { event_type: 'Create', requester_id: 9200 },
      ],
      9200,
    ),
    audit(7, 5159, t0 + 720, [{ event_type: 'Change', priority: 'high', previous_value: 'low' }]),
  ];

  const users = { '9100': 'end-user', '9300': 'end-user', '8447388090494': 'agent' } as const;

  it('follows the export page by page, builds each ticket as it stood, and reads it as the webhooks are read', async () => {
    const { fakeZendesk, EMAIL, ZENDESK_TOKEN } = await import('../support/zendesk-api');
    const zd = await fakeZendesk(history, 3, users);
    try {
      zd.rateLimit(1, 1);
      const dir = mkdtempSync(join(tmpdir(), 'ea-import-zd-'));
      const out = join(dir, 'zd.jsonl');
      const r = await cli([...zendeskArgs(zd.url, out), '--format', 'json'], { ZENDESK_EMAIL: EMAIL, ZENDESK_TOKEN });
      expect(r.stderr).toBe('');
      expect(r.code).toBe(0);
      const events = lines(out) as unknown as Record<string, unknown>[];
      const brief = events.map(({ id, ticketId, at, ...rest }) => ({ ticketId, ...rest }));
      expect(brief).toEqual([
        {
          ticketId: 'ZD-5158',
          type: 'ticket.created',
          actor: { id: '9100' },
          severity: 'P1',
          client: { id: '8447346622462', tier: 'enterprise' },
          queue: 'Support EMEA',
        },
        { ticketId: 'ZD-5158', type: 'tag.added', actor: { id: '9100' }, tag: 'incident-form', queue: 'Support EMEA' },
        { ticketId: 'ZD-5158', type: 'incident_form.created', actor: { id: '9100' }, queue: 'Support EMEA' },
        {
          ticketId: 'ZD-5158',
          type: 'escalated',
          toTier: 'L2',
          channel: 'ticket_assignment',
          actor: { id: '8447388090494', role: 'L1' },
          queue: 'Platform L2',
        },
        {
          ticketId: 'ZD-5158',
          type: 'client.update',
          actor: { id: '8447388090496', role: 'CSM' },
          status: 'Investigating',
          etr: '2026-03-02T12:00:00Z',
          queue: 'Platform L2',
        },
        {
          ticketId: 'ZD-5158',
          type: 'ticket.resolved',
          actor: { id: '8447388090494', role: 'L1' },
          queue: 'Platform L2',
        },
        {
          ticketId: 'ZD-5159',
          type: 'ticket.created',
          actor: { id: '9200' },
          severity: 'P4',
          client: { id: 'none', tier: 'standard' },
        },
        { ticketId: 'ZD-5159', type: 'severity.changed', severity: 'P2', actor: { id: '8447388090494', role: 'L1' } },
      ]);
      expect(new Set(events.map((e) => e.id)).size).toBe(events.length);
      // the 429 waited out; each page starts in the second the one before ended in (what it repeats
      // is left out); the last full page is followed by one that brings nothing new
      expect(zd.requests.map((q) => q.status)).toEqual([429, 200, 200, 200, 200, 200]);
      // the commenters the mapping does not list, asked of the Users API once each
      expect(zd.usersAsked.flat().sort()).toEqual(['9100', '9300']);
      // the escalation's id is the one its webhook gets
      const mapping = await loadMappingFile(MAPPING);
      const webhook = {
        id: 'c0ffee00-0000-4000-8000-00000000abcd',
        type: 'zen:event-type:ticket.group_assignment_changed',
        time: new Date((t0 + 180) * 1000 + 105).toISOString(),
        detail: { id: '5158', group_id: '8447320466431', actor_id: '8447388090494' },
        event: { current: '8447320466431', previous: '8447320466430' },
      };
      const translated = SOURCES.zendesk.translate(
        webhook,
        { headers: {}, body: Buffer.alloc(0), receivedAt: Date.now() },
        mapping,
      );
      expect((translated.events[0] as { id: string }).id).toBe(events[3]?.id);
    } finally {
      await zd.close();
    }
  });
  it('an interrupted import resumes with each ticket as it stood', async () => {
    const { fakeZendesk, EMAIL, ZENDESK_TOKEN } = await import('../support/zendesk-api');
    const zd = await fakeZendesk(history, 3, users);
    try {
      const dir = mkdtempSync(join(tmpdir(), 'ea-import-zd-'));
      const out = join(dir, 'zd.jsonl');
      const args = zendeskArgs(zd.url, out);
      const env = { ZENDESK_EMAIL: EMAIL, ZENDESK_TOKEN };
      // the third page is refused: the ticket was created and escalated before it
      zd.refuse((start) => start === t0 + 720);
      expect((await cli(args, env)).code).toBe(1);
      zd.refuse(undefined);
      expect((await cli(args, env)).code).toBe(0);
      const events = lines(out) as unknown as Record<string, unknown>[];
      // the resolution, read after the resume, still knows the ticket's group (its queue)
      expect(events.find((e) => e.type === 'ticket.resolved')).toMatchObject({
        ticketId: 'ZD-5158',
        queue: 'Platform L2',
      });
      expect(new Set(events.map((e) => e.id)).size).toBe(events.length);
      expect(events).toHaveLength(8);
    } finally {
      await zd.close();
    }
  });
});

describe('escalation-auditor import jira', () => {
  const issues = jiraIssues(Date.parse('2026-03-02T09:00:00Z'), 5);
  const jiraArgs = (url: string, out: string) => dayImport('jira', url, out);
  const env = { JIRA_EMAIL, JIRA_TOKEN };

  it("pages through the search and each issue's changelog and comments, waits out a 429, retries a 500, and reads each change as its webhook is read", async () => {
    const jira = await fakeJira(issues, 2);
    try {
      jira.rateLimit(1, 1);
      jira.fail(1);
      const dir = mkdtempSync(join(tmpdir(), 'ea-import-jira-'));
      const out = join(dir, 'jira.jsonl');
      const r = await cli([...jiraArgs(jira.url, out), '--format', 'json'], env);
      expect(r.stderr).toBe('');
      expect(r.code).toBe(0);
      expect(JSON.parse(r.stdout)).toMatchObject({ pages: 3, events: 35, unmapped: 0 });
      const events = lines(out) as unknown as Record<string, unknown>[];
      const brief = events
        .filter((e) => e.ticketId === 'SUP-100')
        .map(({ id, ticketId, actor, ...rest }) => ({ id, ...rest }));
      expect(brief).toEqual([
        {
          id: 'jira:SUP-100:created#0',
          at: '2026-03-02T09:00:00.000Z',
          type: 'ticket.created',
          severity: 'P1',
          client: { id: 'Acme', tier: 'enterprise' },
          queue: 'Support L1',
        },
        {
          id: 'jira:SUP-100:changelog:10000#0',
          at: '2026-03-02T09:05:00.000Z',
          type: 'tag.added',
          tag: 'troubleshooting-documented',
          queue: 'Support L1',
        },
        {
          id: 'jira:SUP-100:changelog:10000#1',
          at: '2026-03-02T09:05:00.000Z',
          type: 'troubleshooting.documented',
          queue: 'Support L1',
        },
        {
          id: 'jira:SUP-100:changelog:10001#0',
          at: '2026-03-02T09:10:00.000Z',
          type: 'escalated',
          toTier: 'L2',
          channel: 'ticket_assignment',
          queue: 'Support L2',
        },
        {
          id: 'jira:SUP-100:comment:20000#0',
          at: '2026-03-02T09:30:00.000Z',
          type: 'client.update',
          status: 'Investigating',
          etr: '2026-03-02T11:30:00.000Z',
          queue: 'Support L2',
        },
        {
          id: 'jira:SUP-100:comment:20002#0',
          at: '2026-03-02T10:00:00.000Z',
          type: 'client.update',
          status: 'Fixing',
          etr: '2026-03-02T11:00:00.000Z',
          queue: 'Support L2',
        },
        {
          id: 'jira:SUP-100:changelog:10002#0',
          at: '2026-03-02T10:30:00.000Z',
          type: 'ticket.resolved',
          queue: 'Support L2',
        },
      ]);
      expect(new Set(events.map((e) => e.id)).size).toBe(35);
      // a 429, a 500, then three search pages, each issue's changelog and comments read on
      expect(jira.requests.map((q) => q.status)).toEqual([429, 500, ...Array(13).fill(200)]);
      expect(jira.requests.filter((q) => q.path.endsWith('/changelog'))).toHaveLength(5);
      expect(jira.requests.filter((q) => q.path.endsWith('/comment'))).toHaveLength(5);
      // the escalation's id is the one its webhook gets
      const webhook = jiraEvent('jira:issue_updated', {
        changelog: { id: '10001', items: issues[0]?.histories[1]?.items },
      });
      (webhook.issue as { key: string }).key = 'SUP-100';
      const translated = SOURCES.jira.translate(
        webhook,
        {
          headers: { 'x-atlassian-webhook-identifier': 'some-delivery' },
          body: Buffer.alloc(0),
          receivedAt: Date.now(),
        },
        await loadMappingFile(MAPPING),
      );
      expect((translated.events[0] as { id: string }).id).toBe('jira:SUP-100:changelog:10001#0');
    } finally {
      await jira.close();
    }
  });

  it('an interrupted import resumes; a page token that expired meanwhile searches again from the last issue read', async () => {
    const jira = await fakeJira(issues, 2);
    try {
      const dir = mkdtempSync(join(tmpdir(), 'ea-import-jira-'));
      const out = join(dir, 'jira.jsonl');
      // the second page is refused: the first two issues are written
      jira.refuse((token) => token !== undefined);
      const first = await cli(jiraArgs(jira.url, out), env);
      expect(first.code).toBe(1);
      expect(first.stderr).toMatch(/run the same command again to resume/);
      expect(new Set(lines(out).map((e) => e.ticketId))).toEqual(new Set(['SUP-100', 'SUP-101']));
      jira.refuse(undefined);
      jira.expireTokens();
      jira.requests.length = 0;
      const second = await cli(jiraArgs(jira.url, out), env);
      expect(second.stderr).toBe('');
      expect(second.code).toBe(0);
      // the saved token is refused (400); the search starts again and skips the issues already read
      expect(jira.requests.filter((q) => q.path.endsWith('/search/jql')).map((q) => q.status)).toEqual([
        400, 200, 200, 200,
      ]);
      expect(jira.requests.filter((q) => q.path.endsWith('/changelog'))).toHaveLength(3);
      const events = lines(out);
      expect(events).toHaveLength(35);
      expect(new Set(events.map((e) => e.id)).size).toBe(35);
    } finally {
      await jira.close();
    }
  });
});
