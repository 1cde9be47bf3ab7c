/**
 * Alerts on an SNS standard topic: the alert as the JSON body, and message attributes `kind`,
 * `rule`, `severity`, `policy` and `clientTier` for subscription filter policies.
 */
import { type MessageAttributeValue, PublishCommand, type SNSClient } from '@aws-sdk/client-sns';
import type { Alert, Alerts } from '../../ports';
import { alertLine } from '../local/alerts';

export class SnsAlerts implements Alerts {
  constructor(
    private readonly client: SNSClient,
    private readonly topicArn: string,
  ) {}

  async publish(alert: Alert): Promise<void> {
    const attribute = (value: string | undefined): MessageAttributeValue => ({
      DataType: 'String',
      StringValue: value ?? 'none',
    });
    await this.client.send(
      new PublishCommand({
        TopicArn: this.topicArn,
        // SNS subjects are printable ASCII, under 100 characters
        Subject: alertLine(alert)
          .replace(/[^\x20-\x7e]/g, '?')
          .slice(0, 99),
        Message: JSON.stringify(alert),
        MessageAttributes: {
          kind: attribute(alert.kind),
          rule: attribute(alert.rule),
          severity: attribute(alert.severity),
          policy: attribute(alert.policy),
          clientTier: attribute(alert.clientTier),
        },
      }),
    );
  }
}
