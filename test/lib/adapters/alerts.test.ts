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

  /** A webhook receiver answering each POST with the next of `statuses` (0: never answers). */
  async function receiver(statuses: number[]) {
    const posts: { body: string; key: string | undefined }[] = [];
    const server = createServer((req, res) => {
      let body = '';
      req.on('data', (d) => (body += d));
      req.on('end', () => {
        posts.push({ body, key: req.headers['idempotency-key'] as string | undefined });
        const status = statuses.shift() ?? 200;
        if (status === 0) return; // hangs
        res.statusCode = status;
        res.end();
      });
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    const { port } = server.address() as { port: number };
    return { url: `http://127.0.0.1:${port}/hook`, posts, close: () => server.closeAllConnections() ?? server.close() };
  }

  it('delivers an alertId once per channel: a retry after a webhook failure writes neither console nor file again', async () => {
    const file = join(mkdtempSync(join(tmpdir(), 'ea-alerts-')), 'alerts.jsonl');
    const hook = await receiver([503, 200]);
    const lines: string[] = [];
    let now = 1_000_000;
    const alerts = new LocalAlerts({
      file,
      webhookUrl: hook.url,
      write: (l) => lines.push(l),
      now: () => now,
      random: () => 1,
      webhook: { baseDelayMs: 1_000 },
    });
    await expect(alerts.publish(alert)).rejects.toThrow(/answered 503 \(attempt 1 of 8\)/);
    // within the backoff: not even tried
    await expect(alerts.publish(alert)).rejects.toThrow(/waits until/);
    expect(hook.posts).toHaveLength(1);
    now += 1_000;
    await alerts.publish(alert);
    hook.close();
    expect(hook.posts.map((p) => p.key)).toEqual([alert.alertId, alert.alertId]);
    expect(lines).toHaveLength(1);
    expect(readFileSync(file, 'utf8')).toBe(`${JSON.stringify(alert)}\n`);
    // a restart (a new process) finds the alertId in the file and does not write it twice
    await new LocalAlerts({ file, write: () => {} }).publish(alert);
    await new LocalAlerts({ file, write: () => {} }).publish({ ...alert, alertId: 'breach:T-101:l2-paged:x' });
    expect(readFileSync(file, 'utf8').trim().split('\n')).toHaveLength(2);
  });

  it('writes one line for two publishes of one alert at once', async () => {
    const file = join(mkdtempSync(join(tmpdir(), 'ea-alerts-')), 'alerts.jsonl');
    const alerts = new LocalAlerts({ file, write: () => {} });
    await Promise.all([alerts.publish(alert), alerts.publish(alert), alerts.publish({ ...alert, alertId: 'other' })]);
    const ids = readFileSync(file, 'utf8')
      .trim()
      .split('\n')
      .map((l) => (JSON.parse(l) as Alert).alertId);
    expect(ids.sort()).toEqual([alert.alertId, 'other']);
  });

  it('times the webhook out, backs off exponentially with jitter, and dead-letters after the last attempt', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'ea-alerts-'));
    const file = join(dir, 'alerts.jsonl');
    const hook = await receiver([0, 500, 500]);
    let now = 0;
    const waits: number[] = [];
    const alerts = new LocalAlerts({
      file,
      webhookUrl: hook.url,
      write: () => {},
      now: () => now,
      random: () => 0.5,
      webhook: { timeoutMs: 200, baseDelayMs: 1_000, maxDelayMs: 1_500, attempts: 3 },
    });
    for (let attempt = 1; attempt <= 2; attempt++) {
      const err = await alerts.publish(alert).catch((e: Error) => e);
      expect((err as Error).message).toMatch(attempt === 1 ? /no answer in 200 ms/ : /answered 500/);
      const m = /waits until (\S+)/.exec(((await alerts.publish(alert).catch((e: Error) => e)) as Error).message);
      waits.push(Date.parse(m?.[1] as string) - now);
      now += 10_000;
    }
    // half of 1 s, then half of the 1.5 s cap (2 s doubled, capped)
    expect(waits).toEqual([500, 750]);
    await alerts.publish(alert); // the third attempt fails too: dead-lettered, not retried
    hook.close();
    expect(hook.posts).toHaveLength(3);
    expect(alerts.webhookStats).toEqual({ deadLettered: 1, backingOff: 0 });
    const dead = JSON.parse(readFileSync(join(dir, 'alerts.dead.jsonl'), 'utf8'));
    expect(dead.alert).toEqual(alert);
    expect(dead.why).toMatch(/3 attempts; the last: alert webhook answered 500/);
  });
});
