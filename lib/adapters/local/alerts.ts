/**
 * Alerts on one machine: a readable line on the console, a JSON line in a file, and optionally a
 * POST to a webhook (a Slack incoming webhook takes `{"text": …}`).
 */
import { appendFile } from 'node:fs/promises';
import type { Alert, Alerts } from '../../ports';

export interface LocalAlertsOptions {
  readonly file?: string;
  readonly webhookUrl?: string;
  readonly write?: (line: string) => void;
}

export function alertLine(a: Alert): string {
  const what = a.kind === 'breach' ? 'BREACH' : a.kind === 'warning' ? 'WARNING' : 'RETRACTED';
  return `${what} ${a.ticketId} ${a.rule} due ${a.dueAt}${a.severity ? ` (${a.severity})` : ''}: ${a.explanation} ${a.link}`;
}

export class LocalAlerts implements Alerts {
  constructor(private readonly opts: LocalAlertsOptions = {}) {}

  async publish(alert: Alert): Promise<void> {
    (this.opts.write ?? ((l: string) => process.stdout.write(`${l}\n`)))(alertLine(alert));
    if (this.opts.file) await appendFile(this.opts.file, `${JSON.stringify(alert)}\n`);
    if (this.opts.webhookUrl) {
      const r = await fetch(this.opts.webhookUrl, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ text: alertLine(alert), alert }),
      });
      if (!r.ok) throw new Error(`alert webhook answered ${r.status}`);
    }
  }
}
