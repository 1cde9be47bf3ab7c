import { describe, expect, it } from 'vitest';
import { parsePolicy } from '../../lib/policy/load';
import { DEFAULT_POLICY } from '../../lib/policy/schema';
import { decodeYaml } from '../../lib/yaml';

describe('policy', () => {
  it('CS-POL-001 carries every number of RULES.md', () => {
    expect(DEFAULT_POLICY.id).toBe('CS-POL-001');
    expect(DEFAULT_POLICY.version).toBe('2025-11-01');
    const r = DEFAULT_POLICY.rules;
    expect([r['incident-form'].dueMinutes, r['l2-paged'].dueMinutes, r['l3-engaged'].dueMinutes]).toEqual([5, 5, 15]);
    expect(r['l3-ownership'].dueMinutes).toBe(30);
    expect(r['client-update']).toMatchObject({ everyMinutes: 120, roles: ['CSM', 'HeadOfSupport'] });
    expect(r['l2-paged'].channels).toEqual(['page', 'phone']);
    expect(r['l3-engaged'].channels).toEqual(['incident_system']);
    expect(r['escalate-l2-tag']).toMatchObject({ dueMinutes: 5, tag: 'Escalate-L2' });
    expect(r['troubleshooting-documented'].dueMinutes).toBe(0);
    expect(r['l2-resolution'].workingDays).toBe(2);
    expect(r['l2-communicator'].allowedRoles).toEqual(['L2', 'CSM', 'HeadOfSupport']);
    expect(DEFAULT_POLICY.calendar).toMatchObject({ timeZone: 'UTC', holidays: [], workingDayHours: 8 });
    expect(DEFAULT_POLICY.calendar.weeklyHours.mon).toEqual([['09:00', '17:00']]);
    expect(DEFAULT_POLICY.calendar.weeklyHours.sat).toEqual([]);
  });

  it('reads YAML and JSON, filling what is omitted from the defaults', () => {
    const yaml = parsePolicy(
      'id: ACME\nversion: "2"\ncalendar:\n  timeZone: Europe/Berlin\n  holidays: ["2026-12-25"]\nrules:\n  l2-paged:\n    dueMinutes: 10\n',
      decodeYaml,
    );
    expect(yaml.rules['l2-paged']).toEqual({ enabled: true, dueMinutes: 10, channels: ['page', 'phone'] });
    expect(yaml.calendar.weeklyHours.fri).toEqual([['09:00', '17:00']]);
    const json = parsePolicy(JSON.stringify({ id: 'ACME', version: '2' }));
    expect(json.rules).toEqual(DEFAULT_POLICY.rules);
  });

  it.each([
    ['version: 1', 'version: Invalid input: expected string'],
    ['warnings: {leadMinute: 15}', 'warnings: Unrecognized key: "leadMinute"'],
    ['calendar: {timezone: Europe/Berlin}', 'calendar: Unrecognized key: "timezone"'],
    ['{"id": "A", "version": "1", "rules": {"l2-paged": {"dueMinutes": -1}}}', 'rules.l2-paged.dueMinutes'],
    ['{"id": "A", "version": "1", "rules": {"l2-pagd": {}}}', 'rules: Unrecognized key: "l2-pagd"'],
    ['{"id": "A", "version": "1", "calendar": {"timeZone": "Mars/Olympus"}}', 'calendar.timeZone: not a known IANA'],
    [
      '{"id": "A", "version": "1", "calendar": {"weeklyHours": {"mon": [["17:00", "09:00"]]}}}',
      'calendar.weeklyHours.mon.0',
    ],
    [
      '{"id": "A", "version": "1", "calendar": {"holidays": ["25/12/2026"]}}',
      'calendar.holidays.0: expected YYYY-MM-DD',
    ],
    [
      '{"id": "A", "version": "1", "calendar": {"weeklyHours": {"mon": [], "tue": [], "wed": [], "thu": [], "fri": []}}}',
      'no working hours',
    ],
    ['id: [unclosed', 'not valid JSON or YAML'],
    ['', 'expected object'],
  ])('names the field of an invalid policy: %s', (text, message) => {
    expect(() => parsePolicy(text, decodeYaml)).toThrow(message);
  });

  it('a partial file keeps CS-POL-001 for everything it leaves out, at any depth', () => {
    const warned = parsePolicy('warnings: {leadMinutes: 15}', decodeYaml);
    expect(warned).toEqual({ ...DEFAULT_POLICY, warnings: { leadMinutes: 15 } });
    const deep = parsePolicy(
      'rules:\n  client-update:\n    everyMinutes: 60\ncalendar:\n  weeklyHours:\n    sat: [["10:00", "14:00"]]\n',
      decodeYaml,
    );
    expect(deep.id).toBe('CS-POL-001');
    expect(deep.rules['client-update']).toEqual({ ...DEFAULT_POLICY.rules['client-update'], everyMinutes: 60 });
    expect(deep.calendar).toEqual({
      ...DEFAULT_POLICY.calendar,
      weeklyHours: { ...DEFAULT_POLICY.calendar.weeklyHours, sat: [['10:00', '14:00']] },
    });
    expect({ ...deep, rules: DEFAULT_POLICY.rules, calendar: DEFAULT_POLICY.calendar }).toEqual(DEFAULT_POLICY);
  });

  it('reads JSON alone unless given the YAML decoder (the Lambdas bundle no YAML parser)', () => {
    expect(() => parsePolicy('id: ACME')).toThrow('not valid JSON');
  });
});

describe('the documented example policy', () => {
  it('examples/policy.yaml spells out exactly the built-in CS-POL-001', async () => {
    const { readFile } = await import('node:fs/promises');
    const text = await readFile(new URL('../../examples/policy.yaml', import.meta.url), 'utf8');
    expect(parsePolicy(text, decodeYaml)).toEqual(DEFAULT_POLICY);
  });
});
