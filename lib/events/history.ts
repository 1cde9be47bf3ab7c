/**
 * Duplicates (RULES.md section 2): events with one `id` are one event. An identical redelivery is
 * ignored; a different event under a known id is a conflict, and the first one received stays.
 */
import { sameEvent, type TicketEvent } from './parse';

export type Admission = 'added' | 'duplicate' | 'conflict';

/** Decides whether `ev` is new, and remembers it when it is. */
export function admit(seen: Map<string, TicketEvent>, ev: TicketEvent): Admission {
  const first = seen.get(ev.id);
  if (!first) {
    seen.set(ev.id, ev);
    return 'added';
  }
  return sameEvent(first, ev) ? 'duplicate' : 'conflict';
}

export interface Conflict {
  readonly kept: TicketEvent;
  readonly refused: TicketEvent;
}

/** Events received in any order and any number of times, grouped by ticket. */
export class EventLog {
  private readonly seen = new Map<string, TicketEvent>();
  readonly tickets = new Map<string, TicketEvent[]>();
  readonly conflicts: Conflict[] = [];
  duplicates = 0;
  events = 0;
  /** The latest `at` seen, as epoch ms (the default audit time). */
  latest = Number.NEGATIVE_INFINITY;

  add(ev: TicketEvent): Admission {
    const admission = admit(this.seen, ev);
    if (admission === 'duplicate') this.duplicates++;
    else if (admission === 'conflict') this.conflicts.push({ kept: this.seen.get(ev.id) as TicketEvent, refused: ev });
    else {
      this.events++;
      if (ev.t > this.latest) this.latest = ev.t;
      const list = this.tickets.get(ev.ticketId);
      if (list) list.push(ev);
      else this.tickets.set(ev.ticketId, [ev]);
    }
    return admission;
  }
}
