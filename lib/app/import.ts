/**
 * History import, written once against the ports: a vendor's history (HistorySource), page by
 * page, translated by the same per-vendor translation and mapping as its webhooks, validated like
 * them, and written to a sink (an export file or the store). After each page is written its cursor
 * is saved, so an interrupted import resumes where it stopped and writes nothing twice (the
 * store dedupes by id as well; a file may repeat the last page's events, which an audit ignores
 * as redeliveries).
 */
import { describeIssues } from '../events/parse';
import { CanonicalEvent } from '../events/schema';
import type { HistorySource, Store } from '../ports';
import { SOURCES } from '../sources';
import type { Mapping } from '../sources/mapping';

/** Where imported events go. */
export interface ImportSink {
  write(events: readonly CanonicalEvent[]): Promise<void>;
}

export interface ImportSummary {
  readonly pages: number;
  /** Vendor records read (log entries, ticket events, changelog entries). */
  readonly records: number;
  readonly events: number;
  /** Records the mapping could not read, with the first reasons. */
  readonly unmapped: number;
  readonly unmappedReasons: readonly string[];
  /** Records no rule reads (a resolution, a note). */
  readonly ignored: number;
}

export interface ImportOptions {
  readonly cursor?: string;
  /** Called with each page's cursor once its events are written. */
  readonly saveCursor?: (cursor: string) => Promise<void>;
  readonly onPage?: (summary: ImportSummary, position: string) => void;
  readonly now?: () => number;
}

const REASONS = 20;

export async function importHistory(
  history: HistorySource,
  mapping: Mapping,
  sink: ImportSink,
  opts: ImportOptions = {},
): Promise<ImportSummary> {
  const source = SOURCES[history.source];
  const s = { pages: 0, records: 0, events: 0, unmapped: 0, unmappedReasons: [] as string[], ignored: 0 };
  for await (const page of history.pages(opts.cursor)) {
    const events: CanonicalEvent[] = [];
    const req = { headers: {}, body: Buffer.alloc(0), receivedAt: opts.now?.() ?? Date.now() };
    for (const payload of page.payloads) {
      s.records++;
      const t = source.translate(payload, req, mapping);
      const reasons = [...t.unmapped];
      for (const candidate of t.events) {
        const r = CanonicalEvent.safeParse(candidate);
        if (r.success) events.push(r.data);
        else reasons.push(`a translated event is invalid: ${describeIssues(r.error.issues)}`);
      }
      if (reasons.length > 0) {
        s.unmapped++;
        for (const reason of reasons) if (s.unmappedReasons.length < REASONS) s.unmappedReasons.push(reason);
      } else if (t.events.length === 0) s.ignored++;
    }
    if (events.length > 0) await sink.write(events);
    s.events += events.length;
    s.pages++;
    await opts.saveCursor?.(page.cursor);
    opts.onPage?.({ ...s }, page.position);
  }
  return s;
}

/**
 * The store as an import's sink: appended once per id; the tickets that gained events are told to
 * `changed` with the number of events they gained, events no webhook had delivered (the import
 * command flags them, so that `serve` reconciles them when it starts; the periodic repair flags
 * and queues them, and counts what it recovered).
 */
export interface StoreSinkOptions {
  /** How the events came (their receipt): `import:<vendor>`, `reconciliation:<vendor>`. */
  readonly via: string;
  readonly now?: () => number;
  /** Stamped on each event before it is stored (the repair's): identity ignores it, so a delivered change stays a duplicate. */
  readonly recoveredAt?: string;
  /** Told of the tickets that gained events, and how many events no webhook had delivered. */
  readonly changed: (ticketIds: readonly string[], added: number) => Promise<void>;
}

export function storeSink(store: Store, { via, now = Date.now, recoveredAt, changed }: StoreSinkOptions): ImportSink {
  return {
    async write(given) {
      const events = recoveredAt ? given.map((e) => ({ ...e, recoveredAt })) : given;
      const outcomes = await store.append(events, { receivedAt: now(), via });
      const fresh = events.filter((_, i) => outcomes[i] === 'added');
      if (fresh.length > 0) await changed([...new Set(fresh.map((e) => e.ticketId))], fresh.length);
    },
  };
}
