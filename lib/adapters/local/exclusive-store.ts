/**
 * The store as `serve` uses it: the process is the table's only writer (the embedded engine's
 * data folder is locked by LevelDB while it runs; `report` and `replay` need it stopped), so each
 * touched ticket's partition (events, armed timers, notices) is kept in memory and is the truth:
 *
 * - reads of a known ticket cost no request;
 * - "is this event new?" is decided in memory, synchronously, so two deliveries of one event can
 *   never both add it; new events are written without a condition, group-committed with the
 *   archive and the timers of other tickets (a few BatchWriteItem requests for many webhooks);
 * - an answer waits until its events are durable, and so does the answer to a redelivery that
 *   arrived while the first delivery was still being written; a failed write is taken back out
 *   of memory and the request fails (503), so the sender retries.
 *
 * Which tickets the store has is read once, from its ticket directory: a ticket not in it starts
 * empty and is listed just before its first events are written (DynamoStore.appendUnchecked), so
 * a new ticket costs no read at all, and no stored event ever belongs to an unlisted ticket. A
 * known ticket not in memory costs one query. (Without a directory, as in tables made before it,
 * every ticket not in memory is queried.) A failed write of events may have landed in part: the
 * tickets it touched have their events read again before they are next used (and from the store
 * if loaded again), so an event that landed is never hidden, nor overwritten by a different one
 * under its id; their next write lists them again.
 *
 * Breach notices keep their conditional writes (they are rare) and are mirrored here; a claim
 * found held when no claim of this process holds it was its dead predecessor's, and is taken over
 * at once (`transition`). When a timer or notice write fails, what it touched is read again from
 * the store before it is used.
 * Idle tickets are evicted past `maxTickets`, least recently used first.
 */
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
  type Receipt,
  type Store,
  type StoredTicket,
  type Timer,
  timerKey,
} from '../../ports';

/** A store that can also write events it is told are new, without checking. */
export interface ExclusiveBackend extends Store {
  /** Writes the events, and lists `newTickets` in the ticket directory in the same commit. */
  appendUnchecked(events: readonly CanonicalEvent[], newTickets?: readonly string[], receipt?: Receipt): Promise<void>;
  /** Clears changed-ticket flags without a condition (the caller knows none is newer). */
  clearChangedUnchecked(ticketIds: readonly string[]): Promise<void>;
  /** Every ticket with events; undefined when the store keeps no directory. */
  ticketDirectory(): Promise<Iterable<string> | undefined>;
  /** A ticket's items, with how each event arrived. */
  ticket(ticketId: string): Promise<{
    events: CanonicalEvent[];
    timers: Timer[];
    notices: Notice[];
    receipts?: ReadonlyMap<string, Receipt>;
  }>;
  /** The ledger records of events and notices held in memory, keyed and digested as stored. */
  recordsOf(
    events: readonly { event: CanonicalEvent; receipt?: Receipt }[],
    notices: readonly Notice[],
  ): SealedRecord[];
  /** Seals what of a partition's records (all of them) is not sealed yet. */
  sealWith(partition: string, records: readonly SealedRecord[], now: number): Promise<number>;
}

interface Partition {
  /** `stored` once its write is durable: readers see only those, never one whose write may fail. */
  readonly events: Map<string, { event: CanonicalEvent; durable: Promise<void>; stored: boolean; receipt?: Receipt }>;
  timers: Map<string, Timer>;
  notices: Map<string, Notice>;
  /** A write of these failed: what the store holds is unknown until read again. */
  timersUnknown: boolean;
  noticesUnknown: boolean;
  /** A write of events failed: which of them the store holds is unknown until read again. */
  eventsUnknown: boolean;
  /** That read, while it runs. */
  reading?: Promise<void>;
  /** Writes in flight: a partition is never evicted while it has any. */
  pending: number;
  /** Each record's ledger key and digest, once made (events and notices never change what is hashed). */
  readonly ledger: Map<string, SealedRecord>;
}

const stored = (p: Partition) => [...p.events.values()].filter((e) => e.stored).map((e) => e.event);
const view = (p: Partition): StoredTicket => ({
  events: stored(p),
  timers: [...p.timers.values()],
  notices: [...p.notices.values()],
});

export class ExclusiveStore implements Store {
  private readonly partitions = new Map<string, Partition>();
  private readonly loading = new Map<string, Promise<Partition>>();
  /** The notices this process has claimed and not yet moved on (see `transition`). */
  private readonly claims = new Set<string>();
  /** The latest changed-ticket flag this process wrote or read, per ticket (Store.flagChanged). */
  private readonly flags = new Map<string, number>();
  /** Tickets whose listing was written by a write that failed: it may have landed, or not. */
  private readonly maybeListed = new Set<string>();
  /** The store's ticket directory, read on first use, then kept up to date here. */
  private directory?: Promise<Set<string> | undefined>;
  /** The register of waivers, once read. */
  private register?: WaiverRecord[];

  constructor(
    private readonly inner: ExclusiveBackend,
    // about 6 KB a ticket with its events, timers and notices: some 150 MB, within serve's 1.5 GB
    private readonly maxTickets = 25_000,
  ) {}

  /** How many tickets are held in memory (for /healthz). */
  get cached(): number {
    return this.partitions.size;
  }

  archive(raw: RawRequest): Promise<void> {
    return this.inner.archive(raw);
  }

  report(raw: RawRequest, outcome: RawOutcome): Promise<void> {
    return this.inner.report(raw, outcome);
  }

  archived(from: number, to: number): AsyncIterable<ArchivedRequest> {
    return this.inner.archived(from, to);
  }

  ticketsActive(from: number, to: number): Promise<string[]> {
    return this.inner.ticketsActive(from, to);
  }

  timersDue(until: number): Promise<Timer[]> {
    return this.inner.timersDue(until);
  }

  append(events: readonly CanonicalEvent[], receipt?: Receipt): Promise<AppendOutcome[]> {
    return this.holding(
      events.map((e) => e.ticketId),
      (parts) => this.add(events, parts, receipt),
    );
  }

  private async add(
    events: readonly CanonicalEvent[],
    parts: Map<string, Partition>,
    receipt: Receipt | undefined,
  ): Promise<AppendOutcome[]> {
    // read already (the partitions were loaded through it): this resolves at once
    const directory = await this.listed();
    // From here to the write, nothing awaits: the decision and the claim are one step.
    const outcomes: AppendOutcome[] = [];
    const fresh: CanonicalEvent[] = [];
    const waits: Promise<void>[] = [];
    const write: { durable: Promise<void> } = { durable: Promise.resolve() };
    for (const ev of events) {
      const part = parts.get(ev.ticketId) as Partition;
      const known = part.events.get(ev.id);
      if (known) {
        outcomes.push(sameCanonical(known.event, ev) ? 'duplicate' : 'conflict');
        waits.push(known.durable);
        continue;
      }
      // the entry's promise is the write below; a getter, since it does not exist yet
      part.events.set(ev.id, {
        event: ev,
        get durable() {
          return write.durable;
        },
        stored: false,
        ...(receipt ? { receipt } : {}),
      });
      fresh.push(ev);
      outcomes.push('added');
    }
    if (fresh.length) {
      // tickets not in the directory yet are listed with these events
      const unlisted = directory ? [...new Set(fresh.map((e) => e.ticketId))].filter((id) => !directory.has(id)) : [];
      write.durable = this.inner.appendUnchecked(fresh, unlisted, receipt);
      try {
        await write.durable;
        for (const id of unlisted) {
          directory?.add(id);
          this.maybeListed.delete(id);
        }
        for (const ev of fresh) {
          const entry = parts.get(ev.ticketId)?.events.get(ev.id);
          if (entry?.event === ev) entry.stored = true;
        }
      } catch (err) {
        // taken back out, so that a retry writes them again; but some may have landed (a batch
        // that gives up leaves the writes that made it), so these tickets' events are read again
        // before they are next used, and read from the store when loaded again (their listing,
        // written first, may have landed); still unlisted here, their next write lists them again
        for (const ev of fresh) {
          const part = parts.get(ev.ticketId) as Partition;
          if (part.events.get(ev.id)?.event === ev) part.events.delete(ev.id);
          part.eventsUnknown = true;
        }
        for (const id of unlisted) this.maybeListed.add(id);
        throw err;
      }
    }
    await Promise.all(waits);
    return outcomes;
  }

  async history(ticketId: string): Promise<CanonicalEvent[]> {
    return stored(await this.partition(ticketId));
  }

  async ticket(ticketId: string) {
    return view(await this.known(ticketId));
  }

  /** The tickets held here from memory (the store holds no more of them), the rest as the store reads many, not kept. */
  async *tickets(ticketIds: readonly string[]): AsyncGenerator<StoredTicket & { ticketId: string }> {
    const rest: string[] = [];
    for (const ticketId of ticketIds) {
      const held = this.partitions.get(ticketId);
      if (held) yield { ticketId, ...view(held) };
      else rest.push(ticketId);
    }
    yield* this.inner.tickets(rest);
  }

  async timers(ticketId: string): Promise<Timer[]> {
    return [...(await this.known(ticketId)).timers.values()];
  }

  saveTimers(armed: readonly Timer[], disarmed: readonly Timer[]): Promise<void> {
    return this.holding(
      [...disarmed, ...armed].map((t) => t.ticketId),
      async (parts) => {
        for (const t of disarmed) parts.get(t.ticketId)?.timers.delete(timerKey(t));
        for (const t of armed) parts.get(t.ticketId)?.timers.set(timerKey(t), t);
        try {
          await this.inner.saveTimers(armed, disarmed);
        } catch (err) {
          for (const p of parts.values()) p.timersUnknown = true;
          throw err;
        }
      },
    );
  }

  record(notice: Notice): Promise<boolean> {
    return this.holding([notice.ticketId], async () => {
      const p = await this.known(notice.ticketId);
      if (p.notices.has(noticeKey(notice))) return false;
      const recorded = await this.unsure(p, this.inner.record(notice));
      if (recorded) p.notices.set(noticeKey(notice), notice);
      return recorded;
    });
  }

  async notices(ticketId: string): Promise<Notice[]> {
    return [...(await this.known(ticketId)).notices.values()];
  }

  /**
   * A claim (`leaseMs`) of a notice that another claim holds is taken over at once when that
   * claim is not this process's: the only other writer was a `serve` before this one, which died
   * holding it. A claim of this process's own keeps its lease.
   */
  transition(key: NoticeKey, from: NoticeState, to: NoticeState, now: number, leaseMs?: number): Promise<boolean> {
    return this.holding([key.ticketId], async () => {
      const p = await this.known(key.ticketId);
      const k = noticeKey(key);
      const n = p.notices.get(k);
      const abandoned = leaseMs !== undefined && n?.state === to && !this.claims.has(k);
      const moved = await this.unsure(p, this.inner.transition(key, abandoned ? to : from, to, now, leaseMs));
      if (moved && n) {
        const { leaseUntil, ...rest } = n;
        p.notices.set(k, { ...rest, state: to, ...(leaseMs === undefined ? {} : { leaseUntil: now + leaseMs }) });
      }
      if (moved && leaseMs !== undefined) this.claims.add(k);
      else if (moved) this.claims.delete(k);
      return moved;
    });
  }

  flagChanged(ticketIds: readonly string[], at: number): Promise<void> {
    for (const id of ticketIds) this.flags.set(id, at);
    return this.inner.flagChanged(ticketIds, at);
  }

  /**
   * A ticket held in memory is sealed from memory: its stored events (with their receipts) and
   * notices, as this process wrote or read them, so a seal reads nothing; one whose writes left
   * something unknown, or one not held, is read from the store.
   */
  seal(partition: string, now: number): Promise<number> {
    const p = partition.startsWith('ticket:') ? this.partitions.get(partition.slice('ticket:'.length)) : undefined;
    if (!p || p.eventsUnknown || p.noticesUnknown || p.reading) return this.inner.seal(partition, now);
    // each record hashed once, however often its ticket is sealed
    const records: SealedRecord[] = [];
    const of = (key: string, make: () => SealedRecord | undefined) => {
      let r = p.ledger.get(key);
      if (!r) {
        r = make();
        if (r) p.ledger.set(key, r);
      }
      if (r) records.push(r);
    };
    for (const [id, e] of p.events) if (e.stored) of(`E\u0000${id}`, () => this.inner.recordsOf([e], [])[0]);
    for (const [key, n] of p.notices) of(`N\u0000${key}`, () => this.inner.recordsOf([], [n])[0]);
    return this.inner.sealWith(partition, records, now);
  }

  dayRoots(days: readonly string[]): Promise<{ day: string; root: string; seals: number }[]> {
    return this.inner.dayRoots(days);
  }

  /** The register, read once and kept: this process is its only writer. */
  async waivers(): Promise<WaiverRecord[]> {
    this.register ??= await this.inner.waivers();
    return [...this.register];
  }

  async addWaiver(record: WaiverRecord, at: number): Promise<boolean> {
    const added = await this.inner.addWaiver(record, at);
    if (added && this.register) this.register.push(record);
    return added;
  }

  async changedTickets(): Promise<{ ticketId: string; at: number }[]> {
    const changed = await this.inner.changedTickets();
    for (const { ticketId, at } of changed) if (!this.flags.has(ticketId)) this.flags.set(ticketId, at);
    return changed;
  }

  /** The latest changed-ticket flag of a ticket this process wrote or read, if it is flagged. */
  flaggedAt(ticketId: string): number | undefined {
    return this.flags.get(ticketId);
  }

  /** The condition decided here, the delete group-committed (no conditional write per ticket). */
  async clearChanged(ticketId: string, at: number): Promise<void> {
    if (this.flags.get(ticketId) !== at) return;
    this.flags.delete(ticketId);
    await this.inner.clearChangedUnchecked([ticketId]);
  }

  /**
   * A conditional notice write: when it fails, or its condition does (the store holds something
   * this memory does not), the ticket's notices are read again before they are next used.
   */
  private async unsure(p: Partition, write: Promise<boolean>): Promise<boolean> {
    try {
      const done = await write;
      if (!done) p.noticesUnknown = true;
      return done;
    } catch (err) {
      p.noticesUnknown = true;
      throw err;
    }
  }

  /**
   * The events of a partition a failed write left unsure read again from the store: those that
   * landed join the ones held here (never replacing one in flight). One read at a time.
   */
  private async sure(ticketId: string, p: Partition): Promise<void> {
    if (!p.eventsUnknown) return;
    p.reading ??= this.inner
      .history(ticketId)
      .then((events) => {
        for (const event of events)
          if (!p.events.has(event.id)) p.events.set(event.id, { event, durable: Promise.resolve(), stored: true });
        p.eventsUnknown = false;
      })
      .finally(() => {
        p.reading = undefined;
      });
    await p.reading;
  }

  /** The partition with its events, timers and notices read again if a write of them failed. */
  private async known(ticketId: string): Promise<Partition> {
    const p = await this.partition(ticketId);
    await this.sure(ticketId, p);
    if (p.timersUnknown) {
      p.timersUnknown = false;
      p.timers = new Map((await this.inner.timers(ticketId)).map((t) => [timerKey(t), t]));
    }
    if (p.noticesUnknown) {
      p.noticesUnknown = false;
      p.notices = new Map((await this.inner.notices(ticketId)).map((n) => [noticeKey(n), n]));
    }
    return p;
  }

  /**
   * Runs `use` with the partitions of `ticketIds` pinned: each counts as pending from the moment
   * it is loaded, so none is evicted while the others load or while `use` writes.
   */
  private async holding<T>(ticketIds: readonly string[], use: (parts: Map<string, Partition>) => Promise<T>) {
    const parts = new Map<string, Partition>();
    try {
      for (const id of new Set(ticketIds)) {
        const p = await this.partition(id);
        p.pending++;
        parts.set(id, p);
        await this.sure(id, p);
      }
      return await use(parts);
    } finally {
      for (const p of parts.values()) p.pending--;
    }
  }

  /** The ticket's partition, read once from the store (unless the directory says it is new) and then kept. */
  private partition(ticketId: string): Promise<Partition> {
    const held = this.partitions.get(ticketId);
    if (held) {
      this.partitions.delete(ticketId); // most recently used last
      this.partitions.set(ticketId, held);
      return Promise.resolve(held);
    }
    let load = this.loading.get(ticketId);
    if (!load) {
      load = this.listed()
        .then(async (directory) =>
          directory && !directory.has(ticketId) && !this.maybeListed.has(ticketId)
            ? { events: [], timers: [], notices: [] }
            : this.inner.ticket(ticketId),
        )
        .then(({ events, timers, notices, ...rest }) => {
          const receipts = 'receipts' in rest ? rest.receipts : undefined;
          const p: Partition = {
            events: new Map(
              events.map((event) => {
                const receipt = receipts?.get(event.id);
                return [event.id, { event, durable: Promise.resolve(), stored: true, ...(receipt ? { receipt } : {}) }];
              }),
            ),
            timers: new Map(timers.map((t) => [timerKey(t), t])),
            notices: new Map(notices.map((n) => [noticeKey(n), n])),
            timersUnknown: false,
            noticesUnknown: false,
            eventsUnknown: false,
            pending: 0,
            ledger: new Map(),
          };
          this.evict();
          this.partitions.set(ticketId, p);
          return p;
        })
        .finally(() => this.loading.delete(ticketId));
      this.loading.set(ticketId, load);
    }
    return load;
  }

  /** The ticket directory, read once (again after a failed read). */
  private listed(): Promise<Set<string> | undefined> {
    this.directory ??= this.inner.ticketDirectory().then(
      (ids) => (ids ? new Set(ids) : undefined),
      (err) => {
        this.directory = undefined;
        throw err;
      },
    );
    return this.directory;
  }

  /** Makes room for one more ticket, dropping the least recently used idle ones. */
  private evict(): void {
    for (const [id, p] of this.partitions) {
      if (this.partitions.size < this.maxTickets) return;
      if (p.pending === 0) this.partitions.delete(id);
    }
  }
}
