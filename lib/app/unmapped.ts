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

export async function unmappedRequests(store: Store, from: number, to: number, limit = 100): Promise<UnmappedSummary> {
  const newest: UnmappedRequest[] = [];
  let total = 0;
  for await (const raw of store.archived(from, to)) {
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
  return { from: new Date(from).toISOString(), to: new Date(to).toISOString(), total, requests: newest.reverse() };
}
