import * as fc from 'fast-check';
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

describe('working hours read on the local clock across daylight-saving changes (RULES.md section 4)', () => {
  const H = 3_600_000;
  const local = (iso: string, zone: string) => DateTime.fromISO(iso, { zone }).toMillis();
  // Europe/Berlin: Sun 29 Mar 2026 skips 02:00-03:00; Sun 25 Oct 2026 repeats 02:00-03:00.
  const sunday = (intervals: [string, string][]) =>
    calendar({
      timeZone: 'Europe/Berlin',
      weeklyHours: { sun: intervals, mon: [], tue: [], wed: [], thu: [], fri: [] },
    });

  it('a spring-forward day: readings that never occur add nothing (02:30-03:15 holds 15 minutes)', () => {
    const c = sunday([['02:30', '03:15']]);
    const from = local('2026-03-28T12:00', 'Europe/Berlin');
    expect(c.workingTimeBetween(from, from + 2 * 86_400_000)).toBe(15 * 60_000);
    // the count starts at 03:00 local (01:00Z), the first reading of the span that occurs
    expect(new Date(c.addWorkingTime(from, 10 * 60_000)).toISOString()).toBe('2026-03-29T01:10:00.000Z');
    // and is never inverted: 15 minutes later it is over, due the next Sunday
    expect(new Date(c.addWorkingTime(from, 20 * 60_000)).toISOString()).toBe('2026-04-05T00:35:00.000Z');
  });

  it('a fall-back day: a repeated reading counts each time (01:00-02:30 holds 2 hours)', () => {
    const c = sunday([['01:00', '02:30']]);
    const from = local('2026-10-24T12:00', 'Europe/Berlin');
    expect(c.workingTimeBetween(from, from + 2 * 86_400_000)).toBe(2 * H);
    expect(
      c
        .spansBetween(from, from + 2 * 86_400_000)
        .map(([a, b]) => [new Date(a).toISOString(), new Date(b).toISOString()]),
    ).toEqual([
      // 01:00-02:00 CEST, 02:00-02:30 CEST, then 02:00-02:30 again in CET
      ['2026-10-24T23:00:00.000Z', '2026-10-25T00:30:00.000Z'],
      ['2026-10-25T01:00:00.000Z', '2026-10-25T01:30:00.000Z'],
    ]);
  });

  it('two spans of one day never overlap after the zone resolves them (no instant counted twice)', () => {
    const c = sunday([
      ['01:30', '02:30'],
      ['02:30', '03:30'],
    ]);
    const spring = local('2026-03-28T12:00', 'Europe/Berlin');
    // 01:30-02:00 and 03:00-03:30 occur: one hour
    expect(c.workingTimeBetween(spring, spring + 2 * 86_400_000)).toBe(H);
    const fall = local('2026-10-24T12:00', 'Europe/Berlin');
    // 01:30-03:30 with 02:00-03:00 twice: three hours
    expect(c.workingTimeBetween(fall, fall + 2 * 86_400_000)).toBe(3 * H);
  });
});

describe('working time properties, over random calendars and zones with daylight saving', () => {
  const ZONES = [
    'UTC',
    'Europe/Berlin',
    'America/New_York',
    'Australia/Sydney',
    'America/Santiago',
    'Asia/Kolkata',
    'Australia/Lord_Howe',
    'America/Havana',
  ];
  const hhmm = (m: number) => `${String(Math.floor(m / 60)).padStart(2, '0')}:${String(m % 60).padStart(2, '0')}`;
  // a day's intervals: sorted, non-overlapping cut points in quarter hours
  const day = fc.uniqueArray(fc.integer({ min: 0, max: 96 }), { maxLength: 6 }).map((cuts) => {
    const sorted = [...cuts].sort((a, b) => a - b);
    const out: [string, string][] = [];
    for (let i = 0; i + 1 < sorted.length; i += 2)
      out.push([hhmm((sorted[i] as number) * 15), hhmm((sorted[i + 1] as number) * 15)]);
    return out;
  });
  const settings = fc
    .record({
      timeZone: fc.constantFrom(...ZONES),
      weeklyHours: fc.record({ mon: day, tue: day, wed: day, thu: day, fri: day, sat: day, sun: day }),
      holidays: fc.uniqueArray(
        fc
          .date({ min: new Date('2026-01-01'), max: new Date('2027-12-31'), noInvalidDate: true })
          .map((d) => d.toISOString().slice(0, 10)),
        { maxLength: 20 },
      ),
    })
    .filter((s) => Object.values(s.weeklyHours).some((d) => d.length > 0));
  const instant = fc.integer({ min: Date.parse('2026-01-01T00:00:00Z'), max: Date.parse('2027-06-30T00:00:00Z') });
  const span = fc.integer({ min: 0, max: 40 * 3_600_000 });

  it('adding is monotone and additive, never adds more than the working time, and spans are well formed', () => {
    fc.assert(
      fc.property(settings, instant, span, span, (s, start, x, y) => {
        const c = new WorkingCalendar(CalendarConfig.parse(s));
        const afterX = c.addWorkingTime(start, x);
        const afterXY = c.addWorkingTime(start, x + y);
        expect(afterX).toBeGreaterThanOrEqual(start);
        expect(afterXY).toBeGreaterThanOrEqual(afterX);
        // additive: x then y is x + y
        expect(c.addWorkingTime(afterX, y)).toBe(afterXY);
        // the working time between start and the due time is what was added, never more than elapsed
        expect(c.workingTimeBetween(start, afterXY)).toBe(x + y);
        expect(c.workingTimeBetween(start, afterXY)).toBeLessThanOrEqual(afterXY - start);
        // and it is the sum of that stretch's spans, each non-empty, in order, none overlapping
        const spans = c.spansBetween(start, afterXY);
        let previous = start;
        for (const [a, b] of spans) {
          expect(a).toBeLessThan(b);
          expect(a).toBeGreaterThanOrEqual(previous);
          previous = b;
        }
        expect(spans.reduce((sum, [a, b]) => sum + b - a, 0)).toBe(x + y);
      }),
      { numRuns: 300 },
    );
  });

  it('an instant is working time exactly when its local reading lies in its weekday’s intervals', () => {
    fc.assert(
      fc.property(settings, instant, (s, t) => {
        const c = new WorkingCalendar(CalendarConfig.parse(s));
        const reading = DateTime.fromMillis(t, { zone: s.timeZone });
        const weekday = (['mon', 'tue', 'wed', 'thu', 'fri', 'sat', 'sun'] as const)[reading.weekday - 1] as 'mon';
        const minute = reading.hour * 60 + reading.minute + reading.second / 60 + reading.millisecond / 60_000;
        const expected =
          !s.holidays.includes(reading.toISODate() as string) &&
          s.weeklyHours[weekday].some(([o, e]) => minute >= toMinutes(o) && minute < toMinutes(e));
        expect(c.workingTimeBetween(t, t + 1) === 1).toBe(expected);
      }),
      { numRuns: 2000 },
    );
  });
});

const toMinutes = (hhmm: string) => Number(hhmm.slice(0, 2)) * 60 + Number(hhmm.slice(3, 5));
