/**
 * A shard of a batch audit: the tickets whose ids hash to it. Lines are routed to shards by the
 * ticket id read from the raw line, so every shard parses, validates and audits its own tickets
 * on its own thread; the engine itself is the same single-ticket function everywhere.
 */

import type { ReportTicket, TicketSource } from '../lib/app/weekly';
import { type AuditResult, auditTickets } from '../lib/engine/audit';
import { EventLog } from '../lib/events/history';
import { parseLine } from '../lib/events/parse';
import type { Policy } from '../lib/policy/schema';

export interface Invalid {
  readonly line: number;
  readonly error: string;
}

/** A valid line that reached the wrong shard (its raw text hid the ticket id); routed again. */
export interface Misrouted {
  readonly text: string;
  readonly line: number;
  readonly ticketId: string;
}

export interface Parsed {
  readonly latest: number;
  readonly rejected: number;
  /** The shard's first invalid lines, in line order. */
  readonly invalid: readonly Invalid[];
  readonly misrouted: readonly Misrouted[];
}

/** The first 20 invalid lines are kept with why; the rest are counted. */
export const KEEP_INVALID = 20;

/** FNV-1a over the id's UTF-16 code units. */
export function shardOf(ticketId: string, shards: number): number {
  if (shards === 1) return 0;
  let h = 0x811c9dc5;
  for (let i = 0; i < ticketId.length; i++) h = Math.imul(h ^ ticketId.charCodeAt(i), 0x01000193);
  return (h >>> 0) % shards;
}

const TICKET_ID = /"ticketId"\s*:\s*"((?:[^"\\]|\\.)*)"/;

/** The shard of a raw line, from the first `"ticketId"` in it; 0 when there is none. */
export function shardOfLine(text: string, shards: number): number {
  if (shards === 1) return 0;
  const m = TICKET_ID.exec(text);
  if (!m) return 0;
  const raw = m[1] as string;
  try {
    return shardOf(raw.includes('\\') ? (JSON.parse(`"${raw}"`) as string) : raw, shards);
  } catch {
    return 0;
  }
}

export class Shard implements TicketSource {
  private readonly log = new EventLog();
  private readonly invalid: Invalid[] = [];
  private misrouted: Misrouted[] = [];
  private rejected = 0;

  constructor(
    private readonly index: number,
    private readonly shards: number,
  ) {}

  add(texts: readonly string[], lines: readonly number[]): void {
    for (let i = 0; i < texts.length; i++) {
      const text = texts[i] as string;
      const line = lines[i] as number;
      const r = parseLine(text);
      if (!r.ok) {
        if (++this.rejected <= KEEP_INVALID) this.invalid.push({ line, error: r.error });
        continue;
      }
      if (shardOf(r.event.ticketId, this.shards) !== this.index) {
        this.misrouted.push({ text, line, ticketId: r.event.ticketId });
        continue;
      }
      this.log.add(r.event);
    }
  }

  /** What parsing found so far; hands over the misrouted lines. */
  parsed(): Parsed {
    const misrouted = this.misrouted;
    this.misrouted = [];
    return { latest: this.log.latest, rejected: this.rejected, invalid: this.invalid, misrouted };
  }

  audit(policy: Policy, asOf: number, onTicket?: (done: number) => void): AuditResult {
    return auditTickets(this.log.tickets, policy, asOf, onTicket);
  }

  /**
   * The export's tickets as the weekly report reads them: every one (an export is the population
   * its maker chose; a store finds its tickets through the day index instead). No notices.
   */
  async eachTicket(_from: number, _to: number, visit: (ticket: ReportTicket) => void): Promise<void> {
    for (const [ticketId, events] of this.log.tickets) visit({ ticketId, events, notices: [] });
  }
}
