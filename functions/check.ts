/**
 * The checker Lambda, invoked by an EventBridge Scheduler timer with `{ticketId, rule, dueAt,
 * kind}`. It re-reads the ticket and lets the engine decide; a failure to record or publish
 * throws, so Scheduler retries (then the dead-letter queue). Idempotent: a timer delivered twice
 * gives one breach and one alert. `{ "sweep": true }`, every 10 minutes, runs the sweep instead:
 * tickets whose reconcile failed and timers that should have fired are reconciled again.
 */
import * as z from 'zod';
import { check } from '../lib/app/live';
import { sweep } from '../lib/app/sweep';
import { count, countReconciled, logger, observed } from './observability';
import { liveFromEnv, policyFromEnv, storeFromEnv } from './wiring';

const TimerEvent = z.object({
  ticketId: z.string().min(1),
  rule: z.string(),
  dueAt: z.string(),
  kind: z.string().optional(),
});

/** `{ "sweep": true }`: the sweep's schedule. */
const SweepEvent = z.object({ sweep: z.literal(true) });

const store = storeFromEnv();
const live = liveFromEnv(store, policyFromEnv());

export const handler = observed<unknown, { breaches: number; retracted: number; warnings: number }>().handler(
  async (event) => {
    if (!live)
      throw new Error('the checker needs SCHEDULE_GROUP and ALERTS_TOPIC_ARN (and the rest of its environment)');
    if (SweepEvent.safeParse(event).success) {
      // the sweep behind the timers (lib/app/sweep.ts), on a Scheduler rate
      const swept = await sweep(live, (ticketId, err) => logger.error('sweep: reconcile failed', { ticketId, err }));
      countReconciled(swept);
      count('SweepTickets', swept.tickets);
      count('SweepFailures', swept.failed);
      return { breaches: swept.breaches, retracted: swept.retracted, warnings: swept.warnings };
    }
    const timer = TimerEvent.parse(event);
    const r = await check(timer, live);
    countReconciled(r);
    return { breaches: r.breaches, retracted: r.retracted, warnings: r.warnings };
  },
);
