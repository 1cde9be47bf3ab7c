/**
 * Evidence bundles as an auditor receives them: `escalation-auditor evidence` on a store filled
 * through `serve`, the JSON's contents, and the page in headless Chromium at desktop and phone
 * widths (nothing fetched, nothing cut off).
 */
import { execFile } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { launchChromium } from '../../lib/adapters/local/browser';
import { BIN } from '../support/cli';
import { FRESH_TICKET, filledStore } from '../support/filled-store';

const cli = (args: string[]) =>
  new Promise<{ code: number; stdout: string; stderr: string }>((resolve) =>
    execFile(process.execPath, [BIN, ...args], { maxBuffer: 64 << 20 }, (err, stdout, stderr) =>
      resolve({ code: (err?.code as number) ?? 0, stdout, stderr }),
    ),
  );

let data: string;
let out: string;
let browser: Awaited<ReturnType<typeof launchChromium>>;
beforeAll(async () => {
  data = await filledStore();
  out = mkdtempSync(join(tmpdir(), 'ea-evidence-'));
  browser = await launchChromium();
}, 120_000);
afterAll(() => browser?.close());

interface Evidence {
  events: { id: string; receivedAt: string | null; via: string | null; digest: string }[];
  obligations: {
    rule: string;
    status: string;
    policyVersion: string;
    dueAt: string;
    waiver?: string;
    explanation: string;
  }[];
  waivers: { id: string }[];
  alerts: { kind: string; rule: string; state: string }[];
  ledger: { seals: { seq: number; chain: string }[]; days: { day: string; root: string }[]; findings: unknown[] };
}
const read = (ticket: string) => JSON.parse(readFileSync(join(out, `${ticket}.json`), 'utf8')) as Evidence;

describe('escalation-auditor evidence', () => {
  it('writes a page and JSON per ticket: events with their receipts and digests, obligations with their versions, waivers, alerts, hashes', async () => {
    const r = await cli(['evidence', '--data', data, '--ticket', 'T-1004', FRESH_TICKET, '--out', out]);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/^wrote the evidence of 2 tickets into /);
    const t = read('T-1004');
    // every event, with when it was received and the webhook request it came in
    expect(t.events.length).toBeGreaterThan(3);
    for (const e of t.events) {
      expect(e.receivedAt).toMatch(/^\d{4}-\d\d-\d\dT/);
      expect(e.via).toMatch(/^[0-9A-Z]{26}$|^[0-9a-z-]+$/i);
      expect(e.digest).toMatch(/^[0-9a-f]{64}$/);
    }
    // the waiver, and the breaches it excuses, named per obligation with the policy version
    expect(t.waivers.map((w) => w.id)).toEqual(['W-1']);
    const excused = t.obligations.filter((o) => o.status === 'excused');
    expect(excused.length).toBe(3);
    for (const o of excused)
      expect(o).toMatchObject({ rule: 'client-update', waiver: 'W-1', policyVersion: '2025-11-01' });
    expect(t.ledger.findings).toEqual([]);
    expect(t.ledger.seals[0]).toMatchObject({ seq: 1, chain: expect.stringMatching(/^[0-9a-f]{64}$/) });
    expect(t.ledger.days).toEqual([expect.objectContaining({ day: new Date().toISOString().slice(0, 10) })]);
    // the fresh ticket's alerts, as on-call received them
    const fresh = read(FRESH_TICKET);
    expect(fresh.alerts).toEqual(
      expect.arrayContaining([expect.objectContaining({ kind: 'breach', rule: 'l2-paged', state: 'alerted' })]),
    );
  }, 60_000);

  it('--week writes every ticket with a breach or an excused breach due in the week', async () => {
    const weekly = mkdtempSync(join(tmpdir(), 'ea-evidence-week-'));
    const r = await cli(['evidence', '--data', data, '--week', '2026-W10', '--out', weekly, '--format', 'json']);
    expect(r.code).toBe(0);
    const { written } = JSON.parse(r.stdout) as { written: { ticketId: string }[] };
    const report = JSON.parse((await cli(['report', '--data', data, '--week', '2026-W10', '--format', 'json'])).stdout);
    const expected = [
      ...new Set([...report.breaches, ...report.excused].map((b: { ticketId: string }) => b.ticketId)),
    ].sort();
    expect(written.map((w) => w.ticketId)).toEqual(expected);
    expect(readdirSync(weekly).filter((f) => f.endsWith('.html'))).toHaveLength(expected.length);
    const missing = await cli(['evidence', '--data', data, '--ticket', 'T-NOPE', '--out', weekly]);
    expect(missing).toMatchObject({ code: 1, stdout: expect.stringContaining('T-NOPE: no events in the store') });
  }, 60_000);

  it.each([
    [1024, 'desktop'],
    [400, 'phone'],
  ])(
    'the page at %i px (%s): its sections, nothing fetched, nothing cut off or wider than the screen',
    async (width) => {
      const html = readFileSync(join(out, 'T-1004.html'), 'utf8');
      const page = await browser.newPage({ viewport: { width, height: 800 } });
      const requests: string[] = [];
      const errors: string[] = [];
      page.on('request', (q) => requests.push(q.url()));
      page.on('pageerror', (e) => errors.push(e.message));
      await page.setContent(html, { waitUntil: 'load' });
      expect(errors).toEqual([]);
      expect(requests.filter((u) => !u.startsWith('data:') && u !== 'about:blank')).toEqual([]);
      expect(await page.title()).toBe('Evidence: ticket T-1004');
      for (const h of ['Obligations', 'Events', 'Waivers', 'Alerts sent', 'Hashes'])
        expect(await page.locator('h2', { hasText: h }).count(), h).toBe(1);
      expect(await page.locator('text=Verified').count()).toBe(1);
      const overflow = (await page.evaluate(`(() => {
      const limit = document.documentElement.clientWidth;
      const wide = [...document.querySelectorAll('body *')]
        .filter((e) => e.getBoundingClientRect().right > limit + 0.5)
        .map((e) => e.tagName + ' ' + (e.textContent || '').slice(0, 40));
      return { scroll: document.documentElement.scrollWidth, wide };
    })()`)) as { scroll: number; wide: string[] };
      expect(overflow.wide).toEqual([]);
      expect(overflow.scroll).toBeLessThanOrEqual(width);
      await page.close();
    },
  );
});
