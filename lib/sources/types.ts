/** What every webhook source provides: a signature check and a translation to canonical events. */
import { type Role, Timestamp } from '../events/schema';
import type { Mapping } from './mapping';

import type { SourceId } from './names';

export { type CustomSourceId, isCustomSource, SOURCE_NAMES, type SourceId, type SourceName } from './names';

export interface WebhookRequest {
  /** Header names in lower case. */
  readonly headers: Readonly<Record<string, string | undefined>>;
  /** The raw body: signatures are computed over these exact bytes. */
  readonly body: Buffer;
  readonly receivedAt: number;
}

export type Verdict = { readonly ok: true } | { readonly ok: false; readonly reason: string };

/** A canonical event candidate, before validation. */
export type Candidate = Record<string, unknown>;

export interface Translation {
  readonly events: unknown[];
  /** Why (parts of) the payload could not be mapped; such payloads are kept and reported. */
  readonly unmapped: string[];
  /** What was deliberately left out because no rule reads it ("status changed to PENDING"). */
  readonly ignored: string[];
}

export interface VerifyOptions {
  readonly secrets: readonly string[];
  readonly now: number;
  /** How far a signed timestamp may be from now, where the source signs one. */
  readonly toleranceMs: number;
}

/** A source; the built-in ones translate synchronously (`Source<Translation>`), a custom one may not. */
export interface Source<T extends Translation | Promise<Translation> = Translation | Promise<Translation>> {
  readonly name: SourceId;
  /** Headers kept with the archived request, enough to check its signature again. */
  readonly keepHeaders: readonly string[];
  verify(req: WebhookRequest, opts: VerifyOptions): Verdict;
  /** The headers the vendor would send with this body, signed with `secret` at `now` (for `send`). */
  sign(body: Buffer, secret: string, now: number): Record<string, string>;
  /** Parses the body; an error here is the sender's (400). */
  parse(body: string): { ok: true; payload: unknown } | { ok: false; error: string };
  translate(payload: unknown, req: WebhookRequest, mapping: Mapping): T;
  /**
   * Canonical input is the sender's responsibility: an invalid event refuses the request (400).
   * A vendor payload that translates to an invalid event is our mapping's gap: kept and reported.
   */
  readonly strict: boolean;
}

export const translation = (): Translation => ({ events: [], unmapped: [], ignored: [] });

/** Reads a JSON body; the error names the position. */
export function parseJson(body: string): { ok: true; payload: unknown } | { ok: false; error: string } {
  try {
    return { ok: true, payload: JSON.parse(body) };
  } catch (err) {
    return { ok: false, error: `body: not valid JSON (${(err as Error).message})` };
  }
}

/** A string id from a vendor value that may be a string, a number or an object with an id. */
export function idOf(v: unknown): string | undefined {
  if (typeof v === 'string' && v !== '') return v;
  if (typeof v === 'number' && Number.isFinite(v)) return String(v);
  if (v && typeof v === 'object' && 'id' in v) return idOf((v as { id: unknown }).id);
  return undefined;
}

/**
 * An RFC 3339 time to the second, in UTC: what a vendor's webhook (often with milliseconds) and
 * its REST API (often without) agree on, for ids both paths make alike.
 */
export function toSecond(at: string): string {
  const ms = Date.parse(at);
  return Number.isNaN(ms) ? at : `${new Date(Math.floor(ms / 1000) * 1000).toISOString().slice(0, 19)}Z`;
}

/** An RFC 3339 timestamp from epoch milliseconds, or undefined when it is not a representable time. */
export function isoFromEpochMs(ms: number): string | undefined {
  const d = new Date(ms);
  return Number.isNaN(d.getTime()) ? undefined : d.toISOString();
}

export { isObject } from '../config';

/** Finds status and ETR in the text of a client-facing message, keeping only those two. */
export function statusAndEtr(text: unknown, patterns: { statusPattern: string; etrPattern: string }) {
  if (typeof text !== 'string') return {};
  const status = new RegExp(patterns.statusPattern, 'im').exec(text)?.[1]?.trim().slice(0, 200);
  const etrText = new RegExp(patterns.etrPattern, 'im').exec(text)?.[1];
  const etr = etrText && Timestamp.safeParse(etrText).success ? etrText : undefined;
  return { ...(status ? { status } : {}), ...(etr ? { etr } : {}) };
}

export type Emit = (type: string, fields?: Candidate) => void;

/** Tag (label) changes, plus the marker events some tags stand for (RULES.md: form filed, steps documented). */
export function tagEvents(
  markers: { incidentForm: readonly string[]; troubleshooting: readonly string[] },
  added: readonly string[],
  removed: readonly string[],
  emit: Emit,
): void {
  const has = (list: readonly string[], tag: string) => list.some((t) => t.toLowerCase() === tag.toLowerCase());
  for (const tag of added) {
    emit('tag.added', { tag });
    if (has(markers.incidentForm, tag)) emit('incident_form.created');
    if (has(markers.troubleshooting, tag)) emit('troubleshooting.documented');
  }
  for (const tag of removed) emit('tag.removed', { tag });
}

/** `{ actor: { id, role } }` from a vendor user id and the mapping's users (no role when unlisted). */
export function actorOf(users: Readonly<Record<string, Role>>, id: string | undefined): Candidate {
  if (!id) return {};
  const role = users[id];
  return { actor: role ? { id, role } : { id } };
}
