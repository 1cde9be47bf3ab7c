/**
 * An embedded store filled as a user fills it: the example export sent through `serve`, a waiver
 * posted, a fresh P1 ticket whose deadlines are alerted, every ticket reconciled (and so
 * sealed); `serve` stopped, the folder returned.
 */
import { execFile } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { BIN, serve, until } from './cli';
import { signed } from './webhooks';

const EXAMPLE = join(import.meta.dirname, '../../examples/export.jsonl');
const DEV = 'escalation-auditor-dev-secret';

export const FRESH_TICKET = 'T-FRESH';

export async function filledStore(): Promise<string> {
  const data = mkdtempSync(join(tmpdir(), 'ea-filled-'));
  const s = await serve(['--data', data]);
  const sent = await new Promise<number>((resolve) =>
    execFile(process.execPath, [BIN, 'send', '--source', 'canonical', '--file', EXAMPLE, '--url', s.url], (err) =>
      resolve((err?.code as number) ?? 0),
    ),
  );
  if (sent !== 0) throw new Error(`send exited with ${sent}`);
  const post = async (path: string, payload: unknown) => {
    const r = signed('canonical', payload, { secret: DEV });
    const res = await fetch(`${s.url}${path}`, { method: 'POST', headers: r.headers, body: r.body });
    if (res.status !== 200) throw new Error(`${path}: ${res.status} ${await res.text()}`);
  };
  await post('/waivers', {
    id: 'W-1',
    scope: { ticketId: 'T-1004', rule: 'client-update' },
    reason: 'the client asked for updates by phone',
    approver: 'maria (Head of Support)',
    grantedAt: '2026-03-03T08:45:00Z',
    expiresAt: '2026-03-04T00:00:00Z',
  });
  const createdAt = new Date(Date.now() - 8 * 60_000).toISOString();
  await post('/webhooks/canonical', {
    id: 'fresh-created',
    ticketId: FRESH_TICKET,
    type: 'ticket.created',
    at: createdAt,
    severity: 'P1',
    client: { id: 'acme', tier: 'enterprise' },
  });
  await until(() => (s.output().includes(`BREACH ${FRESH_TICKET} l2-paged`) ? true : undefined), 20);
  // every ticket reconciled, and so sealed
  for (const start = Date.now(); Date.now() - start < 30_000; ) {
    const h = (await (await fetch(`${s.url}/healthz`)).json()) as { reconciling: number };
    if (h.reconciling === 0) break;
    await new Promise((r) => setTimeout(r, 200));
  }
  s.child.kill('SIGTERM');
  await new Promise((resolve) => s.child.once('exit', resolve));
  return data;
}
