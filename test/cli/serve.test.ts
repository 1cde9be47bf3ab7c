import { type ChildProcess, execFile } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { isLoopback } from '../../cli/serve';
import { DEV_SECRET } from '../../lib/sources/secrets';
import { BIN, serve, until } from '../support/cli';
import { signed, zendeskEvent } from '../support/webhooks';

const MAPPING = join(import.meta.dirname, '../../examples/mapping.yaml');

const stopped = (child: ChildProcess) => new Promise<number | null>((resolve) => child.once('exit', resolve));

describe('escalation-auditor serve and replay', () => {
  it('serves the signed-curl walk-through of the README, keeps the data, and replays with a fixed mapping', async () => {
    const data = mkdtempSync(join(tmpdir(), 'ea-serve-'));
    const first = await serve(['--data', data]);
    const ev = {
      id: 'evt-1',
      ticketId: 'T-100',
      type: 'ticket.created',
      at: new Date().toISOString(),
      severity: 'P1',
      client: { id: 'acme', tier: 'enterprise' },
    };
    const { body, headers } = signed('canonical', ev, { secret: DEV_SECRET });
    const r = await fetch(`${first.url}/webhooks/canonical`, { method: 'POST', body, headers });
    expect(await r.json()).toMatchObject({ accepted: 1 });
    // no mapping yet: a Zendesk ticket is archived and reported as unmapped
    const zd = signed('zendesk', zendeskEvent('ticket.created', { organization_id: '8447346622462' }), {
      secret: DEV_SECRET,
    });
    const unmapped = await (await fetch(`${first.url}/webhooks/zendesk`, { method: 'POST', ...zd })).json();
    expect(unmapped).toMatchObject({ accepted: 0, unmapped: ['no zendesk section in the mapping file'] });
    first.child.kill('SIGTERM');
    expect(await stopped(first.child)).toBe(0);

    const replayed = await new Promise<string>((resolve, reject) =>
      execFile(
        process.execPath,
        [BIN, 'replay', '--data', data, '--from', '2020-01-01T00:00:00Z', '--mapping', MAPPING, '--format', 'json'],
        (err, out) => (err ? reject(err) : resolve(out)),
      ),
    );
    expect(JSON.parse(replayed)).toMatchObject({ requests: 2, accepted: 1, duplicates: 1, unmapped: 0 });

    const second = await serve(['--data', data]);
    const ticket = (await (await fetch(`${second.url}/tickets/T-100`)).json()) as {
      history: unknown[];
      obligations: unknown[];
    };
    expect(ticket.history).toEqual([ev]);
    expect(ticket.obligations[0]).toMatchObject({ rule: 'incident-form', status: 'pending' });
    const zendeskTicket = (await (await fetch(`${second.url}/tickets/ZD-5158`)).json()) as {
      history: { type: string }[];
    };
    expect(zendeskTicket.history.map((e: { type: string }) => e.type)).toEqual(['ticket.created']);
    second.child.kill('SIGTERM');
    expect(await stopped(second.child)).toBe(0);
  });

  it('alerts a missed deadline within 10 s on the console and in the alerts file, and retracts it on late evidence', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'ea-alerts-'));
    const file = join(dir, 'alerts.jsonl');
    const s = await serve(['--memory', '--grace', '0', '--alerts-file', file]);
    const post = (ev: object) => {
      const { body, headers } = signed('canonical', ev, { secret: DEV_SECRET });
      return fetch(`${s.url}/webhooks/canonical`, { method: 'POST', body, headers });
    };
    const created = Date.now() - (4 * 60 + 55) * 1000;
    await post({
      id: 'p1',
      ticketId: 'T-P1',
      type: 'ticket.created',
      at: new Date(created).toISOString(),
      severity: 'P1',
      client: { id: 'c', tier: 'enterprise' },
    });
    // complete lines only: the server may be appending the next one while we read
    const alerts = () =>
      existsSync(file)
        ? readFileSync(file, 'utf8')
            .split('\n')
            .slice(0, -1)
            .map((l) => JSON.parse(l) as { kind: string; rule: string })
        : [];
    const breaches = await until(() => {
      const rules = alerts()
        .filter((a) => a.kind === 'breach')
        .map((a) => a.rule)
        .sort();
      return rules.length >= 2 ? rules : undefined;
    }, 10);
    expect(breaches).toEqual(['incident-form', 'l2-paged']);
    expect(s.output()).toMatch(/BREACH T-P1 incident-form .*no Incident Report Form filed by the/);
    expect(s.output()).toMatch(/BREACH T-P1 l2-paged/);

    await post({
      id: 'p2',
      ticketId: 'T-P1',
      type: 'incident_form.created',
      at: new Date(created + 120_000).toISOString(),
    });
    await until(() => alerts().find((a) => a.kind === 'retraction' && a.rule === 'incident-form'), 10);
    expect(s.output()).toMatch(/RETRACTED T-P1 incident-form/);
    s.child.kill('SIGTERM');
    expect(await stopped(s.child)).toBe(0);
  });

  it('refuses an invalid mapping file at start, naming the field', async () => {
    const file = join(mkdtempSync(join(tmpdir(), 'ea-map-')), 'mapping.yaml');
    writeFileSync(file, 'zendesk:\n  severity:\n    values: { URGENT: P9 }\n');
    const r = await new Promise<{ code: number; stderr: string }>((resolve) =>
      execFile(process.execPath, [BIN, 'serve', '--memory', '--mapping', file], (err, _out, stderr) =>
        resolve({ code: (err?.code as number) ?? 0, stderr }),
      ),
    );
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('zendesk.severity.values.URGENT');
  });

  it('one process per data folder; a port in use says so; SIGINT stops gracefully and says so', async () => {
    const data = mkdtempSync(join(tmpdir(), 'ea-lock-'));
    const first = await serve(['--data', data]);
    const run = (args: string[]) =>
      new Promise<{ code: number; stderr: string }>((resolve) =>
        execFile(process.execPath, [BIN, ...args], (err, _out, stderr) =>
          resolve({ code: (err?.code as number) ?? 0, stderr }),
        ),
      );
    const pid = first.child.pid as number;
    // a vendor payload this serve has no mapping for: kept and reported as unmapped
    const { body, headers } = signed('zendesk', zendeskEvent('ticket.created'), { secret: DEV_SECRET });
    expect((await fetch(`${first.url}/webhooks/zendesk`, { method: 'POST', body, headers })).status).toBe(200);
    for (const args of [
      ['serve', '--data', data, '--port', '0'],
      ['report', '--week', '2026-W10', '--data', data],
      ['replay', '--from', '2026-03-01T00:00:00Z', '--data', data],
    ]) {
      const r = await run(args);
      expect(r.code, args[0]).toBe(2);
      expect(r.stderr, args[0]).toBe(
        `escalation-auditor: serve (pid ${pid}) holds ${data}: stop it, or pass --data with another folder\n`,
      );
    }
    const port = new URL(first.url).port;
    const busy = await run(['serve', '--memory', '--port', port]);
    expect(busy.code).toBe(2);
    expect(busy.stderr).toMatch(
      new RegExp(`cannot listen on 127\\.0\\.0\\.1:${port}: the port is in use; stop what holds it, or pass --port`),
    );
    let stderr = '';
    first.child.stderr?.on('data', (d: Buffer) => {
      stderr += d;
    });
    first.child.kill('SIGINT');
    expect(await stopped(first.child)).toBe(0);
    expect(stderr).toContain('SIGINT: stopping');
    expect(stderr).toContain('escalation-auditor: stopped');
    // the folder is free again: a report opens it
    expect((await run(['report', '--week', '2026-W10', '--data', data])).code).toBe(0);
    // what the mapping could not read is listed from the folder's archive (serve has stopped)
    const listed = await new Promise<{ code: number; stdout: string }>((resolve) =>
      execFile(process.execPath, [BIN, 'unmapped', '--data', data, '--format', 'json'], (err, stdout) =>
        resolve({ code: (err?.code as number) ?? 0, stdout }),
      ),
    );
    expect(listed.code).toBe(0);
    expect(JSON.parse(listed.stdout)).toMatchObject({
      total: 1,
      requests: [{ source: 'zendesk', unmapped: [expect.stringMatching(/no zendesk section/)] }],
    });
  });

  it('refuses to listen off loopback with the published development secret', async () => {
    const r = await new Promise<{ code: number; stderr: string }>((resolve) =>
      execFile(process.execPath, [BIN, 'serve', '--memory', '--host', '0.0.0.0', '--port', '0'], (err, _out, stderr) =>
        resolve({ code: (err?.code as number) ?? 0, stderr }),
      ),
    );
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/--host 0\.0\.0\.0 can be reached from other machines.*pass --secrets FILE/);
    // real secrets are not enough: the read routes need a token there
    const secrets = join(mkdtempSync(join(tmpdir(), 'ea-secrets-')), 'secrets.yaml');
    writeFileSync(secrets, 'canonical: a-real-secret-of-enough-length\n');
    const noToken = await new Promise<{ code: number; stderr: string }>((resolve) =>
      execFile(
        process.execPath,
        [BIN, 'serve', '--memory', '--host', '0.0.0.0', '--port', '0', '--secrets', secrets],
        (err, _out, stderr) => resolve({ code: (err?.code as number) ?? 0, stderr }),
      ),
    );
    expect(noToken.code).toBe(2);
    expect(noToken.stderr).toMatch(/GET \/tickets and \/unmapped would answer anyone; pass --read-token FILE/);
    expect(['127.0.0.1', '127.1.2.3', 'localhost', '::1', '[::1]'].every(isLoopback)).toBe(true);
    expect(['0.0.0.0', '10.0.0.5', '::', 'example.com'].some(isLoopback)).toBe(false);
  });
});
