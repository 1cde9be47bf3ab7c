import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { fillTimes, payloadsOf } from '../../cli/send';
import { BIN, serve, until } from '../support/cli';

const EXAMPLES = join(import.meta.dirname, '../../examples');
interface Ticket {
  history: { id: string; type: string; severity?: string }[];
  obligations: { rule: string; status: string }[];
}
const dir = mkdtempSync(join(tmpdir(), 'ea-send-'));

const cli = (args: string[]): Promise<{ code: number; stdout: string; stderr: string }> =>
  new Promise((resolve) =>
    execFile(process.execPath, [BIN, ...args], (err, stdout, stderr) =>
      resolve({ code: err ? (err.code as number) : 0, stdout, stderr }),
    ),
  );

describe('send: placeholders and files', () => {
  it('fills {{now±N}} as RFC 3339 and "{{now±N:ms}}" as a number of epoch milliseconds', () => {
    const now = Date.parse('2026-03-02T10:00:00.250Z');
    expect(fillTimes('"{{now}}" "{{now-7m}}" "{{now+2h}}" "{{now-1d:ms}}" {{now+30s}}', now)).toBe(
      `"2026-03-02T10:00:00Z" "2026-03-02T09:53:00Z" "2026-03-02T12:00:00Z" ${now - 86_400_000} 2026-03-02T10:00:30Z`,
    );
  });

  it('reads one document, an array, or JSON Lines, and names a bad line', () => {
    expect(payloadsOf('{"a":1}', 'f')).toEqual([{ a: 1 }]);
    expect(payloadsOf('[{"a":1},{"a":2}]', 'f')).toEqual([{ a: 1 }, { a: 2 }]);
    expect(payloadsOf('{"a":1}\n\n{"a":2}\n', 'f')).toEqual([{ a: 1 }, { a: 2 }]);
    expect(() => payloadsOf('{"a":1}\n{"a":', 'f')).toThrow(/f line 2: not valid JSON/);
  });
});

describe('escalation-auditor send to a running serve', () => {
  let url: string;
  let output: () => string;
  beforeAll(async () => {
    ({ url, output } = await serve(['--memory', '--grace', '0', '--mapping', join(EXAMPLES, 'mapping.yaml')]));
  });
  const send = (source: string, file: string, ...extra: string[]) =>
    cli(['send', '--url', url, '--source', source, '--file', file, ...extra]);
  const ticket = async (id: string) => (await fetch(`${url}/tickets/${id}`)).json() as Promise<Ticket>;

  it('signs as Zendesk (timestamped base64) and PagerDuty (v1 hex): the walk-through breaches and retracts', async () => {
    const zd = await send('zendesk', join(EXAMPLES, 'webhooks/zendesk-ticket-created.json'));
    expect(zd).toMatchObject({ code: 0, stdout: expect.stringMatching(/^request 1: 200 2 accepted · 0 duplicates/) });
    // created 7 minutes ago with nothing done: the form and the page are overdue at once
    await until(() => /BREACH ZD-5158 l2-paged/.test(output()) || undefined, 10);
    const pd = await send('pagerduty', join(EXAMPLES, 'webhooks/pagerduty-incident-triggered.json'));
    expect(pd).toMatchObject({ code: 0, stdout: expect.stringMatching(/^request 1: 200 1 accepted/) });
    // paged 5 minutes ago, within the 5 minutes allowed: the alert is retracted
    await until(() => /RETRACTED ZD-5158 l2-paged/.test(output()) || undefined, 10);
    const t = await ticket('ZD-5158');
    expect(t.history.map((e) => e.type)).toEqual(['ticket.created', 'tag.added', 'escalated']);
    expect(t.obligations.find((o) => o.rule === 'l2-paged')?.status).toBe('met');
    // a redelivery (the same body, its time fixed as PagerDuty sends it again) is one event: a duplicate
    const fixed = join(dir, 'pagerduty-page.json');
    const at = new Date(Date.now() - 4 * 60_000).toISOString();
    writeFileSync(
      fixed,
      readFileSync(join(EXAMPLES, 'webhooks/pagerduty-incident-triggered.json'), 'utf8').replaceAll('{{now-5m}}', at),
    );
    const first = await send('pagerduty', fixed, '--format', 'json');
    const again = await send('pagerduty', fixed, '--format', 'json');
    expect(JSON.parse(first.stdout)).toMatchObject({ request: 1, status: 200, body: { accepted: 1 } });
    expect(JSON.parse(again.stdout)).toMatchObject({ request: 1, status: 200, body: { accepted: 0, duplicates: 1 } });
  });

  it('signs as Jira (X-Hub-Signature); the id is the change, whatever the delivery', async () => {
    const r = await send('jira', join(EXAMPLES, 'webhooks/jira-issue-created.json'));
    expect(r).toMatchObject({ code: 0, stdout: expect.stringMatching(/^request 1: 200 1 accepted/) });
    const t = await ticket('SUP-42');
    expect(t.history[0]).toMatchObject({
      type: 'ticket.created',
      severity: 'P1',
      id: 'jira:SUP-42:created#0',
    });
  });

  it('sends canonical JSON Lines in batches, and exits 1 with the reason when a request is refused', async () => {
    const r = await send('canonical', join(EXAMPLES, 'export.jsonl'), '--batch', '50');
    expect(r.code).toBe(0);
    expect(r.stdout.trim().split('\n')).toHaveLength(4); // 166 lines
    const secrets = join(dir, 'secrets.yaml');
    writeFileSync(secrets, 'canonical: not-the-secret-serve-has\n');
    const refused = await cli([
      'send',
      '--url',
      url,
      '--source',
      'canonical',
      '--secrets',
      secrets,
      '--file',
      join(EXAMPLES, 'export.jsonl'),
    ]);
    expect(refused.code).toBe(1);
    expect(refused.stdout).toMatch(/^request 1: 401 /);
    const nobody = await cli([
      'send',
      '--url',
      'http://127.0.0.1:9',
      '--source',
      'canonical',
      '--file',
      join(EXAMPLES, 'export.jsonl'),
    ]);
    expect(nobody.code).toBe(2);
    expect(nobody.stderr).toMatch(/cannot reach .*is serve running\?/);
  });
});
