import type * as z from 'zod';
import { CanonicalEvent, type Channel, type EventType, type Role, type Severity, type Tier } from './schema';

/**
 * A validated canonical event in the compact form the engine reads: the timestamp as epoch
 * milliseconds, only the fields a rule or the identity check needs. One shape for every type
 * keeps a million of them small and fast.
 */
export interface TicketEvent {
  readonly id: string;
  readonly ticketId: string;
  readonly type: EventType;
  /** `at` as epoch milliseconds. */
  readonly t: number;
  readonly actorId: string | undefined;
  readonly role: Role | undefined;
  readonly severity: Severity | undefined;
  readonly clientId: string | undefined;
  readonly clientTier: 'enterprise' | 'standard' | undefined;
  /** `toTier` of `escalated`, `tier` of `ownership.taken`. */
  readonly tier: Tier | undefined;
  readonly channel: Channel | undefined;
  readonly tag: string | undefined;
  readonly status: string | undefined;
  /** `etr` of `client.update` as epoch milliseconds. */
  readonly etr: number | undefined;
  /** The ticket's queue or team as of this event, when the source says (reports only). */
  readonly queue: string | undefined;
  /** `<system>:<id>` of the incident this event comes from, when it does (population only). */
  readonly incident: string | undefined;
  /** `recoveredAt` as epoch milliseconds: found by reconciliation, not delivered (reports only; not identity). */
  readonly recovered: number | undefined;
}

export type ParseResult = { ok: true; event: TicketEvent } | { ok: false; error: string };

/**
 * Formats zod issues as `field: reason; field: reason`, naming each field by its path, under
 * `under` when given (e.g. `events[1].severity`). An issue of the whole value is named by
 * `under`, or else by `whole`.
 */
export function describeIssues(
  issues: readonly z.core.$ZodIssue[],
  { under, whole = '(event)' }: { under?: string; whole?: string } = {},
): string {
  return issues
    .map((i) => {
      const path = i.path.map(String).join('.');
      const field = under ? (path ? `${under}.${path}` : under) : path || whole;
      return `${field}: ${i.message}`;
    })
    .join('; ');
}

/** Validates one canonical event (RULES.md section 1) and converts it to its compact form. */
export function parseEvent(value: unknown): ParseResult {
  const r = CanonicalEvent.safeParse(value);
  return r.success ? { ok: true, event: compactEvent(r.data) } : { ok: false, error: describeIssues(r.error.issues) };
}

/** The compact form of a validated event. */
function compactEvent(e: CanonicalEvent): TicketEvent {
  return {
    id: e.id,
    ticketId: e.ticketId,
    type: e.type,
    t: Date.parse(e.at),
    actorId: e.actor?.id,
    role: e.actor?.role,
    severity: e.type === 'ticket.created' || e.type === 'severity.changed' ? e.severity : undefined,
    clientId: e.type === 'ticket.created' ? e.client.id : undefined,
    clientTier: e.type === 'ticket.created' ? e.client.tier : undefined,
    tier: e.type === 'escalated' ? e.toTier : e.type === 'ownership.taken' ? e.tier : undefined,
    channel: e.type === 'escalated' ? e.channel : undefined,
    tag: e.type === 'tag.added' || e.type === 'tag.removed' ? e.tag : undefined,
    status: e.type === 'client.update' ? e.status : undefined,
    etr: e.type === 'client.update' && e.etr !== undefined ? Date.parse(e.etr) : undefined,
    queue: e.queue,
    incident: e.incident ? `${e.incident.system}:${e.incident.id}` : undefined,
    recovered: e.recoveredAt !== undefined ? Date.parse(e.recoveredAt) : undefined,
  };
}

/** Parses one line of JSON Lines into a canonical event; the error says what is wrong. */
export function parseLine(line: string): ParseResult {
  let value: unknown;
  try {
    value = JSON.parse(line);
  } catch (err) {
    return { ok: false, error: `not valid JSON (${(err as Error).message})` };
  }
  return parseEvent(value);
}

/** Two events with one id are the same event when every field a rule or identity reads agrees. */
export function sameEvent(a: TicketEvent, b: TicketEvent): boolean {
  return (
    a.id === b.id &&
    a.ticketId === b.ticketId &&
    a.type === b.type &&
    a.t === b.t &&
    a.actorId === b.actorId &&
    a.role === b.role &&
    a.severity === b.severity &&
    a.clientId === b.clientId &&
    a.clientTier === b.clientTier &&
    a.tier === b.tier &&
    a.channel === b.channel &&
    a.tag === b.tag &&
    a.status === b.status &&
    a.etr === b.etr &&
    a.queue === b.queue &&
    a.incident === b.incident
    // not `recovered`: a change found by reconciliation is the one its webhook delivers
  );
}

/** Two stored canonical events are one event when their compact forms agree (RULES.md section 2). */
export function sameCanonical(a: unknown, b: unknown): boolean {
  const x = parseEvent(a);
  const y = parseEvent(b);
  return x.ok && y.ok && sameEvent(x.event, y.event);
}

/** Orders a ticket's events by `at`, ties by `id` (RULES.md section 2). */
export function compareEvents(a: TicketEvent, b: TicketEvent): number {
  return a.t - b.t || (a.id < b.id ? -1 : a.id > b.id ? 1 : 0);
}
