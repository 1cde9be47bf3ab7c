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

  it('keeps its heap bounded by the armed timers when a busy ticket moves its timers on every change', async () => {
    const fired: number[] = [];
    const timers = new LocalTimers(async (t) => {
      fired.push(t.fireAt);
    });
    const far = Date.now() + 3_600_000;
    let current = timer('client-update', far);
    await timers.arm([current]);
    for (let i = 1; i <= 20_000; i++) {
      const moved = timer('client-update', far + i);
      await timers.disarm([current]);
      await timers.arm([moved]);
      current = moved;
    }
    expect(timers.size).toBe(1);
    expect(timers.heapSize).toBeLessThanOrEqual(2 * timers.size + 1_025);
    // and what is armed still fires, once
    await timers.disarm([current]);
    const soon = timer('client-update', Date.now() + 20);
    await timers.arm([soon]);
    await until(() => fired.length >= 1);
    await sleep(50);
    timers.stop();
    expect(fired).toEqual([soon.fireAt]);
  });
});
