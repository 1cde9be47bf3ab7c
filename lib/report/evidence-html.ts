/**
 * An evidence bundle as one self-contained HTML page (inline CSS, no scripts, nothing fetched):
 * what an auditor samples about one ticket, readable on a desktop and on a phone.
 */
import type { Evidence } from '../app/evidence';
import { isRevocation } from '../engine/waivers';
import { esc, PAGE_STYLE, stamp, table } from './page';

const when = (s: string | null) => (s ? esc(stamp(Date.parse(s))) : '–');
const short = (hash: string) => `<code title="${esc(hash)}">${esc(hash.slice(0, 16))}…</code>`;
/** An event's fields other than those the table shows. */
const details = (event: Record<string, unknown>) => {
  const { id: _, ticketId: __, type: ___, at: ____, ...rest } = event;
  return esc(
    Object.entries(rest)
      .map(([k, v]) => `${k}: ${typeof v === 'object' ? JSON.stringify(v) : String(v)}`)
      .join(', '),
  );
};

export function evidenceHtml(e: Evidence): string {
  const versions = e.policy.versions
    .map((v) => (v.effective ? `${v.version} from ${stamp(Date.parse(v.effective))}` : v.version))
    .join('; ');
  const verdict =
    e.ledger.findings.length === 0
      ? `<p><b>Verified</b> as this page was made: every record below is as it was sealed${e.ledger.awaitingSeal ? ` (${e.ledger.awaitingSeal} newest await their seal)` : ''}.</p>`
      : `<p><b>${e.ledger.findings.length} finding${e.ledger.findings.length === 1 ? '' : 's'}: the history is not as it was recorded.</b></p><ul>${e.ledger.findings.map((f) => `<li>${esc(f.kind)} ${esc(f.what)}: ${esc(f.detail)}</li>`).join('')}</ul>`;
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>Evidence: ticket ${esc(e.ticketId)}</title>
<style>
${PAGE_STYLE}
code{font-size:12px}
</style>
</head>
<body>
<h1>Evidence: ticket ${esc(e.ticketId)}</h1>
<p class="muted">${esc(e.policy.id)} (${esc(versions)}) · judged as of ${when(e.asOf)} UTC · made ${when(e.generatedAt)} UTC · ${e.state.severity ? `severity ${esc(e.state.severity)}` : 'no severity'} · client ${esc(e.state.clientId ?? '–')} (${esc(e.state.clientTier ?? '–')}) · ${e.state.resolved ? 'resolved' : 'open'}</p>
<h2>Obligations (${e.obligations.length})</h2>
${table(
  ['Due', 'Status', 'Policy version', 'Rule', 'Explanation'],
  e.obligations.map((o) => [when(o.dueAt), esc(o.status), esc(o.policyVersion), esc(o.title), esc(o.explanation)]),
)}
<h2>Events (${e.events.length})</h2>
${table(
  ['At', 'Type', 'Received', 'Via', 'Digest', 'Details'],
  e.events.map((ev) => [
    when(ev.at),
    esc(ev.type),
    when(ev.receivedAt),
    esc(ev.via ?? '–'),
    short(ev.digest),
    details(ev.event as unknown as Record<string, unknown>),
  ]),
)}
<h2>Waivers (${e.waivers.length})</h2>
${
  e.waivers.length
    ? table(
        ['Id', 'Granted', 'Approver', 'What', 'Reason'],
        e.waivers.map((w) =>
          isRevocation(w)
            ? [esc(w.id), when(w.grantedAt), esc(w.approver), `revokes ${esc(w.revokes)}`, esc(w.reason)]
            : [
                esc(w.id),
                when(w.grantedAt),
                esc(w.approver),
                esc(
                  `${'ticketId' in w.scope ? `ticket ${w.scope.ticketId}` : `client ${w.scope.clientId}`}${w.scope.rule ? `, ${w.scope.rule}` : ''}; expires ${stamp(Date.parse(w.expiresAt))}`,
                ),
                esc(w.reason),
              ],
        ),
      )
    : '<p>None.</p>'
}
<h2>Alerts sent (${e.alerts.length})</h2>
${
  e.alerts.length
    ? table(
        ['Recorded', 'Kind', 'Rule', 'Due', 'State', 'Explanation'],
        e.alerts.map((a) => [
          when(a.recordedAt),
          esc(a.kind),
          esc(a.rule),
          when(a.dueAt),
          esc(a.state),
          esc(a.explanation),
        ]),
      )
    : '<p>None.</p>'
}
<h2>Hashes</h2>
${verdict}
<p class="muted">Each record's digest is the SHA-256 of what is stored of it; each seal links to the one before it and lists the records it sealed; each day's root is the hash of the seals made that day. <code>escalation-auditor verify</code> checks them all; <code>--roots</code> holds the store to the roots a weekly report published.</p>
${table(
  ['Seal', 'Sealed', 'Records', 'Chain', 'Previous'],
  e.ledger.seals.map((s) => [String(s.seq), when(s.sealedAt), String(s.records), short(s.chain), short(s.prev)]),
)}
${
  e.ledger.days.length
    ? table(
        ['Day', 'Root', 'Seals that day'],
        e.ledger.days.map((d) => [esc(d.day), short(d.root), String(d.seals)]),
      )
    : ''
}
</body>
</html>
`;
}
