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
 * The store as an import's sink: appended once per id, and each ticket flagged changed, so that
 * `serve` reconciles the imported tickets when it starts (arming timers for what is still open;
 * breaches older than the alert horizon are audited and reported, never paged).
 */
export function storeSink(store: Store, now: () => number = Date.now): ImportSink {
  return {
    async write(events) {
      await store.append(events);
      await store.flagChanged([...new Set(events.map((e) => e.ticketId))], now());
    },
  };
}
