import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { launchChromium } from '../../../lib/adapters/local/browser';
import { weeklyReport } from '../../../lib/app/weekly';
import { DEFAULT_POLICY } from '../../../lib/policy/schema';
import { isoWeek } from '../../../lib/report/aggregate';
import { reportHtml } from '../../../lib/report/html';
import { exampleShard } from '../../support/example';

const shard = exampleShard();
const week = isoWeek('2026-W10', 'UTC');
const report = await weeklyReport(shard, DEFAULT_POLICY, week, { asOf: week.end });
const html = reportHtml(report);

let browser: Awaited<ReturnType<typeof launchChromium>>;
beforeAll(async () => {
  browser = await launchChromium();
}, 60_000);
afterAll(() => browser?.close());

describe('the HTML report in headless Chromium', () => {
  it('renders its tables and charts, with no console errors and nothing fetched', async () => {
    const page = await browser.newPage();
    const errors: string[] = [];
    const requests: string[] = [];
    page.on('console', (m) => {
      if (m.type() === 'error') errors.push(m.text());
    });
    page.on('pageerror', (e) => errors.push(e.message));
    page.on('request', (r) => requests.push(r.url()));
    await page.setContent(html, { waitUntil: 'load' });
    expect(errors).toEqual([]);
    expect(requests.filter((u) => !u.startsWith('data:') && u !== 'about:blank')).toEqual([]);
    expect(await page.title()).toBe('CS-POL-001 compliance, week 2026-W10');
    // by rule, by severity, by team, by agent, the breaches, what is open at the as-of
    expect(await page.locator('table').count()).toBe(6);
    const chart = (what: string) => page.locator(`svg[aria-label="${what}"]`);
    const bars = 'rect[fill]:not([fill="#eef1f4"])';
    // one bar per rule with obligations due, one column per week of the trend, one bar per team and agent
    expect(await chart('Compliance by rule').locator(bars).count()).toBe(9);
    expect(await chart('Compliance trend').locator('rect').count()).toBe(5);
    expect(await chart('Compliance by team').locator(bars).count()).toBe(report.byQueue.length);
    expect(report.byQueue.map((g) => g.name).sort()).toEqual(['Americas', 'EMEA']);
    expect(await chart('Compliance by agent').locator(bars).count()).toBe(Math.min(12, report.byAgent.length));
    const box = await chart('Compliance by rule').boundingBox();
    expect(box?.width).toBeGreaterThan(600);
    const teams = page.locator('h2:has-text("By team or queue") ~ table').first().locator('tbody tr');
    expect(await teams.count()).toBe(2);
    // the breach table lists every breach, with the engine's explanations
    const rows = page.locator('h2:has-text("Breaches") + table').locator('tbody tr');
    expect(await rows.count()).toBe(report.breaches.length);
    expect(await rows.first().textContent()).toContain(
      'Incident Report Form filed 10:07, 2 min after the 10:05 deadline',
    );
  });

  it('escapes what it shows', () => {
    const hostile = reportHtml({
      ...report,
      breaches: [
        {
          ticketId: '<script>alert(1)</script>',
          rule: 'incident-form',
          severity: 'P1',
          dueAt: week.start,
          explanation: 'x & y',
        },
      ],
    });
    expect(hostile).not.toContain('<script>');
    expect(hostile).toContain('&lt;script&gt;alert(1)&lt;/script&gt;');
  });
});
