/**
 * Writes examples/export.jsonl: a week (Mon 2 - Fri 6 March 2026) of tickets that between them
 * meet, breach and cancel every rule of CS-POL-001. Each story is one ticket, told in minutes
 * after its start. Run: npx tsx examples/build-export.ts
 */
import { writeFileSync } from 'node:fs';

type Fields = Record<string, unknown>;
type Step = [minutes: number, type: string, fields?: Fields];

const MIN = 60_000;
const lines: string[] = [];
let seq = 0;

let stories = 0;

/** One ticket; its creation names the queue it arrived in, EMEA and Americas in turn. */
function story(ticketId: string, start: string, steps: Step[]): void {
  const t0 = Date.parse(start);
  const queue = ['EMEA', 'Americas'][stories++ % 2];
  for (const [m, type, fields] of steps) {
    const at = new Date(t0 + m * MIN).toISOString().replace('.000Z', 'Z');
    const extra = type === 'ticket.created' ? { ...fields, queue } : fields;
    lines.push(JSON.stringify({ id: `evt-${String(++seq).padStart(4, '0')}`, ticketId, type, at, ...extra }));
  }
}

const enterprise = (severity: string, client = 'acme'): Fields => ({
  severity,
  client: { id: client, tier: 'enterprise' },
});
const standard = (severity: string, client = 'smallco'): Fields => ({
  severity,
  client: { id: client, tier: 'standard' },
});
const page = { toTier: 'L2', channel: 'page' };
const phone = { toTier: 'L2', channel: 'phone' };
const assign = { toTier: 'L2', channel: 'ticket_assignment' };
const incident = { toTier: 'L3', channel: 'incident_system' };
const l3Own = { tier: 'L3' };
const etr = (iso: string) => ({ status: 'Investigating; mitigation in progress', etr: iso });
const csm = (iso: string): Fields => ({ actor: { id: 'csm-ana', role: 'CSM' }, ...etr(iso) });
const head = (iso: string): Fields => ({ actor: { id: 'hos-raj', role: 'HeadOfSupport' }, ...etr(iso) });
const by = (role: string, id = `${role.toLowerCase()}-agent`): Fields => ({ actor: { id, role } });
const tag = (name: string) => ({ tag: name });

// A textbook P1: every step on time, updates every 2 h, resolved.
story('T-1001', '2026-03-02T09:10:00Z', [
  [0, 'ticket.created', enterprise('P1')],
  [3, 'incident_form.created', by('L1')],
  [4, 'escalated', { ...page, ...by('L1') }],
  [12, 'escalated', { ...incident, ...by('L2') }],
  [25, 'ownership.taken', { ...l3Own, ...by('L3', 'sre-kim') }],
  [100, 'client.update', csm('2026-03-02T14:00:00Z')],
  [210, 'client.update', head('2026-03-02T14:00:00Z')],
  [290, 'ticket.resolved', by('L3', 'sre-kim')],
]);

// P0, form 2 min late, L2 assigned through the ticket instead of paged.
story('T-1002', '2026-03-02T10:00:00Z', [
  [0, 'ticket.created', enterprise('P0', 'globex')],
  [2, 'escalated', { ...assign, ...by('L1') }],
  [7, 'incident_form.created', by('L1')],
  [14, 'escalated', { ...incident, ...by('L2') }],
  [28, 'ownership.taken', { ...l3Own, ...by('L3') }],
  [110, 'client.update', csm('2026-03-02T16:00:00Z')],
  [150, 'ticket.resolved'],
]);

// P1 whose updates lack an ETR: one window breached.
story('T-1003', '2026-03-02T11:50:00Z', [
  [0, 'ticket.created', enterprise('P1', 'initech')],
  [1, 'incident_form.created'],
  [2, 'escalated', phone],
  [10, 'escalated', incident],
  [20, 'ownership.taken', l3Own],
  [120, 'client.update', csm('2026-03-02T18:00:00Z')],
  [160, 'client.update', { actor: { id: 'csm-ana', role: 'CSM' }, status: 'Still investigating' }],
  [300, 'client.update', csm('2026-03-02T20:00:00Z')],
  [330, 'ticket.resolved'],
]);

// P1 left silent for 6 hours: three update breaches; L3 engaged by page, which does not count.
story('T-1004', '2026-03-03T08:00:00Z', [
  [0, 'ticket.created', enterprise('P1')],
  [2, 'incident_form.created'],
  [3, 'escalated', page],
  [9, 'escalated', { toTier: 'L3', channel: 'page' }],
  [35, 'ownership.taken', l3Own],
  [370, 'ticket.resolved'],
]);

// Upgraded from P3 to P1: the episode starts at the upgrade; the form was filed before it and counts.
story('T-1005', '2026-03-03T09:00:00Z', [
  [0, 'ticket.created', enterprise('P3')],
  [20, 'incident_form.created'],
  [60, 'severity.changed', { severity: 'P1', ...by('L2') }],
  [62, 'escalated', page],
  [70, 'escalated', incident],
  [80, 'ownership.taken', l3Own],
  [150, 'client.update', head('2026-03-03T14:00:00Z')],
  [170, 'severity.changed', { severity: 'P2' }],
  [200, 'ticket.resolved'],
]);

// P1 resolved after 4 minutes: every critical obligation is cancelled.
story('T-1006', '2026-03-03T13:00:00Z', [
  [0, 'ticket.created', enterprise('P1', 'globex')],
  [4, 'ticket.resolved'],
]);

// P1 resolved, then reopened: a new incident with its own clocks (RULES revision 2026-12-01). The
// first incident's form, page and L3 do not carry over: the reopened one pages L2 late and files
// nothing afresh.
story('T-1007', '2026-03-04T09:30:00Z', [
  [0, 'ticket.created', enterprise('P1')],
  [1, 'incident_form.created'],
  [2, 'escalated', page],
  [8, 'escalated', incident],
  [15, 'ownership.taken', l3Own],
  [60, 'ticket.resolved'],
  [240, 'ticket.reopened', by('L1')],
  [250, 'escalated', phone],
  [380, 'client.update', csm('2026-03-04T18:00:00Z')],
  [400, 'ticket.resolved'],
]);

// P0 from a standard client: audited as usual and flagged for review.
story('T-1008', '2026-03-04T14:00:00Z', [
  [0, 'ticket.created', standard('P0')],
  [1, 'incident_form.created'],
  [2, 'escalated', page],
  [5, 'escalated', incident],
  [20, 'ownership.taken', l3Own],
  [90, 'client.update', csm('2026-03-04T18:00:00Z')],
  [100, 'ticket.resolved'],
]);

// P1 still open at the audit time: its next update is pending.
story('T-1009', '2026-03-06T15:00:00Z', [
  [0, 'ticket.created', enterprise('P1', 'umbrella')],
  [2, 'incident_form.created'],
  [3, 'escalated', page],
  [10, 'escalated', incident],
  [29, 'ownership.taken', l3Own],
  [110, 'client.update', csm('2026-03-06T20:00:00Z')],
]);

// P1 with L3 ownership taken by L2 instead, and an update sent by L1 after the L3 hand-off.
story('T-1010', '2026-03-05T10:00:00Z', [
  [0, 'ticket.created', enterprise('P1', 'initech')],
  [4, 'incident_form.created'],
  [5, 'escalated', page],
  [15, 'escalated', incident],
  [20, 'ownership.taken', { tier: 'L2' }],
  [60, 'client.update', { ...by('L1'), ...etr('2026-03-05T14:00:00Z') }],
  [90, 'client.update', csm('2026-03-05T14:00:00Z')],
  [120, 'ticket.resolved'],
]);

// P2 by the book: documented, escalated, tagged, resolved within 2 working days.
story('T-2001', '2026-03-02T09:00:00Z', [
  [0, 'ticket.created', enterprise('P2')],
  [30, 'troubleshooting.documented', by('L1')],
  [31, 'escalated', assign],
  [33, 'tag.added', tag('escalate-l2')],
  [600, 'ticket.resolved', by('L2')],
]);

// P3 escalated without documentation, tagged late, and left for longer than 2 working days.
story('T-2002', '2026-03-02T14:00:00Z', [
  [0, 'ticket.created', standard('P3')],
  [40, 'escalated', assign],
  [60, 'tag.added', tag('Escalate-L2')],
]);

// P2 escalated on Friday afternoon, handed to L3 on Tuesday before its Tuesday 15:00 deadline.
story('T-2003', '2026-03-06T14:00:00Z', [
  [0, 'ticket.created', enterprise('P2', 'globex')],
  [50, 'troubleshooting.documented'],
  [60, 'escalated', assign],
  [61, 'tag.added', tag('Escalate-L2')],
]);

// P3 handed to L3, then L2 keeps talking to the client (allowed) and L3 talks too (breach).
story('T-2004', '2026-03-03T10:00:00Z', [
  [0, 'ticket.created', enterprise('P3', 'umbrella')],
  [30, 'troubleshooting.documented'],
  [31, 'escalated', assign],
  [32, 'tag.added', tag('Escalate-L2')],
  [300, 'escalated', incident],
  [330, 'client.update', { ...by('L2'), status: 'Handed to R&D' }],
  [400, 'client.update', { ...by('L3', 'sre-kim'), status: 'Patch ready' }],
  [900, 'ticket.resolved'],
]);

// P2 escalated, then upgraded to P1 two minutes later: the P2 tag deadline is cancelled.
story('T-2005', '2026-03-05T11:00:00Z', [
  [0, 'ticket.created', enterprise('P2')],
  [10, 'troubleshooting.documented'],
  [11, 'escalated', assign],
  [13, 'severity.changed', { severity: 'P1' }],
  [14, 'incident_form.created'],
  [15, 'escalated', phone],
  [20, 'escalated', incident],
  [30, 'ownership.taken', l3Own],
  [100, 'client.update', csm('2026-03-05T15:00:00Z')],
  [130, 'ticket.resolved'],
]);

// P4 feature request: no rules.
story('T-4001', '2026-03-02T12:00:00Z', [
  [0, 'ticket.created', standard('P4')],
  [10, 'escalated', assign],
  [20, 'client.update', by('L1')],
]);

// An update to a ticket whose creation is not in the export: incomplete, no rules.
story('T-9001', '2026-03-04T10:00:00Z', [[0, 'client.update', by('L1')]]);

// Routine traffic: P3 questions answered by L1, and P2s resolved without escalation.
for (let i = 0; i < 20; i++) {
  const day = 2 + (i % 5);
  const start = `2026-03-0${day}T${String(9 + (i % 7)).padStart(2, '0')}:${String((i * 7) % 60).padStart(2, '0')}:00Z`;
  story(`T-3${String(i + 1).padStart(3, '0')}`, start, [
    [0, 'ticket.created', i % 3 ? enterprise(i % 2 ? 'P3' : 'P2', `client-${i}`) : standard('P3', `client-${i}`)],
    [15 + i, 'client.update', by('L1')],
    [45 + 2 * i, 'ticket.resolved', by('L1')],
  ]);
}

// A webhook redelivered: the same event twice changes nothing.
lines.push(lines[1] as string);

writeFileSync(new URL('./export.jsonl', import.meta.url), `${lines.join('\n')}\n`);
console.log(`wrote ${lines.length} events to examples/export.jsonl`);
