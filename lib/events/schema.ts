/**
 * Canonical ticket events (RULES.md section 1). Every source is translated into these before
 * anything else looks at it; this module is the only place that knows their shape.
 */
import * as z from 'zod';

export const ROLES = ['L1', 'L2', 'L3', 'CSM', 'HeadOfSupport'] as const;
export const SEVERITIES = ['P0', 'P1', 'P2', 'P3', 'P4'] as const;
export const TIERS = ['L2', 'L3'] as const;
export const CHANNELS = ['page', 'phone', 'incident_system', 'ticket_assignment'] as const;
export const CLIENT_TIERS = ['enterprise', 'standard'] as const;

export const Role = z.enum(ROLES);
export const Severity = z.enum(SEVERITIES);
export const Tier = z.enum(TIERS);
export const Channel = z.enum(CHANNELS);

export type Role = z.infer<typeof Role>;
export type Severity = z.infer<typeof Severity>;
export type Tier = z.infer<typeof Tier>;
export type Channel = z.infer<typeof Channel>;

/** RFC 3339 timestamp with `Z` or a numeric offset. */
export const Timestamp = z.iso.datetime({ offset: true });

/**
 * A name that is shown to people (ids, queues, tags): no control characters, so that a newline
 * or an escape sequence in it can never forge a line of an alert, a log or a report.
 */
const printable = z
  .string()
  .regex(/^[^\p{Cc}]*$/u, 'must not contain control characters (a newline, a tab, an escape)');
const identifier = printable.min(1).max(256);

const common = {
  id: identifier,
  ticketId: identifier,
  at: Timestamp,
  actor: z.object({ id: printable.max(256).optional(), role: Role.optional() }).optional(),
  /**
   * An extension to RULES.md section 1, ignored by every rule: the helpdesk queue or team the
   * ticket is in as of this change (from the mapping), so the weekly report can group by it.
   */
  queue: identifier.optional(),
  /**
   * An extension to RULES.md section 1, ignored by every rule: the incident of an incident tool
   * (PagerDuty, Opsgenie) this change comes from, so that an audit can list the P0/P1 tickets no
   * incident names and the incidents that name no known ticket (the population's completeness).
   */
  incident: z.object({ system: identifier.max(64), id: identifier }).optional(),
  /**
   * An extension to RULES.md section 1, ignored by every rule and by identity: no webhook
   * delivered this change; the periodic reconciliation with the vendor found it at this time
   * (counted as "recovered by reconciliation" in the weekly report).
   */
  recoveredAt: Timestamp.optional(),
};

/** Unknown fields are accepted and ignored (stripped); a raw-payload archive keeps them where needed. */
const event = <T extends string, S extends z.ZodRawShape>(type: T, shape: S) =>
  z.object({ ...common, type: z.literal(type), ...shape });

export const CanonicalEvent = z.discriminatedUnion('type', [
  event('ticket.created', {
    severity: Severity,
    client: z.object({ id: printable.max(256), tier: z.enum(CLIENT_TIERS) }),
  }),
  event('severity.changed', { severity: Severity }),
  event('incident_form.created', {}),
  event('escalated', { toTier: Tier, channel: Channel }),
  event('ownership.taken', { tier: Tier }),
  event('troubleshooting.documented', {}),
  event('tag.added', { tag: printable.max(256) }),
  event('tag.removed', { tag: printable.max(256) }),
  event('client.update', { status: z.string().optional(), etr: Timestamp.optional() }),
  event('ticket.resolved', {}),
  event('ticket.reopened', {}),
]);

export type CanonicalEvent = z.infer<typeof CanonicalEvent>;
export type EventType = CanonicalEvent['type'];
export const EVENT_TYPES = CanonicalEvent.options.map((o) => o.shape.type.value) as EventType[];
