/**
 * Waivers: the register of approved exceptions. A waiver excuses the breaches its scope covers,
 * with a reason, an approver, when it was granted and when it expires. The register is
 * append-only: a revocation is a record of its own.
 *
 * Scope: a ticket (optionally one rule, one due time, or a range of due times), or a client for a
 * range of due times (optionally one rule): "client acme asked for no updates overnight".
 *
 * A breach is excused, as of a time A, by a waiver that
 *   - was granted at or before A (what was not yet approved at A does not excuse at A),
 *   - covers it: the ticket (or the ticket's client), the rule, the due time or range,
 *   - had not expired when it fell due (due before `expiresAt`), and
 *   - had not been revoked when it fell due (no revocation granted at or before A and at or
 *     before its due time).
 * So an expired or revoked waiver excuses nothing that falls due after it; what it excused before
 * stays excused (the approval was in force then). A waiver may excuse a breach that has already
 * happened (granted after the fact) or one ahead of time. Only a breach is excused: what was met
 * stays met, what is pending stays pending until it falls due.
 *
 * A waiver whose scope covers no obligation of the audited tickets, and a revocation that names no
 * known waiver, are reported: a typo in a ticket id must not pass for an approved exception.
 */
import * as z from 'zod';
import { Timestamp } from '../events/schema';
import { RULE_IDS } from './rules';
import type { Obligation } from './types';

const text = (max: number) =>
  z
    .string()
    .min(1)
    .max(max)
    .regex(/^[^\p{Cc}]*$/u, 'must not contain control characters (a newline, a tab, an escape)');
const Rule = z.enum(RULE_IDS as unknown as [string, ...string[]]);

const TicketScope = z.strictObject({
  ticketId: text(256),
  rule: Rule.optional(),
  /** One obligation: the breach with this due time. */
  dueAt: Timestamp.optional(),
  /** Or the obligations due in [from, to). */
  from: Timestamp.optional(),
  to: Timestamp.optional(),
});
const ClientScope = z.strictObject({
  clientId: text(256),
  rule: Rule.optional(),
  from: Timestamp,
  to: Timestamp,
});

const waiverOf = <S extends z.ZodType>(scope: S) =>
  z.strictObject({
    id: text(128),
    scope,
    reason: text(2000),
    approver: text(256),
    grantedAt: Timestamp,
    expiresAt: Timestamp,
  });
export const Waiver = waiverOf(z.union([TicketScope, ClientScope]));
export type Waiver = z.infer<typeof Waiver>;

export const Revocation = z.strictObject({
  id: text(128),
  /** The id of the waiver it revokes. */
  revokes: text(128),
  reason: text(2000),
  approver: text(256),
  grantedAt: Timestamp,
});
export type Revocation = z.infer<typeof Revocation>;

export type WaiverRecord = Waiver | Revocation;

/** The schema a record is meant to follow (a revocation names what it revokes; a client scope its client), so an error names the field. */
function schemaOf(item: unknown): z.ZodType<WaiverRecord> {
  const o = (typeof item === 'object' && item !== null ? item : {}) as Record<string, unknown>;
  if ('revokes' in o) return Revocation;
  const scope = (typeof o.scope === 'object' && o.scope !== null ? o.scope : {}) as Record<string, unknown>;
  return 'clientId' in scope ? waiverOf(ClientScope) : waiverOf(TicketScope);
}

export const isRevocation = (r: WaiverRecord): r is Revocation => 'revokes' in r;

/** What excused a breach, as every output names it. */
export interface Excuse {
  readonly waiverId: string;
  readonly approver: string;
  readonly reason: string;
  readonly grantedAt: number;
  readonly expiresAt: number;
}

/** A waiver that matched nothing, or a revocation of no known waiver. */
export interface UnmatchedWaiver {
  readonly id: string;
  readonly why: string;
}

interface Entry {
  readonly waiver: Waiver;
  readonly granted: number;
  readonly expires: number;
  /** When it was revoked, if it was by the as-of time. */
  readonly revoked: number | undefined;
  readonly from: number;
  readonly to: number;
  readonly dueAt: number | undefined;
}

/**
 * The register as of a time: which waivers were granted and revoked by then, indexed by ticket
 * and client. Which waivers matched an obligation is remembered (`matched`) for the report of
 * those that matched nothing.
 */
export class WaiverBook {
  private readonly byTicket = new Map<string, Entry[]>();
  private readonly byClient = new Map<string, Entry[]>();
  readonly matched = new Set<string>();
  readonly ids: readonly string[];
  /** Revocations naming no waiver of the register. */
  readonly strayRevocations: readonly UnmatchedWaiver[];

  constructor(
    readonly records: readonly WaiverRecord[],
    readonly asOf: number,
  ) {
    const revokedAt = new Map<string, number>();
    const waiverIds = new Set(records.filter((r) => !isRevocation(r)).map((r) => r.id));
    const stray: UnmatchedWaiver[] = [];
    for (const r of records) {
      if (!isRevocation(r)) continue;
      if (!waiverIds.has(r.revokes)) stray.push({ id: r.id, why: `revokes ${r.revokes}, which is no known waiver` });
      const at = Date.parse(r.grantedAt);
      if (at <= asOf) revokedAt.set(r.revokes, Math.min(at, revokedAt.get(r.revokes) ?? Number.POSITIVE_INFINITY));
    }
    this.strayRevocations = stray;
    const ids: string[] = [];
    for (const r of records) {
      if (isRevocation(r)) continue;
      ids.push(r.id);
      const s = r.scope;
      const entry: Entry = {
        waiver: r,
        granted: Date.parse(r.grantedAt),
        expires: Date.parse(r.expiresAt),
        revoked: revokedAt.get(r.id),
        from: s.from ? Date.parse(s.from) : Number.NEGATIVE_INFINITY,
        to: s.to ? Date.parse(s.to) : Number.POSITIVE_INFINITY,
        dueAt: 'dueAt' in s && s.dueAt ? Date.parse(s.dueAt) : undefined,
      };
      const [index, key] = 'ticketId' in s ? [this.byTicket, s.ticketId] : [this.byClient, s.clientId];
      const list = index.get(key) ?? [];
      list.push(entry);
      index.set(key, list);
    }
    this.ids = ids;
  }

  get size(): number {
    return this.ids.length;
  }

  /** What excuses this breach, if anything does; remembers every waiver whose scope covers it. */
  excuse(o: Obligation, clientId: string | undefined): Excuse | undefined {
    let found: Entry | undefined;
    for (const e of [
      ...(this.byTicket.get(o.ticketId) ?? []),
      ...(clientId ? (this.byClient.get(clientId) ?? []) : []),
    ]) {
      const s = e.waiver.scope;
      if (s.rule !== undefined && s.rule !== o.rule) continue;
      if (e.dueAt !== undefined ? e.dueAt !== o.dueAt : o.dueAt < e.from || o.dueAt >= e.to) continue;
      this.matched.add(e.waiver.id);
      const inForce = e.granted <= this.asOf && o.dueAt < e.expires && (e.revoked === undefined || o.dueAt < e.revoked);
      // the earliest granted of those in force names the excuse
      if (inForce && (!found || e.granted < found.granted)) found = e;
    }
    if (!found || o.status !== 'breached') return undefined;
    const w = found.waiver;
    return {
      waiverId: w.id,
      approver: w.approver,
      reason: w.reason,
      grantedAt: found.granted,
      expiresAt: found.expires,
    };
  }

  /** The waivers whose scope covered nothing of what was audited, and the stray revocations. */
  unmatched(matched: ReadonlySet<string> = this.matched): UnmatchedWaiver[] {
    return [
      ...this.ids
        .filter((id) => !matched.has(id))
        .map((id) => ({ id, why: 'its scope covers no obligation of the tickets audited' })),
      ...this.strayRevocations,
    ];
  }
}

/** The register as of a time, or undefined when it is empty (nothing to excuse). */
export const waiverBook = (records: readonly WaiverRecord[] | undefined, asOf: number): WaiverBook | undefined =>
  records?.length ? new WaiverBook(records, asOf) : undefined;

/** Reads a register: a YAML or JSON list of waivers and revocations; the error names the record and field. */
export function parseWaivers(value: unknown): WaiverRecord[] {
  const list = value === null || value === undefined ? [] : value;
  if (!Array.isArray(list)) throw new Error('(waivers): expected a list of waivers and revocations');
  const seen = new Set<string>();
  return list.map((item, i) => {
    const r = schemaOf(item).safeParse(item);
    if (!r.success) {
      const issue = r.error.issues[0];
      const path = issue?.path.join('.') ?? '';
      const id = typeof (item as { id?: unknown })?.id === 'string' ? ` (${(item as { id: string }).id})` : '';
      throw new Error(
        `[${i}]${id}${path ? `.${path}` : ''}: ${issue?.message ?? 'invalid'}; a waiver has id, scope, reason, approver, grantedAt and expiresAt; a revocation has id, revokes, reason, approver and grantedAt`,
      );
    }
    if (seen.has(r.data.id)) throw new Error(`[${i}] (${r.data.id}): the id is used twice; every record has its own`);
    seen.add(r.data.id);
    if (!isRevocation(r.data) && Date.parse(r.data.expiresAt) <= Date.parse(r.data.grantedAt))
      throw new Error(`[${i}] (${r.data.id}).expiresAt: must be after grantedAt`);
    return r.data;
  });
}
