/** Policy versions with effective dates: parsing, and each obligation judged by the version in force at its clock start. */
import { describe, expect, it } from 'vitest';
import { earliestClockStart } from '../../lib/engine/lookback';
import { parsePolicy } from '../../lib/policy/load';
import { DEFAULT_POLICY } from '../../lib/policy/schema';
import { decodeYaml } from '../../lib/yaml';
import { at, audit, created, iso, ms } from '../helpers';

const FILE = `
id: CS-POL-001
version: "2025-11-01"
versions:
  - effective: "2026-03-02T13:00:00Z"
    version: "2026-03-02"
    rules:
      client-update: { everyMinutes: 60 }
      incident-form: { dueMinutes: 2 }
  - effective: "2026-03-02T16:00:00Z"
    version: "2026-03-02b"
    rules:
      client-update: { enabled: false }
`;
const policy = parsePolicy(FILE, decodeYaml);

describe('policy versions', () => {
  it('reads each version over the one before it, keeping what it leaves out', () => {
    expect(policy.version).toBe('2025-11-01');
    expect(policy.rules['client-update'].everyMinutes).toBe(120);
    const [v2, v3] = policy.versions ?? [];
    expect(v2?.effective).toBe(ms('2026-03-02T13:00:00Z'));
    expect(v2?.policy.rules['client-update']).toMatchObject({
      everyMinutes: 60,
      enabled: true,
      roles: ['CSM', 'HeadOfSupport'],
    });
    expect(v2?.policy.rules['incident-form'].dueMinutes).toBe(2);
    // the third lays its change over the second: the 60-minute cadence stays, disabled
    expect(v3?.policy.rules['client-update']).toMatchObject({ everyMinutes: 60, enabled: false });
    expect(v3?.policy.rules['incident-form'].dueMinutes).toBe(2);
  });

  it('refuses versions out of order, unnamed, renamed twice, or with an unknown key, naming the field', () => {
    const v = (entries: string) => () => parsePolicy(`versions:\n${entries}`, decodeYaml);
    expect(v('  - { effective: "2026-01-01T00:00:00Z", rules: {} }')).toThrow(
      'versions.0.version: each version names itself',
    );
    expect(v('  - { effective: "soon", version: a }')).toThrow('versions.0.effective: expected an RFC 3339 time');
    expect(
      v('  - { effective: "2026-02-01T00:00:00Z", version: a }\n  - { effective: "2026-01-01T00:00:00Z", version: b }'),
    ).toThrow('versions.1.effective: must be after the version before it');
    expect(v('  - { effective: "2026-02-01T00:00:00Z", version: "2025-11-01" }')).toThrow(
      'versions.0.version: "2025-11-01" is the name of an earlier version',
    );
    expect(v('  - { effective: "2026-02-01T00:00:00Z", version: a, rules: { client-updat: {} } }')).toThrow(
      /versions\.0\.rules/,
    );
    expect(v('  - { effective: "2026-02-01T00:00:00Z", version: a, id: OTHER }')).toThrow(
      "versions.0.id: a version cannot change the policy's id",
    );
  });

  it('judges each obligation by the version in force when its clock started, switching mid-episode', () => {
    // a P1 opened at 12:55, under the first version: its form is due in 5 minutes, not 2
    const result = audit([created(at('12:55'))], at('18:00'), policy);
    const form = result.obligations.find((o) => o.rule === 'incident-form');
    expect(form).toMatchObject({ policyVersion: '2025-11-01', dueAt: ms(at('13:00')) });
    // client updates: the window opened before 13:00 is 2 hours long; those opened from 13:00 are
    // 1 hour (the one the second version would end at 14:55 too is the first's: one per due time);
    // none opens from 16:00, when the third version switches the rule off, but the one opened at
    // 15:55 runs its hour under the version it opened in
    const updates = result.obligations
      .filter((o) => o.rule === 'client-update')
      .map((o) => `${iso(o.startAt).slice(11, 16)}-${iso(o.dueAt).slice(11, 16)} ${o.status} ${o.policyVersion}`);
    expect(updates).toEqual([
      '12:55-14:55 breached 2025-11-01',
      '14:55-15:55 breached 2026-03-02',
      '15:55-16:55 breached 2026-03-02',
    ]);
    // the breaches are the obligations breached, once each
    expect(result.breaches.filter((b) => b.rule === 'client-update')).toHaveLength(3);
  });

  it('a ticket that lives under one version only is judged by it', () => {
    const late = audit([created(at('16:30'))], at('18:00'), policy);
    expect(new Set(late.obligations.map((o) => o.policyVersion))).toEqual(new Set(['2026-03-02b']));
    expect(late.obligations.some((o) => o.rule === 'client-update')).toBe(false);
    expect(late.obligations.find((o) => o.rule === 'incident-form')?.dueAt).toBe(ms(at('16:32')));
    const plain = audit([created(at('16:30'))], at('18:00'), DEFAULT_POLICY);
    expect(new Set(plain.obligations.map((o) => o.policyVersion))).toEqual(new Set(['2025-11-01']));
  });

  it('looks back as far as the longest clock of any version', () => {
    const from = ms(at('12:00'));
    expect(earliestClockStart(policy, from)).toBe(earliestClockStart(DEFAULT_POLICY, from));
  });
});
