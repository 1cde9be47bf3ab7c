import type { Conflict } from '../events/history';
import type { EventType, Severity } from '../events/schema';
import type { RuleId } from '../policy/schema';
import type { Excuse } from './waivers';

/** `excused`: breached, and a waiver in force covers it (lib/engine/waivers.ts). */
export type ObligationStatus = 'met' | 'pending' | 'breached' | 'excused' | 'cancelled';

/** An event that bears on an obligation. */
export interface Evidence {
  readonly eventId: string;
  readonly type: EventType;
  readonly at: number;
}

/** An event of the right kind that did not count, and why ("went through ticket_assignment"). */
export interface Discounted extends Evidence {
  readonly why: string;
}

/** One thing the policy requires of one ticket, with its due time and where it stands. */
export interface Obligation {
  readonly ticketId: string;
  readonly rule: RuleId;
  readonly status: ObligationStatus;
  /** When its clock started: the episode start T0, the escalation e, or the update window's anchor. */
  readonly startAt: number;
  readonly dueAt: number;
  /** The version of the policy it is judged by: the one in force when its clock started. */
  readonly policyVersion: string;
  /** The ticket's severity when the clock started. */
  readonly severity: Severity | undefined;
  /** met: what met it; breached: the first event that would have, had it come in time. */
  readonly evidence?: Evidence;
  /** Events of the right kind that did not count (for the explanation). */
  readonly discounted?: readonly Discounted[];
  /** cancelled: when the clock stopped, and why. */
  readonly cancelledAt?: number;
  readonly cancelledBy?: string;
  /** The ticket's queue or team when it fell due (or at the audit time), when the source names one. */
  readonly queue?: string;
  /**
   * Who it is put down to: the actor of its evidence (who met it, met it late, or sent the
   * non-compliant update); without evidence, whoever held the ticket when it fell due: its creator
   * or the last to take ownership.
   */
  readonly agent?: string;
  /** excused: the waiver that excuses the breach. */
  readonly excuse?: Excuse;
}

/** A breach is a breached obligation; its identity is (ticketId, rule, dueAt). */
export type Breach = Obligation & { readonly status: 'breached' };

export interface Finding {
  readonly ticketId: string;
  readonly kind: 'critical-from-non-target-client';
  readonly message: string;
}

export interface TicketAudit {
  readonly ticketId: string;
  /** Identical redeliveries ignored, and different events that reused a known id (the first stayed). */
  readonly duplicates: number;
  readonly conflicts: readonly Conflict[];
  /** false when the history has no `ticket.created`: no rules apply. */
  readonly complete: boolean;
  /** Severity and state as of the audit time. */
  readonly severity: Severity | undefined;
  readonly resolved: boolean;
  readonly clientId: string | undefined;
  readonly clientTier: 'enterprise' | 'standard' | undefined;
  readonly obligations: readonly Obligation[];
  readonly breaches: readonly Breach[];
  readonly findings: readonly Finding[];
}

export const breachKey = (b: Pick<Obligation, 'ticketId' | 'rule' | 'dueAt'>): string =>
  `${b.ticketId}\u0000${b.rule}\u0000${b.dueAt}`;
