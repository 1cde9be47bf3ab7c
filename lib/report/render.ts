/** The weekly report as JSON, CSV (one row per obligation) and Markdown. */

import { stringify } from 'csv-stringify/sync';
import { explain } from '../engine/explain';
import { populationGaps, populationSummary } from '../engine/population';
import type { Policy } from '../policy/schema';
import { duration } from '../text/duration';
import { jsonChunks } from '../text/json';
import { counted } from '../text/plural';
import type { BreachGroup, Group, ReportItem, Tally, WeeklyReport } from './aggregate';
import { mapList, type OrderedList } from './lists';

const iso = (ms: number) => new Date(ms).toISOString();

/** The columns of a tally, in every table of every format. */
export const TALLY_COLUMNS = [
  'Due',
  'Met',
  'Breached',
  'Excused',
  'Retracted',
  'Compliance',
  'Near misses',
  'Median time to evidence',
  'p90',
] as const;
const pct = (x: number | null) => (x === null ? '-' : `${(100 * x).toFixed(1)}%`);
const time = (ms: number | null) => (ms === null ? '-' : duration(ms));

/** The JSON document, its lists read as they are written (see reportJsonChunks). */
function reportJson(r: WeeklyReport): object {
  return {
    week: r.week.id,
    from: iso(r.week.start),
    to: iso(r.week.end),
    asOf: iso(r.asOf),
    policy: r.policy,
    tickets: r.tickets,
    total: r.total,
    byRule: r.byRule,
    bySeverity: r.bySeverity,
    byQueue: r.byQueue,
    byAgent: r.byAgent,
    trend: r.trend,
    breaches: mapList(r.breaches, (b) => ({ ...b, dueAt: iso(b.dueAt) })),
    // the same breaches as read: by ticket, runs of missed windows as one row each
    breachesByTicket: mapList(r.breachGroups, (g) => ({
      ...g,
      rows: g.rows.map((row) => ({ ...row, dueAt: iso(row.dueAt) })),
    })),
    open: mapList(r.open, (o) => ({ ...o, startAt: iso(o.startAt), dueAt: iso(o.dueAt) })),
    excused: mapList(r.excused, (o) => ({
      ...o,
      startAt: iso(o.startAt),
      dueAt: iso(o.dueAt),
      waiver: { ...o.waiver, grantedAt: iso(o.waiver.grantedAt), expiresAt: iso(o.waiver.expiresAt) },
    })),
    ...(r.waivers ? { waivers: r.waivers } : {}),
    ...(r.roots ? { roots: r.roots } : {}),
    findings: r.findings,
    retracted: r.retracted,
    population: r.population,
  };
}

/** The JSON document (`reportJson`) in pieces of text: a breach, an open obligation, a ticket's rows at a time. */
export function* reportJsonChunks(r: WeeklyReport): Generator<string> {
  yield* jsonChunks(reportJson(r));
  yield '\n';
}

/** The CSV's rows at a time: never an array of every row, nor one string of them all. */
const CSV_ROWS_PER_CHUNK = 5_000;

/** The CSV, one row per obligation due in the week, in chunks of CSV_ROWS_PER_CHUNK rows. */
export function* reportCsvChunks(r: WeeklyReport, policy: Policy): Generator<string> {
  const head = [
    'ticketId',
    'rule',
    'severity',
    'status',
    'startAt',
    'dueAt',
    'evidenceAt',
    'evidenceEventId',
    'queue',
    'agent',
    'waiverId',
    'policyVersion',
    'explanation',
    'asOf',
  ];
  // a cell starting with = + - @ is neutralised, so a spreadsheet never runs it as a formula
  const csv = (rows: unknown[][]) => stringify(rows, { escape_formulas: true, record_delimiter: 'windows' });
  yield csv([head]);
  const asOf = iso(r.asOf);
  let rows: unknown[][] = [];
  for (const o of r.obligations) {
    rows.push([
      o.ticketId,
      o.rule,
      o.severity,
      o.status,
      iso(o.startAt),
      iso(o.dueAt),
      o.evidence ? iso(o.evidence.at) : '',
      o.evidence?.eventId,
      o.queue,
      o.agent,
      o.excuse?.waiverId,
      o.policyVersion,
      explain(o, policy),
      asOf,
    ]);
    if (rows.length === CSV_ROWS_PER_CHUNK) {
      yield csv(rows);
      rows = [];
    }
  }
  if (rows.length) yield csv(rows);
}

const row = (name: string, t: Tally) => [
  name,
  String(t.due),
  String(t.met),
  String(t.breached),
  String(t.excused),
  String(t.retracted),
  pct(t.compliance),
  String(t.nearMisses),
  time(t.timeToEvidence.median),
  time(t.timeToEvidence.p90),
];

const tableRow = (cells: readonly string[]) => `| ${cells.map((c) => c.replace(/\|/g, '\\|')).join(' | ')} |`;
const table = (head: string[], rows: string[][]) => [head, head.map(() => '---'), ...rows].map(tableRow).join('\n');

/** `table`'s lines, each with its line break, a row at a time. */
function* tableLines(head: string[], rows: Iterable<string[]>): Generator<string> {
  yield `${tableRow(head)}\n${tableRow(head.map(() => '---'))}\n`;
  for (const r of rows) yield `${tableRow(r)}\n`;
}

/** A table of open obligations, one row each, soonest due first, a row at a time; or "None.". */
function* items(list: OrderedList<ReportItem>, what: string): Generator<string> {
  if (!list.length) return yield 'None.\n';
  yield* tableLines(
    ['Due', 'Ticket', 'Severity', 'Rule', what],
    mapList(list, (o) => [iso(o.dueAt), o.ticketId, o.severity ?? '-', o.rule, o.explanation]),
  );
}

/** One ticket's breaches: a line naming it, then its rows (a run of missed windows as one). */
const breachGroup = (g: BreachGroup) =>
  `**${g.ticketId}** · ${g.severity ?? '-'} · ${counted(g.breaches, 'breach', 'breaches')}\n\n${table(
    ['Due', 'Rule', 'What happened'],
    g.rows.map((row) => [iso(row.dueAt), row.rule, row.explanation]),
  )}`;

export function reportMarkdown(r: WeeklyReport): string {
  return [...reportMarkdownChunks(r)].join('');
}

/** The Markdown report in pieces, a ticket's breaches at a time, for a writer that streams it. */
export function* reportMarkdownChunks(r: WeeklyReport): Generator<string> {
  const lines = (of: readonly string[]) => of.map((line) => `${line}\n`).join('');
  const head = ['', ...TALLY_COLUMNS];
  const groups = (title: string, of: readonly Group[]) =>
    of.length
      ? [
          `## ${title}`,
          '',
          table(
            head,
            of.map((g) => row(g.name, g)),
          ),
          '',
        ]
      : [];
  yield lines([
    `# ${r.policy.id} compliance, week ${r.week.id}`,
    '',
    `${iso(r.week.start).slice(0, 10)} to ${iso(r.week.end - 1).slice(0, 10)} (${r.policy.timeZone}) · data as of ${iso(r.asOf)} · ${counted(r.tickets, 'ticket')} · ` +
      `${counted(r.total.due, 'obligation')} due · ${r.total.breached} breached · compliance ${pct(r.total.compliance)}` +
      (r.total.excused ? ` · ${r.total.excused} excused by waivers` : '') +
      (r.retracted.total
        ? ` · ${counted(r.retracted.total, 'alerted breach', 'alerted breaches')} retracted on late evidence`
        : ''),
    '',
    '## By rule',
    '',
    table(head, [row('All rules', r.total), ...Object.entries(r.byRule).map(([rule, t]) => row(rule, t))]),
    '',
    '## By severity',
    '',
    table(
      head,
      Object.entries(r.bySeverity).map(([s, t]) => row(s, t)),
    ),
    '',
    ...groups('By team or queue', r.byQueue),
    ...groups('By agent', r.byAgent),
    '## Trend',
    '',
    table(
      ['Week', 'Due', 'Breached', 'Compliance'],
      r.trend.map((t) => [t.week, String(t.due), String(t.breached), pct(t.compliance)]),
    ),
    '',
    '## Breaches',
    '',
  ]);
  if (r.breachGroups.length) for (const g of r.breachGroups) yield lines([breachGroup(g), '']);
  else yield lines(['None.', '']);
  if (r.waivers || r.excused.length) {
    yield lines([`## Excused by waivers (${r.excused.length}; not counted as breaches)`, '']);
    if (r.excused.length)
      yield* tableLines(
        ['Due', 'Ticket', 'Rule', 'Waiver', 'Approved by', 'Reason'],
        mapList(r.excused, (o) => [
          iso(o.dueAt),
          o.ticketId,
          o.rule,
          o.waiver.waiverId,
          o.waiver.approver,
          o.waiver.reason,
        ]),
      );
    else yield 'None.\n';
    yield lines([
      '',
      ...(r.waivers?.unmatched.length
        ? [
            'Waivers granted this week that match nothing (check their scope):',
            '',
            ...r.waivers.unmatched.map((u) => `- ${u.id}: ${u.why}`),
            '',
          ]
        : []),
    ]);
  }
  yield lines([`## Open at ${iso(r.asOf)} (not yet due; not counted)`, '']);
  yield* items(r.open, 'Where it stands');
  const tail = [
    '',
    ...(r.findings.length
      ? ['## Findings (for review, not breaches)', '', ...r.findings.map((f) => `- ${f.ticketId}: ${f.message}`), '']
      : []),
    ...(r.roots
      ? [
          '## Ledger roots (what `escalation-auditor verify --roots` holds the store to)',
          '',
          ...(r.roots.length
            ? r.roots.map((d) => `- ${d.day}: \`${d.root}\` (${counted(d.seals, 'seal')})`)
            : ['None sealed.']),
          '',
        ]
      : []),
    '## Population (P0/P1 tickets opened in the week; incidents raised in it)',
    '',
    populationSummary(r.population),
    '',
    ...populationGaps(r.population).map((g) => `- ${g}`),
  ];
  yield lines(tail);
}
