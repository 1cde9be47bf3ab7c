/**
 * A shard of a batch audit: the tickets whose ids hash to it, parsed, validated and audited on its
 * own thread with the same single-ticket engine as everywhere. A line's ticket id is read from the
 * raw line (cli/route.ts). In memory, the main thread routes each line to its shard, which parses
 * it at once. Spilled (a large input), any shard's thread takes any batch of lines and files each,
 * as read, under its ticket's bucket; the shard that owns a bucket then parses and audits it as a
 * whole: every line is parsed once, and the routing is spread over the threads.
 */

import type { ReportTicket, TicketSource } from '../lib/app/weekly';
import { AuditRun, type AuditTotals } from '../lib/engine/audit';
import { type WaiverRecord, waiverBook } from '../lib/engine/waivers';
import { EventLog } from '../lib/events/history';
import { parseLine, type TicketEvent } from '../lib/events/parse';
import type { Policy } from '../lib/policy/schema';
import type { Format } from './options';
import { AuditOutput, type Widths } from './render';
import { routeKeys } from './route';
import { type Chunk, EventBuckets } from './spill';

export interface Invalid {
  readonly line: number;
  readonly error: string;
}

/** What parsing a shard's lines found. */
export interface Parsed {
  /** The latest `at` of a valid event, as epoch ms. */
  readonly latest: number;
  readonly rejected: number;
  /** The shard's first invalid lines, in line order. */
  readonly invalid: readonly Invalid[];
}

/** The first 20 invalid lines are kept with why; the rest are counted. */
export const KEEP_INVALID = 20;

/** Counts the invalid lines of a pass over a shard's lines, keeping the first ones by line number. */
class Tally {
  rejected = 0;
  private invalid: Invalid[] = [];

  refuse(line: number, error: string): void {
    this.rejected++;
    this.invalid.push({ line, error });
    if (this.invalid.length >= 2 * KEEP_INVALID) this.keepFirst();
  }

  private keepFirst(): void {
    this.invalid.sort((a, b) => a.line - b.line);
    this.invalid.length = Math.min(this.invalid.length, KEEP_INVALID);
  }

  parsed(latest: number): Parsed {
    this.keepFirst();
    return { latest, rejected: this.rejected, invalid: this.invalid };
  }
}

/** FNV-1a over the id's UTF-16 code units; 0 for a line without one (refused wherever it lands). */
export function hashOf(ticketId: string | undefined): number {
  if (ticketId === undefined) return 0;
  let h = 0x811c9dc5;
  for (let i = 0; i < ticketId.length; i++) h = Math.imul(h ^ ticketId.charCodeAt(i), 0x01000193);
  return h >>> 0;
}

/** The shard of a ticket id's hash. */
export const shardOf = (hash: number, shards: number): number => hash % shards;

/** The bucket of a ticket id's hash within its shard (independent of the shard). */
const bucketOf = (hash: number, shards: number, buckets: number) => Math.floor(hash / shards) % buckets;

export interface ShardOptions {
  /** The run's temporary folder, for spilled events and output chunks. */
  readonly dir: string;
  /** Event buckets on disk; 0 keeps the shard's events in memory (small inputs). */
  readonly buckets: number;
  /** Spilled: whether the latest `at` of the lines is wanted (the audit has no as-of given). */
  readonly readsLatest?: boolean;
}

/** What an audit of a shard takes: the same for every shard, on this thread or another. */
export interface AuditJob {
  readonly policy: Policy;
  readonly asOf: number;
  readonly format: Format;
  /** The register of waivers (empty: none). */
  readonly waivers: readonly WaiverRecord[];
}
/** What a shard's audit gives back: its totals, its output records in sorted chunks, what parsing found. */
export interface ShardAudit {
  readonly totals: AuditTotals;
  readonly streams: Readonly<Record<string, Chunk[]>>;
  readonly widths: Widths;
  readonly parsed: Parsed;
}

/** A batch of lines: their text and line numbers. */
export interface Lines {
  readonly texts: readonly string[];
  readonly lines: readonly number[];
}

export class Shard implements TicketSource {
  /** In memory: the events, parsed as they are added. */
  private readonly log = new EventLog();
  private readonly tally = new Tally();
  /**
   * Spilled: the raw lines, each prefixed with its line number, filed by ticket (this shard's
   * thread takes any line) and parsed a bucket at a time by the shard that owns it.
   */
  private readonly buckets: EventBuckets | undefined;
  /** Spilled: the latest `at` read from the lines taken, when wanted (not yet checked). */
  private latestRead = Number.NEGATIVE_INFINITY;
  private lastPass: Parsed = { latest: Number.NEGATIVE_INFINITY, rejected: 0, invalid: [] };

  constructor(
    private readonly index: number,
    private readonly shards: number,
    private readonly opts: ShardOptions = { dir: '', buckets: 0 },
  ) {
    if (opts.buckets > 0) this.buckets = new EventBuckets(opts.dir, index, shards, opts.buckets);
  }

  /** A shard in memory of these lines, numbered from 1. */
  static ofLines(texts: readonly string[]): Shard {
    const shard = new Shard(0, 1);
    shard.add({ texts, lines: texts.map((_, i) => i + 1) });
    return shard;
  }

  /**
   * Takes lines: in memory, this shard's own, parsed now; spilled, any lines, filed under their
   * ticket's bucket (of whichever shard) and parsed when that bucket is audited.
   */
  add({ texts, lines }: Lines): void {
    for (let i = 0; i < texts.length; i++) {
      const text = texts[i] as string;
      const line = lines[i] as number;
      if (this.buckets) {
        const keys = routeKeys(text);
        const hash = hashOf(keys.ticketId);
        if (this.opts.readsLatest && keys.at !== undefined) {
          const at = Date.parse(keys.at);
          if (at > this.latestRead) this.latestRead = at;
        }
        this.buckets.add(
          shardOf(hash, this.shards),
          bucketOf(hash, this.shards, this.buckets.count),
          `${line}\t${text}`,
        );
        continue;
      }
      const r = parseLine(text);
      if (r.ok) this.log.add(r.event);
      else this.tally.refuse(line, r.error);
    }
  }

  /**
   * Ends the reading: what is buffered is written out (every shard's, before any is audited). The
   * latest `at` read: in memory, of the valid events; spilled, of the lines taken, not yet checked
   * (when `readsLatest`).
   */
  flush(): number {
    this.buckets?.flush();
    return this.buckets ? this.latestRead : this.log.latest;
  }

  /** What the latest pass over the shard's events found (in memory: what adding them found). */
  parsed(): Parsed {
    return this.buckets ? this.lastPass : this.tally.parsed(this.log.latest);
  }

  /** The shard's tickets, a bucket at a time (all at once when they are in memory). */
  private *groups(): Generator<ReadonlyMap<string, readonly TicketEvent[]>> {
    if (!this.buckets) {
      yield this.log.tickets;
      return;
    }
    const tally = new Tally();
    let latest = Number.NEGATIVE_INFINITY;
    for (let b = 0; b < this.buckets.count; b++) {
      const log = new EventLog();
      for (const entry of this.buckets.lines(this.index, b)) {
        if (!entry) continue;
        const tab = entry.indexOf('\t');
        const r = parseLine(entry.slice(tab + 1));
        if (r.ok) log.add(r.event);
        else tally.refuse(Number(entry.slice(0, tab)), r.error);
      }
      latest = Math.max(latest, log.latest);
      yield log.tickets;
    }
    this.lastPass = tally.parsed(latest);
  }

  /** Audits every ticket; the output records of `format` go to sorted chunks, the totals come back. */
  audit({ policy, asOf, format, waivers }: AuditJob, onTicket?: (done: number) => void): ShardAudit {
    const audit = new AuditRun(policy, asOf, waiverBook(waivers, asOf));
    const output = new AuditOutput(policy, format, () => this.spillDir(), this.index);
    let done = 0;
    for (const tickets of this.groups()) {
      for (const [ticketId, history] of tickets) {
        const audited = audit.audit(ticketId, history);
        output.add(audited.breaches, audited.obligations);
        onTicket?.(++done);
      }
    }
    return { totals: audit.totals(), streams: output.finish(), widths: output.widths, parsed: this.parsed() };
  }

  private spillDir(): string {
    if (!this.opts.dir) throw new Error('this shard has no temporary folder to spill to');
    return this.opts.dir;
  }

  /**
   * The export's tickets as the weekly report reads them: every one (an export is the population
   * its maker chose; a store finds its tickets through the day index instead). No notices. What
   * parsing found is `parsed()` afterwards.
   */
  async eachTicket(_from: number, _to: number, visit: (ticket: ReportTicket) => void): Promise<void> {
    for (const tickets of this.groups()) {
      for (const [ticketId, events] of tickets) visit({ ticketId, events, notices: [] });
    }
  }
}
