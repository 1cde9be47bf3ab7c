/** Canonical events for the store tests, with the ids the test chooses (redeliveries reuse them). */
import type { CanonicalEvent } from '../../lib/events/schema';

/** A P1 enterprise ticket opened on Monday 2 March 2026 at 10:00 UTC. */
export const createdEvent = (id: string, ticketId = 'T-1'): CanonicalEvent => ({
  id,
  ticketId,
  type: 'ticket.created',
  at: '2026-03-02T10:00:00Z',
  severity: 'P1',
  client: { id: 'acme', tier: 'enterprise' },
});
