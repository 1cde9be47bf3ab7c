/**
 * Timers on EventBridge Scheduler: one one-time schedule per timer in a dedicated group, named
 * deterministically so that ConflictException means "already armed" and a delete of a schedule
 * that has fired (ActionAfterCompletion DELETE) or never existed is fine.
 */
import { createHash } from 'node:crypto';
import {
  ConflictException,
  CreateScheduleCommand,
  DeleteScheduleCommand,
  ResourceNotFoundException,
  type SchedulerClient,
} from '@aws-sdk/client-scheduler';
import type { Timer, Timers } from '../../ports';

export interface SchedulerTimersOptions {
  readonly client: SchedulerClient;
  readonly group: string;
  /** The checker Lambda. */
  readonly targetArn: string;
  /** The role Scheduler assumes to invoke the checker and to send to the dead-letter queue. */
  readonly roleArn: string;
  readonly deadLetterArn: string;
}

const RULE_CODES: Record<string, string> = {
  'incident-form': 'if',
  'l2-paged': 'l2p',
  'l3-engaged': 'l3e',
  'l3-ownership': 'l3o',
  'client-update': 'cu',
  'troubleshooting-documented': 'td',
  'escalate-l2-tag': 'tag',
  'l2-resolution': 'l2r',
  'l2-communicator': 'l2c',
};

/** At most 64 characters of [0-9a-zA-Z-_.]; ticket ids that do not fit are hashed. */
export function scheduleName(t: Timer): string {
  const ticket = /^[0-9A-Za-z_-]{1,32}$/.test(t.ticketId)
    ? t.ticketId
    : createHash('sha256').update(t.ticketId).digest('hex').slice(0, 32);
  return `${t.kind === 'warning' ? 'w' : t.kind === 'lease' ? 'l' : 'd'}.${ticket}.${RULE_CODES[t.rule] ?? t.rule}.${Math.ceil(t.dueAt / 1000)}`;
}

/** `at(yyyy-mm-ddThh:mm:ss)` in UTC, rounded up to the second so that it never fires early. */
export function atExpression(ms: number): string {
  return `at(${new Date(Math.ceil(ms / 1000) * 1000).toISOString().slice(0, 19)})`;
}

export class SchedulerTimers implements Timers {
  /** Scheduler API calls made, for the benchmark. */
  calls = 0;

  constructor(private readonly opts: SchedulerTimersOptions) {}

  async arm(timers: readonly Timer[]): Promise<void> {
    await Promise.all(timers.map((t) => this.create(t)));
  }

  async disarm(timers: readonly Timer[]): Promise<void> {
    await Promise.all(timers.map((t) => this.delete(t)));
  }

  private async create(t: Timer): Promise<void> {
    this.calls++;
    try {
      await this.opts.client.send(
        new CreateScheduleCommand({
          Name: scheduleName(t),
          GroupName: this.opts.group,
          ScheduleExpression: atExpression(t.fireAt),
          ScheduleExpressionTimezone: 'UTC',
          FlexibleTimeWindow: { Mode: 'OFF' },
          ActionAfterCompletion: 'DELETE',
          Target: {
            Arn: this.opts.targetArn,
            RoleArn: this.opts.roleArn,
            Input: JSON.stringify({
              ticketId: t.ticketId,
              rule: t.rule,
              dueAt: new Date(t.dueAt).toISOString(),
              kind: t.kind,
            }),
            RetryPolicy: { MaximumRetryAttempts: 10, MaximumEventAgeInSeconds: 3600 },
            DeadLetterConfig: { Arn: this.opts.deadLetterArn },
          },
        }),
      );
    } catch (err) {
      if (!(err instanceof ConflictException)) throw err;
    }
  }

  private async delete(t: Timer): Promise<void> {
    this.calls++;
    try {
      await this.opts.client.send(new DeleteScheduleCommand({ Name: scheduleName(t), GroupName: this.opts.group }));
    } catch (err) {
      if (!(err instanceof ResourceNotFoundException)) throw err;
    }
  }
}
