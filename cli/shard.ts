/**
 * A shard of a batch audit: the tickets whose ids hash to it. Lines are routed to shards by the
 * ticket id read from the raw line, so every shard parses, validates and audits its own tickets
 * on its own thread; the engine itself is the same single-ticket function everywhere.
 */

import type { ReportTicket, TicketSource } from '../lib/app/weekly';
import { AuditRun, type AuditTotals } from '../lib/engine/audit';
import { type WaiverRecord, waiverBook } from '../lib/engine/waivers';
import { EventLog } from '../lib/events/history';
import { packEvent, parseLine, type TicketEvent, unpackEvent } from '../lib/events/parse';
import type { Policy } from '../lib/policy/schema';
import type { Format } from './options';
import { AuditOutput, type Widths } from './render';
import { type Chunk, EventBuckets } from './spill';

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
function hashOf(ticketId: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < ticketId.length; i++) h = Math.imul(h ^ ticketId.charCodeAt(i), 0x01000193);
  return h >>> 0;
}

export function shardOf(ticketId: string, shards: number): number {
  return shards === 1 ? 0 : hashOf(ticketId) % shards;
}

/** The bucket of a ticket within its shard (independent of the shard's own hash). */
const bucketOf = (ticketId: string, shards: number, buckets: number) => Math.floor(hashOf(ticketId) / shards) % buckets;

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

export interface ShardOptions {
  /** The run's temporary folder, for spilled events and output chunks. */
  readonly dir: string;
  /** Event buckets on disk; 0 keeps the shard's events in memory (small inputs). */
  readonly buckets: number;
}

/** What an audit of a shard takes: the same for every shard, on this thread or another. */
export interface AuditJob {
  readonly policy: Policy;
  readonly asOf: number;
  readonly format: Format;
  /** The register of waivers (empty: none). */
  readonly waivers: readonly WaiverRecord[];
}
/** What a shard's audit gives back: its totals, and its output records in sorted chunks. */
export interface ShardAudit {
  readonly totals: AuditTotals;
  readonly streams: Readonly<Record<string, Chunk[]>>;
  readonly widths: Widths;
}

export class Shard implements TicketSource {
  private readonly log = new EventLog();
  private readonly buckets: EventBuckets | undefined;
  private readonly invalid: Invalid[] = [];
  private misrouted: Misrouted[] = [];
  private rejected = 0;

  constructor(
    private readonly index: number,
    private readonly shards: number,
    private readonly opts: ShardOptions = { dir: '', buckets: 0 },
  ) {
    if (opts.buckets > 0) this.buckets = new EventBuckets(opts.dir, index, opts.buckets);
  }

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
      if (!this.buckets) this.log.add(r.event);
      else {
        // validated once: the bucket keeps the compact form, read back without a second check
        if (r.event.t > this.log.latest) this.log.latest = r.event.t;
        this.buckets.add(bucketOf(r.event.ticketId, this.shards, this.buckets.count), packEvent(r.event));
      }
    }
  }

  /** What parsing found so far; hands over the misrouted lines. */
  parsed(): Parsed {
    const misrouted = this.misrouted;
    this.misrouted = [];
    return { latest: this.log.latest, rejected: this.rejected, invalid: this.invalid, misrouted };
  }

  /** The shard's tickets, a bucket at a time (all at once when they are in memory). */
  private *groups(): Generator<ReadonlyMap<string, readonly TicketEvent[]>> {
    if (!this.buckets) {
      yield this.log.tickets;
      return;
    }
    for (let b = 0; b < this.buckets.count; b++) {
      const log = new EventLog();
      for (const line of this.buckets.lines(b)) if (line) log.add(unpackEvent(line));
      yield log.tickets;
    }
  }

  /** Audits every ticket; the output records of `format` go to sorted chunks, the totals come back. */
  audit({ policy, asOf, format, waivers }: AuditJob, onTicket?: (done: number) => void): ShardAudit {
    const run = new AuditRun(policy, asOf, waiverBook(waivers, asOf));
    const output = new AuditOutput(policy, format, () => this.spillDir(), this.index);
    let done = 0;
    for (const tickets of this.groups()) {
      for (const [ticketId, history] of tickets) {
        const audited = run.audit(ticketId, history);
        output.add(audited.breaches, audited.obligations);
        onTicket?.(++done);
      }
    }
    return { totals: run.totals(), streams: output.finish(), widths: output.widths };
  }

  private spillDir(): string {
    if (!this.opts.dir) throw new Error('this shard has no temporary folder to spill to');
    return this.opts.dir;
  }

  /**
   * The export's tickets as the weekly report reads them: every one (an export is the population
   * its maker chose; a store finds its tickets through the day index instead). No notices.
   */
  async eachTicket(_from: number, _to: number, visit: (ticket: ReportTicket) => void): Promise<void> {
    for (const tickets of this.groups()) {
      for (const [ticketId, events] of tickets) visit({ ticketId, events, notices: [] });
    }
  }
}
