import { describe, expect, it } from 'vitest';
import { LocalTimers } from '../../../lib/adapters/local/timers';
import type { Timer } from '../../../lib/ports';

const timer = (rule: Timer['rule'], fireAt: number): Timer => ({
  ticketId: 'T-1',
  rule,
  kind: 'deadline',
  dueAt: fireAt,
  fireAt,
});
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
/** Waits until `done()` holds (or 5 s pass), so that a loaded machine does not fail the test. */
async function until(done: () => boolean): Promise<void> {
  for (const start = Date.now(); !done() && Date.now() - start < 5_000; ) await sleep(10);
}

describe('in-process timers', () => {
  it('fire in order, within a few milliseconds of their time, and not when disarmed', async () => {
    const fired: { rule: string; late: number }[] = [];
    const timers = new LocalTimers(async (t) => {
      fired.push({ rule: t.rule, late: Date.now() - t.fireAt });
    });
    const now = Date.now();
    await timers.arm([timer('l3-engaged', now + 120), timer('incident-form', now + 40), timer('l2-paged', now + 80)]);
    await timers.arm([timer('incident-form', now + 40)]); // armed twice: still one timer
    await timers.disarm([timer('l2-paged', now + 80)]);
    await until(() => fired.length >= 2);
    await sleep(100); // the disarmed one would have fired by now
    timers.stop();
    expect(fired.map((f) => f.rule)).toEqual(['incident-form', 'l3-engaged']);
    for (const f of fired) expect(f.late).toBeGreaterThanOrEqual(0);
  });

  it('fires overdue timers at start-up (after a restart) and retries a failed check', async () => {
    let attempts = 0;
    const fired: string[] = [];
    const timers = new LocalTimers(async (t) => {
      if (t.rule === 'l2-paged' && attempts++ === 0) throw new Error('store unavailable');
      fired.push(t.rule);
    });
    timers.start([timer('incident-form', Date.now() - 60_000), timer('l2-paged', Date.now() - 1_000)]);
    await until(() => fired.length >= 2);
    timers.stop();
    expect(fired).toEqual(['incident-form', 'l2-paged']);
    expect(attempts).toBe(2);
  });
});
