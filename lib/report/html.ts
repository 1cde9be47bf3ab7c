/**
 * The weekly report as one self-contained HTML page: inline CSS and SVG charts, no scripts, no
 * external fonts or images, so it reads the same in a browser and pasted into an email.
 */
import { duration } from '../text/duration';
import { noun } from '../text/plural';
import type { Group, Tally, WeeklyReport } from './aggregate';
import { TALLY_COLUMNS } from './render';

const esc = (s: string) =>
  s.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c] as string);
const pct = (x: number | null) => (x === null ? '–' : `${(100 * x).toFixed(1)}%`);
const time = (ms: number | null) => (ms === null ? '–' : duration(ms));
const day = (ms: number) => new Date(ms).toISOString().slice(0, 10);
const stamp = (ms: number) => new Date(ms).toISOString().replace('T', ' ').slice(0, 16);
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
  const body = rows
    .map(
      ([name, t]) =>
        `<tr><th scope="row">${esc(name)}</th><td>${t.due}</td><td>${t.met}</td><td>${t.breached}</td><td>${t.retracted}</td>` +
        `<td style="color:${colour(t.compliance)};font-weight:bold">${pct(t.compliance)}</td><td>${t.nearMisses}</td>` +
        `<td>${time(t.timeToEvidence.median)}</td><td>${time(t.timeToEvidence.p90)}</td></tr>`,
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

export function reportHtml(r: WeeklyReport): string {
  const rules = Object.entries(r.byRule) as [string, Tally][];
  const breaches = r.breaches
    .map(
      (b) =>
        `<tr><td>${esc(stamp(b.dueAt))}</td><td>${esc(b.ticketId)}</td>` +
        `<td>${esc(b.severity ?? '–')}</td><td>${esc(b.rule)}</td><td>${esc(b.explanation)}</td></tr>`,
    )
    .join('');
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${esc(r.policy.id)} compliance, week ${esc(r.week.id)}</title>
<style>
body{font-family:-apple-system,'Segoe UI',Roboto,Helvetica,Arial,sans-serif;color:#1f2933;max-width:980px;margin:24px auto;padding:0 16px;line-height:1.4}
h1{font-size:24px;margin-bottom:4px}h2{font-size:18px;margin-top:32px;border-bottom:1px solid #e4e7eb;padding-bottom:4px}
.summary{display:flex;gap:16px;flex-wrap:wrap;margin:16px 0}.card{border:1px solid #e4e7eb;border-radius:6px;padding:10px 16px;min-width:120px}
.card b{display:block;font-size:22px}.muted{color:#52606d}
table{border-collapse:collapse;width:100%;font-size:14px}th,td{border-bottom:1px solid #e4e7eb;padding:6px 8px;text-align:left;vertical-align:top}
thead th{background:#f5f7fa}td:nth-child(-n+3){white-space:nowrap}
</style>
</head>
<body>
<h1>${esc(r.policy.id)} compliance, week ${esc(r.week.id)}</h1>
<p class="muted">${day(r.week.start)} to ${day(r.week.end - 1)} (${esc(r.policy.timeZone)}) · policy version ${esc(r.policy.version)} · data as of ${esc(stamp(r.asOf))} UTC; nothing due later is counted</p>
<div class="summary">
<div class="card"><b style="color:${colour(r.total.compliance)}">${pct(r.total.compliance)}</b>compliance</div>
<div class="card"><b>${r.total.due}</b>${noun(r.total.due, 'obligation')} due</div>
<div class="card"><b>${r.total.breached}</b>breached</div>
<div class="card"><b>${r.total.nearMisses}</b>${noun(r.total.nearMisses, 'near miss', 'near misses')}</div>
<div class="card"><b>${r.tickets}</b>${noun(r.tickets, 'ticket')}</div>
${r.retracted.total ? `<div class="card"><b>${r.retracted.total}</b>retracted ${noun(r.retracted.total, 'alert')}</div>` : ''}
</div>
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
${r.breaches.length ? `<table><thead><tr><th scope="col">Due</th><th scope="col">Ticket</th><th scope="col">Severity</th><th scope="col">Rule</th><th scope="col">What happened</th></tr></thead><tbody>${breaches}</tbody></table>` : '<p>None.</p>'}
<h2>Open at the as-of (${r.open.length})</h2>
${r.open.length ? `<table><thead><tr><th scope="col">Due</th><th scope="col">Ticket</th><th scope="col">Severity</th><th scope="col">Rule</th><th scope="col">Where it stands</th></tr></thead><tbody>${r.open.map((o) => `<tr><td>${esc(stamp(o.dueAt))}</td><td>${esc(o.ticketId)}</td><td>${esc(o.severity ?? '–')}</td><td>${esc(o.rule)}</td><td>${esc(o.explanation)}</td></tr>`).join('')}</tbody></table>` : '<p>None.</p>'}
${r.findings.length ? `<h2>Findings (for review, not breaches)</h2><ul>${r.findings.map((f) => `<li><b>${esc(f.ticketId)}</b>: ${esc(f.message)}</li>`).join('')}</ul>` : ''}
</body>
</html>
`;
}
