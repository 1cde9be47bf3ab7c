/**
 * Reading a ticket's history (RULES.md section 2): one pass over the ordered events gives the
 * severity at every event, the open stretches between resolutions, the critical episodes and the
 * P2/P3 procedure of each stretch.
 */
import type { TicketEvent } from '../events/parse';
import type { Severity } from '../events/schema';
import type { Policy } from '../policy/schema';

/** A span during which a procedure's clock runs: from `start` until `end` (open while undefined). */
export interface Episode {
  readonly start: number;
  readonly severity: Severity;
  /** The open stretch the clock started in (an index into `Timeline.stretches`): its evidence is there. */
  readonly stretch: number;
  end: number | undefined;
  endedBy: string | undefined;
}

/**
 * An open stretch (RULES.md section 2, revision 2026-12-01) as indices into the ordered events,
 * both inclusive: from the event after a `ticket.resolved` (or the first event) through the next
 * `ticket.resolved` (or the last event). The resolution belongs to the stretch it closes.
 */
export interface Stretch {
  readonly first: number;
  readonly last: number;
}

export interface Timeline {
  /** Ordered (by `at`, ties by `id`), unique, none after the audit time. */
  readonly events: readonly TicketEvent[];
  /** Severity after each event, index for index. */
  readonly severityAt: readonly (Severity | undefined)[];
  /** After each event: the ticket's queue (latest one named) and who holds it (its creator, or the last to take ownership). */
  readonly queueAt: readonly (string | undefined)[];
  readonly holderAt: readonly (string | undefined)[];
  readonly created: TicketEvent | undefined;
  readonly severity: Severity | undefined;
  readonly resolved: boolean;
  /** The ticket's life cut by its resolutions; a reopened ticket is a new incident. */
  readonly stretches: readonly Stretch[];
  /** Spans during which the ticket was critical (P0/P1 and not resolved). */
  readonly critical: readonly Episode[];
  /** The P2/P3 procedure of each open stretch, from its first escalation to L2 while P2/P3. */
  readonly escalations: readonly Episode[];
  /** The first escalation to L3, through any channel. */
  readonly firstL3: TicketEvent | undefined;
}

/** The index of the last event at or before `t` (-1 if none). */
export function lastIndexAt(events: readonly TicketEvent[], t: number): number {
  let lo = 0;
  let hi = events.length - 1;
  let found = -1;
  while (lo <= hi) {
    const mid = (lo + hi) >> 1;
    if ((events[mid] as TicketEvent).t <= t) {
      found = mid;
      lo = mid + 1;
    } else hi = mid - 1;
  }
  return found;
}

function among(severity: Severity | undefined, set: readonly Severity[]): boolean {
  return severity !== undefined && set.includes(severity);
}

export function buildTimeline(events: readonly TicketEvent[], policy: Policy): Timeline {
  const critical: Episode[] = [];
  const severityAt: (Severity | undefined)[] = [];
  const queueAt: (string | undefined)[] = [];
  const holderAt: (string | undefined)[] = [];
  let queue: string | undefined;
  let holder: string | undefined;
  let created: TicketEvent | undefined;
  let severity: Severity | undefined;
  let resolved = false;
  const escalations: Episode[] = [];
  const stretches: Stretch[] = [];
  let stretchFirst = 0;
  /** The current stretch's P2/P3 procedure, once it has started. */
  let escalation: Episode | undefined;
  let firstL3: TicketEvent | undefined;
  const { criticalSeverities, escalationSeverities } = policy;

  for (const [i, ev] of events.entries()) {
    const stretch = stretches.length;
    const wasCritical = !resolved && among(severity, criticalSeverities);
    const wasEscalation = among(severity, escalationSeverities);
    switch (ev.type) {
      case 'ticket.created':
        created ??= ev;
        severity = ev.severity;
        resolved = false;
        break;
      case 'severity.changed':
        severity = ev.severity;
        break;
      case 'ticket.resolved':
        resolved = true;
        break;
      case 'ticket.reopened':
        resolved = false;
        break;
      case 'escalated':
        if (ev.tier === 'L3') firstL3 ??= ev;
        if (!escalation && ev.tier === policy.escalationTier && wasEscalation) {
          escalation = { start: ev.t, severity: severity as Severity, stretch, end: undefined, endedBy: undefined };
          escalations.push(escalation);
        }
        break;
    }
    severityAt.push(severity);
    queue = ev.queue ?? queue;
    if ((ev.type === 'ticket.created' || ev.type === 'ownership.taken') && ev.actorId) holder = ev.actorId;
    queueAt.push(queue);
    holderAt.push(holder);

    const endedBy = ev.type === 'ticket.resolved' ? 'resolved' : `reclassified to ${severity}`;
    const nowCritical = !resolved && among(severity, criticalSeverities);
    if (!wasCritical && nowCritical) {
      critical.push({ start: ev.t, severity: severity as Severity, stretch, end: undefined, endedBy: undefined });
    } else if (wasCritical && !nowCritical) {
      const episode = critical[critical.length - 1] as Episode;
      episode.end = ev.t;
      episode.endedBy = endedBy;
    }
    const leftEscalation = ev.type === 'ticket.resolved' || !among(severity, escalationSeverities);
    if (escalation && escalation.end === undefined && leftEscalation) {
      escalation.end = ev.t;
      escalation.endedBy = endedBy;
    }
    if (ev.type === 'ticket.resolved') {
      // the stretch ends here; the next one has its own P2/P3 procedure
      stretches.push({ first: stretchFirst, last: i });
      stretchFirst = i + 1;
      escalation = undefined;
    }
  }
  if (stretchFirst < events.length || stretches.length === 0)
    stretches.push({ first: stretchFirst, last: events.length - 1 });
  return {
    events,
    severityAt,
    queueAt,
    holderAt,
    created,
    severity,
    resolved,
    stretches,
    critical,
    escalations,
    firstL3,
  };
}
