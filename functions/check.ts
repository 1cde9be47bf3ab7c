/**
 * The checker Lambda: every reconcile in AWS runs here, never inside a webhook's request.
 * - A batch from the changes queue (SQS FIFO, one message group per ticket, sent by the ingest
 *   Lambda after the events are stored): each ticket reconciled once, its changed flag cleared;
 *   a ticket that fails has its messages returned (partial batch response) for SQS to retry,
 *   then its dead-letter queue, while the sweep still has its flag.
 * - An EventBridge Scheduler timer, `{ticketId, rule, dueAt, kind}`: it re-reads the ticket and
 *   lets the engine decide; a failure to record or publish throws, so Scheduler retries (then the
 *   timers' dead-letter queue).
 * - `{ "sweep": true }`, every 10 minutes: tickets whose reconcile failed and timers that should
 *   have fired are reconciled again.
 * Idempotent throughout: a message or timer delivered twice gives one breach and one alert.
 */
import type { SQSBatchResponse } from 'aws-lambda';
import * as z from 'zod';
import { ChangeMessage } from '../lib/adapters/sqs/changes';
import { check, type Reconciled } from '../lib/app/live';
import { reconcileTickets, sweep } from '../lib/app/sweep';
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

/** A batch from the changes queue (only what the checker reads of it). */
const QueueBatch = z.object({
  Records: z.array(z.object({ messageId: z.string(), body: z.string(), eventSource: z.literal('aws:sqs') })).min(1),
});

type Counts = Pick<Reconciled, 'breaches' | 'retracted' | 'warnings'>;

const store = storeFromEnv();
const live = liveFromEnv(store, policyFromEnv());

export const handler = observed<unknown, Counts | (Counts & SQSBatchResponse)>().handler(async (event) => {
  if (!live) throw new Error('the checker needs SCHEDULE_GROUP and ALERTS_TOPIC_ARN (and the rest of its environment)');
  const batch = QueueBatch.safeParse(event);
  if (batch.success) {
    // each ticket once, with its latest flag; a failed ticket's messages all go back
    const tickets = new Map<string, number>();
    const messages = new Map<string, string[]>();
    const unreadable: string[] = [];
    let waiversChanged = false;
    for (const { messageId, body } of batch.data.Records) {
      const m = ChangeMessage.safeParse(safeJson(body));
      if (!m.success) {
        logger.error('changes queue: a message that is not {ticketId, at}; returned for its dead-letter queue', {
          messageId,
        });
        unreadable.push(messageId);
        continue;
      }
      tickets.set(m.data.ticketId, Math.max(m.data.at, tickets.get(m.data.ticketId) ?? 0));
      messages.set(m.data.ticketId, [...(messages.get(m.data.ticketId) ?? []), messageId]);
      waiversChanged ||= m.data.waivers === true;
    }
    // a change to the register of waivers: read it again, once for the batch, before reconciling
    if (waiversChanged) live.waiversChanged();
    const { failed, ...counts } = await reconcileTickets(tickets, live, (ticketId, err) =>
      logger.error('reconcile failed; its messages go back to the queue', { ticketId, err }),
    );
    countReconciled(counts);
    count('ReconcileFailures', failed.size);
    const again = [...unreadable, ...[...failed].flatMap((t) => messages.get(t) ?? [])];
    return { ...counts, batchItemFailures: again.map((itemIdentifier) => ({ itemIdentifier })) };
  }
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
});

function safeJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}
