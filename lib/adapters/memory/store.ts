/** The store in memory: the reference the contract tests hold the DynamoDB adapter to. */
import { parseEvent, sameEvent } from '../../events/parse';
import type { CanonicalEvent } from '../../events/schema';
import type { AppendOutcome, ArchivedRequest, RawOutcome, RawRequest, Store } from '../../ports';

export class MemoryStore implements Store {
  private readonly raw = new Map<string, ArchivedRequest>();
  private readonly tickets = new Map<string, Map<string, CanonicalEvent>>();
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

  async append(events: readonly CanonicalEvent[]): Promise<AppendOutcome[]> {
    return events.map((ev) => {
      const history = this.tickets.get(ev.ticketId) ?? new Map<string, CanonicalEvent>();
      this.tickets.set(ev.ticketId, history);
      const known = history.get(ev.id);
      if (known) return same(known, ev) ? 'duplicate' : 'conflict';
      this.writes++;
      history.set(ev.id, structuredClone(ev));
      return 'added';
    });
  }

  /** Events stored, over all tickets. */
  get events(): number {
    let n = 0;
    for (const h of this.tickets.values()) n += h.size;
    return n;
  }

  async history(ticketId: string): Promise<CanonicalEvent[]> {
    return [...(this.tickets.get(ticketId)?.values() ?? [])].map((e) => structuredClone(e));
  }
}

/** Two canonical events are the same event when their compact forms agree. */
export function same(a: CanonicalEvent, b: CanonicalEvent): boolean {
  const x = parseEvent(a);
  const y = parseEvent(b);
  return x.ok && y.ok && sameEvent(x.event, y.event);
}
