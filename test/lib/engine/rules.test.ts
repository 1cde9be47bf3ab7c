import { describe, expect, it } from 'vitest';
import { explain } from '../../../lib/engine/explain';
import { RULE_IDS, type Rule, ruleById } from '../../../lib/engine/rules';
import { DEFAULT_POLICY, type Policy, PolicyConfig, type RuleId } from '../../../lib/policy/schema';
import {
  at,
  audit,
  breachIds,
  created,
  documented,
  escalated,
  ev,
  form,
  owned,
  reopened,
  resolved,
  severity,
  statuses,
  tagged,
  update,
} from '../../helpers';

const why = (r: ReturnType<typeof audit>, rule: string) =>
  r.obligations.filter((o) => o.rule === rule).map((o) => explain(o, DEFAULT_POLICY));

describe('incident-form (T0 + 5 min)', () => {
  it('is met by a form filed before the deadline', () => {
    const r = audit([created(at('10:00')), form(at('10:03'))], at('18:00'));
    expect(statuses(r, 'incident-form')).toEqual(['met 2026-03-02T10:05:00.000Z']);
    expect(why(r, 'incident-form')).toEqual(['Incident Report Form filed 10:03, 2 min before the 10:05 deadline']);
  });

  it('is met by a form filed exactly at the deadline', () => {
    expect(statuses(audit([created(at('10:00')), form(at('10:05'))], at('18:00')), 'incident-form')).toEqual([
      'met 2026-03-02T10:05:00.000Z',
    ]);
  });

  it('is breached by a late form, and says by how much', () => {
    const r = audit([created(at('10:00')), form(at('10:07'))], at('18:00'));
    expect(statuses(r, 'incident-form')).toEqual(['breached 2026-03-02T10:05:00.000Z']);
    expect(why(r, 'incident-form')).toEqual(['Incident Report Form filed 10:07, 2 min after the 10:05 deadline']);
  });

  it('is pending until the deadline, and breached at the deadline exactly', () => {
    const events = [created(at('10:00'))];
    expect(statuses(audit(events, at('10:04')), 'incident-form')).toEqual(['pending 2026-03-02T10:05:00.000Z']);
    expect(statuses(audit(events, at('10:05')), 'incident-form')).toEqual(['breached 2026-03-02T10:05:00.000Z']);
  });

  it('is cancelled when the episode ends before the deadline', () => {
    const r = audit([created(at('10:00')), resolved(at('10:04'))], at('18:00'));
    expect(statuses(r, 'incident-form')).toEqual(['cancelled 2026-03-02T10:05:00.000Z']);
    expect(why(r, 'incident-form')).toEqual(['cancelled: the ticket was resolved at 10:04, before the 10:05 deadline']);
  });

  it('stands when the episode ends exactly at the deadline', () => {
    const r = audit([created(at('10:00')), resolved(at('10:05'))], at('18:00'));
    expect(statuses(r, 'incident-form')).toEqual(['breached 2026-03-02T10:05:00.000Z']);
  });

  it('is cancelled by a downgrade out of P0/P1', () => {
    const r = audit([created(at('10:00')), severity(at('10:02'), 'P2')], at('18:00'));
    expect(statuses(r, 'incident-form')).toEqual(['cancelled 2026-03-02T10:05:00.000Z']);
    expect(why(r, 'incident-form')[0]).toContain('reclassified to P2 at 10:02');
  });

  it('counts evidence from before the episode (a form filed before an upgrade)', () => {
    const r = audit([created(at('10:00'), 'P3'), form(at('10:10')), severity(at('11:00'), 'P1')], at('11:30'));
    expect(statuses(r, 'incident-form')).toEqual(['met 2026-03-02T11:05:00.000Z']);
  });
});

describe('l2-paged (T0 + 5 min, page or phone; ticket assignment does not count)', () => {
  it.each(['page', 'phone'])('is met by an escalation to L2 through %s', (channel) => {
    const r = audit([created(at('10:00')), escalated(at('10:04'), 'L2', channel)], at('18:00'));
    expect(statuses(r, 'l2-paged')).toEqual(['met 2026-03-02T10:05:00.000Z']);
  });

  it('is breached when L2 was only assigned through the ticket, and says so', () => {
    const r = audit([created(at('10:00')), escalated(at('10:02'), 'L2', 'ticket_assignment')], at('18:00'));
    expect(statuses(r, 'l2-paged')).toEqual(['breached 2026-03-02T10:05:00.000Z']);
    expect(why(r, 'l2-paged')[0]).toBe(
      'L2 not paged by the 10:05 deadline; 10:02: the escalation to L2 went through ticket_assignment, which does not count (page or phone required)',
    );
  });

  it('is not met by a page to L3', () => {
    const r = audit([created(at('10:00')), escalated(at('10:02'), 'L3', 'page')], at('18:00'));
    expect(statuses(r, 'l2-paged')).toEqual(['breached 2026-03-02T10:05:00.000Z']);
  });
});

describe('l3-engaged (T0 + 15 min, through the incident system)', () => {
  it('is met through the incident system and breached through a page', () => {
    const ok = audit([created(at('10:00')), escalated(at('10:15'), 'L3', 'incident_system')], at('18:00'));
    expect(statuses(ok, 'l3-engaged')).toEqual(['met 2026-03-02T10:15:00.000Z']);
    const paged = audit([created(at('10:00')), escalated(at('10:10'), 'L3', 'page')], at('18:00'));
    expect(statuses(paged, 'l3-engaged')).toEqual(['breached 2026-03-02T10:15:00.000Z']);
  });

  it('is cancelled when the ticket is downgraded before 15 minutes', () => {
    const r = audit([created(at('10:00'), 'P0'), severity(at('10:10'), 'P3')], at('18:00'));
    expect(statuses(r, 'l3-engaged')).toEqual(['cancelled 2026-03-02T10:15:00.000Z']);
  });
});

describe('l3-ownership (T0 + 30 min, by L3)', () => {
  it('is met by L3 and breached when only L2 took ownership', () => {
    const ok = audit([created(at('10:00')), owned(at('10:29'))], at('18:00'));
    expect(statuses(ok, 'l3-ownership')).toEqual(['met 2026-03-02T10:30:00.000Z']);
    const l2 = audit([created(at('10:00')), owned(at('10:20'), 'L2')], at('18:00'));
    expect(statuses(l2, 'l3-ownership')).toEqual(['breached 2026-03-02T10:30:00.000Z']);
    expect(why(l2, 'l3-ownership')[0]).toContain('ownership was taken by L2, not L3');
  });
});

describe('client-update (every 2 h from the last qualifying update)', () => {
  it('a ticket left silent for 6 hours has three breaches, at T0+2h, T0+4h, T0+6h', () => {
    const r = audit([created(at('10:00'))], at('16:00'));
    expect(breachIds(r).filter((b) => b.startsWith('client-update'))).toEqual([
      'client-update 2026-03-02T12:00:00.000Z',
      'client-update 2026-03-02T14:00:00.000Z',
      'client-update 2026-03-02T16:00:00.000Z',
    ]);
    expect(statuses(r, 'client-update').at(-1)).toBe('pending 2026-03-02T18:00:00.000Z');
  });

  it('re-anchors on each qualifying update', () => {
    const r = audit([created(at('10:00')), update(at('11:50')), update(at('13:40'))], at('15:00'));
    expect(statuses(r, 'client-update')).toEqual([
      'met 2026-03-02T12:00:00.000Z',
      'met 2026-03-02T13:50:00.000Z',
      'pending 2026-03-02T15:40:00.000Z',
    ]);
  });

  it('explains a missed window with the updates that did not qualify', () => {
    const noEtr = update(at('12:30'), 'CSM', { status: 'working on it' });
    const r = audit([created(at('09:50')), update(at('11:50')), noEtr], at('14:00'));
    expect(statuses(r, 'client-update')).toEqual([
      'met 2026-03-02T11:50:00.000Z',
      'breached 2026-03-02T13:50:00.000Z',
      'pending 2026-03-02T15:50:00.000Z',
    ]);
    expect(why(r, 'client-update')[1]).toBe(
      'no qualifying client update between 11:50 and 13:50; the 12:30 update had no ETR',
    );
  });

  it.each([
    ['sent by L2', update(at('11:00'), 'L2')],
    ['without status', update(at('11:00'), 'CSM', { etr: at('15:00') })],
    ['with an empty status', update(at('11:00'), 'CSM', { status: '', etr: at('15:00') })],
    ['without ETR', update(at('11:00'), 'HeadOfSupport', { status: 'ok' })],
    ['without a role', ev('client.update', at('11:00'), { status: 'ok', etr: at('15:00') })],
  ])('does not count an update %s', (_, u) => {
    const r = audit([created(at('10:00')), u], at('12:00'));
    expect(statuses(r, 'client-update')[0]).toBe('breached 2026-03-02T12:00:00.000Z');
  });

  it('counts an update from the Head of Support, at the window end exactly', () => {
    const r = audit([created(at('10:00')), update(at('12:00'), 'HeadOfSupport')], at('12:00'));
    expect(statuses(r, 'client-update')[0]).toBe('met 2026-03-02T12:00:00.000Z');
  });

  it('does not count an update at the anchor itself or before the episode', () => {
    const r = audit([update(at('09:00')), created(at('10:00')), update(at('10:00'))], at('12:00'));
    expect(statuses(r, 'client-update')[0]).toBe('breached 2026-03-02T12:00:00.000Z');
  });

  it('after a breached window the next window runs from its due time', () => {
    const r = audit([created(at('10:00')), update(at('13:00'))], at('15:30'));
    expect(statuses(r, 'client-update')).toEqual([
      'breached 2026-03-02T12:00:00.000Z',
      'met 2026-03-02T14:00:00.000Z',
      'breached 2026-03-02T15:00:00.000Z',
      'pending 2026-03-02T17:00:00.000Z',
    ]);
  });

  it('stops when the episode ends: the open window is cancelled', () => {
    const r = audit([created(at('10:00')), update(at('11:00')), resolved(at('12:30'))], at('18:00'));
    expect(statuses(r, 'client-update')).toEqual([
      'met 2026-03-02T12:00:00.000Z',
      'cancelled 2026-03-02T13:00:00.000Z',
    ]);
  });

  it('P0 to P1 is one episode: no new clocks', () => {
    const r = audit([created(at('10:00'), 'P0'), severity(at('10:30'), 'P1')], at('11:00'));
    expect(statuses(r, 'incident-form')).toEqual(['breached 2026-03-02T10:05:00.000Z']);
  });
});

describe('critical episodes', () => {
  it('an upgrade from P3 starts an episode at the upgrade', () => {
    const r = audit([created(at('09:00'), 'P3'), severity(at('10:00'), 'P1')], at('10:10'));
    expect(breachIds(r)).toEqual(['incident-form 2026-03-02T10:05:00.000Z', 'l2-paged 2026-03-02T10:05:00.000Z']);
  });

  it('a reopen while P1 starts a new episode with its own clocks', () => {
    const r = audit(
      [
        created(at('10:00')),
        form(at('10:01')),
        escalated(at('10:02'), 'L2', 'page'),
        resolved(at('10:03')),
        reopened(at('14:00')),
      ],
      at('14:20'),
    );
    // RULES revision 2026-12-01: the first incident's form and page do not carry over the resolution
    expect(statuses(r, 'l2-paged')).toEqual(['met 2026-03-02T10:05:00.000Z', 'breached 2026-03-02T14:05:00.000Z']);
    expect(statuses(r, 'incident-form')).toEqual(['met 2026-03-02T10:05:00.000Z', 'breached 2026-03-02T14:05:00.000Z']);
    expect(statuses(r, 'l3-engaged')).toEqual([
      'cancelled 2026-03-02T10:15:00.000Z',
      'breached 2026-03-02T14:15:00.000Z',
    ]);
  });

  it('a reopen while P2 starts nothing; reclassifying a resolved ticket starts nothing', () => {
    const r = audit(
      [created(at('10:00'), 'P2'), resolved(at('10:10')), severity(at('10:20'), 'P1'), reopened(at('11:00'))],
      at('12:00'),
    );
    expect(statuses(r, 'incident-form')).toEqual(['breached 2026-03-02T11:05:00.000Z']);
  });

  it('breaches already due stand when the episode ends', () => {
    const r = audit([created(at('10:00')), severity(at('10:20'), 'P3')], at('18:00'));
    expect(breachIds(r)).toEqual([
      'incident-form 2026-03-02T10:05:00.000Z',
      'l2-paged 2026-03-02T10:05:00.000Z',
      'l3-engaged 2026-03-02T10:15:00.000Z',
    ]);
    expect(statuses(r, 'l3-ownership')).toEqual(['cancelled 2026-03-02T10:30:00.000Z']);
  });

  it('P4 tickets have no rules', () => {
    const r = audit([created(at('10:00'), 'P4'), escalated(at('10:10'), 'L2', 'page')], at('18:00'));
    expect(r.obligations).toEqual([]);
  });

  it('a history without ticket.created is incomplete and gets no rules', () => {
    const r = audit([severity(at('10:00'), 'P1'), update(at('10:10'), 'L1')], at('18:00'));
    expect(r.complete).toBe(false);
    expect(r.obligations).toEqual([]);
  });

  it('flags a P0/P1 ticket from a standard client as a finding, not a breach', () => {
    const r = audit([created(at('10:00'), 'P1', 'standard'), resolved(at('10:01'))], at('18:00'));
    expect(r.findings.map((f) => f.kind)).toEqual(['critical-from-non-target-client']);
    expect(r.breaches).toEqual([]);
  });
});

describe('open stretches (RULES.md revision 2026-12-01): a reopened ticket is a new incident', () => {
  const firstIncident = [
    created(at('10:00')),
    form(at('10:01')),
    escalated(at('10:02'), 'L2', 'page'),
    escalated(at('10:03'), 'L3', 'incident_system'),
    owned(at('10:04')),
    resolved(at('10:10')),
  ];

  it('a reopened P1 files its form, pages L2 and engages L3 afresh; its own evidence meets them', () => {
    const silent = audit([...firstIncident, reopened(at('14:00'))], at('15:00'));
    expect(breachIds(silent)).toEqual([
      'incident-form 2026-03-02T14:05:00.000Z',
      'l2-paged 2026-03-02T14:05:00.000Z',
      'l3-engaged 2026-03-02T14:15:00.000Z',
      'l3-ownership 2026-03-02T14:30:00.000Z',
    ]);
    const afresh = audit(
      [
        ...firstIncident,
        reopened(at('14:00')),
        form(at('14:02')),
        escalated(at('14:03'), 'L2', 'phone'),
        escalated(at('14:10'), 'L3', 'incident_system'),
        owned(at('14:20')),
      ],
      at('15:00'),
    );
    expect(breachIds(afresh)).toEqual([]);
    expect(statuses(afresh, 'l2-paged')).toEqual(['met 2026-03-02T10:05:00.000Z', 'met 2026-03-02T14:05:00.000Z']);
  });

  it('evidence filed after the resolution and before the reopen counts for the reopened incident', () => {
    // it lies in the new stretch, before its clock start: early evidence within the stretch
    const r = audit([...firstIncident, form(at('13:00')), reopened(at('14:00'))], at('14:10'));
    expect(statuses(r, 'incident-form')).toEqual(['met 2026-03-02T10:05:00.000Z', 'met 2026-03-02T14:05:00.000Z']);
  });

  it('a downgrade and re-upgrade without a resolution stays one stretch: its evidence counts', () => {
    const r = audit(
      [
        created(at('10:00')),
        form(at('10:01')),
        escalated(at('10:02'), 'L2', 'page'),
        severity(at('10:03'), 'P3'),
        severity(at('12:00'), 'P1'),
      ],
      at('12:10'),
    );
    expect(statuses(r, 'incident-form')).toEqual(['met 2026-03-02T10:05:00.000Z', 'met 2026-03-02T12:05:00.000Z']);
    expect(statuses(r, 'l2-paged')).toEqual(['met 2026-03-02T10:05:00.000Z', 'met 2026-03-02T12:05:00.000Z']);
  });

  it('a resolution at the same instant as the evidence: the order of (at, id) decides the stretch', () => {
    const sameInstant = [
      created(at('10:00')),
      { ...form(at('10:02')), id: 'a-form' },
      { ...resolved(at('10:02')), id: 'b-resolved' },
      reopened(at('10:30')),
    ];
    // the form sorts before the resolution: it belongs to the first incident only
    expect(statuses(audit(sameInstant, at('11:00')), 'incident-form')).toEqual([
      'met 2026-03-02T10:05:00.000Z',
      'breached 2026-03-02T10:35:00.000Z',
    ]);
  });

  it('each open stretch has its own P2/P3 procedure, from its first escalation to L2', () => {
    const r = audit(
      [
        created(at('09:00'), 'P2'),
        documented(at('09:30')),
        escalated(at('10:00'), 'L2', 'page'),
        tagged(at('10:01')),
        resolved(at('11:00')),
        reopened(at('13:00')),
        escalated(at('13:30'), 'L2', 'page'),
      ],
      at('14:00'),
    );
    // the first stretch's documentation and tag do not carry over to the second procedure
    expect(statuses(r, 'troubleshooting-documented')).toEqual([
      'met 2026-03-02T10:00:00.000Z',
      'breached 2026-03-02T13:30:00.000Z',
    ]);
    expect(statuses(r, 'escalate-l2-tag')).toEqual([
      'met 2026-03-02T10:05:00.000Z',
      'breached 2026-03-02T13:35:00.000Z',
    ]);
    // the first procedure was met by its resolution; the second is running
    expect(statuses(r, 'l2-resolution')).toEqual(['met 2026-03-04T10:00:00.000Z', 'pending 2026-03-04T13:30:00.000Z']);
  });

  it('a reopened P2 without a new escalation starts no procedure', () => {
    const r = audit(
      [created(at('09:00'), 'P2'), escalated(at('10:00'), 'L2', 'page'), resolved(at('11:00')), reopened(at('13:00'))],
      at('14:00'),
    );
    expect(statuses(r, 'escalate-l2-tag')).toEqual(['breached 2026-03-02T10:05:00.000Z']);
  });
});

describe('P2/P3 escalation (from the first escalation to L2 while P2/P3)', () => {
  const base = (sev = 'P2') => [
    created(at('09:00'), sev),
    documented(at('09:30')),
    escalated(at('10:00'), 'L2', 'ticket_assignment'),
  ];

  it('troubleshooting must be documented by the escalation itself', () => {
    const r = audit(base(), at('10:00'));
    expect(statuses(r, 'troubleshooting-documented')).toEqual(['met 2026-03-02T10:00:00.000Z']);
    const late = audit(
      [created(at('09:00'), 'P3'), escalated(at('10:00'), 'L2', 'page'), documented(at('10:01'))],
      at('11:00'),
    );
    expect(statuses(late, 'troubleshooting-documented')).toEqual(['breached 2026-03-02T10:00:00.000Z']);
  });

  it('the Escalate-L2 tag is due 5 minutes after, compared case-insensitively', () => {
    expect(statuses(audit([...base(), tagged(at('10:05'), 'ESCALATE-l2')], at('11:00')), 'escalate-l2-tag')).toEqual([
      'met 2026-03-02T10:05:00.000Z',
    ]);
    expect(statuses(audit([...base(), tagged(at('10:06'))], at('11:00')), 'escalate-l2-tag')).toEqual([
      'breached 2026-03-02T10:05:00.000Z',
    ]);
    expect(statuses(audit([...base(), tagged(at('10:01'), 'escalate-l3')], at('11:00')), 'escalate-l2-tag')).toEqual([
      'breached 2026-03-02T10:05:00.000Z',
    ]);
  });

  it('L2 has 2 working days to resolve or hand off to L3', () => {
    // Monday 10:00 + 16 working hours = Wednesday 10:00
    expect(
      statuses(audit([...base(), resolved(at('10:00', '2026-03-04'))], at('12:00', '2026-03-04')), 'l2-resolution'),
    ).toEqual(['met 2026-03-04T10:00:00.000Z']);
    expect(
      statuses(
        audit([...base(), escalated(at('16:00', '2026-03-03'), 'L3', 'incident_system')], at('12:00', '2026-03-04')),
        'l2-resolution',
      ),
    ).toEqual(['met 2026-03-04T10:00:00.000Z']);
    expect(statuses(audit(base(), at('09:59', '2026-03-04')), 'l2-resolution')).toEqual([
      'pending 2026-03-04T10:00:00.000Z',
    ]);
    expect(statuses(audit(base(), at('10:00', '2026-03-04')), 'l2-resolution')).toEqual([
      'breached 2026-03-04T10:00:00.000Z',
    ]);
  });

  it('an L3 hand-off before the escalation does not count', () => {
    const r = audit(
      [
        created(at('09:00'), 'P2'),
        escalated(at('09:30'), 'L3', 'incident_system'),
        escalated(at('10:00'), 'L2', 'page'),
      ],
      at('12:00', '2026-03-05'),
    );
    expect(statuses(r, 'l2-resolution')).toEqual(['breached 2026-03-04T10:00:00.000Z']);
  });

  it('only the first escalation to L2 starts the clock', () => {
    const r = audit([...base(), escalated(at('11:00'), 'L2', 'page')], at('12:00'));
    expect(statuses(r, 'escalate-l2-tag')).toEqual(['breached 2026-03-02T10:05:00.000Z']);
  });

  it('an escalation while P1 or P4 does not start it', () => {
    expect(statuses(audit(base('P4'), at('12:00')), 'escalate-l2-tag')).toEqual([]);
    const r = audit(
      [created(at('09:00'), 'P1'), escalated(at('09:01'), 'L2', 'page'), severity(at('09:30'), 'P2')],
      at('12:00'),
    );
    expect(statuses(r, 'escalate-l2-tag')).toEqual([]);
  });

  it('is cancelled when the ticket leaves P2/P3 or is resolved, breaches already due stand', () => {
    const up = audit([...base(), severity(at('10:02'), 'P1')], at('12:00'));
    expect(statuses(up, 'escalate-l2-tag')).toEqual(['cancelled 2026-03-02T10:05:00.000Z']);
    expect(statuses(up, 'l2-resolution')).toEqual(['cancelled 2026-03-04T10:00:00.000Z']);
    const fixed = audit(
      [created(at('09:00'), 'P3'), escalated(at('10:00'), 'L2', 'page'), resolved(at('10:03'))],
      at('12:00'),
    );
    expect(statuses(fixed, 'troubleshooting-documented')).toEqual(['breached 2026-03-02T10:00:00.000Z']);
    expect(statuses(fixed, 'escalate-l2-tag')).toEqual(['cancelled 2026-03-02T10:05:00.000Z']);
    expect(statuses(fixed, 'l2-resolution')).toEqual(['met 2026-03-04T10:00:00.000Z']);
  });

  it('moving between P2 and P3 keeps the clock running', () => {
    const r = audit([...base('P3'), severity(at('10:01'), 'P2')], at('12:00'));
    expect(statuses(r, 'escalate-l2-tag')).toEqual(['breached 2026-03-02T10:05:00.000Z']);
  });
});

describe('l2-communicator (after the first escalation to L3, P0-P3)', () => {
  const handed = [created(at('09:00'), 'P2'), escalated(at('10:00'), 'L3', 'incident_system')];

  it.each(['L2', 'CSM', 'HeadOfSupport'])('allows updates from %s', (role) => {
    const r = audit([...handed, update(at('11:00'), role)], at('12:00'));
    expect(statuses(r, 'l2-communicator')).toEqual(['met 2026-03-02T11:00:00.000Z']);
  });

  it.each(['L1', 'L3'])('breaches on an update from %s, due at the update', (role) => {
    const r = audit([...handed, update(at('11:00'), role)], at('12:00'));
    expect(breachIds(r)).toEqual(['l2-communicator 2026-03-02T11:00:00.000Z']);
    expect(why(r, 'l2-communicator')[0]).toBe(
      `client update 11:00 sent by ${role}, not L2, CSM, Head of Support, after the ticket went to L3`,
    );
  });

  it('ignores updates before or at the hand-off, and on P4 tickets', () => {
    const r = audit([...handed, update(at('10:00'), 'L1'), update(at('09:59'), 'L1')], at('12:00'));
    expect(statuses(r, 'l2-communicator')).toEqual([]);
    const p4 = audit([...handed, severity(at('10:30'), 'P4'), update(at('11:00'), 'L1')], at('12:00'));
    expect(statuses(p4, 'l2-communicator')).toEqual([]);
  });

  it('treats an update without a role as not from an allowed role', () => {
    const r = audit([...handed, ev('client.update', at('11:00'), { status: 'x' })], at('12:00'));
    expect(breachIds(r)).toEqual(['l2-communicator 2026-03-02T11:00:00.000Z']);
  });
});

describe('the policy drives every number', () => {
  it('uses configured deadlines, channels, cadence, tag and disabled rules', () => {
    const policy = PolicyConfig.parse({
      id: 'ACME-ESC',
      version: '3',
      rules: {
        'incident-form': { dueMinutes: 10 },
        'l2-paged': { channels: ['page', 'phone', 'ticket_assignment'] },
        'client-update': { everyMinutes: 60, requireEtr: false },
        'l3-engaged': { enabled: false },
        'l3-ownership': { enabled: false },
      },
    });
    const r = audit(
      [
        created(at('10:00')),
        form(at('10:08')),
        escalated(at('10:01'), 'L2', 'ticket_assignment'),
        update(at('10:30'), 'CSM', { status: 'ok' }),
      ],
      at('11:30'),
      policy,
    );
    expect(statuses(r)).toEqual([
      'incident-form met 2026-03-02T10:10:00.000Z',
      'l2-paged met 2026-03-02T10:05:00.000Z',
      'client-update met 2026-03-02T11:00:00.000Z',
      'client-update breached 2026-03-02T11:30:00.000Z',
      'client-update pending 2026-03-02T12:30:00.000Z',
    ]);
  });

  it('titles every rule with the policy’s own numbers', () => {
    const title = (policy: Policy, id: string) => (ruleById.get(id as RuleId) as Rule).title(policy);
    expect(RULE_IDS.map((id) => title(DEFAULT_POLICY, id))).toEqual([
      'Incident Report Form filed within 5 min',
      'L2 paged by page or phone within 5 min',
      'L3 engaged through incident_system within 15 min',
      'L3 took ownership within 30 min',
      'Client updated every 2 h with status and ETR',
      'Troubleshooting documented before escalating',
      'Tagged Escalate-L2 within 5 min',
      'L2 resolved or handed to L3 within 2 working days',
      'L2 stays the client communicator after handing to L3',
    ]);
    const tuned = PolicyConfig.parse({
      rules: {
        'client-update': { everyMinutes: 90 },
        'l2-resolution': { workingDays: 1 },
        'l2-paged': { channels: ['phone'] },
      },
    });
    expect(title(tuned, 'client-update')).toBe('Client updated every 1 h 30 min with status and ETR');
    expect(title(tuned, 'l2-resolution')).toBe('L2 resolved or handed to L3 within 1 working day');
    expect(title(tuned, 'l2-paged')).toBe('L2 paged by phone within 5 min');
  });
});

describe('as-of and identity', () => {
  it('ignores events after the audit time', () => {
    const events = [created(at('10:00')), form(at('10:03'))];
    expect(statuses(audit(events, at('10:02')), 'incident-form')).toEqual(['pending 2026-03-02T10:05:00.000Z']);
  });

  it('reports one breach per (ticket, rule, due time)', () => {
    const handed = [created(at('09:00'), 'P2'), escalated(at('10:00'), 'L3', 'incident_system')];
    const r = audit([...handed, update(at('11:00'), 'L1'), update(at('11:00'), 'L3')], at('12:00'));
    expect(breachIds(r)).toEqual(['l2-communicator 2026-03-02T11:00:00.000Z']);
  });

  it('a conflicting redelivery under a known id: the first received stays', () => {
    const first = form(at('10:03'));
    const conflicting = { ...first, t: Date.parse(at('10:09')) };
    const r = audit([created(at('10:00')), first, conflicting], at('12:00'));
    expect(statuses(r, 'incident-form')).toEqual(['met 2026-03-02T10:05:00.000Z']);
    const reversed = audit([created(at('10:00')), conflicting, first], at('12:00'));
    expect(statuses(reversed, 'incident-form')).toEqual(['breached 2026-03-02T10:05:00.000Z']);
  });
});
