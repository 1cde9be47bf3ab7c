import { mkdtempSync, readFileSync } from 'node:fs';
import { createServer } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PublishCommand, SNSClient } from '@aws-sdk/client-sns';
import { mockClient } from 'aws-sdk-client-mock';
import { describe, expect, it } from 'vitest';
import { LocalAlerts } from '../../../lib/adapters/local/alerts';
import { SnsAlerts } from '../../../lib/adapters/sns/alerts';
import type { Alert } from '../../../lib/ports';

const alert: Alert = {
  alertId: 'breach:T-100:incident-form:2026-03-02T10:05:00.000Z',
  kind: 'breach',
  ticketId: 'T-100',
  rule: 'incident-form',
  dueAt: '2026-03-02T10:05:00.000Z',
  severity: 'P1',
  clientTier: 'enterprise',
  policy: 'CS-POL-001',
  explanation: 'Incident Report Form filed 10:07, 2 min after the 10:05 deadline',
  link: 'https://api.example/tickets/T-100',
  raisedAt: '2026-03-02T10:05:01.000Z',
};

describe('SNS alerts', () => {
  it('publishes the alert as JSON with filterable attributes', async () => {
    const sns = mockClient(SNSClient);
    sns.on(PublishCommand).resolves({ MessageId: 'm-1' });
    await new SnsAlerts(new SNSClient({ region: 'eu-west-1' }), 'arn:aws:sns:eu-west-1:111122223333:alerts').publish(
      alert,
    );
    const input = sns.commandCalls(PublishCommand)[0]?.args[0].input;
    expect(input?.TopicArn).toBe('arn:aws:sns:eu-west-1:111122223333:alerts');
    expect(JSON.parse(input?.Message as string)).toEqual(alert);
    expect(input?.MessageAttributes).toEqual({
      kind: { DataType: 'String', StringValue: 'breach' },
      rule: { DataType: 'String', StringValue: 'incident-form' },
      severity: { DataType: 'String', StringValue: 'P1' },
      policy: { DataType: 'String', StringValue: 'CS-POL-001' },
      clientTier: { DataType: 'String', StringValue: 'enterprise' },
    });
    expect(input?.Subject).toMatch(/^BREACH T-100 incident-form/);
    expect(String(input?.Subject).length).toBeLessThan(100);
    sns.restore();
  });

  it('throws when SNS fails, so the checker is retried', async () => {
    const sns = mockClient(SNSClient);
    sns.on(PublishCommand).rejects(new Error('KMS key disabled'));
    await expect(new SnsAlerts(new SNSClient({ region: 'eu-west-1' }), 'arn').publish(alert)).rejects.toThrow(
      'KMS key disabled',
    );
    sns.restore();
  });
});

describe('local alerts', () => {
  it('prints a readable line, appends JSON Lines and POSTs to a webhook', async () => {
    const file = join(mkdtempSync(join(tmpdir(), 'ea-alerts-')), 'alerts.jsonl');
    const received: string[] = [];
    const server = createServer((req, res) => {
      let body = '';
      req.on('data', (d) => (body += d));
      req.on('end', () => {
        received.push(body);
        res.end('ok');
      });
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    const { port } = server.address() as { port: number };
    const lines: string[] = [];
    await new LocalAlerts({ file, webhookUrl: `http://127.0.0.1:${port}/hook`, write: (l) => lines.push(l) }).publish(
      alert,
    );
    server.close();
    expect(lines).toEqual([
      'BREACH T-100 incident-form due 2026-03-02T10:05:00.000Z (P1): Incident Report Form filed 10:07, 2 min after the 10:05 deadline https://api.example/tickets/T-100',
    ]);
    expect(readFileSync(file, 'utf8')).toBe(`${JSON.stringify(alert)}\n`);
    expect(JSON.parse(received[0] as string)).toEqual({ text: lines[0], alert });
  });
});
