/**
 * The sweep behind the timers: every few minutes, reconcile every ticket that was changed and
 * not yet reconciled (its reconcile failed: Scheduler or SNS down for longer than the sender's
 * retries) and every ticket with a timer that should have fired by now and is still armed (a lost
 * schedule, a check that failed for good). A due breach is then recorded and alerted within one
 * sweep period of the outage's end, exactly once (reconcile's notice state machine).
 */
import type { Store } from '../ports';
import { type LiveDeps, type Reconciled, reconcile } from './live';

/** How often the sweep runs, in `serve` and in AWS. */
export const SWEEP_EVERY_MS = 10 * 60_000;
/** A timer still armed this long after it should have fired is taken as lost. */
const OVERDUE_MS = 5 * 60_000;

export interface Swept {
  readonly tickets: number;
  readonly failed: number;
  readonly breaches: number;
  readonly retracted: number;
  readonly warnings: number;
}

/** Reconciles `ticketId`, then clears its changed flag (unless it was flagged again meanwhile). */
export async function reconcileChanged(ticketId: string, at: number | undefined, deps: LiveDeps): Promise<Reconciled> {
  const r = await reconcile(ticketId, deps);
  if (at !== undefined) await deps.store.clearChanged(ticketId, at);
  return r;
}

/** The tickets the sweep reconciles, each once, with the time of its changed flag if it has one. */
async function toSweep(store: Store, now: number): Promise<Map<string, number | undefined>> {
  const tickets = new Map<string, number | undefined>();
  for (const { ticketId, at } of await store.changedTickets()) tickets.set(ticketId, at);
  for (const t of await store.timersDue(now - OVERDUE_MS))
    if (!tickets.has(t.ticketId)) tickets.set(t.ticketId, undefined);
  return tickets;
}

/** What reconciling a set of tickets did, and which tickets failed (to be tried again). */
export interface ReconciledTickets extends Pick<Reconciled, 'breaches' | 'retracted' | 'warnings'> {
  readonly failed: ReadonlySet<string>;
}

/**
 * Reconciles each ticket once (clearing its changed flag at `at`, if given), one after the other;
 * a ticket that fails is told to `onError` and left for the next try, the others go on.
 */
export async function reconcileTickets(
  tickets: ReadonlyMap<string, number | undefined>,
  deps: LiveDeps,
  onError?: (ticketId: string, err: unknown) => void,
): Promise<ReconciledTickets> {
  const failed = new Set<string>();
  const sum = { breaches: 0, retracted: 0, warnings: 0 };
  for (const [ticketId, at] of tickets) {
    try {
      const r = await reconcileChanged(ticketId, at, deps);
      sum.breaches += r.breaches;
      sum.retracted += r.retracted;
      sum.warnings += r.warnings;
    } catch (err) {
      failed.add(ticketId);
      onError?.(ticketId, err);
    }
  }
  return { ...sum, failed };
}

export async function sweep(deps: LiveDeps, onError?: (ticketId: string, err: unknown) => void): Promise<Swept> {
  const tickets = await toSweep(deps.store, deps.now?.() ?? Date.now());
  // the next sweep tries the failed ones again: their flag or their timer is still there
  const { failed, ...sum } = await reconcileTickets(tickets, deps, onError);
  return { tickets: tickets.size, failed: failed.size, ...sum };
}
