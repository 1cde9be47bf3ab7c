import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { launchChromium } from '../../../lib/adapters/local/browser';
import { weeklyReport } from '../../../lib/app/weekly';
import { DEFAULT_POLICY, PolicyConfig } from '../../../lib/policy/schema';
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
    // the breaches, grouped by ticket (most first), each with the engine's explanation; runs of
    // missed update windows as one row
    const table = page.locator('h2:has-text("Breaches") + table');
    const tickets = new Set([...report.breaches].map((b) => b.ticketId));
    expect(await table.locator('tr.ticket').count()).toBe(tickets.size);
    const rows = await table.locator('tbody tr:not(.ticket)').allTextContents();
    expect(rows.length).toBeLessThan(report.breaches.length);
    expect(rows.some((t) => /\d+ missed windows in a row, due /.test(t))).toBe(true);
    expect(rows.join('\n')).toContain('Incident Report Form filed 10:07, 2 min after the 10:05 deadline');
    expect(await table.locator('tr.ticket').first().textContent()).toMatch(/^T-\d+ · P\d · \d+ breaches$/);
    // the example has no week before to compare with; the definitions of what it counts
    expect(await page.locator('p.wow').count()).toBe(0);
    for (const term of ['Compliance', 'Near miss', 'Time to evidence']) {
      expect(await page.locator('dt', { hasText: term }).count(), term).toBe(1);
    }
  });

  it.each([
    [1024, 'desktop'],
    [400, 'phone'],
  ])('at %i px (%s) no content is cut off or wider than the screen', async (width) => {
    const page = await browser.newPage({ viewport: { width, height: 800 } });
    await page.setContent(html, { waitUntil: 'load' });
    // run in the page (a string: the test's own type check knows no DOM)
    const overflow = (await page.evaluate(`(() => {
      const limit = document.documentElement.clientWidth;
      const wide = [...document.querySelectorAll('body *')]
        .filter((e) => e.getBoundingClientRect().right > limit + 0.5)
        .map((e) => e.tagName);
      return { scroll: document.documentElement.scrollWidth, limit, wide };
    })()`)) as { scroll: number; limit: number; wide: string[] };
    expect(overflow.wide).toEqual([]);
    expect(overflow.scroll).toBeLessThanOrEqual(width);
    await page.close();
  });

  it('compares the week with the one before it', async () => {
    const withPrevious = {
      ...report,
      trend: [
        ...report.trend.slice(0, -2),
        { week: '2026-W09', due: 100, breached: 30, compliance: 0.7 },
        report.trend[report.trend.length - 1] as (typeof report.trend)[number],
      ],
    };
    expect(reportHtml(withPrevious)).toContain(
      '<p class="wow">Against 2026-W09: compliance ▼ 10.4 points, 16 breaches more.</p>',
    );
  });

  it('links every ticket it names when the policy says where tickets are seen', async () => {
    const policy = PolicyConfig.parse({ ticketUrl: 'https://acme.zendesk.com/agent/tickets/{id}' });
    const linked = reportHtml(await weeklyReport(shard, policy, week, { asOf: week.end }));
    expect(linked).toContain('<a href="https://acme.zendesk.com/agent/tickets/T-1002">T-1002</a>');
    expect(() => PolicyConfig.parse({ ticketUrl: 'https://acme.zendesk.com/agent/tickets/' })).toThrow(/\{id\}/);
  });

  it('escapes what it shows', () => {
    const hostile = reportHtml({
      ...report,
      breachGroups: [
        {
          ticketId: '<script>alert(1)</script>',
          severity: 'P1',
          breaches: 1,
          rows: [{ dueAt: week.start, rule: 'incident-form', count: 1, explanation: 'x & <b>y</b>' }],
        },
      ],
    });
    expect(hostile).not.toContain('<script>');
    expect(hostile).toContain('&lt;script&gt;alert(1)&lt;/script&gt;');
    expect(hostile).toContain('x &amp; &lt;b&gt;y&lt;/b&gt;');
  });
});
