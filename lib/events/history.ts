/**
 * Reading a ticket's history (RULES.md section 2, duplicates and order): events with one `id` are
 * one event. An identical redelivery is ignored; a different event under a known id is a
 * conflict, and the first one received stays. What remains is ordered by `at`, ties by `id`.
 */
import { compareEvents, sameEvent, type TicketEvent } from './parse';

export interface Conflict {
  readonly kept: TicketEvent;
  readonly refused: TicketEvent;
}

export interface History {
  /** Unique by id, ordered by `at` then `id`. */
  readonly events: TicketEvent[];
  /** Identical redeliveries ignored. */
  readonly duplicates: number;
  readonly conflicts: readonly Conflict[];
}

/** Normalises events received in any order, any number of times; drops those after `asOf`. */
export function normalise(received: readonly TicketEvent[], asOf = Number.POSITIVE_INFINITY): History {
  const unique = received.length <= SMALL ? firstOfEachIdSmall(received) : firstOfEachId(received);
  const events = unique.kept.filter((ev) => ev.t <= asOf).sort(compareEvents);
  return { events, duplicates: unique.duplicates, conflicts: unique.conflicts };
}

/** Below this many events a linear search beats building a map (most tickets). */
const SMALL = 24;

interface Unique {
  kept: TicketEvent[];
  duplicates: number;
  conflicts: Conflict[];
}

function firstOfEachId(received: readonly TicketEvent[]): Unique {
  const first = new Map<string, TicketEvent>();
  const u: Unique = { kept: [], duplicates: 0, conflicts: [] };
  for (const ev of received) {
    const kept = first.get(ev.id);
    if (kept) tally(u, kept, ev);
    else {
      first.set(ev.id, ev);
      u.kept.push(ev);
    }
  }
  return u;
}

function firstOfEachIdSmall(received: readonly TicketEvent[]): Unique {
  const u: Unique = { kept: [], duplicates: 0, conflicts: [] };
  for (const ev of received) {
    const kept = u.kept.find((k) => k.id === ev.id);
    if (kept) tally(u, kept, ev);
    else u.kept.push(ev);
  }
  return u;
}

function tally(u: Unique, kept: TicketEvent, again: TicketEvent): void {
  if (sameEvent(kept, again)) u.duplicates++;
  else u.conflicts.push({ kept, refused: again });
}

/** Events grouped by ticket as they are read from an export or a store. */
export class EventLog {
  readonly tickets = new Map<string, TicketEvent[]>();
  /** Events added, redeliveries included. */
  received = 0;
  /** The latest `at` seen, as epoch ms (the default audit time). */
  latest = Number.NEGATIVE_INFINITY;

  add(ev: TicketEvent): void {
    this.received++;
    if (ev.t > this.latest) this.latest = ev.t;
    const list = this.tickets.get(ev.ticketId);
    if (list) list.push(ev);
    else this.tickets.set(ev.ticketId, [ev]);
  }
}
