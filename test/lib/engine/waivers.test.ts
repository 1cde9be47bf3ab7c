/** Waivers: every rule of scope, expiry, revocation and the as-of time (lib/engine/waivers.ts). */
import { describe, expect, it } from 'vitest';
import { evaluateTicket } from '../../../lib/engine/evaluate';
import type { TicketAudit } from '../../../lib/engine/types';
import { parseWaivers, WaiverBook, type WaiverRecord } from '../../../lib/engine/waivers';
import { DEFAULT_POLICY } from '../../../lib/policy/schema';
import { at, created, form, iso, ms } from '../../helpers';

// a P1 ticket of client acme opened Monday 10:00: no form, no page, no update all day
const history = [created(at('10:00'))];
const ASOF = at('18:30');

const waiver = (id: string, scope: Record<string, unknown>, extra: Record<string, unknown> = {}) => ({
  id,
  scope,
  reason: 'the client asked for it',
  approver: 'maria (Head of Support)',
  grantedAt: at('09:00'),
  expiresAt: at('23:00'),
  ...extra,
});
const revocation = (id: string, revokes: string, grantedAt: string) => ({
  id,
  revokes,
  reason: 'granted in error',
  approver: 'maria (Head of Support)',
  grantedAt,
});

function run(records: unknown[], asOf = ASOF, events = history): { audit: TicketAudit; book: WaiverBook } {
  const book = new WaiverBook(parseWaivers(records), ms(asOf));
  return { audit: evaluateTicket('T-1', events, DEFAULT_POLICY, ms(asOf), book), book };
}
const excused = (a: TicketAudit) =>
  a.obligations.filter((o) => o.status === 'excused').map((o) => `${o.rule} ${iso(o.dueAt)} ${o.excuse?.waiverId}`);
const updates = (a: TicketAudit) =>
  a.obligations.filter((o) => o.rule === 'client-update').map((o) => `${o.status} ${iso(o.dueAt).slice(11, 16)}`);

describe('waivers', () => {
  it('without a register, nothing is excused; the breaches are as the engine finds them', () => {
    const { audit } = run([]);
    expect(excused(audit)).toEqual([]);
    expect(updates(audit)).toEqual([
      'breached 12:00',
      'breached 14:00',
      'breached 16:00',
      'breached 18:00',
      'pending 20:00',
    ]);
  });

  it('a ticket scope with a rule and a range excuses the breaches due in [from, to) only, and takes them out of the breaches', () => {
    const { audit } = run([
      waiver('W-1', { ticketId: 'T-1', rule: 'client-update', from: at('12:00'), to: at('16:00') }),
    ]);
    expect(updates(audit)).toEqual([
      'excused 12:00',
      'excused 14:00',
      'breached 16:00',
      'breached 18:00',
      'pending 20:00',
    ]);
    expect(audit.breaches.some((b) => b.rule === 'client-update' && b.dueAt === ms(at('12:00')))).toBe(false);
    const o = audit.obligations.find((x) => x.status === 'excused');
    expect(o?.excuse).toEqual({
      waiverId: 'W-1',
      approver: 'maria (Head of Support)',
      reason: 'the client asked for it',
      grantedAt: ms(at('09:00')),
      expiresAt: ms(at('23:00')),
    });
  });

  it('one due time excuses that breach only; a ticket scope without a rule excuses every rule', () => {
    expect(excused(run([waiver('W-1', { ticketId: 'T-1', rule: 'client-update', dueAt: at('14:00') })]).audit)).toEqual(
      [`client-update ${at('14:00').replace('Z', '.000Z')} W-1`],
    );
    const all = run([waiver('W-2', { ticketId: 'T-1' })]).audit;
    expect(all.breaches).toEqual([]);
    expect(new Set(all.obligations.filter((o) => o.status === 'excused').map((o) => o.rule))).toEqual(
      new Set(['incident-form', 'l2-paged', 'l3-engaged', 'l3-ownership', 'client-update']),
    );
  });

  it("a client scope excuses the client's tickets in the range, and no other client's", () => {
    const scope = { clientId: 'acme', rule: 'client-update', from: at('15:00'), to: at('23:00') };
    expect(updates(run([waiver('W-1', scope)]).audit)).toEqual([
      'breached 12:00',
      'breached 14:00',
      'excused 16:00',
      'excused 18:00',
      'pending 20:00',
    ]);
    const other = run([waiver('W-1', { ...scope, clientId: 'globex' })]);
    expect(excused(other.audit)).toEqual([]);
    expect(other.book.unmatched()).toEqual([
      { id: 'W-1', why: 'its scope covers no obligation of the tickets audited' },
    ]);
  });

  it('an expired waiver excuses nothing due at or after its expiry; what it excused before stays excused', () => {
    const { audit } = run([waiver('W-1', { ticketId: 'T-1', rule: 'client-update' }, { expiresAt: at('16:00') })]);
    expect(updates(audit)).toEqual([
      'excused 12:00',
      'excused 14:00',
      'breached 16:00',
      'breached 18:00',
      'pending 20:00',
    ]);
  });

  it('a revoked waiver excuses nothing due after the revocation; a revocation not yet granted at the as-of does not count', () => {
    const records = [waiver('W-1', { ticketId: 'T-1', rule: 'client-update' }), revocation('R-1', 'W-1', at('15:00'))];
    expect(updates(run(records).audit)).toEqual([
      'excused 12:00',
      'excused 14:00',
      'breached 16:00',
      'breached 18:00',
      'pending 20:00',
    ]);
    // as of 14:30 the revocation was not yet made: every breach so far is excused
    expect(updates(run(records, at('14:30')).audit)).toEqual(['excused 12:00', 'excused 14:00', 'pending 16:00']);
  });

  it('a waiver granted after the fact excuses a past breach, but only in an audit as of its grant or later', () => {
    const late = [
      waiver('W-1', { ticketId: 'T-1', rule: 'client-update', dueAt: at('12:00') }, { grantedAt: at('17:00') }),
    ];
    expect(updates(run(late, at('16:30')).audit)[0]).toBe('breached 12:00');
    expect(updates(run(late, at('18:30')).audit)[0]).toBe('excused 12:00');
  });

  it('excuses breaches only: what was met stays met, and the waiver still counts as matched', () => {
    const { audit, book } = run([waiver('W-1', { ticketId: 'T-1', rule: 'incident-form' })], ASOF, [
      created(at('10:00')),
      form(at('10:01')),
    ]);
    expect(audit.obligations.find((o) => o.rule === 'incident-form')?.status).toBe('met');
    expect(book.unmatched()).toEqual([]);
  });

  it('reports a waiver that matches nothing and a revocation of no known waiver', () => {
    const { book } = run([waiver('W-1', { ticketId: 'T-404' }), revocation('R-1', 'W-9', at('12:00'))]);
    expect(book.unmatched()).toEqual([
      { id: 'W-1', why: 'its scope covers no obligation of the tickets audited' },
      { id: 'R-1', why: 'revokes W-9, which is no known waiver' },
    ]);
  });

  it('refuses a register naming the record and the field: an unknown key, a missing approver, a reused id, an expiry before the grant', () => {
    const ok = waiver('W-1', { ticketId: 'T-1' });
    expect(() => parseWaivers([{ ...ok, scope: { ticketId: 'T-1', rul: 'client-update' } }])).toThrow(
      /\[0\] \(W-1\)\.scope/,
    );
    const { approver: _, ...noApprover } = ok;
    expect(() => parseWaivers([noApprover])).toThrow(/\[0\] \(W-1\)\.approver/);
    expect(() => parseWaivers([ok, ok])).toThrow(/\[1\] \(W-1\): the id is used twice/);
    expect(() => parseWaivers([{ ...ok, expiresAt: at('08:00') }])).toThrow(
      /\(W-1\)\.expiresAt: must be after grantedAt/,
    );
    expect(() => parseWaivers([waiver('W-2', { ticketId: 'T-1', rule: 'no-such-rule' })])).toThrow(/scope/);
    expect(() => parseWaivers({ id: 'W-1' })).toThrow(/expected a list/);
    expect(parseWaivers(null)).toEqual([] satisfies WaiverRecord[]);
  });
});
