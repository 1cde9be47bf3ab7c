/**
 * The audit's three faces: JSON (RULES.md section 5), a readable text table, and Markdown. Each
 * is written as a stream: the shards turn their breaches into output records as they audit (in
 * sorted chunks, spilled to disk past a size), and the records are merged in order and written
 * one by one. No format is ever built as one string, whatever the number of breaches.
 */
import { once } from 'node:events';
import { DateTime } from 'luxon';
import type { AuditTotals, RuleTally } from '../lib/engine/audit';
import { explain, explainRun, explainVersioned } from '../lib/engine/explain';
import { populationGaps, populationSummary } from '../lib/engine/population';
import { RULE_IDS, type Rule, ruleById } from '../lib/engine/rules';
import { breachRows, type MissedRun } from '../lib/engine/runs';
import type { Breach, Obligation } from '../lib/engine/types';
import type { UnmatchedWaiver } from '../lib/engine/waivers';
import { type Policy, type RuleId, versionLabel, versionList } from '../lib/policy/schema';
import { counted } from '../lib/text/plural';
import type { Format } from './options';
import { type Chunk, type Keyed, mergeChunks, SortedSpill } from './spill';

const iso = (ms: number) => new Date(ms).toISOString();
const compliance = (t: RuleTally) => (t.met + t.breached ? t.met / (t.met + t.breached) : null);
const percent = (x: number | null) => (x === null ? '-' : `${(100 * x).toFixed(1)}%`);
const localTime = (policy: Policy) => {
  const zone = policy.calendar.timeZone;
  return (ms: number) => DateTime.fromMillis(ms, { zone }).toFormat('yyyy-MM-dd HH:mm');
};

/** The widest cells of the streamed breach table, so its columns line up without holding it. */
export interface Widths {
  ticket: number;
  severity: number;
  rule: number;
}

/** The JSON document's breach object (RULES.md section 5, with the optional fields); an excused one names its waiver. */
function breachJson(b: Breach | Obligation, policy: Policy): object {
  const e = b.excuse;
  return {
    ticketId: b.ticketId,
    rule: b.rule,
    dueAt: iso(b.dueAt),
    severity: b.severity,
    policyVersion: b.policyVersion,
    reason: explain(b, policy),
    policyLine: (ruleById.get(b.rule) as Rule).policyLine,
    ...(b.evidence ? { evidence: { eventId: b.evidence.eventId, type: b.evidence.type, at: iso(b.evidence.at) } } : {}),
    ...(e
      ? {
          waiver: {
            id: e.waiverId,
            approver: e.approver,
            reason: e.reason,
            grantedAt: iso(e.grantedAt),
            expiresAt: iso(e.expiresAt),
          },
        }
      : {}),
  };
}

function runJson(r: MissedRun): object {
  return {
    ticketId: r.ticketId,
    rule: r.rule,
    severity: r.severity,
    windows: r.count,
    from: iso(r.firstDueAt),
    to: iso(r.lastDueAt),
  };
}

const ruleIndex = (rule: RuleId) => RULE_IDS.indexOf(rule);
/** Joins a row's cells in a record (no cell holds it: they are printable text). */
const CELL = '\u0000';

/** `JSON.stringify(value, null, 2)` as it reads nested `depth` levels deep. */
const nested = (value: unknown, depth: number) =>
  JSON.stringify(value, null, 2).replace(/\n/g, `\n${'  '.repeat(depth)}`);

/**
 * A shard's output records for one format, as its tickets are audited: for JSON every breach and
 * the runs of missed windows; for text and Markdown the table rows, runs collapsed to one row.
 */
export class AuditOutput {
  readonly widths: Widths = { ticket: 0, severity: 0, rule: 0 };
  private readonly streams: Record<string, SortedSpill> = {};
  private readonly local: (ms: number) => string;

  constructor(
    private readonly policy: Policy,
    private readonly format: Format,
    dir: () => string,
    shard: number,
  ) {
    this.local = localTime(policy);
    const names = format === 'json' ? ['breaches', 'runs', 'excused'] : ['rows', 'excusedRows'];
    for (const name of names) this.streams[name] = new SortedSpill(dir, `${name}-${shard}`);
  }

  /** One ticket's breaches, in due order, and its obligations (the excused breaches among them). */
  add(breaches: readonly Breach[], obligations: readonly Obligation[] = []): void {
    for (const o of obligations) if (o.status === 'excused') this.addExcused(o);
    if (breaches.length === 0) return;
    const { policy } = this;
    if (this.format === 'json') {
      for (const b of breaches) {
        this.streams.breaches?.add([b.dueAt, b.ticketId, ruleIndex(b.rule), nested(breachJson(b, policy), 2)]);
      }
      for (const row of breachRows(breaches)) {
        const run = row.run;
        if (run) this.streams.runs?.add([run.firstDueAt, run.ticketId, ruleIndex(run.rule), nested(runJson(run), 2)]);
      }
      return;
    }
    for (const row of breachRows(breaches)) {
      const { ticketId, rule, severity } = row.run ?? row.breach;
      const dueAt = row.run ? row.run.firstDueAt : row.breach.dueAt;
      const what = row.run ? explainRun(row.run, policy) : explainVersioned(row.breach, policy);
      const sev = severity ?? '-';
      this.widths.ticket = Math.max(this.widths.ticket, ticketId.length);
      this.widths.severity = Math.max(this.widths.severity, sev.length);
      this.widths.rule = Math.max(this.widths.rule, rule.length);
      // the cells, joined by a character no cell holds; the writer pads them to the final widths
      const cells = [this.local(dueAt), ticketId, sev, rule, what].join(CELL);
      this.streams.rows?.add([dueAt, ticketId, ruleIndex(rule), cells]);
    }
  }

  private addExcused(o: Obligation): void {
    const key = [o.dueAt, o.ticketId, ruleIndex(o.rule)] as const;
    if (this.format === 'json') {
      this.streams.excused?.add([...key, nested(breachJson(o, this.policy), 2)]);
      return;
    }
    const sev = o.severity ?? '-';
    this.widths.ticket = Math.max(this.widths.ticket, o.ticketId.length);
    this.widths.severity = Math.max(this.widths.severity, sev.length);
    this.widths.rule = Math.max(this.widths.rule, o.rule.length);
    this.streams.excusedRows?.add([
      ...key,
      [this.local(o.dueAt), o.ticketId, sev, o.rule, explainVersioned(o, this.policy)].join(CELL),
    ]);
  }

  finish(): Record<string, Chunk[]> {
    return Object.fromEntries(Object.entries(this.streams).map(([name, s]) => [name, s.finish()]));
  }
}

export interface AuditReport {
  readonly totals: AuditTotals;
  readonly policy: Policy;
  /** Every shard's sorted chunks, per stream. */
  readonly streams: Readonly<Record<string, readonly Chunk[]>>;
  readonly widths: Widths;
  /** Set when invalid lines were skipped (`--skip-invalid`). */
  readonly rejected?: number;
  /** Set when a register of waivers was given: its size, and what in it matched nothing. */
  readonly waivers?: { readonly records: number; readonly unmatched: readonly UnmatchedWaiver[] };
}

/**
 * Writes to a stream in blocks of about 64 KiB, waiting when the stream asks to (backpressure):
 * what is buffered is never more than a block.
 */
export class Writer {
  private buffer = '';
  constructor(private readonly out: NodeJS.WritableStream) {}
  async write(text: string): Promise<void> {
    this.buffer += text;
    if (this.buffer.length >= 1 << 16) await this.flush();
  }
  async flush(): Promise<void> {
    const text = this.buffer;
    this.buffer = '';
    if (text && !this.out.write(text)) await once(this.out as NodeJS.EventEmitter, 'drain');
  }
}

export const records = (r: AuditReport, stream: string): Generator<Keyed> => mergeChunks(r.streams[stream] ?? []);

async function writeJson(r: AuditReport, w: Writer): Promise<void> {
  const { totals, policy } = r;
  const head = {
    asOf: iso(totals.asOf),
    policy: policy.id,
    policyVersion: policy.version,
    ...(policy.versions ? { policyVersions: versionList(policy) } : {}),
    tickets: totals.tickets,
    events: totals.events,
    duplicates: totals.duplicates,
    ...(r.rejected !== undefined ? { rejected: r.rejected } : {}),
  };
  await w.write(`${JSON.stringify(head, null, 2).slice(0, -2)},\n`);
  for (const name of ['breaches', 'runs', ...(r.waivers ? ['excused'] : [])]) {
    await w.write(`  "${name}": [`);
    let first = true;
    for (const [, , , text] of records(r, name)) {
      await w.write(`${first ? '\n' : ',\n'}    ${text}`);
      first = false;
    }
    await w.write(first ? '],\n' : '\n  ],\n');
  }
  const tail = {
    findings: totals.findings,
    incomplete: totals.incomplete,
    conflicts: totals.conflicts.map((c) => ({
      id: c.kept.id,
      ticketId: c.kept.ticketId,
      refusedTicketId: c.refused.ticketId,
    })),
    summary: Object.fromEntries(
      Object.entries(totals.byRule).map(([rule, t]) => [rule, { ...t, compliance: compliance(t) }]),
    ),
    population: totals.population,
    ...(r.waivers
      ? { waivers: { records: r.waivers.records, excused: totals.excused, unmatched: r.waivers.unmatched } }
      : {}),
  };
  // the rest of the document: its top-level keys after the streamed lists, and the closing brace
  await w.write(`${JSON.stringify(tail, null, 2).slice(2)}\n`);
}

function sections(r: AuditReport) {
  const { totals, policy } = r;
  const zone = policy.calendar.timeZone;
  const local = localTime(policy);
  const ruleRows = (Object.entries(totals.byRule) as [RuleId, RuleTally][]).map(([rule, t]) => [
    rule,
    String(t.met + t.breached),
    String(t.met),
    String(t.breached),
    ...(r.waivers ? [String(t.excused)] : []),
    percent(compliance(t)),
    String(t.pending),
    String(t.cancelled),
  ]);
  const headline = [
    `${counted(totals.tickets, 'ticket')}, ${counted(totals.events, 'event')}`,
    counted(totals.breaches, 'breach', 'breaches'),
    ...(r.waivers ? [`${totals.excused} excused by waivers`] : []),
    counted(totals.findings.length, 'finding'),
    ...(totals.incomplete.length ? [`${totals.incomplete.length} incomplete`] : []),
    ...(totals.duplicates
      ? [`${counted(totals.duplicates, 'duplicate delivery', 'duplicate deliveries')} ignored`]
      : []),
    ...(totals.conflicts.length ? [counted(totals.conflicts.length, 'conflicting id')] : []),
    ...(r.rejected ? [`${counted(r.rejected, 'invalid line')} skipped`] : []),
  ].join(' · ');
  return {
    title: `${policy.id} (${versionLabel(policy)}) audit as of ${local(totals.asOf)} ${zone}`,
    headline,
    breachHead: [`DUE (${zone})`, 'TICKET', 'SEV', 'RULE', 'WHAT HAPPENED'],
    ruleHead: [
      'RULE',
      'DUE',
      'MET',
      'BREACHED',
      ...(r.waivers ? ['EXCUSED'] : []),
      'COMPLIANCE',
      'PENDING',
      'CANCELLED',
    ],
    unmatchedWaivers: (r.waivers?.unmatched ?? []).map((u) => `${u.id}: ${u.why}`),
    ruleRows,
    findings: totals.findings.map((f) => [f.ticketId, f.message]),
    incomplete: totals.incomplete,
    conflicts: totals.conflicts.map((c) => c.kept.id),
    population: { headline: populationSummary(totals.population), missing: populationGaps(totals.population) },
  };
}

/** Lays rows out in columns of the given widths; the last column is not padded. */
const line = (cells: readonly string[], widths: readonly number[]) =>
  cells
    .map((c, i) => (i === cells.length - 1 ? c : c.padEnd(widths[i] ?? 0)))
    .join('  ')
    .trimEnd();

/** The widths of a small table held in memory: its widest cell per column (a loop, never a spread). */
function widthsOf(head: readonly string[], rows: readonly (readonly string[])[]): number[] {
  const widths = head.map((h) => h.length);
  for (const row of rows) {
    for (const [i, c] of row.entries()) widths[i] = Math.max(widths[i] ?? 0, c.length);
  }
  return widths;
}

function table(head: readonly string[], rows: readonly (readonly string[])[]): string {
  const widths = widthsOf(head, rows);
  return [line(head, widths), ...rows.map((r) => line(r, widths))].join('\n');
}

const mdEscape = (c: string) => c.replace(/\|/g, '\\|');
const mdLine = (r: readonly string[]) => `| ${r.map(mdEscape).join(' | ')} |`;
function mdTable(head: readonly string[], rows: readonly (readonly string[])[]): string {
  return [head, head.map(() => '---'), ...rows].map(mdLine).join('\n');
}

async function writeText(r: AuditReport, w: Writer): Promise<void> {
  const s = sections(r);
  // a streamed table of breach rows, its columns as wide as the widest cells the shards saw
  const rows = async (stream: string, count: number) => {
    if (count === 0) return w.write('none\n');
    const widths = [
      Math.max(s.breachHead[0]?.length ?? 0, 16),
      Math.max(6, r.widths.ticket),
      Math.max(3, r.widths.severity),
      Math.max(4, r.widths.rule),
    ];
    await w.write(`${line(s.breachHead, widths)}\n`);
    for (const [, , , cells] of records(r, stream)) await w.write(`${line(cells.split(CELL), widths)}\n`);
  };
  await w.write(`${[s.title, s.headline, '', 'BREACHES'].join('\n')}\n`);
  await rows('rows', r.totals.breaches);
  if (r.waivers) {
    await w.write('\nEXCUSED (breaches a waiver in force covers; not counted as breaches)\n');
    await rows('excusedRows', r.totals.excused);
  }
  const out = ['', 'BY RULE', table(s.ruleHead, s.ruleRows), ''];
  if (s.unmatchedWaivers.length)
    out.push('WAIVERS THAT MATCH NOTHING (check their scope)', ...s.unmatchedWaivers.map((u) => `  ${u}`), '');
  if (s.findings.length) out.push('FINDINGS (for review, not breaches)', table(['TICKET', 'FINDING'], s.findings), '');
  if (s.incomplete.length) out.push(`INCOMPLETE (no ticket.created, no rules applied): ${s.incomplete.join(', ')}`, '');
  if (s.conflicts.length)
    out.push(`CONFLICTS (id reused by a different event; the first was kept): ${s.conflicts.join(', ')}`, '');
  out.push(`POPULATION: ${s.population.headline}`, ...s.population.missing.map((m) => `  ${m}`), '');
  await w.write(out.join('\n'));
}

async function writeMarkdown(r: AuditReport, w: Writer): Promise<void> {
  const s = sections(r);
  const rows = async (stream: string, count: number) => {
    if (count === 0) return w.write('None.\n');
    await w.write(`${mdLine(s.breachHead)}\n${mdLine(s.breachHead.map(() => '---'))}\n`);
    for (const [, , , cells] of records(r, stream)) await w.write(`${mdLine(cells.split(CELL))}\n`);
  };
  await w.write(`${[`# ${s.title}`, '', s.headline, '', '## Breaches', ''].join('\n')}\n`);
  await rows('rows', r.totals.breaches);
  if (r.waivers) {
    await w.write('\n## Excused (breaches a waiver in force covers; not counted as breaches)\n\n');
    await rows('excusedRows', r.totals.excused);
  }
  const out = ['', '## By rule', '', mdTable(s.ruleHead, s.ruleRows), ''];
  if (s.unmatchedWaivers.length)
    out.push('## Waivers that match nothing (check their scope)', '', ...s.unmatchedWaivers.map((u) => `- ${u}`), '');
  if (s.findings.length)
    out.push('## Findings (for review, not breaches)', '', mdTable(['Ticket', 'Finding'], s.findings), '');
  if (s.incomplete.length)
    out.push('## Incomplete tickets (no ticket.created)', '', s.incomplete.map((t) => `- ${t}`).join('\n'), '');
  if (s.conflicts.length)
    out.push('## Conflicting ids (the first event was kept)', '', s.conflicts.map((t) => `- ${t}`).join('\n'), '');
  out.push('## Population', '', s.population.headline, '', ...s.population.missing.map((m) => `- ${m}`), '');
  await w.write(out.join('\n'));
}

/** Writes the audit in `format` to `out`, record by record. */
export async function renderAudit(r: AuditReport, format: Format, out: NodeJS.WritableStream): Promise<void> {
  const w = new Writer(out);
  if (format === 'json') await writeJson(r, w);
  else if (format === 'markdown') await writeMarkdown(r, w);
  else await writeText(r, w);
  await w.flush();
}
