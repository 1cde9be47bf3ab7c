/**
 * Tamper-evident history: every stored event, notice and waiver is sealed into a hash chain of
 * its partition (one per ticket, one for the register of waivers), and every seal into the root of
 * the day it was made.
 *
 * - A record's digest is the SHA-256 of what is stored of it: an event's canonical JSON, a
 *   waiver's JSON, a notice's fields that never change (ticket, rule, due time, kind, severity,
 *   tier, explanation, when it was recorded; not its delivery state, which moves on).
 * - A seal lists the records of its partition not sealed before (key and digest), in key order,
 *   and links to the seal before it: `chain = SHA-256(previous chain, seq, sealedAt, records)`.
 *   Sealing runs after every reconcile of a ticket (and after a waiver is added), which is
 *   serialised per ticket; a second sealer racing for the same sequence number loses its
 *   conditional write and the records wait for the next seal.
 * - A day's root is the SHA-256 of the (partition, seq, chain) of every seal made that UTC day,
 *   sorted. The weekly report prints the roots of its days; kept outside the store (the report in
 *   S3, a manager's inbox), they pin what the store held: rewriting a record and every seal after
 *   it, and the day entries, still changes a root already published.
 *
 * `verifyLedger` recomputes all of it from what is stored and names every record altered
 * (digest), deleted (sealed, gone), inserted (stored, in no seal, and not awaiting one), every
 * seal missing, altered or out of order, and every day root that differs from a published one.
 */
import { createHash } from 'node:crypto';
import { utcDay } from './utc-day';

export const GENESIS = '0'.repeat(64);

const sha256 = (text: string) => createHash('sha256').update(text).digest('hex');

/** The digest of a record's stored text. */
export const digestOf = (text: string): string => sha256(text);

export interface SealedRecord {
  /** The record's key in its partition (an event `E#<id>`, a notice `N#…`, a waiver's id). */
  readonly key: string;
  readonly digest: string;
}

export interface Seal {
  /** `ticket:<id>` or `waivers`. */
  readonly partition: string;
  /** 1, 2, 3, …: the seal's place in its partition's chain. */
  readonly seq: number;
  readonly sealedAt: number;
  readonly records: readonly SealedRecord[];
  /** The chain value of the seal before (GENESIS for the first). */
  readonly prev: string;
  readonly chain: string;
}

export const chainOf = (prev: string, seq: number, sealedAt: number, records: readonly SealedRecord[]): string =>
  sha256(`${prev}\n${seq}\n${sealedAt}\n${records.map((r) => `${r.key} ${r.digest}`).join('\n')}`);

/** Where a partition's chain stands: the keys it has sealed, and its last seal. */
export interface ChainHead {
  readonly sealed: ReadonlySet<string>;
  readonly last: { readonly seq: number; readonly chain: string } | undefined;
}

/** The head of a chain from its seals. */
export function headOf(seals: readonly Seal[]): ChainHead {
  const last = seals.reduce<Seal | undefined>((m, s) => (!m || s.seq > m.seq ? s : m), undefined);
  return {
    sealed: new Set(seals.flatMap((s) => s.records.map((r) => r.key))),
    last: last ? { seq: last.seq, chain: last.chain } : undefined,
  };
}

/** The head after `seal`. */
export const advance = (head: ChainHead, seal: Seal): ChainHead => ({
  sealed: new Set([...head.sealed, ...seal.records.map((r) => r.key)]),
  last: { seq: seal.seq, chain: seal.chain },
});

/**
 * The next seal of a partition: at most `max` of its records not sealed yet, in key order;
 * undefined when there are none.
 */
export function nextSeal(
  partition: string,
  records: readonly SealedRecord[],
  head: ChainHead,
  now: number,
  max = Number.POSITIVE_INFINITY,
): Seal | undefined {
  const fresh = records
    .filter((r) => !head.sealed.has(r.key))
    .sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0))
    .slice(0, max);
  if (fresh.length === 0) return undefined;
  const seq = (head.last?.seq ?? 0) + 1;
  const prev = head.last?.chain ?? GENESIS;
  return { partition, seq, sealedAt: now, records: fresh, prev, chain: chainOf(prev, seq, now, fresh) };
}

/** A seal's entry in the root of its day. */
export interface DayEntry {
  readonly day: string;
  readonly partition: string;
  readonly seq: number;
  readonly chain: string;
}

/** The root of a day: its seals' entries, sorted. */
export function dayRoot(entries: readonly Omit<DayEntry, 'day'>[]): string {
  const lines = entries.map((e) => `${e.partition} ${e.seq} ${e.chain}`).sort();
  return sha256(lines.join('\n'));
}

export interface LedgerFinding {
  readonly kind:
    | 'altered'
    | 'deleted'
    | 'inserted'
    | 'seal-missing'
    | 'seal-altered'
    | 'day-entry-missing'
    | 'day-entry-altered'
    | 'root-differs';
  /** `ticket:<id>`, `waivers`, or a day. */
  readonly where: string;
  /** The record's key, the seal's number or the day. */
  readonly what: string;
  readonly detail: string;
}

/**
 * One partition's records against its seals: every record sealed and unchanged, every seal in
 * its place and its chain whole; a record in no seal is inserted, unless the partition awaits its
 * reconcile (`pending`).
 */
export function verifyPartition(
  partition: string,
  current: readonly SealedRecord[],
  given: readonly Seal[],
  pending: boolean,
): { records: number; awaitingSeal: number; findings: LedgerFinding[] } {
  const stored = new Map(current.map((r) => [r.key, r.digest]));
  const seals = [...given].sort((a, b) => a.seq - b.seq);
  const findings: LedgerFinding[] = [];
  let awaitingSeal = 0;
  const sealedKeys = new Set<string>();
  let prev = GENESIS;
  let expected = 1;
  for (const s of seals) {
    if (s.seq !== expected)
      findings.push({
        kind: 'seal-missing',
        where: partition,
        what: `seal ${expected}${s.seq > expected + 1 ? ` to ${s.seq - 1}` : ''}`,
        detail: `the chain goes from seal ${expected - 1} to seal ${s.seq}: a seal was deleted`,
      });
    if (s.prev !== prev || s.chain !== chainOf(s.prev, s.seq, s.sealedAt, s.records))
      findings.push({
        kind: 'seal-altered',
        where: partition,
        what: `seal ${s.seq}`,
        detail:
          s.prev !== prev
            ? 'it does not link to the seal before it'
            : 'its chain value is not the hash of what it lists',
      });
    prev = s.chain;
    expected = s.seq + 1;
    for (const r of s.records) {
      sealedKeys.add(r.key);
      const now = stored.get(r.key);
      if (now === undefined)
        findings.push({
          kind: 'deleted',
          where: partition,
          what: r.key,
          detail: `sealed in seal ${s.seq} at ${new Date(s.sealedAt).toISOString()}, and no longer stored`,
        });
      else if (now !== r.digest)
        findings.push({
          kind: 'altered',
          where: partition,
          what: r.key,
          detail: `it is not what seal ${s.seq} sealed at ${new Date(s.sealedAt).toISOString()} (digest ${now.slice(0, 12)}…, sealed ${r.digest.slice(0, 12)}…)`,
        });
    }
  }
  for (const key of [...stored.keys()].sort()) {
    if (sealedKeys.has(key)) continue;
    if (pending) {
      awaitingSeal++;
      continue;
    }
    findings.push({
      kind: 'inserted',
      where: partition,
      what: key,
      detail:
        'stored, and in no seal of its partition: written outside the service, or its seal was deleted (every record is sealed when its ticket is reconciled)',
    });
  }
  return { records: stored.size, awaitingSeal, findings };
}

export interface LedgerInput {
  /** Every record now stored, per partition: its key and its digest computed now. */
  readonly records: ReadonlyMap<string, readonly SealedRecord[]>;
  readonly seals: readonly Seal[];
  readonly dayEntries: readonly DayEntry[];
  /** Partitions with a reconcile pending (their newest records may not be sealed yet). */
  readonly pending?: ReadonlySet<string>;
  /** Roots published earlier (a weekly report's), by day, to hold the store to. */
  readonly published?: ReadonlyMap<string, string>;
}

export interface LedgerSummary {
  readonly partitions: number;
  readonly records: number;
  readonly seals: number;
  readonly days: readonly { readonly day: string; readonly root: string; readonly seals: number }[];
  /** Records stored, in no seal, in a partition awaiting its reconcile (not findings). */
  readonly awaitingSeal: number;
  readonly findings: readonly LedgerFinding[];
}

export function verifyLedger(input: LedgerInput): LedgerSummary {
  const findings: LedgerFinding[] = [];
  const byPartition = new Map<string, Seal[]>();
  for (const s of input.seals) {
    const list = byPartition.get(s.partition) ?? [];
    list.push(s);
    byPartition.set(s.partition, list);
  }
  const partitions = new Set([...input.records.keys(), ...byPartition.keys()]);
  let awaitingSeal = 0;
  let records = 0;
  for (const partition of [...partitions].sort()) {
    const checked = verifyPartition(
      partition,
      input.records.get(partition) ?? [],
      byPartition.get(partition) ?? [],
      input.pending?.has(partition) ?? false,
    );
    records += checked.records;
    awaitingSeal += checked.awaitingSeal;
    findings.push(...checked.findings);
  }
  // every seal has its entry in the root of the day it was made, and the entry says the same
  const entries = new Map(input.dayEntries.map((e) => [`${e.partition}\u0000${e.seq}`, e]));
  for (const s of input.seals) {
    const e = entries.get(`${s.partition}\u0000${s.seq}`);
    if (!e)
      findings.push({
        kind: 'day-entry-missing',
        where: utcDay(s.sealedAt),
        what: `${s.partition} seal ${s.seq}`,
        detail: "the seal is in no day's root: the day's entry was deleted",
      });
    else if (e.chain !== s.chain || e.day !== utcDay(s.sealedAt))
      findings.push({
        kind: 'day-entry-altered',
        where: e.day,
        what: `${s.partition} seal ${s.seq}`,
        detail: "the day's entry does not match the seal",
      });
  }
  // and every day entry names a seal that is stored
  const sealKeys = new Set(input.seals.map((s) => `${s.partition}\u0000${s.seq}`));
  for (const e of input.dayEntries)
    if (!sealKeys.has(`${e.partition}\u0000${e.seq}`))
      findings.push({
        kind: 'seal-missing',
        where: e.partition,
        what: `seal ${e.seq}`,
        detail: `the root of ${e.day} lists it, and it is no longer stored: the seal was deleted`,
      });
  const days = new Map<string, DayEntry[]>();
  for (const e of input.dayEntries) {
    const list = days.get(e.day) ?? [];
    list.push(e);
    days.set(e.day, list);
  }
  const roots = [...days]
    .sort(([a], [b]) => (a < b ? -1 : 1))
    .map(([day, list]) => ({ day, root: dayRoot(list), seals: list.length }));
  for (const [day, root] of input.published ?? []) {
    const now = roots.find((r) => r.day === day)?.root;
    if (now !== root)
      findings.push({
        kind: 'root-differs',
        where: day,
        what: day,
        detail: `the root published for ${day} was ${root.slice(0, 16)}…; the store's is ${now ? `${now.slice(0, 16)}…` : 'gone'}`,
      });
  }
  return {
    partitions: partitions.size,
    records,
    seals: input.seals.length,
    days: roots,
    awaitingSeal,
    findings,
  };
}
