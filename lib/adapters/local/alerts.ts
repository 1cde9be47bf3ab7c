/**
 * Alerts on one machine: a readable line on the console, a JSON line in a file, and optionally a
 * POST to a webhook (a Slack incoming webhook takes `{"text": …}`).
 *
 * Each channel delivers an alertId once. A publish that failed on one channel and is tried again
 * writes only to the channels that did not have it; the file is not written again for an alertId
 * its recent lines hold (a restart after a crash between writing it and settling the notice); the
 * webhook carries the alertId, in the body and as `Idempotency-Key`, so receivers can drop a
 * repeat. The webhook is polite: each POST has a timeout, a failed one is tried again only after
 * an exponential backoff with jitter, and after the last attempt the alert goes to a dead-letter
 * file (counted for /healthz) instead of being retried for ever.
 */
import { appendFile, open } from 'node:fs/promises';
import type { Alert, Alerts } from '../../ports';

export interface LocalAlertsOptions {
  readonly file?: string;
  readonly webhookUrl?: string;
  /** Where alerts the webhook never took go (JSON lines); default: next to `file`, or none. */
  readonly deadLetterFile?: string;
  readonly write?: (line: string) => void;
  /** Webhook delivery; the defaults suit a chat webhook. */
  readonly webhook?: Partial<WebhookPolicy>;
  readonly now?: () => number;
  readonly random?: () => number;
}

export interface WebhookPolicy {
  readonly timeoutMs: number;
  /** The first wait after a failure; it doubles after each, up to `maxDelayMs`. */
  readonly baseDelayMs: number;
  readonly maxDelayMs: number;
  /** Attempts before the alert is dead-lettered. */
  readonly attempts: number;
}

const WEBHOOK: WebhookPolicy = { timeoutMs: 10_000, baseDelayMs: 2_000, maxDelayMs: 120_000, attempts: 8 };
/** How much of the end of the alerts file is read for the alertIds it already holds. */
const TAIL_BYTES = 1 << 20;

export function alertLine(a: Alert): string {
  const what = { breach: 'BREACH', warning: 'WARNING', retraction: 'RETRACTED', excused: 'EXCUSED' }[a.kind];
  return `${what} ${a.ticketId} ${a.rule} due ${a.dueAt}${a.severity ? ` (${a.severity})` : ''}: ${a.explanation} ${a.link}`;
}

/** Thrown while a webhook delivery waits out its backoff: the caller tries again later. */
export class BackingOff extends Error {}

type Channel = 'console' | 'file' | 'webhook';

export class LocalAlerts implements Alerts {
  private readonly policy: WebhookPolicy;
  /** Channels that have an alert whose publish has not completed on every channel yet. */
  private readonly partly = new Map<string, Set<Channel>>();
  private readonly failures = new Map<string, { attempts: number; retryAt: number }>();
  private inFile?: Promise<Set<string>>;
  private deadLettered = 0;

  constructor(private readonly opts: LocalAlertsOptions = {}) {
    this.policy = { ...WEBHOOK, ...opts.webhook };
  }

  /** For /healthz: alerts given up on by the webhook, and alerts waiting to be tried again. */
  get webhookStats(): { deadLettered: number; backingOff: number } {
    return { deadLettered: this.deadLettered, backingOff: this.failures.size };
  }

  async publish(alert: Alert): Promise<void> {
    const done = this.partly.get(alert.alertId) ?? new Set<Channel>();
    this.partly.set(alert.alertId, done);
    if (!done.has('console')) {
      (this.opts.write ?? ((l: string) => process.stdout.write(`${l}\n`)))(alertLine(alert));
      done.add('console');
    }
    if (this.opts.file && !done.has('file')) {
      const inFile = await this.alertIdsInFile();
      // taken before the append, so that two publishes of one alert at once write one line
      if (!inFile.has(alert.alertId)) {
        inFile.add(alert.alertId);
        try {
          await appendFile(this.opts.file, `${JSON.stringify(alert)}\n`);
        } catch (err) {
          inFile.delete(alert.alertId);
          throw err;
        }
      }
      done.add('file');
    }
    if (this.opts.webhookUrl && !done.has('webhook')) {
      await this.post(this.opts.webhookUrl, alert);
      done.add('webhook');
    }
    this.partly.delete(alert.alertId);
  }

  private async post(url: string, alert: Alert): Promise<void> {
    const now = this.opts.now ?? Date.now;
    const failed = this.failures.get(alert.alertId);
    if (failed && failed.retryAt > now())
      throw new BackingOff(
        `alert webhook: attempt ${failed.attempts + 1} of ${alert.alertId} waits until ${new Date(failed.retryAt).toISOString()}`,
      );
    try {
      const r = await fetch(url, {
        method: 'POST',
        headers: { 'content-type': 'application/json', 'idempotency-key': alert.alertId },
        body: JSON.stringify({ text: alertLine(alert), alert }),
        signal: AbortSignal.timeout(this.policy.timeoutMs),
      });
      if (!r.ok) throw new Error(`alert webhook answered ${r.status}`);
      this.failures.delete(alert.alertId);
    } catch (err) {
      const attempts = (failed?.attempts ?? 0) + 1;
      const reason =
        (err as Error).name === 'TimeoutError' ? `no answer in ${this.policy.timeoutMs} ms` : (err as Error).message;
      if (attempts >= this.policy.attempts) {
        this.failures.delete(alert.alertId);
        await this.deadLetter(alert, `${attempts} attempts; the last: ${reason}`);
        return;
      }
      // full jitter: anywhere up to the doubled delay, so that many alerts do not retry together
      const cap = Math.min(this.policy.maxDelayMs, this.policy.baseDelayMs * 2 ** (attempts - 1));
      this.failures.set(alert.alertId, {
        attempts,
        retryAt: now() + Math.ceil((this.opts.random ?? Math.random)() * cap),
      });
      throw new Error(`alert webhook: ${reason} (attempt ${attempts} of ${this.policy.attempts})`);
    }
  }

  private async deadLetter(alert: Alert, why: string): Promise<void> {
    const file =
      this.opts.deadLetterFile ?? (this.opts.file ? `${this.opts.file.replace(/\.jsonl$/, '')}.dead.jsonl` : undefined);
    if (file)
      await appendFile(
        file,
        `${JSON.stringify({ alert, why, at: new Date((this.opts.now ?? Date.now)()).toISOString() })}\n`,
      );
    this.deadLettered++;
  }

  /** The alertIds in the last part of the alerts file, read once. */
  private alertIdsInFile(): Promise<Set<string>> {
    this.inFile ??= (async () => {
      const ids = new Set<string>();
      const handle = await open(this.opts.file as string, 'r').catch((err: NodeJS.ErrnoException) => {
        if (err.code === 'ENOENT') return undefined;
        throw err;
      });
      if (!handle) return ids;
      try {
        const { size } = await handle.stat();
        const length = Math.min(size, TAIL_BYTES);
        const buffer = Buffer.alloc(length);
        await handle.read(buffer, 0, length, size - length);
        for (const line of buffer.toString('utf8').split('\n')) {
          const m = /^\{"alertId":"((?:[^"\\]|\\.)*)"/.exec(line);
          if (m) ids.add(JSON.parse(`"${m[1]}"`) as string);
        }
      } finally {
        await handle.close();
      }
      return ids;
    })();
    return this.inFile;
  }
}
