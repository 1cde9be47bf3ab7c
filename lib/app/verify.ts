/**
 * `verify`, written once for the embedded store and for DynamoDB: everything the ledger holds,
 * read once, recomputed and checked (lib/ledger.ts), against the day roots a weekly report
 * published when given.
 */
import { type LedgerInput, type LedgerSummary, verifyLedger } from '../ledger';

/** A store whose ledger can be read whole (a scan: `verify` is an audit, not a request path). */
export interface LedgerSource {
  /** `onPage` is told how many items it has read, page by page (progress). */
  ledger(onPage?: (itemsRead: number) => void): Promise<LedgerInput>;
}

/** The roots a weekly report JSON carries (`roots: [{ day, root }]`), by day. */
export function publishedRoots(report: unknown): Map<string, string> {
  const roots = (report as { roots?: unknown })?.roots;
  if (!Array.isArray(roots))
    throw new Error('the report has no "roots": make it from the store (report --data, or the report Lambda)');
  return new Map(
    roots
      .filter((r): r is { day: string; root: string } => typeof r?.day === 'string' && typeof r?.root === 'string')
      .map((r) => [r.day, r.root]),
  );
}

export async function verifyStore(
  source: LedgerSource,
  published?: ReadonlyMap<string, string>,
  onPage?: (itemsRead: number) => void,
): Promise<LedgerSummary> {
  const input = await source.ledger(onPage);
  return verifyLedger(published ? { ...input, published } : input);
}
