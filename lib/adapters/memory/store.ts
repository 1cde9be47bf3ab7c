/** The store in memory: the reference the contract tests hold the DynamoDB adapter to. */
import type { WaiverRecord } from '../../engine/waivers';
import { sameCanonical } from '../../events/parse';
import type { CanonicalEvent } from '../../events/schema';
import type { SealedRecord } from '../../ledger';
import {
  type AppendOutcome,
  type ArchivedRequest,
  type Notice,
  type NoticeKey,
  type NoticeState,
  noticeKey,
  type RawOutcome,
  type RawRequest,
  type Store,
  type Timer,
  timerKey,
} from '../../ports';

export class MemoryStore implements Store {
  private readonly raw = new Map<string, ArchivedRequest>();
  private readonly byTicket = new Map<string, Map<string, CanonicalEvent>>();
  private readonly changed = new Map<string, number>();
  private readonly register: WaiverRecord[] = [];
  /** Write operations made, for tests and benchmarks. */
  writes = 0;

  async archive(raw: RawRequest): Promise<void> {
    this.writes++;
    this.raw.set(raw.id, { ...raw });
  }

  async report(raw: RawRequest, outcome: RawOutcome): Promise<void> {
    this.writes++;
    this.raw.set(raw.id, { ...raw, outcome });
  }

  async *archived(from: number, to: number): AsyncIterable<ArchivedRequest> {
    const all = [...this.raw.values()].filter((r) => r.receivedAt >= from && r.receivedAt < to);
    yield* all.sort((a, b) => (a.id < b.id ? -1 : 1));
  }

  /** Events the caller knows are new (lib/adapters/local/exclusive-store.ts). */
  async appendUnchecked(events: readonly CanonicalEvent[]): Promise<void> {
    for (const ev of events) this.put(ev);
  }

  /** Every ticket with events (the fake always knows). */
  async ticketDirectory(): Promise<string[]> {
    return [...this.byTicket.keys()];
  }

  async append(events: readonly CanonicalEvent[]): Promise<AppendOutcome[]> {
    return events.map((ev) => {
      const known = this.byTicket.get(ev.ticketId)?.get(ev.id);
      if (known) return sameCanonical(known, ev) ? 'duplicate' : 'conflict';
      this.put(ev);
      return 'added';
    });
  }

  private put(ev: CanonicalEvent): void {
    this.writes++;
    this.of(this.byTicket, ev.ticketId).set(ev.id, structuredClone(ev));
  }

  /** Per ticket, by key (like the ticket's partition in DynamoDB). */
  private readonly armed = new Map<string, Map<string, Timer>>();
  private readonly recorded = new Map<string, Map<string, Notice & { lease?: number }>>();

  private of<T>(map: Map<string, Map<string, T>>, ticketId: string): Map<string, T> {
    const m = map.get(ticketId) ?? new Map<string, T>();
    map.set(ticketId, m);
    return m;
  }

  async ticketsActive(from: number, to: number): Promise<string[]> {
    const first = Math.floor(from / 86_400_000) * 86_400_000;
    const inRange = (ms: number) => ms >= first && ms < to;
    const tickets = new Set<string>();
    for (const [id, events] of this.byTicket)
      if ([...events.values()].some((e) => inRange(Date.parse(e.at)))) tickets.add(id);
    for (const [id, notices] of this.recorded) if ([...notices.values()].some((n) => inRange(n.dueAt))) tickets.add(id);
    return [...tickets].sort();
  }

  async ticket(ticketId: string) {
    return {
      events: await this.history(ticketId),
      timers: await this.timers(ticketId),
      notices: await this.notices(ticketId),
    };
  }

  async *tickets(ticketIds: readonly string[]) {
    for (const ticketId of ticketIds) yield { ticketId, ...(await this.ticket(ticketId)) };
  }

  async timers(ticketId: string): Promise<Timer[]> {
    return [...(this.armed.get(ticketId)?.values() ?? [])];
  }

  async saveTimers(armed: readonly Timer[], disarmed: readonly Timer[]): Promise<void> {
    for (const t of disarmed) this.armed.get(t.ticketId)?.delete(timerKey(t));
    for (const t of armed) this.of(this.armed, t.ticketId).set(timerKey(t), t);
  }

  async timersDue(until: number): Promise<Timer[]> {
    return [...this.armed.values()]
      .flatMap((m) => [...m.values()])
      .filter((t) => t.fireAt <= until)
      .sort((a, b) => a.fireAt - b.fireAt);
  }

  async record(notice: Notice): Promise<boolean> {
    const notices = this.of(this.recorded, notice.ticketId);
    if (notices.has(noticeKey(notice))) return false;
    this.writes++;
    notices.set(noticeKey(notice), { ...notice });
    return true;
  }

  async notices(ticketId: string): Promise<Notice[]> {
    return [...(this.recorded.get(ticketId)?.values() ?? [])].map(({ lease, ...n }) =>
      lease === undefined ? n : { ...n, leaseUntil: lease },
    );
  }

  async flagChanged(ticketIds: readonly string[], at: number): Promise<void> {
    for (const id of ticketIds) this.changed.set(id, at);
  }

  /** The in-memory store keeps no ledger (lib/ledger.ts): it is for tests of the use cases. */
  async seal(): Promise<number> {
    return 0;
  }

  async dayRoots(): Promise<{ day: string; root: string; seals: number }[]> {
    return [];
  }

  recordsOf(): SealedRecord[] {
    return [];
  }

  async sealWith(): Promise<number> {
    return 0;
  }

  async waivers(): Promise<WaiverRecord[]> {
    return [...this.register];
  }

  async addWaiver(record: WaiverRecord, _at: number): Promise<boolean> {
    if (this.register.some((r) => r.id === record.id)) return false;
    this.writes++;
    this.register.push(record);
    return true;
  }

  async changedTickets(): Promise<{ ticketId: string; at: number }[]> {
    return [...this.changed].map(([ticketId, at]) => ({ ticketId, at }));
  }

  async clearChangedUnchecked(ticketIds: readonly string[]): Promise<void> {
    for (const id of ticketIds) this.changed.delete(id);
  }

  async clearChanged(ticketId: string, at: number): Promise<void> {
    if (this.changed.get(ticketId) === at) this.changed.delete(ticketId);
  }

  async transition(
    key: NoticeKey,
    from: NoticeState,
    to: NoticeState,
    now: number,
    leaseMs?: number,
  ): Promise<boolean> {
    const notices = this.of(this.recorded, key.ticketId);
    const n = notices.get(noticeKey(key));
    const expired = leaseMs !== undefined && n?.state === to && (n.lease ?? 0) <= now;
    if (!n || (n.state !== from && !expired)) return false;
    this.writes++;
    const { lease, ...rest } = n;
    notices.set(noticeKey(key), { ...rest, state: to, ...(leaseMs ? { lease: now + leaseMs } : {}) });
    return true;
  }

  /** Events stored, over all tickets. */
  get events(): number {
    let n = 0;
    for (const h of this.byTicket.values()) n += h.size;
    return n;
  }

  async history(ticketId: string): Promise<CanonicalEvent[]> {
    return [...(this.byTicket.get(ticketId)?.values() ?? [])].map((e) => structuredClone(e));
  }
}
