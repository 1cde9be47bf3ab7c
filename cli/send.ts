/**
 * `escalation-auditor send`: posts a file of vendor-shaped payloads (or canonical events) to a
 * running `serve` the way that vendor would: signed with the configured or development secret,
 * with the vendor's own headers. For trying the service, and for scripted checks.
 */
import { createHash } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { SOURCES } from '../lib/sources';
import { DEV_SECRET } from '../lib/sources/secrets';
import type { SourceName } from '../lib/sources/types';
import { counted } from '../lib/text/plural';
import { loadSecretsFile } from './config';
import { UsageError } from './options';

export interface SendOptions {
  source: SourceName;
  file: string;
  url: string;
  secrets?: string;
  /** Canonical events per request. */
  batch: number;
  format: 'text' | 'json';
}

const UNITS: Record<string, number> = { s: 1_000, m: 60_000, h: 3_600_000, d: 86_400_000 };
const PLACEHOLDER = /("?)\{\{now(?:([+-])(\d+)([smhd]))?(:ms)?\}\}("?)/g;

/**
 * Replaces `{{now}}`, `{{now-7m}}`, `{{now+2h}}` with that instant as RFC 3339, and
 * `"{{now-7m:ms}}"` with epoch milliseconds, a JSON number (Jira's `timestamp`), so that an
 * example file stays valid JSON and always describes something that has just happened.
 */
export function fillTimes(text: string, now: number): string {
  return text.replace(
    PLACEHOLDER,
    (_all, open: string, sign?: string, amount?: string, unit?: string, ms?: string, close = '') => {
      const offset = sign ? (sign === '-' ? -1 : 1) * Number(amount) * (UNITS[unit as string] as number) : 0;
      const t = now + offset;
      if (ms) return open && close ? String(t) : `${open}${t}${close}`;
      return `${open}${new Date(t).toISOString().replace(/\.\d{3}Z$/, 'Z')}${close}`;
    },
  );
}

/** The payloads of a file: one JSON document, a JSON array of them, or JSON Lines. */
export function payloadsOf(text: string, file: string): unknown[] {
  const whole = text.trim();
  if (whole === '') throw new UsageError(`${file} is empty: nothing to send`);
  try {
    const doc: unknown = JSON.parse(whole);
    return Array.isArray(doc) ? doc : [doc];
  } catch {
    // not one document: JSON Lines
  }
  return whole.split('\n').flatMap((line, i) => {
    if (line.trim() === '') return [];
    try {
      return [JSON.parse(line)];
    } catch (err) {
      throw new UsageError(`${file} line ${i + 1}: not valid JSON (${(err as Error).message})`);
    }
  });
}

/** The request bodies for a source: canonical events go in batches (NDJSON), a vendor's one payload a request. */
export function bodiesOf(source: SourceName, payloads: readonly unknown[], batch: number): Buffer[] {
  if (source !== 'canonical') return payloads.map((p) => Buffer.from(JSON.stringify(p)));
  const bodies: Buffer[] = [];
  for (let i = 0; i < payloads.length; i += batch) {
    bodies.push(
      Buffer.from(
        `${payloads
          .slice(i, i + batch)
          .map((p) => JSON.stringify(p))
          .join('\n')}\n`,
      ),
    );
  }
  return bodies;
}

/**
 * What the vendor sends besides its signature: its delivery id, the same for a redelivery of the
 * same body (Jira's `X-Atlassian-Webhook-Identifier`, PagerDuty's `X-Webhook-Id`, Zendesk's
 * webhook and invocation ids).
 */
function deliveryHeaders(source: SourceName, body: Buffer): Record<string, string> {
  const digest = createHash('sha256').update(body).digest('hex');
  if (source === 'jira') return { 'x-atlassian-webhook-identifier': `send-${digest.slice(0, 24)}` };
  if (source === 'pagerduty') return { 'x-webhook-id': `send-${digest.slice(0, 24)}` };
  if (source === 'zendesk') {
    return { 'x-zendesk-webhook-id': 'send', 'x-zendesk-webhook-invocation-id': `send-${digest.slice(0, 24)}` };
  }
  return {};
}

export interface Sent {
  readonly status: number;
  readonly body: unknown;
}

export async function sendCommand(opts: SendOptions, out: NodeJS.WritableStream = process.stdout): Promise<number> {
  const source = SOURCES[opts.source];
  const secret = opts.secrets ? (await loadSecretsFile(opts.secrets))[opts.source]?.[0] : DEV_SECRET;
  if (!secret) throw new UsageError(`the secrets file ${opts.secrets} has no secret for ${opts.source}`);
  let text: string;
  try {
    text = await readFile(opts.file, 'utf8');
  } catch (err) {
    throw new UsageError(`cannot read ${opts.file}: ${(err as NodeJS.ErrnoException).code ?? err}`);
  }
  const now = Date.now();
  const bodies = bodiesOf(opts.source, payloadsOf(fillTimes(text, now), opts.file), opts.batch);
  const endpoint = `${opts.url.replace(/\/+$/, '')}/webhooks/${opts.source}`;
  let refused = 0;
  for (const [i, body] of bodies.entries()) {
    const headers = {
      'content-type': 'application/json',
      'user-agent': 'escalation-auditor-send',
      ...deliveryHeaders(opts.source, body),
      ...source.sign(body, secret, Date.now()),
    };
    let sent: Sent;
    try {
      const res = await fetch(endpoint, { method: 'POST', headers, body, signal: AbortSignal.timeout(30_000) });
      const reply = await res.text();
      sent = { status: res.status, body: parseReply(reply) };
    } catch (err) {
      throw new UsageError(
        `cannot reach ${endpoint} (${(err as Error).cause ?? (err as Error).message}); is serve running? Start it with npm start`,
      );
    }
    if (sent.status >= 300) refused++;
    out.write(opts.format === 'json' ? `${JSON.stringify({ request: i + 1, ...sent })}\n` : describe(i + 1, sent));
  }
  return refused > 0 ? 1 : 0;
}

const parseReply = (text: string): unknown => {
  try {
    return JSON.parse(text);
  } catch {
    return text;
  }
};

function describe(n: number, { status, body }: Sent): string {
  const b = (typeof body === 'object' && body !== null ? body : {}) as Record<string, unknown>;
  const list = (k: string) => (Array.isArray(b[k]) ? (b[k] as unknown[]) : []);
  if (status === 200) {
    const parts = [`${b.accepted} accepted`, counted(Number(b.duplicates), 'duplicate')];
    if (list('conflicts').length) parts.push(`conflicts: ${list('conflicts').join(', ')}`);
    if (list('unmapped').length) parts.push(`unmapped: ${list('unmapped').join('; ')}`);
    if (list('ignored').length) parts.push(`ignored: ${list('ignored').join('; ')}`);
    return `request ${n}: 200 ${parts.join(' · ')}\n`;
  }
  const reason = typeof b.reason === 'string' ? b.reason : typeof body === 'string' ? body : JSON.stringify(body);
  const issues = list('issues')
    .map((i) => `\n  ${i}`)
    .join('');
  return `request ${n}: ${status} ${reason}${issues}\n`;
}
