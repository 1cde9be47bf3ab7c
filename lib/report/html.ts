/**
 * The weekly report as one self-contained HTML page: inline CSS and SVG charts, no scripts, no
 * external fonts or images, so it reads the same in a browser and pasted into an email.
 */

import { populationSummary } from '../engine/population';
import { duration } from '../text/duration';
import { counted, noun } from '../text/plural';
import type { Group, Tally, WeeklyReport } from './aggregate';
import { cell, esc, PAGE_STYLE, stamp } from './page';
import { TALLY_COLUMNS } from './render';

const pct = (x: number | null) => (x === null ? '–' : `${(100 * x).toFixed(1)}%`);
const time = (ms: number | null) => (ms === null ? '–' : duration(ms));
const day = (ms: number) => new Date(ms).toISOString().slice(0, 10);
const colour = (x: number | null) =>
  x === null ? '#9aa5b1' : x >= 0.95 ? '#2f9e44' : x >= 0.8 ? '#f08c00' : '#e03131';

/** Horizontal bars: compliance per rule. */
function complianceBars(rows: [string, Tally][], what = 'rule'): string {
  const width = 640;
  const label = 210;
  const bar = 22;
  const height = rows.length * (bar + 8) + 8;
  const bars = rows
    .map(([name, t], i) => {
      const y = 8 + i * (bar + 8);
      const w = t.compliance === null ? 0 : Math.round((width - label - 70) * t.compliance);
      return (
        `<text x="${label - 8}" y="${y + 15}" text-anchor="end">${esc(name)}</text>` +
        `<rect x="${label}" y="${y}" width="${width - label - 70}" height="${bar}" fill="#eef1f4"/>` +
        `<rect x="${label}" y="${y}" width="${w}" height="${bar}" fill="${colour(t.compliance)}"><title>${esc(name)}: ${pct(t.compliance)} of ${t.due}</title></rect>` +
        `<text x="${width - 62}" y="${y + 15}">${pct(t.compliance)}</text>`
      );
    })
    .join('');
  return `<svg role="img" aria-label="Compliance by ${what}" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}" font-family="sans-serif" font-size="13">${bars}</svg>`;
}

/** Columns: compliance per week, the report's week last. */
function trendColumns(trend: WeeklyReport['trend']): string {
  const width = 640;
  const height = 200;
  const col = Math.floor((width - 40) / trend.length);
  const cols = trend
    .map((t, i) => {
      const h = t.compliance === null ? 0 : Math.round(140 * t.compliance);
      const x = 20 + i * col;
      return (
        `<rect x="${x + 10}" y="${160 - h}" width="${col - 20}" height="${h}" fill="${colour(t.compliance)}"><title>${t.week}: ${pct(t.compliance)} of ${t.due}</title></rect>` +
        `<text x="${x + col / 2}" y="${152 - h}" text-anchor="middle">${pct(t.compliance)}</text>` +
        `<text x="${x + col / 2}" y="180" text-anchor="middle">${t.week}</text>` +
        `<text x="${x + col / 2}" y="196" text-anchor="middle" fill="#52606d">${t.due} due</text>`
      );
    })
    .join('');
  return `<svg role="img" aria-label="Compliance trend" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}" font-family="sans-serif" font-size="12"><line x1="20" y1="160" x2="${width - 20}" y2="160" stroke="#9aa5b1"/>${cols}</svg>`;
}

function tallyTable(rows: [string, Tally][]): string {
  const head = ['', ...TALLY_COLUMNS];
  const [due, met, breached, excused, retracted, compliance, nearMisses, median, p90] = TALLY_COLUMNS;
  const body = rows
    .map(
      ([name, t]) =>
        `<tr><th scope="row">${esc(name)}</th>${cell(due, String(t.due))}${cell(met, String(t.met))}${cell(breached, String(t.breached))}${cell(excused, String(t.excused))}${cell(retracted, String(t.retracted))}` +
        `<td data-label="${compliance}" style="color:${colour(t.compliance)};font-weight:bold">${pct(t.compliance)}</td>${cell(nearMisses, String(t.nearMisses))}` +
        `${cell(median, time(t.timeToEvidence.median))}${cell(p90, time(t.timeToEvidence.p90))}</tr>`,
    )
    .join('');
  return `<table><thead><tr>${head.map((h) => `<th scope="col">${h}</th>`).join('')}</tr></thead><tbody>${body}</tbody></table>`;
}

/** A queue's or agent's section, when the sources name them: bars (top 12 by breaches) and the table. */
function groups(title: string, what: string, of: readonly Group[]): string {
  if (!of.length) return '';
  const rows = of.map((g) => [g.name, g] as [string, Tally]);
  return `<h2>${title}</h2>\n${complianceBars(rows.slice(0, 12), what)}\n${tallyTable(rows)}`;
}

/** The report's ticket link, when the policy names where tickets are seen. */
function ticketLink(r: WeeklyReport, ticketId: string): string {
  const url = r.policy.ticketUrl?.replace(/\{id\}|%7Bid%7D/g, encodeURIComponent(ticketId));
  return url ? `<a href="${esc(url)}">${esc(ticketId)}</a>` : esc(ticketId);
}

/** The breaches grouped by ticket, most breaches first; consecutive missed windows as one row: a ticket at a time. */
function* breachesByTicket(r: WeeklyReport): Generator<string> {
  yield '<table class="breaches"><thead><tr><th scope="col">Due</th><th scope="col">Rule</th><th scope="col">What happened</th></tr></thead>';
  for (const g of r.breachGroups) {
    const rows = g.rows
      .map(
        (row) =>
          `<tr>${cell('Due', esc(stamp(row.dueAt)))}${cell('Rule', esc(row.rule))}${cell('What happened', esc(row.explanation))}</tr>`,
      )
      .join('');
    yield `<tbody><tr class="ticket"><th scope="rowgroup" colspan="3">${ticketLink(r, g.ticketId)} · ${esc(g.severity ?? '–')} · ${counted(g.breaches, 'breach', 'breaches')}</th></tr>${rows}</tbody>`;
  }
  yield '</table>';
}

/** The obligations still open at the as-of time, a row at a time. */
function* openAtAsOf(r: WeeklyReport): Generator<string> {
  if (!r.open.length) {
    yield '<p>None.</p>';
    return;
  }
  yield '<table><thead><tr><th scope="col">Due</th><th scope="col">Ticket</th><th scope="col">Severity</th><th scope="col">Rule</th><th scope="col">Where it stands</th></tr></thead><tbody>';
  for (const o of r.open)
    yield `<tr>${cell('Due', esc(stamp(o.dueAt)))}${cell('Ticket', ticketLink(r, o.ticketId))}${cell('Severity', esc(o.severity ?? '–'))}${cell('Rule', esc(o.rule))}${cell('Where it stands', esc(o.explanation))}</tr>`;
  yield '</tbody></table>';
}

/** "▼ 3.1 points on 2026-W09, 12 more breaches": the week against the one before it. */
function weekOverWeek(r: WeeklyReport): string {
  const previous = r.trend[r.trend.length - 2];
  // nothing was due the week before: there is nothing to compare with
  if (!previous || previous.due === 0) return '';
  const parts: string[] = [];
  if (previous.compliance !== null && r.total.compliance !== null) {
    const points = 100 * (r.total.compliance - previous.compliance);
    parts.push(
      Math.abs(points) < 0.05
        ? 'compliance unchanged'
        : `compliance ${points > 0 ? '▲' : '▼'} ${Math.abs(points).toFixed(1)} points`,
    );
  }
  const more = r.total.breached - previous.breached;
  parts.push(
    more === 0 ? 'as many breaches' : `${counted(Math.abs(more), 'breach', 'breaches')} ${more > 0 ? 'more' : 'fewer'}`,
  );
  return `<p class="wow">Against ${esc(previous.week)}: ${parts.join(', ')}.</p>`;
}

/** The breaches waivers excuse, each with its waiver, and the week's waivers that match nothing: a row at a time. */
function* excusedSection(r: WeeklyReport): Generator<string> {
  yield `<h2>Excused by waivers (${r.excused.length})</h2>\n`;
  if (r.excused.length) {
    yield `<table><thead><tr>${['Due', 'Ticket', 'Rule', 'Waiver', 'Approved by', 'Reason'].map((h) => `<th scope="col">${h}</th>`).join('')}</tr></thead><tbody>`;
    for (const o of r.excused)
      yield `<tr>${cell('Due', esc(stamp(o.dueAt)))}${cell('Ticket', ticketLink(r, o.ticketId))}${cell('Rule', esc(o.rule))}${cell('Waiver', esc(o.waiver.waiverId))}${cell('Approved by', esc(o.waiver.approver))}${cell('Reason', esc(o.waiver.reason))}</tr>`;
    yield '</tbody></table>';
  } else yield '<p>None.</p>';
  yield '\n';
  if (r.waivers?.unmatched.length)
    yield `<p>Waivers granted this week that match nothing (check their scope): ${r.waivers.unmatched.map((u) => `${esc(u.id)} (${esc(u.why)})`).join('; ')}</p>`;
}

const DEFINITIONS = `<h2>How to read this report</h2>
<dl>
<dt>Due</dt><dd>An obligation falls due in the week when its deadline does; it is counted once judged: met or breached by the as-of time. Obligations still running at the as-of time are listed as open, not counted.</dd>
<dt>Compliance</dt><dd>Met obligations divided by those due (met + breached).</dd>
<dt>Near miss</dt><dd>Met in the last 10 % of the time allowed (e.g. a form filed after 4.5 of its 5 minutes).</dd>
<dt>Time to evidence</dt><dd>From the clock start (the ticket becoming critical, the escalation, the last update) to the event that met the obligation, for the met ones: the median and the 90th percentile.</dd>
<dt>Excused</dt><dd>Breached, and a waiver in force when it fell due covers it (approved by the person named, for the reason given): counted apart, neither met nor breached, and not in compliance.</dd>
<dt>Retracted</dt><dd>Alerted live as a breach, then met by evidence that was delivered late: counted as met, listed apart.</dd>
</dl>`;

export function reportHtml(r: WeeklyReport): string {
  return [...reportHtmlChunks(r)].join('');
}

/**
 * The page in pieces, a ticket's breaches or an open obligation at a time, for a writer that
 * streams it: a week of many tickets is never one string.
 */
export function* reportHtmlChunks(r: WeeklyReport): Generator<string> {
  const rules = Object.entries(r.byRule) as [string, Tally][];
  yield `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${esc(r.policy.id)} compliance, week ${esc(r.week.id)}</title>
<style>
${PAGE_STYLE}
</style>
</head>
<body>
<h1>${esc(r.policy.id)} compliance, week ${esc(r.week.id)}</h1>
<p class="muted">${day(r.week.start)} to ${day(r.week.end - 1)} (${esc(r.policy.timeZone)}) · policy ${r.policy.versions ? `versions ${esc(r.policy.versions.map((v) => (v.effective ? `${v.version} from ${stamp(Date.parse(v.effective))}` : v.version)).join('; '))}` : `version ${esc(r.policy.version)}`} · data as of ${esc(stamp(r.asOf))} UTC; nothing due later is counted</p>
<div class="summary">
<div class="card"><b style="color:${colour(r.total.compliance)}">${pct(r.total.compliance)}</b>compliance</div>
<div class="card"><b>${r.total.due}</b>${noun(r.total.due, 'obligation')} due</div>
<div class="card"><b>${r.total.breached}</b>breached</div>
<div class="card"><b>${r.total.nearMisses}</b>${noun(r.total.nearMisses, 'near miss', 'near misses')}</div>
<div class="card"><b>${r.tickets}</b>${noun(r.tickets, 'ticket')}</div>
${r.total.excused ? `<div class="card"><b>${r.total.excused}</b>excused by waivers</div>` : ''}
${r.retracted.total ? `<div class="card"><b>${r.retracted.total}</b>retracted ${noun(r.retracted.total, 'alert')}</div>` : ''}
</div>
${weekOverWeek(r)}
<h2>Compliance by rule</h2>
${complianceBars(rules.filter(([, t]) => t.due > 0))}
<h2>Trend</h2>
${trendColumns(r.trend)}
<h2>By rule</h2>
${tallyTable([['All rules', r.total], ...rules])}
<h2>By severity</h2>
${tallyTable(Object.entries(r.bySeverity) as [string, Tally][])}
${groups('By team or queue', 'team', r.byQueue)}
${groups('By agent', 'agent', r.byAgent)}
<h2>Breaches (${r.breaches.length})</h2>
`;
  if (r.breaches.length) yield* breachesByTicket(r);
  else yield '<p>None.</p>';
  yield '\n';
  if (r.waivers || r.excused.length) yield* excusedSection(r);
  yield `
<h2>Open at the as-of (${r.open.length})</h2>
`;
  yield* openAtAsOf(r);
  yield `
<h2>Population</h2>
<p>P0/P1 tickets opened in the week, and incidents raised in it: ${esc(populationSummary(r.population))}.</p>
${r.population.withoutIncident.length ? `<p>P0/P1 tickets no incident names (${r.population.withoutIncident.length}): ${r.population.withoutIncident.map((t) => ticketLink(r, t)).join(', ')}</p>` : ''}
${r.population.unknownTicket.length ? `<p>Incidents naming no known ticket (${r.population.unknownTicket.length}): ${r.population.unknownTicket.map((u) => `${esc(u.incident)} (${esc(u.ticketId)})`).join(', ')}</p>` : ''}
${r.findings.length ? `<h2>Findings (for review, not breaches)</h2><ul>${r.findings.map((f) => `<li><b>${ticketLink(r, f.ticketId)}</b>: ${esc(f.message)}</li>`).join('')}</ul>` : ''}
${r.roots ? `<h2>Ledger roots</h2><p class="muted">The hash of every record sealed each day (<code>escalation-auditor verify --roots</code> holds the store to them).</p><ul>${r.roots.map((d) => `<li>${esc(d.day)}: <code>${esc(d.root)}</code> (${d.seals} ${noun(d.seals, 'seal')})</li>`).join('')}</ul>` : ''}
${DEFINITIONS}
</body>
</html>
`;
}
