/**
 * Working-time arithmetic (RULES.md section 4) in the policy's IANA time zone. Opening hours are
 * local wall-clock intervals per weekday; their instants come from the zone's rules, so a
 * daylight-saving change moves them exactly as it moves the office's clocks.
 */
import { DateTime, Info, type Zone } from 'luxon';
import { type CalendarSettings, WEEKDAYS } from '../policy/schema';

const HOUR = 3_600_000;
const DAY = 24 * HOUR;
/** No real calendar needs more than this many days to find its working time. */
const MAX_DAYS = 366 * 20;

type Span = readonly [open: number, close: number];

interface Day {
  readonly n: number;
  /** Local midnight. */
  readonly date: DateTime;
  /** Opening spans as instants; none on a holiday or a day without hours. */
  readonly spans: readonly Span[];
  next?: Day;
}

export class WorkingCalendar {
  private readonly zone: Zone;
  private readonly holidays: ReadonlySet<string>;
  /** Local days by day number (days since 1970-01-01 local), each built once: the only place
   * that pays for time-zone rules. */
  private readonly days = new Map<number, Day>();

  constructor(private readonly settings: CalendarSettings) {
    this.zone = Info.normalizeZone(settings.timeZone);
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
    let day = this.dayOf(start);
    for (let i = 0; i < MAX_DAYS; i++, day = this.nextDay(day)) {
      for (const [open, close] of day.spans) {
        if (close <= start) continue;
        const from = Math.max(open, start);
        if (remaining <= close - from) return from + remaining;
        remaining -= close - from;
      }
    }
    throw new Error(`the calendar has no ${duration / HOUR} h of working time within ${MAX_DAYS} days`);
  }

  /** The local wall-clock time of an instant, as a Date whose UTC fields read in the zone. */
  wallClock(ms: number): Date {
    return new Date(ms + this.zone.offset(ms) * 60_000);
  }

  /** The local calendar day of an instant, as days since 1970-01-01. */
  localDay(ms: number): number {
    return Math.floor((ms + this.zone.offset(ms) * 60_000) / DAY);
  }

  private dayOf(ms: number): Day {
    const n = this.localDay(ms);
    return (
      this.days.get(n) ??
      this.build(n, DateTime.fromMillis(n * DAY, { zone: 'UTC' }).setZone(this.zone, { keepLocalTime: true }))
    );
  }

  private nextDay(day: Day): Day {
    if (!day.next) {
      const n = day.n + 1;
      day.next = this.days.get(n) ?? this.build(n, day.date.plus({ days: 1 }));
    }
    return day.next;
  }

  private build(n: number, date: DateTime): Day {
    const key = date.toISODate() as string;
    const weekday = WEEKDAYS[date.weekday - 1] ?? 'mon';
    const spans = this.holidays.has(key)
      ? []
      : this.settings.weeklyHours[weekday].map(([from, to]) => [at(date, from), at(date, to)] as const);
    const day: Day = { n, date, spans };
    this.days.set(n, day);
    return day;
  }
}

/** The instant of local time `hhmm` on `day`; "24:00" is the next day's midnight. */
function at(day: DateTime, hhmm: string): number {
  const hour = Number(hhmm.slice(0, 2));
  const minute = Number(hhmm.slice(3, 5));
  if (hour === 24) return day.plus({ days: 1 }).startOf('day').toMillis();
  return day.set({ hour, minute, second: 0, millisecond: 0 }).toMillis();
}
