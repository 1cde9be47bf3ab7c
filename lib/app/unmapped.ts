/**
 * What the mapping could not read, found again: the archived requests whose outcome names
 * unmapped parts (or a refusal), newest first, with their reasons and request ids. The archive is
 * the record; nothing else is kept for this.
 */
import type { Store } from '../ports';

export type UnmappedRequest = {
  readonly requestId: string;
  readonly source: string;
  readonly receivedAt: string;
  readonly unmapped: readonly string[];
  /** Why the request was refused (400), when it was. */
  readonly invalid?: string;
};

/** A type, not an interface: it is an HTTP answer's body (a plain record). */
export type UnmappedSummary = {
  readonly from: string;
  readonly to: string;
  /** Requests in the period with something unmapped or refused. */
  readonly total: number;
  /** The newest `limit` of them, newest first. */
  readonly requests: readonly UnmappedRequest[];
};

/** How far back a listing looks unless told otherwise. */
const DEFAULT_WINDOW_MS = 86_400_000;

/** The requests received from `since` (default: a day before `now`) up to `now`, the newest `limit`. */
export async function unmappedRequests(
  store: Store,
  { now, since = now - DEFAULT_WINDOW_MS, limit = 100 }: { now: number; since?: number; limit?: number },
): Promise<UnmappedSummary> {
  const newest: UnmappedRequest[] = [];
  let total = 0;
  // `archived` takes [from, to): up to and including now
  for await (const raw of store.archived(since, now + 1)) {
    const o = raw.outcome;
    if (!o || (o.unmapped.length === 0 && !o.invalid)) continue;
    total++;
    newest.push({
      requestId: raw.id,
      source: raw.source,
      receivedAt: new Date(raw.receivedAt).toISOString(),
      unmapped: o.unmapped,
      ...(o.invalid ? { invalid: o.invalid } : {}),
    });
    // the archive comes oldest first: keep only the last `limit`
    if (newest.length > limit) newest.shift();
  }
  return { from: new Date(since).toISOString(), to: new Date(now).toISOString(), total, requests: newest.reverse() };
}
