/**
 * The register of waivers as a user keeps it: `POST /waivers` on a running `serve` (signed with
 * the waivers secret; append-only; an alerted breach followed by its "excused" notice), and
 * `escalation-auditor waive` on the embedded store, read by `report --data` as by `audit`.
 */
import { execFile } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { BIN, serve, until } from '../support/cli';
import { signed } from '../support/webhooks';

const DEV = 'escalation-auditor-dev-secret';
const EXAMPLE = join(import.meta.dirname, '../../examples/export.jsonl');
const WAIVERS = join(import.meta.dirname, '../../examples/waivers.yaml');
const cli = (args: string[]) =>
  new Promise<{ code: number; stdout: string; stderr: string }>((resolve) =>
    execFile(process.execPath, [BIN, ...args], { maxBuffer: 64 << 20 }, (err, stdout, stderr) =>
      resolve({ code: (err?.code as number) ?? 0, stdout, stderr }),
    ),
  );

describe('POST /waivers on serve', () => {
  it('adds to the register once, signed; refuses what is unsigned, invalid or a taken id; and tells on-call an alerted breach is excused', async () => {
    const s = await serve(['--memory']);
    try {
      const ago = (m: number) => new Date(Date.now() - m * 60_000).toISOString();
      const post = async (path: string, payload: unknown, secret: string | null = DEV) => {
        const r = secret ? signed('canonical', payload, { secret }) : { headers: {}, body: JSON.stringify(payload) };
        const res = await fetch(`${s.url}${path}`, { method: 'POST', headers: r.headers, body: r.body });
        return { status: res.status, json: (await res.json()) as Record<string, unknown> };
      };
      // a P1 opened 8 minutes ago with nothing done: its 5-minute deadlines are alerted
      const createdAt = ago(8);
      const event = {
        id: 'c1',
        ticketId: 'T-W1',
        type: 'ticket.created',
        at: createdAt,
        severity: 'P1',
        client: { id: 'acme', tier: 'enterprise' },
      };
      expect((await post('/webhooks/canonical', event)).status).toBe(200);
      await until(() => /BREACH T-W1 l2-paged/.test(s.output()), 15);
      const dueAt = new Date(Date.parse(createdAt) + 5 * 60_000).toISOString();
      const waiver = {
        id: 'W-1',
        scope: { ticketId: 'T-W1', rule: 'l2-paged', dueAt },
        reason: 'L2 joined the client bridge call in person',
        approver: 'maria (Head of Support)',
        grantedAt: ago(1),
        expiresAt: new Date(Date.now() + 86_400_000).toISOString(),
      };
      expect(await post('/waivers', waiver, null)).toMatchObject({ status: 401, json: { error: 'unauthorized' } });
      expect(await post('/waivers', waiver, 'not-the-secret')).toMatchObject({ status: 401 });
      expect(await post('/waivers', waiver)).toEqual({
        status: 200,
        json: { waivers: [{ id: 'W-1', outcome: 'added' }] },
      });
      // a retry is a duplicate; another record under the same id is refused, the first stays
      expect(await post('/waivers', waiver)).toEqual({
        status: 200,
        json: { waivers: [{ id: 'W-1', outcome: 'duplicate' }] },
      });
      expect(await post('/waivers', { ...waiver, reason: 'something else' })).toMatchObject({
        status: 409,
        json: { waivers: [{ id: 'W-1', outcome: 'conflict' }] },
      });
      expect(await post('/waivers', { ...waiver, id: 'W-2', approver: undefined })).toMatchObject({
        status: 400,
        json: { reason: expect.stringMatching(/^\[0\] \(W-2\)\.approver/) },
      });
      expect(
        await post('/waivers', { id: 'R-1', revokes: 'W-9', reason: 'x', approver: 'maria', grantedAt: ago(0) }),
      ).toMatchObject({ status: 400, json: { reason: '[0] (R-1).revokes: W-9 is no waiver of the register' } });
      // the ticket is reconciled as the waiver is added: on-call hears the breach is excused, once
      await until(() => /EXCUSED T-W1 l2-paged/.test(s.output()), 15);
      const view = (await (await fetch(`${s.url}/tickets/T-W1`)).json()) as {
        obligations: { rule: string; status: string; explanation: string }[];
      };
      expect(view.obligations.find((o) => o.rule === 'l2-paged')).toMatchObject({
        status: 'excused',
        explanation: expect.stringMatching(/^excused by waiver W-1 \(approved by maria \(Head of Support\)/),
      });
      expect(view.obligations.find((o) => o.rule === 'incident-form')?.status).toBe('breached');
      expect(s.output().match(/EXCUSED T-W1/g)).toHaveLength(1);
    } finally {
      s.child.kill('SIGTERM');
    }
  }, 40_000);
});

describe('escalation-auditor waive', () => {
  it("keeps the register in the store, refuses a taken id, and the store's report excuses what the export's audit does", async () => {
    const data = mkdtempSync(join(tmpdir(), 'ea-waive-'));
    // the example export into the store (sent to serve, which is then stopped), and the example register
    const s = await serve(['--data', data]);
    const sent = await cli(['send', '--source', 'canonical', '--file', EXAMPLE, '--url', s.url]);
    expect(sent.code).toBe(0);
    s.child.kill('SIGTERM');
    await new Promise((r) => s.child.once('exit', r));
    const added = await cli(['waive', '--data', data, '--file', WAIVERS, '--format', 'json']);
    expect(added.stderr).toBe('');
    expect(JSON.parse(added.stdout).map((o: { outcome: string }) => o.outcome)).toEqual([
      'added',
      'added',
      'added',
      'added',
      'added',
    ]);
    const one = await cli([
      'waive',
      '--data',
      data,
      '--id',
      'W-2026-001',
      '--ticket',
      'T-1',
      '--reason',
      'r',
      '--approver',
      'a',
      '--expires',
      '2099-04-01T00:00:00Z',
    ]);
    expect(one).toMatchObject({ code: 1, stdout: 'W-2026-001: refused: the id is taken by another record\n' });
    const revoke = await cli([
      'waive',
      '--data',
      data,
      '--revoke',
      'W-2026-002',
      '--reason',
      'in error',
      '--approver',
      'maria',
    ]);
    expect(revoke.code).toBe(0);
    expect(revoke.stdout).toMatch(/^R-\d{8}-[0-9a-f]{6}: added\n$/);
    const list = await cli(['waive', '--data', data, '--list']);
    expect(list.stdout).toMatch(/^6 records in the register/);
    expect(list.stdout).toContain('revokes W-2026-002');
    const missing = await cli(['waive', '--data', data, '--ticket', 'T-1', '--reason', 'r', '--approver', 'a']);
    expect(missing).toMatchObject({ code: 2, stderr: expect.stringContaining('--expires is required') });
    // the store's report applies the store's register, as the export's report applies the file
    // (the revocation above, made now, is after the week: it changes nothing as of the week's end)
    const week = ['report', '--week', '2026-W10', '--format', 'json'];
    const fromStore = JSON.parse((await cli([...week, '--data', data])).stdout);
    const fromExport = JSON.parse((await cli([...week, '--events', EXAMPLE, '--waivers', WAIVERS])).stdout);
    expect(fromStore.total).toEqual(fromExport.total);
    expect(fromStore.total.excused).toBe(4);
    expect(fromStore.excused).toEqual(fromExport.excused);
    expect(fromStore.waivers.records).toBe(6);
  }, 60_000);
});
