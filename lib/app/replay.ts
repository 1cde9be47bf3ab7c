/** Re-applies the mapping to archived requests (after a mapping fix); appending is idempotent. */
import type { Store } from '../ports';
import { type IngestDeps, translateAndStore, unarchive } from './ingest';

export interface ReplaySummary {
  requests: number;
  accepted: number;
  duplicates: number;
  conflicts: number;
  /** Requests that still have unmapped parts. */
  unmapped: number;
  /** Requests refused as invalid (400) again. */
  refused: number;
}

export async function replay(
  from: number,
  to: number,
  deps: IngestDeps & { store: Store },
  onRequest?: (summary: ReplaySummary) => void,
): Promise<ReplaySummary> {
  const s: ReplaySummary = { requests: 0, accepted: 0, duplicates: 0, conflicts: 0, unmapped: 0, refused: 0 };
  for await (const raw of deps.store.archived(from, to)) {
    const reply = await translateAndStore(raw, unarchive(raw), deps);
    s.requests++;
    if (reply.status !== 200) s.refused++;
    else {
      const body = reply.body as { accepted: number; duplicates: number; conflicts: string[]; unmapped: string[] };
      s.accepted += body.accepted;
      s.duplicates += body.duplicates;
      s.conflicts += body.conflicts.length;
      if (body.unmapped.length > 0) s.unmapped++;
      // a request the fixed mapping now reads completely is no longer reported as unmapped
      else if (raw.outcome && body.conflicts.length === 0)
        await deps.store.report(raw, { unmapped: [], conflicts: [] });
    }
    onRequest?.(s);
  }
  return s;
}
