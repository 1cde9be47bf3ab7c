/**
 * Adding to the register of waivers, written once for `escalation-auditor waive` and
 * `POST /waivers`: the records are checked as a register is (lib/engine/waivers.ts), a
 * revocation must name a waiver the register holds, and each record is added once. The register
 * is append-only: a record whose id is taken is a duplicate when it is the same record (a retry),
 * and refused as a conflict otherwise (the first stays); nothing is ever changed or removed.
 *
 * The tickets a new record bears on are then told to `changed` (flagged and reconciled, as after a
 * webhook), so that an alerted breach a waiver now excuses gets its "excused" notice, and a
 * revoked waiver's breaches page: a ticket scope's ticket; a client scope's, the tickets active
 * while its due times run (and the lookback before, where their clocks may start).
 */

import { earliestClockStart } from '../engine/lookback';
import { isRevocation, parseWaivers, type WaiverRecord } from '../engine/waivers';
import type { Policy } from '../policy/schema';
import type { Store } from '../ports';

export type WaiverOutcome = 'added' | 'duplicate' | 'conflict';

export class WaiverError extends Error {}

export interface AddWaiverOptions {
  /** Told of the tickets the new records bear on (flag and reconcile them). */
  readonly changed?: (ticketIds: readonly string[], why?: 'waivers') => Promise<void>;
  /** For a client scope's lookback. */
  readonly policy?: Policy;
}

/** Adds the records, in order; a record that fails its check refuses the whole request, before anything is added. */
export async function addWaivers(
  store: Store,
  input: unknown,
  now: number,
  opts: AddWaiverOptions = {},
): Promise<{ readonly id: string; readonly outcome: WaiverOutcome }[]> {
  let records: WaiverRecord[];
  try {
    records = parseWaivers(Array.isArray(input) ? input : [input]);
  } catch (err) {
    throw new WaiverError((err as Error).message);
  }
  const register = await store.waivers();
  const known = new Map(register.map((r) => [r.id, r]));
  for (const [i, r] of records.entries()) {
    if (!isRevocation(r)) continue;
    const target = known.get(r.revokes) ?? records.find((x) => x.id === r.revokes && !isRevocation(x));
    if (!target || isRevocation(target))
      throw new WaiverError(`[${i}] (${r.id}).revokes: ${r.revokes} is no waiver of the register`);
  }
  const outcomes: { id: string; outcome: WaiverOutcome }[] = [];
  for (const r of records) {
    const earlier = known.get(r.id);
    if (earlier) {
      outcomes.push({ id: r.id, outcome: JSON.stringify(earlier) === JSON.stringify(r) ? 'duplicate' : 'conflict' });
      continue;
    }
    const added = await store.addWaiver(r, now);
    outcomes.push({ id: r.id, outcome: added ? 'added' : 'conflict' });
    known.set(r.id, r);
  }
  // the register's new records join its hash chain (lib/ledger.ts)
  await store.seal('waivers', now);
  if (opts.changed) {
    const added = records.filter((r) => outcomes.some((o) => o.id === r.id && o.outcome === 'added'));
    const tickets = new Set<string>();
    for (const r of added) {
      const target = isRevocation(r) ? known.get(r.revokes) : r;
      if (!target || isRevocation(target)) continue;
      const s = target.scope;
      if ('ticketId' in s) tickets.add(s.ticketId);
      else {
        const from = Date.parse(s.from);
        const start = opts.policy ? earliestClockStart(opts.policy, from) : from;
        for (const id of await store.ticketsActive(start, Math.min(Date.parse(s.to), now + 1))) tickets.add(id);
      }
    }
    if (tickets.size > 0) await opts.changed([...tickets], 'waivers');
  }
  return outcomes;
}
