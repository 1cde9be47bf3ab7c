/**
 * Evidence bundles: everything an auditor samples about one ticket, on one page (and as JSON),
 * from the store as it is: every event with when and how it arrived (the webhook request's id,
 * an import, the reconciliation) and its digest; every obligation with its due time, status,
 * explanation and the policy version it is judged by; the waivers that bear on it; the alerts
 * sent (breaches, retractions, warnings, excuses) with their state; and the hashes `verify`
 * checks: the ticket's seals, its records' digests, and the roots of the days they were sealed,
 * checked against each other as the page is made.
 */
import { evaluateTicket } from '../engine/evaluate';
import type { TicketAudit } from '../engine/types';
import { isRevocation, type WaiverRecord, waiverBook } from '../engine/waivers';
import { parseEvent } from '../events/parse';
import type { CanonicalEvent } from '../events/schema';
import { type LedgerFinding, verifyPartition } from '../ledger';
import { type Policy, versionList } from '../policy/schema';
import type { EvidenceSource } from '../ports';
import { utcDay } from '../utc-day';
import { describeObligation } from './tickets';

const iso = (ms: number) => new Date(ms).toISOString();

export interface Evidence {
  readonly ticketId: string;
  readonly generatedAt: string;
  readonly asOf: string;
  readonly policy: { readonly id: string; readonly versions: ReturnType<typeof versionList> };
  readonly state: Pick<TicketAudit, 'complete' | 'severity' | 'resolved' | 'clientId' | 'clientTier'>;
  readonly events: readonly {
    readonly id: string;
    readonly type: string;
    readonly at: string;
    readonly receivedAt: string | null;
    readonly via: string | null;
    readonly digest: string;
    readonly event: CanonicalEvent;
  }[];
  /** As the ticket view describes them (lib/app/tickets.ts). */
  readonly obligations: readonly ReturnType<typeof describeObligation>[];
  readonly waivers: readonly WaiverRecord[];
  readonly alerts: readonly {
    readonly kind: string;
    readonly rule: string;
    readonly dueAt: string;
    readonly state: string;
    readonly recordedAt: string;
    readonly explanation: string;
    readonly digest: string;
  }[];
  readonly ledger: {
    readonly seals: readonly { seq: number; sealedAt: string; chain: string; prev: string; records: number }[];
    readonly days: readonly { day: string; root: string; seals: number }[];
    readonly findings: readonly LedgerFinding[];
    readonly awaitingSeal: number;
  };
}

/** The evidence of one ticket as of `asOf`; undefined when the store has no event of it. */
export async function ticketEvidence(
  source: EvidenceSource,
  policy: Policy,
  ticketId: string,
  asOf: number,
  now = Date.now(),
): Promise<Evidence | undefined> {
  const [records, register] = await Promise.all([source.ticketRecords(ticketId), source.waivers()]);
  if (records.events.length === 0) return undefined;
  const events = records.events
    .map((e) => ({ e, parsed: parseEvent(e.event) }))
    .flatMap(({ e, parsed }) => (parsed.ok ? [{ e, t: parsed.event }] : []));
  const audit = evaluateTicket(
    ticketId,
    events.map((x) => x.t),
    policy,
    asOf,
    waiverBook(register, asOf),
  );
  // the waivers whose scope is this ticket or its client, and the revocations of those
  const bearing = register.filter(
    (r) =>
      !isRevocation(r) && ('ticketId' in r.scope ? r.scope.ticketId === ticketId : r.scope.clientId === audit.clientId),
  );
  const ids = new Set(bearing.map((w) => w.id));
  const waivers = register.filter((r) => ids.has(r.id) || (isRevocation(r) && ids.has(r.revokes)));
  const partition = `ticket:${ticketId}`;
  const checked = verifyPartition(
    partition,
    [...records.events, ...records.notices].map((r) => ({ key: r.key, digest: r.digest })),
    records.seals,
    records.pending,
  );
  const sealDays = [...new Set(records.seals.map((s) => utcDay(s.sealedAt)))].sort();
  return {
    ticketId,
    generatedAt: iso(now),
    asOf: iso(asOf),
    policy: { id: policy.id, versions: versionList(policy) },
    state: {
      complete: audit.complete,
      severity: audit.severity,
      resolved: audit.resolved,
      clientId: audit.clientId,
      clientTier: audit.clientTier,
    },
    events: [...events]
      .sort((a, b) => a.t.t - b.t.t || (a.t.id < b.t.id ? -1 : 1))
      .map(({ e }) => ({
        id: e.event.id,
        type: e.event.type,
        at: e.event.at,
        receivedAt: e.receivedAt === undefined ? null : iso(e.receivedAt),
        via: e.via ?? null,
        digest: e.digest,
        event: e.event,
      })),
    obligations: audit.obligations.map((o) => describeObligation(o, policy)),
    waivers,
    alerts: [...records.notices]
      .sort((a, b) => a.recordedAt - b.recordedAt)
      .map((n) => ({
        kind: n.kind,
        rule: n.rule,
        dueAt: iso(n.dueAt),
        state: n.state,
        recordedAt: iso(n.recordedAt),
        explanation: n.explanation,
        digest: n.digest,
      })),
    ledger: {
      seals: [...records.seals]
        .sort((a, b) => a.seq - b.seq)
        .map((s) => ({
          seq: s.seq,
          sealedAt: iso(s.sealedAt),
          chain: s.chain,
          prev: s.prev,
          records: s.records.length,
        })),
      days: await source.dayRoots(sealDays),
      findings: checked.findings,
      awaitingSeal: checked.awaitingSeal,
    },
  };
}
