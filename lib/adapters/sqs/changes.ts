/**
 * The changed tickets on their way to the reconciler, in AWS: an SQS FIFO queue, one message
 * group per ticket, so that a ticket's reconciles run one at a time, in order, while different
 * tickets run side by side. A message is `{ticketId, at}`: the ticket and the time of its changed
 * flag in the store (Store.flagChanged), which the reconciler clears once it is done.
 */
import { createHash } from 'node:crypto';
import { SendMessageBatchCommand, type SQSClient } from '@aws-sdk/client-sqs';
import * as z from 'zod';

export const ChangeMessage = z.object({
  ticketId: z.string().min(1),
  at: z.number().int().nonnegative(),
  /** The change is to the register of waivers: a checker reads the register again before it reconciles. */
  waivers: z.literal(true).optional(),
});
export type ChangeMessage = z.infer<typeof ChangeMessage>;

/** SQS takes at most 10 messages per batch. */
const BATCH = 10;

export class SqsChanges {
  constructor(
    private readonly client: SQSClient,
    private readonly queueUrl: string,
  ) {}

  /** Sends one message per ticket; throws naming the tickets SQS did not take. */
  async send(changes: readonly ChangeMessage[]): Promise<void> {
    for (let i = 0; i < changes.length; i += BATCH) {
      const chunk = changes.slice(i, i + BATCH);
      const r = await this.client.send(
        new SendMessageBatchCommand({
          QueueUrl: this.queueUrl,
          Entries: chunk.map((c, j) => ({
            Id: String(j),
            MessageBody: JSON.stringify(c),
            MessageGroupId: groupId(c.ticketId),
            // a redelivered webhook flags the ticket again with a new time: a new reconcile
            MessageDeduplicationId: dedupeId(c),
          })),
        }),
      );
      if (r.Failed?.length)
        throw new Error(
          `SQS did not take the changes of ${r.Failed.map((f) => `${chunk[Number(f.Id)]?.ticketId} (${f.Code}: ${f.Message})`).join(', ')}`,
        );
    }
  }
}

const sha256 = (text: string) => createHash('sha256').update(text).digest('hex');

/** SQS ids are at most 128 printable ASCII characters; other ticket ids group by their hash. */
const groupId = (ticketId: string) => (/^[\x21-\x7e]{1,128}$/.test(ticketId) ? ticketId : sha256(ticketId));
const dedupeId = (c: ChangeMessage) => sha256(`${c.ticketId}\n${c.at}${c.waivers ? '\nwaivers' : ''}`);
