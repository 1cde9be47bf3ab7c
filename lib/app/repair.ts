/**
 * Missed webhooks repaired, written once for `serve` and the AWS import Lambda: one pull of a
 * vendor's changes since the last pull ended (its cursor), through the import (the webhook's own
 * translation and mapping). A change no webhook delivered is stored with `recoveredAt` (counted
 * as "recovered by reconciliation" in the weekly report), and its ticket is flagged and queued to
 * be reconciled; what a webhook delivered is a duplicate and left alone.
 */
import type { Cursors, HistorySource, Store } from '../ports';
import type { Mapping } from '../sources/mapping';
import type { SourceName } from '../sources/names';
import { importHistory, storeSink } from './import';

/** The first pull looks back this far: webhooks missed before the service ran. */
export const FIRST_LOOKBACK_MS = 86_400_000;
/** A pull stops this far behind now: what the vendor is still writing is left for the next one. */
export const SETTLE_MS = 60_000;

export interface RepairDeps {
  readonly store: Store;
  readonly cursors: Cursors;
  readonly mapping: Mapping;
  /** The vendor's history for a range (its address and credentials bound). */
  history(since: number, until: number): HistorySource;
  /** Flags and queues the tickets that gained events, as the ingest does for a webhook's. */
  changed(ticketIds: readonly string[]): Promise<void>;
  now(): number;
}

export interface RepairRun {
  readonly vendor: SourceName;
  readonly since: number;
  readonly until: number;
  /** Vendor records read. */
  readonly records: number;
  /** Changes stored that no webhook had delivered. */
  readonly recovered: number;
  readonly tickets: number;
}

const cursorName = (vendor: SourceName) => `repair:${vendor}`;

/** One pull; undefined when the last one ended less than SETTLE_MS ago. A vendor's failure throws. */
export async function repairMissed(
  vendor: SourceName,
  deps: RepairDeps,
  everyMs: number,
): Promise<RepairRun | undefined> {
  const now = deps.now();
  const saved = await deps.cursors.readCursor(cursorName(vendor));
  const since = saved ? (JSON.parse(saved) as { until: number }).until : now - Math.max(2 * everyMs, FIRST_LOOKBACK_MS);
  const until = now - SETTLE_MS;
  if (until <= since) return undefined;
  let recovered = 0;
  const tickets = new Set<string>();
  const sink = storeSink(deps.store, {
    via: `reconciliation:${vendor}`,
    now: deps.now,
    recoveredAt: new Date(now).toISOString(),
    changed: async (ids, added) => {
      recovered += added;
      for (const id of ids) tickets.add(id);
      await deps.changed(ids);
    },
  });
  const summary = await importHistory(deps.history(since, until), deps.mapping, sink, { now: deps.now });
  await deps.cursors.writeCursor(cursorName(vendor), JSON.stringify({ until }));
  return { vendor, since, until, records: summary.records, recovered, tickets: tickets.size };
}
