/**
 * Ingest, written once against the ports: verify the signature, archive the raw request, parse,
 * translate, validate, append exactly once. The Lambda handler and `serve` both call this.
 */
import { describeIssues } from '../events/parse';
import { CanonicalEvent } from '../events/schema';
import type { AppendOutcome, RawOutcome, RawRequest, Store } from '../ports';
import { sourceOf } from '../sources';
import type { Mapping } from '../sources/mapping';
import type { SecretSource } from '../sources/secrets';
import {
  isCustomSource,
  SOURCE_NAMES,
  type Source,
  type SourceId,
  type SourceName,
  type Translation,
  type Verdict,
  type WebhookRequest,
} from '../sources/types';
import { counted } from '../text/plural';

const DAY = 86_400_000;
const strictUtf8 = new TextDecoder('utf-8', { fatal: true });

/** The body as text, or undefined when its bytes are not valid UTF-8 (never replaced silently). */
function utf8(body: Buffer): string | undefined {
  try {
    return strictUtf8.decode(body);
  } catch {
    return undefined;
  }
}

export interface IngestDeps {
  readonly store: Store;
  readonly mapping: Mapping;
  /** Signing secrets per source; several during a rotation. */
  readonly secrets: Readonly<Partial<Record<SourceId | 'waivers', readonly string[]>>>;
  /**
   * Instead of `secrets`, when they can change while running (the Lambdas read them from SSM):
   * read with a maximum age, and read again once before a signature is refused.
   */
  readonly secretSource?: SecretSource;
  /** How far a signed timestamp may be from now (Zendesk); default 5 minutes. */
  readonly toleranceMs?: number;
  /** How far after the request's receipt an event's `at` may lie (a sender's clock off); default 24 h. */
  readonly futureMarginMs?: number;
  readonly now?: () => number;
  readonly newId?: () => string;
  /**
   * Told which tickets changed, after their events are stored (timers hook in here); `why` is
   * `waivers` when what changed is the register of waivers that bears on them.
   */
  readonly changed?: (ticketIds: readonly string[], why?: 'waivers') => Promise<void>;
  /** Told when a translator throws (a payload nobody foresaw): the request is reported unmapped. */
  readonly translatorFailed?: (failure: TranslatorFailure) => void;
}

export interface TranslatorFailure {
  readonly source: SourceId;
  readonly requestId: string;
  readonly error: string;
}

export interface Reply {
  readonly status: number;
  readonly body: Record<string, unknown>;
  readonly headers?: Readonly<Record<string, string>>;
}

export interface Accepted {
  readonly requestId: string;
  readonly accepted: number;
  readonly duplicates: number;
  readonly conflicts: readonly string[];
  readonly unmapped: readonly string[];
  readonly ignored: readonly string[];
}

export const isSource = (name: string): name is SourceName => (SOURCE_NAMES as readonly string[]).includes(name);

/**
 * A request's signature checked against the secrets named `key` (a source's, or `waivers`),
 * read once more before refusing it: a secret rotated (or revoked) since the last read.
 */
export async function verifySignature(
  req: WebhookRequest,
  source: Pick<Source, 'verify'>,
  key: SourceId | 'waivers',
  deps: Pick<IngestDeps, 'secrets' | 'secretSource' | 'now'>,
  toleranceMs: number,
): Promise<Verdict> {
  const now = deps.now?.() ?? Date.now();
  const verify = (all: Readonly<Partial<Record<SourceId | 'waivers', readonly string[]>>>): Verdict => {
    const secrets = all[key] ?? [];
    if (secrets.length === 0) return { ok: false, reason: `no signing secret is configured for ${key}` };
    return source.verify(req, { secrets, now, toleranceMs });
  };
  const verdict = verify(deps.secretSource ? await deps.secretSource.current() : deps.secrets);
  return !verdict.ok && deps.secretSource ? verify(await deps.secretSource.reread()) : verdict;
}

let counter = 0;
/** Sortable by receipt time, unique within and across processes. */
export function requestId(now: number): string {
  counter = (counter + 1) % 1_000_000;
  return `${now.toString(36).padStart(9, '0')}-${process.pid.toString(36)}-${counter.toString(36)}-${Math.random().toString(36).slice(2, 8)}`;
}

export async function ingest(name: SourceId, req: WebhookRequest, deps: IngestDeps): Promise<Reply> {
  const source = sourceOf(name, deps.mapping);
  if (!source)
    return {
      status: 404,
      body: {
        error: 'not found',
        reason: `no source ${name}${isCustomSource(name) ? `: the mapping file has no custom.${name.slice('custom:'.length)}` : ''}`,
      },
    };
  const verdict = await verifySignature(req, source, name, deps, deps.toleranceMs ?? 5 * 60_000);
  if (!verdict.ok) return { status: 401, body: { error: 'unauthorized', reason: verdict.reason } };

  const raw = archived(source, req, deps.newId?.() ?? requestId(req.receivedAt));
  // The archive write is queued before anything translates the request, and the answer waits for
  // it: a request is acknowledged only once it is archived (and its events stored). Both writes
  // share the store's group commit, so a webhook costs one round trip, not two.
  const archiving = deps.store.archive(raw);
  const [, reply] = await Promise.all([archiving, translateAndStore(raw, req, deps, archiving)]);
  return reply;
}

/**
 * Everything after the archive: parse, translate, validate, append, report. `replay` runs archived
 * requests through this again after a mapping fix.
 */
export async function translateAndStore(
  raw: RawRequest,
  req: WebhookRequest,
  deps: IngestDeps,
  /** The archive write in flight: an outcome is recorded on the archived item once it exists. */
  archiving: Promise<void> = Promise.resolve(),
): Promise<Reply> {
  const source = sourceOf(raw.source, deps.mapping);
  const report = async (outcome: RawOutcome) => {
    await archiving;
    await deps.store.report(raw, outcome);
  };
  const refuse = async (error: string, issues?: string[]): Promise<Reply> => {
    await report({ unmapped: [], conflicts: [], invalid: error });
    return { status: 400, body: { error: 'invalid', reason: error, ...(issues ? { issues } : {}), requestId: raw.id } };
  };

  if (!source) {
    // a custom source the mapping no longer has (replay after an edit): kept, and said so
    const unmapped = [`the mapping file has no ${raw.source.replace(/^custom:/, 'custom.')} any more`];
    await report({ unmapped, conflicts: [] });
    return {
      status: 200,
      body: { requestId: raw.id, accepted: 0, duplicates: 0, conflicts: [], unmapped, ignored: [] },
    };
  }
  const text = utf8(req.body);
  if (text === undefined) return refuse('body: not valid UTF-8; send the payload UTF-8 encoded');
  const parsed = source.parse(text);
  if (!parsed.ok) return refuse(parsed.error);
  const latest = req.receivedAt + (deps.futureMarginMs ?? DAY);
  const translated = await safely(
    async () => source.translate(parsed.payload, req, deps.mapping),
    (error) => deps.translatorFailed?.({ source: raw.source, requestId: raw.id, error }),
  );
  const valid: CanonicalEvent[] = [];
  const issues: string[] = [];
  const unmapped = [...translated.unmapped];
  translated.events.forEach((candidate, i) => {
    const r = CanonicalEvent.safeParse(candidate);
    if (r.success && Date.parse(r.data.at) > latest) {
      const why = `${r.data.at} is more than ${(latest - req.receivedAt) / 3_600_000} h after the request was received (${new Date(req.receivedAt).toISOString()}); check the sender's clock`;
      if (source.strict) issues.push(`events[${i}].at: ${why}`);
      else unmapped.push(`translated event ${i}: at ${why}`);
    } else if (r.success) valid.push(r.data);
    else if (source.strict) issues.push(describeIssues(r.error.issues, { under: `events[${i}]` }));
    else unmapped.push(`translated event ${i} is invalid: ${describeIssues(r.error.issues)}`);
  });
  if (issues.length > 0) {
    return refuse(
      `${issues.length} of ${counted(translated.events.length, 'event')} ${issues.length === 1 ? 'is' : 'are'} invalid; none was stored`,
      issues.slice(0, 20),
    );
  }

  const outcomes: AppendOutcome[] = valid.length
    ? await deps.store.append(valid, { receivedAt: req.receivedAt, via: raw.id })
    : [];
  const conflicts = valid.filter((_, i) => outcomes[i] === 'conflict').map((e) => e.id);
  if (unmapped.length > 0 || conflicts.length > 0) await report({ unmapped, conflicts });
  // redeliveries count too: a retry after a failed hook must run it again
  const changed = [...new Set(valid.filter((_, i) => outcomes[i] !== 'conflict').map((e) => e.ticketId))];
  if (changed.length > 0) await deps.changed?.(changed);
  const result: Accepted = {
    requestId: raw.id,
    accepted: outcomes.filter((o) => o === 'added').length,
    duplicates: outcomes.filter((o) => o === 'duplicate').length,
    conflicts,
    unmapped,
    ignored: translated.ignored,
  };
  return { status: 200, body: { ...result } };
}

/** A translator that fails on a payload nobody foresaw must not lose it: it is reported as unmapped. */
async function safely(translate: () => Promise<Translation>, failed: (error: string) => void): Promise<Translation> {
  try {
    return await translate();
  } catch (err) {
    const error = (err as Error).message;
    failed(error);
    return { events: [], unmapped: [`the translator failed: ${error}`], ignored: [] };
  }
}

function archived(source: Source, req: WebhookRequest, id: string): RawRequest {
  const text = req.body.toString('utf8');
  const utf8 = Buffer.byteLength(text) === req.body.length && Buffer.from(text).equals(req.body);
  const headers: Record<string, string> = {};
  for (const name of source.keepHeaders) {
    const v = req.headers[name];
    if (v !== undefined) headers[name] = v;
  }
  return {
    id,
    source: source.name,
    receivedAt: req.receivedAt,
    headers,
    body: utf8 ? text : req.body.toString('base64'),
    bodyEncoding: utf8 ? 'utf8' : 'base64',
  };
}

/** The request as it was received, from its archived form (for `replay`). */
export function unarchive(raw: RawRequest): WebhookRequest {
  return { headers: raw.headers, body: Buffer.from(raw.body, raw.bodyEncoding), receivedAt: raw.receivedAt };
}
