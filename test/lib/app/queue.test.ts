import { describe, expect, it } from 'vitest';
import { TicketQueue } from '../../../lib/app/queue';

const tick = () => new Promise((r) => setTimeout(r, 5));

describe('ticket queue', () => {
  it('coalesces a ticket added while it waits, and redoes one added while it runs', async () => {
    const done: string[] = [];
    let release: (() => void) | undefined;
    const queue = new TicketQueue(async (id) => {
      if (id === 'A' && !done.includes('A')) await new Promise<void>((r) => (release = r));
      done.push(id);
    }, 1);
    queue.add(['A']);
    await tick();
    queue.add(['B', 'B', 'A']); // A is running: it must run again; B waits once
    queue.add(['B']);
    release?.();
    await queue.idle();
    expect(done).toEqual(['A', 'B', 'A']);
  });

  it('never runs one ticket twice at once, and retries a failure', async () => {
    let running = 0;
    let max = 0;
    let failures = 1;
    const done: string[] = [];
    const queue = new TicketQueue(async (id) => {
      running++;
      max = Math.max(max, running);
      await tick();
      running--;
      if (id === 'C' && failures-- > 0) throw new Error('store unavailable');
      done.push(id);
    }, 4);
    queue.add(['C']);
    queue.add(['C', 'D']);
    await queue.idle();
    // the failed ticket is tried again a second later
    for (const start = Date.now(); !done.includes('C') && Date.now() - start < 5_000; ) await tick();
    await queue.idle();
    expect(done.filter((d) => d === 'C').length).toBeGreaterThanOrEqual(1);
    expect(done).toContain('D');
    expect(max).toBeLessThanOrEqual(2);
  });

  it('paces an expensive ticket: what arrives while it rests is done in one go, other tickets meanwhile', async () => {
    const done: string[] = [];
    const busy = (ms: number) => {
      const until = performance.now() + ms;
      while (performance.now() < until);
    };
    // the long ticket's work takes 20 ms: it rests 200 ms (pace 10) before its next run
    const queue = new TicketQueue(
      async (id) => {
        if (id === 'LONG') busy(20);
        done.push(id);
      },
      1,
      () => {},
      10,
    );
    queue.add(['LONG']);
    await queue.idle();
    const rested = performance.now();
    for (let i = 0; i < 10; i++) {
      queue.add(['LONG', `short-${i}`]);
      await tick();
    }
    await queue.idle();
    // ten changes of the long ticket while it rested: done once more, after its rest; the short
    // tickets were not held up by it
    expect(done.filter((d) => d === 'LONG')).toHaveLength(2);
    expect(performance.now() - rested).toBeGreaterThanOrEqual(180);
    expect(done.indexOf('short-0')).toBeLessThan(done.lastIndexOf('LONG'));
    expect(done.filter((d) => d.startsWith('short-'))).toHaveLength(10);
  });
});
