/**
 * Reads an export and audits it, sharded by ticket over one or more threads. A large input is
 * spilled: each shard keeps its events in bucket files by ticket and audits a bucket at a time,
 * and every format's output records go to sorted chunks; memory is bounded by the largest ticket
 * and the chunk size, not by the input or the output.
 */
import { type AuditTotals, mergeTotals } from '../lib/engine/audit';
import type { WaiverRecord } from '../lib/engine/waivers';
import type { Policy } from '../lib/policy/schema';
import { eachLine, type Source } from './lines';
import type { Format } from './options';
import { count, type Progress } from './progress';
import type { AuditReport } from './render';
import { routeKeys } from './route';
import { hashOf, type Invalid, KEEP_INVALID, type Lines, type ShardAudit, shardOf } from './shard';
import { openShards, type ShardHandle } from './shards';
import { type Chunk, LIMITS, withTempDir } from './spill';

const BATCH = 4000;
const IN_FLIGHT = 4;

/** Buckets per shard for an input of unknown size (standard input). */
const UNKNOWN_SIZE_BUCKETS = 4;

export interface Audited {
  /** Undefined when invalid lines were found and not to be skipped: nothing was audited. */
  readonly result: Omit<AuditReport, 'policy' | 'rejected'> | undefined;
  readonly rejected: number;
  /** The first invalid lines, in line order. */
  readonly invalid: readonly Invalid[];
}

export interface AuditSourceOptions {
  readonly policy: Policy;
  /** Epoch ms; default the latest event time. */
  readonly asOf: number | undefined;
  readonly threads: number;
  readonly skipInvalid: boolean;
  readonly progress: Progress;
  readonly format: Format;
  /** The register of waivers (`--waivers`): the breaches it covers are excused. */
  readonly waivers?: readonly WaiverRecord[];
}

/** Event buckets per shard for an input of `size` bytes over `shards` shards (0: in memory). */
export function bucketsFor(size: number | undefined, shards: number): number {
  if (size === undefined) return UNKNOWN_SIZE_BUCKETS;
  return size <= LIMITS.inMemoryBytes ? 0 : Math.ceil(size / LIMITS.bucketBytes / shards);
}

/**
 * Audits a source and hands the report to `use` while its temporary folder (spilled events and
 * output chunks) still exists; the folder is removed afterwards, whatever happens.
 */
export async function withAudit<T>(
  source: Source,
  opts: AuditSourceOptions,
  use: (audited: Audited) => Promise<T>,
): Promise<T> {
  return withTempDir(async (dir) => {
    const buckets = bucketsFor(source.size, opts.threads);
    const shards = openShards(opts.threads, { dir, buckets, readsLatest: opts.asOf === undefined });
    let audited: Audited;
    try {
      audited = await run(source, shards, opts, buckets > 0);
    } finally {
      // the threads end with the audit, so their heaps are not held while the output is written
      await Promise.all(shards.map((s) => s.close()));
    }
    return use(audited);
  });
}

/** What lines are read into: a shard, on this thread or another. */
type Into = Pick<ShardHandle, 'add' | 'drained'>;

/**
 * Reads a source's lines into shards, a batch at a time and never more than a few batches ahead
 * of them, so the file is never queued whole in memory. `byTicket`: each line to the shard of its
 * top-level ticket id, read from the raw line (cli/route.ts), for shards that keep their events in
 * memory; otherwise batches in turn, each shard filing the lines under their tickets' buckets.
 */
export async function readInto(
  source: Source,
  shards: readonly Into[],
  { progress, byTicket }: { progress?: Progress; byTicket: boolean },
): Promise<void> {
  const n = shards.length;
  const batches = shards.map(() => ({ texts: [] as string[], lines: [] as number[] }));
  const flush = (i: number) => {
    (shards[i] as Into).add(batches[i] as Lines);
    batches[i] = { texts: [], lines: [] };
  };
  let next = 0;
  let read = 0;
  const started = Date.now();
  await eachLine(
    source,
    (text, line) => {
      read = line;
      if (text.trim() === '') return;
      const i = byTicket && n > 1 ? shardOf(hashOf(routeKeys(text).ticketId), n) : next;
      const batch = batches[i] as { texts: string[]; lines: number[] };
      batch.texts.push(text);
      batch.lines.push(line);
      if (batch.texts.length >= BATCH) {
        flush(i);
        next = (next + 1) % n;
      }
    },
    async (bytes) => {
      progress?.update(() => {
        const pct = source.size ? ` ${Math.floor((100 * bytes) / source.size)}%` : '';
        const rate = Math.round(read / Math.max(0.001, (Date.now() - started) / 1000));
        return `reading${pct} · ${count(read)} lines · ${count(rate)} lines/s`;
      });
      await Promise.all(shards.map((s) => s.drained(IN_FLIGHT)));
    },
  );
  for (let i = 0; i < n; i++) flush(i);
}

async function run(
  source: Source,
  shards: ShardHandle[],
  opts: AuditSourceOptions,
  spilled: boolean,
): Promise<Audited> {
  await readInto(source, shards, { progress: opts.progress, byTicket: !spilled });
  // the as-of: as given, or the latest event's time. Spilled, that is read from the raw lines
  // first; should the latest line prove not to be a valid event (skipped with --skip-invalid),
  // the audit is made again as of the latest that is
  const read = Math.max(...(await Promise.all(shards.map((s) => s.flush()))));
  const now = Date.now();
  const asOfOf = (latest: number) => opts.asOf ?? (Number.isFinite(latest) ? latest : now);
  let asOf = asOfOf(read);
  for (;;) {
    const done = shards.map(() => 0);
    const results = await Promise.all(
      shards.map((s, i) =>
        s.audit({ policy: opts.policy, asOf, format: opts.format, waivers: opts.waivers ?? [] }, (d) => {
          done[i] = d;
          const total = done.reduce((a, b) => a + b, 0);
          opts.progress.update(() => `auditing · ${count(total)} tickets`);
        }),
      ),
    );
    const rejected = results.reduce((sum, r) => sum + r.parsed.rejected, 0);
    const invalid = results
      .flatMap((r) => r.parsed.invalid)
      .sort((a, b) => a.line - b.line)
      .slice(0, KEEP_INVALID);
    if (rejected > 0 && !opts.skipInvalid) return { result: undefined, rejected, invalid };
    const latest = asOfOf(Math.max(...results.map((r) => r.parsed.latest)));
    if (latest !== asOf) {
      asOf = latest;
      continue;
    }
    return { result: merged(results, asOf), rejected, invalid };
  }
}

/** The shards' audits as one: their streams of sorted chunks side by side, totals and widths merged. */
function merged(results: readonly ShardAudit[], asOf: number): Omit<AuditReport, 'policy' | 'rejected'> {
  const streams: Record<string, Chunk[]> = {};
  for (const r of results) {
    for (const [name, chunks] of Object.entries(r.streams)) {
      const all = streams[name] ?? [];
      streams[name] = all;
      for (const chunk of chunks) all.push(chunk);
    }
  }
  const widths = { ticket: 0, severity: 0, rule: 0 };
  for (const r of results) {
    widths.ticket = Math.max(widths.ticket, r.widths.ticket);
    widths.severity = Math.max(widths.severity, r.widths.severity);
    widths.rule = Math.max(widths.rule, r.widths.rule);
  }
  const totals: AuditTotals = mergeTotals(
    results.map((r) => r.totals),
    asOf,
  );
  return { totals, streams, widths };
}
