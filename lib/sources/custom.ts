/**
 * Any helpdesk or alerting tool without code: a declarative source in the mapping file
 * (`custom.<name>`), posted to `/webhooks/custom/<name>`. It says how requests are authenticated
 * (a scheme from a short list) and, per canonical event it can produce, when the payload means
 * that event and a JSONata expression over the payload for each canonical field. The events it
 * makes are validated like every vendor's; one that is invalid is reported as unmapped, with the
 * field named, and the request is kept in the raw archive.
 *
 * Expressions see the payload as their input and two variables: `$receivedAt` (the receipt time,
 * RFC 3339: for senders whose payloads carry no time) and `$headers` (the request's headers, lower
 * case).
 */
import { createHash, timingSafeEqual } from 'node:crypto';
import jsonata from 'jsonata';
import * as z from 'zod';
import { EVENT_TYPES } from '../events/schema';
import { anyMatch, hmac } from './signature';
import { type Candidate, parseJson, type Source, type Translation, translation, type VerifyOptions } from './types';

/** A JSONata expression, compiled once when the mapping is read so that a typo is named there. */
const Expression = z.string().superRefine((text, ctx) => {
  try {
    jsonata(text);
  } catch (err) {
    const e = err as { message: string; position?: number };
    ctx.addIssue({
      code: 'custom',
      message: `not a JSONata expression: ${e.message}${e.position !== undefined ? ` (at character ${e.position})` : ''}`,
    });
  }
});

const header = z
  .string()
  .regex(/^[A-Za-z0-9-]+$/, 'a header name')
  .transform((h) => h.toLowerCase());

const Signature = z.discriminatedUnion('scheme', [
  z.strictObject({
    /** HMAC-SHA256 of the body (or of timestamp and body) with the source's secret. */
    scheme: z.literal('hmac-sha256'),
    header,
    encoding: z.enum(['hex', 'base64']).default('hex'),
    /** Text before the digest in the header, e.g. `sha256=`. */
    prefix: z.string().default(''),
    /** The header with the signed timestamp (epoch seconds, epoch milliseconds or RFC 3339), if the sender signs one. */
    timestampHeader: header.optional(),
    /** What is signed when there is a timestamp: `timestamp+body` (concatenated) or `timestamp.body`. */
    signed: z.enum(['timestamp+body', 'timestamp.body']).default('timestamp+body'),
    /** How far the signed timestamp may be from the receipt time. */
    toleranceSeconds: z.number().int().positive().max(86_400).default(300),
  }),
  z.strictObject({
    /**
     * For senders that sign nothing (Freshdesk, Opsgenie) but can send a custom header: the
     * source's secret itself, after an optional prefix (`Bearer `), compared in constant time.
     */
    scheme: z.literal('token'),
    header,
    prefix: z.string().default(''),
  }),
]);

const EventRule = z.strictObject({
  /** When the payload means this event (JSONata, truthy); without it, every payload does. */
  when: Expression.optional(),
  type: z.enum(EVENT_TYPES),
  /**
   * Canonical field -> JSONata expression. Nested fields are dotted (`client.id`, `actor.role`).
   * A field whose expression gives nothing is left out (and the event is invalid if it needs it).
   */
  fields: z.record(z.string().regex(/^[A-Za-z]+(\.[A-Za-z]+)?$/, 'a canonical field name'), Expression),
});

export const CustomSourceConfig = z.strictObject({
  signature: Signature,
  events: z.array(EventRule).min(1),
});
export type CustomSourceConfig = z.infer<typeof CustomSourceConfig>;

/** Names of custom sources: the last segment of their URL, and their key in the secrets file. */
export const CUSTOM_NAME = /^[a-z0-9][a-z0-9-]{0,39}$/;

const compiled = new Map<string, jsonata.Expression>();
function expression(text: string): jsonata.Expression {
  let e = compiled.get(text);
  if (!e) {
    e = jsonata(text);
    compiled.set(text, e);
  }
  return e;
}

const digest = (s: string) => createHash('sha256').update(s).digest();

/** Every pair compared in constant time, no early exit (as for signatures). */
function anyToken(secrets: readonly string[], given: string): boolean {
  const g = digest(given);
  let ok = false;
  for (const secret of secrets) ok = timingSafeEqual(digest(secret), g) || ok;
  return ok;
}

/** A signed timestamp in epoch seconds, epoch milliseconds or RFC 3339, as epoch milliseconds. */
function timestampMs(text: string): number | undefined {
  if (/^\d{1,12}$/.test(text)) return Number(text) * 1000;
  if (/^\d{13}$/.test(text)) return Number(text);
  const ms = Date.parse(text);
  return Number.isNaN(ms) ? undefined : ms;
}

function verify(sig: CustomSourceConfig['signature'], req: Parameters<Source['verify']>[0], opts: VerifyOptions) {
  const value = req.headers[sig.header];
  if (!value) return { ok: false as const, reason: `missing ${sig.header} header` };
  if (!value.startsWith(sig.prefix))
    return { ok: false as const, reason: `${sig.header} must start with "${sig.prefix}"` };
  const given = value.slice(sig.prefix.length);
  if (sig.scheme === 'token')
    return anyToken(opts.secrets, given)
      ? { ok: true as const }
      : { ok: false as const, reason: `${sig.header} is not a known token` };
  let payload: string | Buffer = req.body;
  if (sig.timestampHeader) {
    const stamp = req.headers[sig.timestampHeader];
    if (!stamp) return { ok: false as const, reason: `missing ${sig.timestampHeader} header` };
    const ms = timestampMs(stamp);
    if (ms === undefined) return { ok: false as const, reason: `${sig.timestampHeader} is not a timestamp` };
    if (Math.abs(ms - opts.now) > sig.toleranceSeconds * 1000)
      return {
        ok: false as const,
        reason: `${sig.timestampHeader} is more than ${sig.toleranceSeconds} s from now: a replay, or the sender's clock is off`,
      };
    payload = Buffer.concat([Buffer.from(sig.signed === 'timestamp.body' ? `${stamp}.` : stamp), req.body]);
  }
  return anyMatch(opts.secrets, [given], payload, sig.encoding)
    ? { ok: true as const }
    : { ok: false as const, reason: `${sig.header} does not match the body` };
}

function sign(sig: CustomSourceConfig['signature'], body: Buffer, secret: string, now: number) {
  if (sig.scheme === 'token') return { [sig.header]: `${sig.prefix}${secret}` };
  if (!sig.timestampHeader) return { [sig.header]: `${sig.prefix}${hmac(secret, body, sig.encoding)}` };
  const stamp = String(Math.floor(now / 1000));
  const signed = Buffer.concat([Buffer.from(sig.signed === 'timestamp.body' ? `${stamp}.` : stamp), body]);
  return { [sig.header]: `${sig.prefix}${hmac(secret, signed, sig.encoding)}`, [sig.timestampHeader]: stamp };
}

/** A value from JSONata as plain data (its sequences are arrays with extra properties). */
const plain = (v: unknown): unknown => (v === undefined ? undefined : JSON.parse(JSON.stringify(v)));

async function translate(
  config: CustomSourceConfig,
  payload: unknown,
  req: Parameters<Source['translate']>[1],
): Promise<Translation> {
  const out = translation();
  const bindings = { receivedAt: new Date(req.receivedAt).toISOString(), headers: { ...req.headers } };
  const evaluate = async (text: string) => plain(await expression(text).evaluate(payload, bindings));
  for (const [i, rule] of config.events.entries()) {
    const where = `events[${i}] (${rule.type})`;
    try {
      if (rule.when !== undefined && !(await evaluate(rule.when))) continue;
      const event: Candidate = { type: rule.type };
      for (const [field, text] of Object.entries(rule.fields)) {
        const value = await evaluate(text);
        if (value === undefined || value === null) continue;
        const [outer, inner] = field.split('.') as [string, string | undefined];
        if (inner === undefined) event[outer] = value;
        else event[outer] = { ...(event[outer] as object | undefined), [inner]: value };
      }
      out.events.push(event);
    } catch (err) {
      out.unmapped.push(`${where}: ${(err as Error).message}`);
    }
  }
  if (out.events.length === 0 && out.unmapped.length === 0)
    out.ignored.push('no event rule of this source matches the payload');
  return out;
}

/** The source a `custom.<name>` section of the mapping describes. */
export function customSource(name: string, config: CustomSourceConfig): Source {
  return {
    name: `custom:${name}`,
    // a token is a secret: never archived (a signature is not; it is kept to check it again)
    keepHeaders:
      config.signature.scheme === 'token'
        ? []
        : [config.signature.header, ...(config.signature.timestampHeader ? [config.signature.timestampHeader] : [])],
    strict: false,
    sign: (body, secret, now) => sign(config.signature, body, secret, now),
    verify: (req, opts) => verify(config.signature, req, opts),
    parse: parseJson,
    translate: (payload, req) => translate(config, payload, req),
  };
}
