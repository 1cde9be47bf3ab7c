import { DateTime } from 'luxon';
import { describe, expect, it } from 'vitest';
import { WorkingCalendar } from '../../lib/calendar';
import { CalendarConfig } from '../../lib/policy/schema';

const calendar = (settings: object = {}) => new WorkingCalendar(CalendarConfig.parse(settings));
const twoDays = (c: WorkingCalendar) => c.workingDays(2);
const due = (c: WorkingCalendar, start: string, zone = 'UTC') => {
  const from = DateTime.fromISO(start, { zone }).toMillis();
  return DateTime.fromMillis(c.addWorkingTime(from, twoDays(c)), { zone }).toFormat("ccc yyyy-MM-dd'T'HH:mm");
};

describe('working time, default calendar (RULES.md section 4 examples)', () => {
  const c = calendar();
  it.each([
    ['Fri 15:00 -> Tue 15:00', '2026-03-06T15:00', 'Tue 2026-03-10T15:00'],
    ['Sat 10:00 -> Tue 17:00', '2026-03-07T10:00', 'Tue 2026-03-10T17:00'],
    ['Wed 08:00 -> Thu 17:00', '2026-03-04T08:00', 'Thu 2026-03-05T17:00'],
    ['Mon 17:30 -> Wed 17:00', '2026-03-02T17:30', 'Wed 2026-03-04T17:00'],
  ])('%s', (_, start, expected) => {
    expect(due(c, start)).toBe(expected);
  });

  it('a count that ends exactly at closing time is due at closing time, not at the next opening', () => {
    expect(due(c, '2026-03-02T09:00')).toBe('Tue 2026-03-03T17:00');
  });

  it('starts at the next opening when the clock starts at closing time exactly', () => {
    expect(due(c, '2026-03-02T17:00')).toBe('Wed 2026-03-04T17:00');
  });

  it('zero working time is due at once inside working hours and at the next opening outside them', () => {
    expect(c.addWorkingTime(Date.parse('2026-03-02T10:00:00Z'), 0)).toBe(Date.parse('2026-03-02T10:00:00Z'));
    expect(c.addWorkingTime(Date.parse('2026-03-07T10:00:00Z'), 0)).toBe(Date.parse('2026-03-09T09:00:00Z'));
  });
});

describe('working time, configured calendars', () => {
  it('skips holidays (local dates)', () => {
    const c = calendar({ holidays: ['2026-03-09'] });
    expect(due(c, '2026-03-06T15:00')).toBe('Wed 2026-03-11T15:00');
  });

  it('counts several intervals a day and none on days without hours', () => {
    const c = calendar({
      weeklyHours: {
        mon: [
          ['09:00', '12:00'],
          ['13:00', '18:00'],
        ],
        tue: [],
        wed: [['10:00', '14:00']],
      },
      workingDayHours: 4,
    });
    // Mon 11:00 + 8 h: Mon 11-12 (1 h), 13-18 (5 h), Tue nothing, Wed 10-12 (2 h)
    expect(due(c, '2026-03-02T11:00')).toBe('Wed 2026-03-04T12:00');
  });

  it('runs in the policy time zone: Europe/Berlin across the spring-forward weekend', () => {
    // DST starts Sun 29 March 2026 at 02:00 in Berlin: UTC+1 before, UTC+2 after.
    const c = calendar({ timeZone: 'Europe/Berlin' });
    expect(due(c, '2026-03-27T15:00', 'Europe/Berlin')).toBe('Tue 2026-03-31T15:00');
    const start = DateTime.fromISO('2026-03-27T15:00', { zone: 'Europe/Berlin' }).toMillis();
    // Friday 15:00 local is 14:00Z; Tuesday 15:00 local is 13:00Z: 4 days minus one hour later.
    expect(new Date(c.addWorkingTime(start, twoDays(c))).toISOString()).toBe('2026-03-31T13:00:00.000Z');
  });

  it('runs in the policy time zone: America/New_York across the fall-back weekend', () => {
    // DST ends Sun 1 Nov 2026 at 02:00 in New York: UTC-4 before, UTC-5 after.
    const c = calendar({ timeZone: 'America/New_York' });
    const start = DateTime.fromISO('2026-10-30T16:00', { zone: 'America/New_York' }).toMillis();
    expect(new Date(c.addWorkingTime(start, twoDays(c))).toISOString()).toBe('2026-11-03T21:00:00.000Z');
  });

  it('measures real elapsed time in an interval that spans a daylight-saving change', () => {
    // Round-the-clock Sunday in Berlin on 29 March 2026 has 23 hours.
    const c = calendar({ timeZone: 'Europe/Berlin', weeklyHours: { sun: [['00:00', '24:00']], mon: [] } });
    const start = DateTime.fromISO('2026-03-29T00:00', { zone: 'Europe/Berlin' }).toMillis();
    const end = c.addWorkingTime(start, 23 * 3_600_000);
    expect(DateTime.fromMillis(end, { zone: 'Europe/Berlin' }).toISO()).toBe('2026-03-30T00:00:00.000+02:00');
  });
});
