/**
 * The sole-writer cache `serve` puts in front of its store (the Store contract runs on it too, in
 * store.test.ts): what it saves, and that a failed write loses nothing and invents nothing.
 */
import { describe, expect, it } from 'vitest';
import { ExclusiveStore } from '../../../lib/adapters/local/exclusive-store';
import { MemoryStore } from '../../../lib/adapters/memory/store';
import type { CanonicalEvent } from '../../../lib/events/schema';
import type { Notice, Timer } from '../../../lib/ports';
import { createdEvent as created } from '../../support/canonical';

/** A recorded incident-form breach of `ticketId`. */
const breach = (ticketId: string, dueAt: number): Notice => ({
  ticketId,
  rule: 'incident-form',
  dueAt,
  kind: 'breach',
  state: 'recorded',
  severity: 'P1',
  clientTier: 'enterprise',
  explanation: 'x',
  recordedAt: 1,
});

/** The fake store, counting reads and failing the next writes on request. */
class Flaky extends MemoryStore {
  reads = 0;
  failNext = 0;
  private async maybeFail() {
    await new Promise((r) => setTimeout(r, 5));
    if (this.failNext > 0) {
      this.failNext--;
      throw new Error('injected write failure');
    }
  }
  override async ticket(id: string) {
    this.reads++;
    return super.ticket(id);
  }
  override async appendUnchecked(events: readonly CanonicalEvent[]) {
    await this.maybeFail();
    return super.appendUnchecked(events);
  }
  override async saveTimers(armed: readonly Timer[], disarmed: readonly Timer[]) {
    await this.maybeFail();
    return super.saveTimers(armed, disarmed);
  }
  override async record(n: Notice) {
    await this.maybeFail();
    return super.record(n);
  }
}

const timer = (dueAt: number): Timer => ({
  ticketId: 'T-1',
  rule: 'incident-form',
  kind: 'deadline',
  dueAt,
  fireAt: dueAt,
});

describe('the sole-writer store', () => {
  it('reads a known ticket from the store once, then from memory, and a new one not at all', async () => {
    const inner = new Flaky();
    const first = new ExclusiveStore(inner);
    await first.append([created('e1')]);
    await first.ticket('T-1');
    await first.saveTimers([timer(1)], []);
    expect(inner.reads).toBe(0);
    // after a restart, the ticket is known to the store: read once
    const second = new ExclusiveStore(inner);
    expect(await second.append([created('e1')])).toEqual(['duplicate']);
    await second.ticket('T-1');
    expect(inner.reads).toBe(1);
    expect((await second.ticket('T-1')).timers).toEqual([timer(1)]);
  });

  it('answers a redelivery that arrives during the first write only once that write is durable, and shows neither before', async () => {
    const inner = new Flaky();
    const store = new ExclusiveStore(inner);
    await store.ticket('T-1');
    inner.failNext = 1;
    const first = store.append([created('e1')]);
    const again = store.append([created('e1')]);
    // an event whose write is in flight is not shown to readers (the write may fail)
    expect(await store.history('T-1')).toEqual([]);
    await expect(first).rejects.toThrow('injected');
    await expect(again).rejects.toThrow('injected');
    // nothing was kept that the store does not have; the sender's retry adds it
    expect(await store.history('T-1')).toEqual([]);
    expect(await store.append([created('e1')])).toEqual(['added']);
    expect(await inner.history('T-1')).toHaveLength(1);
    expect(await store.append([created('e1')])).toEqual(['duplicate']);
  });

  it('reads timers and notices again after a write of them failed', async () => {
    const inner = new Flaky();
    const store = new ExclusiveStore(inner);
    await store.saveTimers([timer(1)], []);
    inner.failNext = 1;
    await expect(store.saveTimers([timer(2)], [timer(1)])).rejects.toThrow('injected');
    expect(await store.timers('T-1')).toEqual([timer(1)]);
    const notice = breach('T-1', 1);
    inner.failNext = 1;
    await expect(store.record(notice)).rejects.toThrow('injected');
    expect(await store.notices('T-1')).toEqual([]);
    expect(await store.record(notice)).toBe(true);
    expect(await store.record(notice)).toBe(false);
  });

  it('keeps at most its limit of idle tickets, and never drops one with a write in flight', async () => {
    const inner = new Flaky();
    const store = new ExclusiveStore(inner, 2);
    await Promise.all(['A', 'B', 'C', 'D'].map((t) => store.append([created(`e-${t}`, t)])));
    expect(store.cached).toBeLessThanOrEqual(2);
    for (const t of ['A', 'B', 'C', 'D']) expect(await store.history(t)).toHaveLength(1);
  });

  it('takes over at once a claim its dead predecessor held, but keeps the lease of a claim of its own', async () => {
    const inner = new Flaky();
    const n = breach('T-9', 300_000);
    const before = new ExclusiveStore(inner);
    await before.append([created('e1', 'T-9')]);
    await before.record(n);
    expect(await before.transition(n, 'recorded', 'alerting', 1_000, 60_000)).toBe(true);
    // its own claim: another checker in the same process waits for the lease
    expect(await before.transition(n, 'recorded', 'alerting', 2_000, 60_000)).toBe(false);
    // killed there; the next serve over the same store takes the claim at once, lease or not
    const after = new ExclusiveStore(inner);
    expect(await after.transition(n, 'recorded', 'alerting', 2_000, 60_000)).toBe(true);
    expect(await after.transition(n, 'recorded', 'alerting', 3_000, 60_000)).toBe(false);
    expect((await after.notices('T-9'))[0]).toMatchObject({ state: 'alerting', leaseUntil: 62_000 });
    expect(await after.transition(n, 'alerting', 'alerted', 4_000)).toBe(true);
    expect((await inner.notices('T-9'))[0]?.state).toBe('alerted');
  });
});
