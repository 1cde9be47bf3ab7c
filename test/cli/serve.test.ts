import { type ChildProcess, execFile, spawn } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { DEV_SECRET } from '../../cli/local';
import { signed, zendeskEvent } from '../support/webhooks';

const BIN = join(import.meta.dirname, '../../bin/escalation-auditor.mjs');
const MAPPING = join(import.meta.dirname, '../../examples/mapping.yaml');
const children: ChildProcess[] = [];
afterAll(() => {
  for (const c of children) c.kill('SIGKILL');
});

async function serve(args: string[]): Promise<{ url: string; child: ChildProcess }> {
  const child = spawn(process.execPath, [BIN, 'serve', '--port', '0', ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
  children.push(child);
  const url = await new Promise<string>((resolve, reject) => {
    let out = '';
    child.stdout?.on('data', (d: Buffer) => {
      out += d;
      const m = /listening on (http:\/\/\S+)/.exec(out);
      if (m) resolve(m[1] as string);
    });
    child.once('exit', (code) => reject(new Error(`serve exited with ${code}`)));
  });
  return { url, child };
}

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
});
