/** A ticket as the engine sees it: its history, every obligation with its status, the breaches. */
import { evaluateTicket } from '../engine/evaluate';
import { explain } from '../engine/explain';
import { type Rule, ruleById } from '../engine/rules';
import type { Obligation } from '../engine/types';
import { waiverBook } from '../engine/waivers';
import { compareEvents, parseEvent, type TicketEvent } from '../events/parse';
import type { CanonicalEvent } from '../events/schema';
import { type Policy, policyVersion } from '../policy/schema';
import type { Store } from '../ports';
import type { Reply } from './ingest';

export interface TicketDeps {
  readonly store: Store;
  readonly policy: Policy;
  readonly now?: () => number;
  /** Told of every stored event that no longer parses (serve counts and logs them). */
  readonly unreadable?: (u: Unreadable) => void;
}

const iso = (ms: number) => new Date(ms).toISOString();

/** A stored event that no longer parses (a schema tightened since it was stored, a damaged item). */
export interface Unreadable {
  readonly ticketId: string;
  readonly id: string;
  readonly error: string;
}

/**
 * Stored events in the engine's compact form (they were validated on the way in). One that no
 * longer parses is left out of the engine's view and told to `unreadable`, never dropped unsaid.
 */
export function compact(stored: readonly CanonicalEvent[], unreadable?: (u: Unreadable) => void): TicketEvent[] {
  const events: TicketEvent[] = [];
  for (const e of stored) {
    const r = parseEvent(e);
    if (r.ok) events.push(r.event);
    else unreadable?.({ ticketId: String(e.ticketId), id: String(e.id), error: r.error });
  }
  return events;
}

export function describeObligation(o: Obligation, policy: Policy) {
  return {
    rule: o.rule,
    title: (ruleById.get(o.rule) as Rule).title(policyVersion(policy, o.policyVersion)),
    status: o.status,
    severity: o.severity,
    startAt: iso(o.startAt),
    dueAt: iso(o.dueAt),
    policyVersion: o.policyVersion,
    explanation: explain(o, policy),
    ...(o.evidence ? { evidence: { eventId: o.evidence.eventId, type: o.evidence.type, at: iso(o.evidence.at) } } : {}),
    ...(o.excuse ? { waiver: o.excuse.waiverId } : {}),
  };
}

export async function ticketView(ticketId: string, deps: TicketDeps): Promise<Reply> {
  const raw = await deps.store.history(ticketId);
  const unreadable: Unreadable[] = [];
  const events = compact(raw, (u) => {
    unreadable.push(u);
    deps.unreadable?.(u);
  });
  if (raw.length === 0)
    return { status: 404, body: { error: 'not found', reason: `no events for ticket ${ticketId}` } };
  const asOf = deps.now?.() ?? Date.now();
  // the register of waivers as of now: what it excuses shows as excused, naming the waiver
  const register = await deps.store.waivers();
  const audit = evaluateTicket(ticketId, events, deps.policy, asOf, waiverBook(register, asOf));
  const order = new Map([...events].sort(compareEvents).map((e, i) => [e.id, i]));
  return {
    status: 200,
    body: {
      ticketId,
      asOf: iso(asOf),
      policy: deps.policy.id,
      state: {
        complete: audit.complete,
        severity: audit.severity,
        resolved: audit.resolved,
        clientTier: audit.clientTier,
      },
      history: [...raw].sort((a, b) => (order.get(a.id) ?? 0) - (order.get(b.id) ?? 0)),
      obligations: audit.obligations.map((o) => describeObligation(o, deps.policy)),
      breaches: audit.breaches.map((o) => describeObligation(o, deps.policy)),
      findings: audit.findings,
      // stored, but not read by the engine: each with why
      ...(unreadable.length ? { unreadable: unreadable.map(({ id, error }) => ({ id, error })) } : {}),
    },
  };
}
