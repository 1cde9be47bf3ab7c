/**
 * Working-time arithmetic (RULES.md section 4) in the policy's IANA time zone. Opening hours are
 * local wall-clock intervals per weekday; their instants come from the zone's rules, so a
 * daylight-saving change moves them exactly as it moves the office's clocks.
 */
import { DateTime } from 'luxon';
import { type CalendarSettings, WEEKDAYS } from '../policy/schema';

const HOUR = 3_600_000;
/** No real calendar needs more than this many days to find its working time. */
const MAX_DAYS = 366 * 20;

type Span = readonly [open: number, close: number];

export class WorkingCalendar {
  private readonly holidays: ReadonlySet<string>;
  private readonly days = new Map<string, readonly Span[]>();

  constructor(private readonly settings: CalendarSettings) {
    this.holidays = new Set(settings.holidays);
  }

  get timeZone(): string {
    return this.settings.timeZone;
  }

  /** The length of `n` working days in milliseconds. */
  workingDays(n: number): number {
    return n * this.settings.workingDayHours * HOUR;
  }

  /**
   * The instant at which `duration` ms of working time, counted from `start`, have passed. A clock
   * that starts outside working hours starts at the next opening; a count that ends exactly at
   * closing time is due at that closing time.
   */
  addWorkingTime(start: number, duration: number): number {
    let remaining = duration;
    let day = DateTime.fromMillis(start, { zone: this.settings.timeZone }).startOf('day');
    for (let i = 0; i < MAX_DAYS; i++, day = day.plus({ days: 1 })) {
      for (const [open, close] of this.openings(day)) {
        if (close <= start) continue;
        const from = Math.max(open, start);
        if (remaining <= close - from) return from + remaining;
        remaining -= close - from;
      }
    }
    throw new Error(`the calendar has no ${duration / HOUR} h of working time within ${MAX_DAYS} days`);
  }

  /** The opening spans of one local day as instants; none on a holiday. */
  private openings(day: DateTime): readonly Span[] {
    const key = day.toISODate() ?? '';
    let spans = this.days.get(key);
    if (spans) return spans;
    const weekday = WEEKDAYS[day.weekday - 1] ?? 'mon';
    spans = this.holidays.has(key)
      ? []
      : this.settings.weeklyHours[weekday].map(([from, to]) => [at(day, from), at(day, to)] as const);
    this.days.set(key, spans);
    return spans;
  }
}

/** The instant of local time `hhmm` on `day`; "24:00" is the next day's midnight. */
function at(day: DateTime, hhmm: string): number {
  const hour = Number(hhmm.slice(0, 2));
  const minute = Number(hhmm.slice(3, 5));
  if (hour === 24) return day.plus({ days: 1 }).startOf('day').toMillis();
  return day.set({ hour, minute, second: 0, millisecond: 0 }).toMillis();
}
