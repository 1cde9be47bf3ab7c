/**
 * Canonical events pushed by an integration: one event, a JSON array, or NDJSON.
 * `X-Signature: sha256=<hex HMAC-SHA256 of the raw body>`.
 */
import { anyMatch, hmac } from './signature';
import type { Source, Translation } from './types';

const HEADER = 'x-signature';

export const canonical: Source<Translation> = {
  name: 'canonical',
  keepHeaders: [HEADER],
  strict: true,
  sign: (body, secret) => ({ [HEADER]: `sha256=${hmac(secret, body, 'hex')}` }),
  verify(req, { secrets }) {
    const header = req.headers[HEADER];
    if (!header) return { ok: false, reason: 'missing X-Signature header' };
    if (!header.startsWith('sha256=')) return { ok: false, reason: 'X-Signature must be sha256=<hex>' };
    return anyMatch(secrets, [header.slice(7)], req.body, 'hex')
      ? { ok: true }
      : { ok: false, reason: 'X-Signature does not match the body' };
  },
  parse(body) {
    const text = body.trim();
    if (text === '') return { ok: false, error: 'body: empty; expected an event, a JSON array of events or NDJSON' };
    try {
      const whole: unknown = JSON.parse(text);
      return { ok: true, payload: Array.isArray(whole) ? whole : [whole] };
    } catch {
      // not one JSON document: NDJSON, one event per line
    }
    const events: unknown[] = [];
    const lines = text.split('\n');
    for (let i = 0; i < lines.length; i++) {
      const line = (lines[i] as string).trim();
      if (line === '') continue;
      try {
        events.push(JSON.parse(line));
      } catch (err) {
        return { ok: false, error: `line ${i + 1}: not valid JSON (${(err as Error).message})` };
      }
    }
    return { ok: true, payload: events };
  },
  translate(payload) {
    const list = payload as unknown[];
    return {
      events: list,
      unmapped: [],
      ignored: [],
    };
  },
};
