import { evaluateTicket } from '../lib/engine/evaluate';
import type { Obligation, TicketAudit } from '../lib/engine/types';
import { parseEvent, type TicketEvent } from '../lib/events/parse';
import { DEFAULT_POLICY, type Policy } from '../lib/policy/schema';

/** Monday 2 March 2026 at `hhmm` UTC, or `day` (YYYY-MM-DD) at `hhmm`. */
export const at = (hhmm: string, day = '2026-03-02') => `${day}T${hhmm}:00Z`;
export const ms = (iso: string) => Date.parse(iso);
export const iso = (t: number) => new Date(t).toISOString();

let seq = 0;
/** A validated canonical event; throws when the test wrote an invalid one. */
export function ev(type: string, when: string, fields: Record<string, unknown> = {}, ticketId = 'T-1'): TicketEvent {
  const r = parseEvent({ id: `e${String(++seq).padStart(6, '0')}`, ticketId, type, at: when, ...fields });
  if (!r.ok) throw new Error(r.error);
  return r.event;
}

export const created = (when: string, severity = 'P1', tier = 'enterprise') =>
  ev('ticket.created', when, { severity, client: { id: 'acme', tier } });
export const form = (when: string) => ev('incident_form.created', when);
export const escalated = (when: string, toTier: 'L2' | 'L3', channel: string) =>
  ev('escalated', when, { toTier, channel });
export const owned = (when: string, tier: 'L2' | 'L3' = 'L3') => ev('ownership.taken', when, { tier });
export const update = (when: string, role = 'CSM', fields: Record<string, unknown> = { status: 'ok', etr: when }) =>
  ev('client.update', when, { actor: { role }, ...fields });
export const severity = (when: string, s: string) => ev('severity.changed', when, { severity: s });
export const resolved = (when: string) => ev('ticket.resolved', when);
export const reopened = (when: string) => ev('ticket.reopened', when);
export const documented = (when: string) => ev('troubleshooting.documented', when);
export const tagged = (when: string, tag = 'Escalate-L2') => ev('tag.added', when, { tag });

export function audit(events: TicketEvent[], asOf: string, policy: Policy = DEFAULT_POLICY): TicketAudit {
  return evaluateTicket('T-1', events, policy, ms(asOf));
}

/** `rule status dueAt` lines of one rule (or all), for compact assertions. */
export function statuses(result: TicketAudit, rule?: string): string[] {
  return result.obligations
    .filter((o: Obligation) => !rule || o.rule === rule)
    .map((o) => `${rule ? '' : `${o.rule} `}${o.status} ${iso(o.dueAt)}`);
}

export const breachIds = (result: TicketAudit) => result.breaches.map((b) => `${b.rule} ${iso(b.dueAt)}`);
