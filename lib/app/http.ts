/**
 * The one HTTP surface, hosted by the ingest Lambda (API Gateway HTTP API) and by `serve`:
 *   POST /webhooks/{canonical|zendesk|jira|pagerduty}
 *   POST /webhooks/custom/{name}  a declarative source of the mapping file (lib/sources/custom.ts)
 *   POST /waivers             add to the register of waivers (signed with the `waivers` secret, or IAM in AWS)
 *   GET  /tickets/{id}
 *   GET  /unmapped             what the mapping could not read in the last 24 h (from the archive)
 *   GET  /healthz
 * Bad input gets a 4xx that says what is wrong; only a failing dependency gives a 5xx (503, so
 * that senders retry), and nothing half-written stays behind.
 */
import { createHash, timingSafeEqual } from 'node:crypto';
import { SOURCES } from '../sources';
import { parseJson, type SourceId } from '../sources/types';
import { type IngestDeps, ingest, isSource, type Reply, verifySignature } from './ingest';
import { MAX_BODY } from './limits';
import { type TicketDeps, ticketView } from './tickets';
import { unmappedRequests } from './unmapped';
import { addWaivers, WaiverError } from './waivers';

export interface HttpRequest {
  readonly method: string;
  /** The path without the query string, still percent-encoded. */
  readonly path: string;
  readonly headers: Readonly<Record<string, string | undefined>>;
  readonly body: Buffer;
  readonly receivedAt: number;
  /**
   * Who the edge authenticated, when it did (in AWS, the IAM principal API Gateway checked):
   * such a request needs no signature of its own.
   */
  readonly principal?: string;
}

export interface HttpResponse {
  readonly status: number;
  readonly headers: Record<string, string>;
  readonly body: string;
}

export type ApiDeps = IngestDeps &
  TicketDeps & {
    readonly maxBodyBytes?: number;
    readonly log?: (msg: string) => void;
    /**
     * When set, GET /tickets, GET /unmapped and the details of /healthz need
     * `Authorization: Bearer <token>` (compared in constant time); without it /healthz says only ok.
     */
    readonly readToken?: string;
    /** Counters shown by /healthz (the local server shows its store's write counts). */
    readonly stats?: () => Record<string, unknown>;
    /**
     * Back-pressure: when this says the service is behind (its reconcile backlog at its bound),
     * webhooks are answered 503 with `Retry-After` and the reason, before anything is stored; the
     * sender's retry delivers them later. Undefined when it is not behind.
     */
    readonly busy?: () => { readonly retryAfterSeconds: number; readonly reason: string } | undefined;
  };

export const json = (r: Reply): HttpResponse => ({
  status: r.status,
  headers: { 'content-type': 'application/json; charset=utf-8', ...r.headers },
  body: `${JSON.stringify(r.body)}\n`,
});

export const tooLarge = (limit: number): Reply => ({
  status: 413,
  body: {
    error: 'payload too large',
    reason: `the body exceeds ${limit} bytes, the most a webhook may send here (its raw request is archived whole in one item)`,
  },
});

export function createApi(deps: ApiDeps): (req: HttpRequest) => Promise<HttpResponse> {
  const limit = deps.maxBodyBytes ?? MAX_BODY;
  const seen: Seen = { unmapped: 0, refused: 0, busy: 0 };
  return async (req) => {
    try {
      return json(await route(req, deps, limit, seen));
    } catch (err) {
      deps.log?.(`error: ${req.method} ${req.path}: ${(err as Error).stack ?? err}`);
      return json({ status: 503, body: { error: 'unavailable', reason: 'a dependency failed; retry later' } });
    }
  };
}

/** Whether the request may read: no token is configured, or it carries the token. */
function readerOf(req: HttpRequest, token: string | undefined): boolean {
  if (token === undefined) return true;
  const given = /^Bearer (\S+)$/i.exec(req.headers.authorization ?? '')?.[1] ?? '';
  // digests of equal length, compared in constant time: neither the token nor its length leaks
  const digest = (text: string) => createHash('sha256').update(text).digest();
  return timingSafeEqual(digest(given), digest(token));
}

/** Webhook requests since start that the mapping could not read in full, and those refused (400). */
interface Seen {
  unmapped: number;
  refused: number;
  /** Webhooks answered 503 for back-pressure. */
  busy: number;
}

async function route(req: HttpRequest, deps: ApiDeps, limit: number, seen: Seen): Promise<Reply> {
  const parts = req.path.split('/').filter(Boolean);
  const [root, arg, extra] = parts;
  const allow = (method: string): Reply | undefined =>
    req.method === method ? undefined : { status: 405, body: { error: 'method not allowed', allow: method } };

  // checked only on the routes that read: a webhook costs no token digests
  const reader = () => readerOf(req, deps.readToken);
  const unauthorized = (): Reply | undefined =>
    reader()
      ? undefined
      : {
          status: 401,
          body: {
            error: 'unauthorized',
            reason: 'this route needs Authorization: Bearer <the read token serve was given>',
          },
        };
  if (root === 'healthz' && parts.length === 1) {
    if (!reader()) return allow('GET') ?? { status: 200, body: { ok: true } };
    return (
      allow('GET') ?? {
        status: 200,
        body: {
          ok: true,
          unmapped: { sinceStart: seen.unmapped, refusedSinceStart: seen.refused, list: '/unmapped' },
          busySinceStart: seen.busy,
          ...deps.stats?.(),
        },
      }
    );
  }
  // /webhooks/{source}, or /webhooks/custom/{name} for a declarative source of the mapping file
  const custom = arg === 'custom' && extra !== undefined && parts.length === 3;
  if (root === 'webhooks' && arg !== undefined && (custom || extra === undefined)) {
    const refused = allow('POST');
    if (refused) return refused;
    const source = custom ? (`custom:${extra}` as const) : arg;
    if (!custom && !isSource(source)) {
      return {
        status: 404,
        body: {
          error: 'not found',
          reason: `unknown source ${arg}; use canonical, zendesk, jira or pagerduty, or custom/<name> for a custom source of the mapping file`,
        },
      };
    }
    if (req.body.length > limit) return tooLarge(limit);
    const behind = deps.busy?.();
    if (behind) {
      seen.busy++;
      return {
        status: 503,
        headers: { 'retry-after': String(behind.retryAfterSeconds) },
        body: { error: 'busy', reason: `${behind.reason}; retry after ${behind.retryAfterSeconds} s` },
      };
    }
    const reply = await ingest(
      source as SourceId,
      { headers: req.headers, body: req.body, receivedAt: req.receivedAt },
      deps,
    );
    if (reply.status === 400) seen.refused++;
    else if (((reply.body as { unmapped?: unknown[] }).unmapped?.length ?? 0) > 0) seen.unmapped++;
    return reply;
  }
  if (root === 'waivers' && arg === undefined) {
    const refused = allow('POST');
    if (refused) return refused;
    if (req.body.length > limit) return tooLarge(limit);
    return postWaivers(req, deps);
  }
  if (root === 'tickets' && arg !== undefined && extra === undefined) {
    const refused = unauthorized();
    if (refused) return refused;
    let id: string;
    try {
      id = decodeURIComponent(arg);
    } catch {
      return { status: 400, body: { error: 'invalid', reason: 'the ticket id is not valid percent-encoding' } };
    }
    return allow('GET') ?? ticketView(id, deps);
  }
  if (root === 'unmapped' && arg === undefined) {
    const refused = unauthorized();
    if (refused) return refused;
    const now = deps.now?.() ?? Date.now();
    return allow('GET') ?? { status: 200, body: await unmappedRequests(deps.store, { now }) };
  }
  return { status: 404, body: { error: 'not found', reason: `no route ${req.method} ${req.path}` } };
}

/**
 * `POST /waivers`: one waiver or revocation, or a list, as JSON. Signed like a canonical webhook
 * (`X-Signature: sha256=<hex HMAC-SHA256 of the body>`) with the `waivers` secret, unless the
 * edge authenticated the caller (IAM in AWS). 200 with each record's outcome; 400 naming the
 * record and field; 409 when an id is taken by another record (nothing of it is changed).
 */
async function postWaivers(req: HttpRequest, deps: ApiDeps): Promise<Reply> {
  if (!req.principal) {
    // signed as a canonical webhook is (which signs no timestamp), with the `waivers` secret
    const verdict = await verifySignature(req, SOURCES.canonical, 'waivers', deps, 0);
    if (!verdict.ok)
      return {
        status: 401,
        body: {
          error: 'unauthorized',
          reason: `${verdict.reason}: sign the body with the "waivers" secret (X-Signature: sha256=<hex HMAC-SHA256>)`,
        },
      };
  }
  const parsed = parseJson(req.body.toString('utf8'));
  if (!parsed.ok) return { status: 400, body: { error: 'invalid', reason: parsed.error } };
  try {
    const outcomes = await addWaivers(deps.store, parsed.payload, deps.now?.() ?? Date.now(), {
      policy: deps.policy,
      ...(deps.changed ? { changed: deps.changed } : {}),
    });
    const conflict = outcomes.some((o) => o.outcome === 'conflict');
    return {
      status: conflict ? 409 : 200,
      body: {
        waivers: outcomes,
        ...(conflict ? { reason: 'an id is taken by another record; the register keeps the first' } : {}),
      },
    };
  } catch (err) {
    if (err instanceof WaiverError) return { status: 400, body: { error: 'invalid', reason: err.message } };
    throw err;
  }
}
