/**
 * Working-time arithmetic (RULES.md section 4) in the policy's IANA time zone.
 *
 * Working hours are read on the local clock, instant by instant: an instant is working time when
 * the local clock reading at that instant lies inside one of its weekday's intervals
 * `[open, close)` and its local date is not a holiday. Working time is then counted in real
 * elapsed time. So on the day clocks go forward the readings that never occur add nothing, and on
 * the day they go back a repeated reading counts each time it occurs.
 *
 * How: time is cut into stretches of constant UTC offset (the zone's transitions found by probing
 * and bisection). Within one, the reading is the instant plus that offset, so each interval of
 * each local day maps to one range of instants. The ranges of each UTC day are built once, sorted
 * and merged: instants in order, none counted twice, none inverted.
 */
import { Info, type Zone } from 'luxon';
import { type CalendarSettings, WEEKDAYS } from '../policy/schema';

const MINUTE = 60_000;
const HOUR = 60 * MINUTE;
const DAY = 24 * HOUR;
/** No real calendar needs more than this many days to find its working time. */
const MAX_DAYS = 366 * 20;
/** Offsets are probed this far apart; zones change offset far less often than this. */
const PROBE = 2 * HOUR;

/** A range of instants `[start, end)` that is working time. */
export type Span = readonly [start: number, end: number];

/** A local day's working intervals as minutes after local midnight. */
type Intervals = readonly (readonly [open: number, close: number])[];

const minutesOf = (hhmm: string) => Number(hhmm.slice(0, 2)) * 60 + Number(hhmm.slice(3, 5));

export class WorkingCalendar {
  private readonly zone: Zone;
  private readonly holidays: ReadonlySet<string>;
  private readonly weekly: readonly Intervals[];
  /** Working spans by UTC day number (days since 1970-01-01 UTC), each built once. */
  private readonly spansByDay = new Map<number, readonly Span[]>();

  constructor(private readonly settings: CalendarSettings) {
    this.zone = Info.normalizeZone(settings.timeZone);
    this.holidays = new Set(settings.holidays);
    this.weekly = WEEKDAYS.map((d) => settings.weeklyHours[d].map(([o, c]) => [minutesOf(o), minutesOf(c)] as const));
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
    const first = Math.floor(start / DAY);
    for (let day = first; day < first + MAX_DAYS; day++) {
      for (const [open, close] of this.spansOfUtcDay(day)) {
        if (close <= start) continue;
        const from = Math.max(open, start);
        if (remaining <= close - from) return from + remaining;
        remaining -= close - from;
      }
    }
    throw new Error(`the calendar has no ${duration / HOUR} h of working time within ${MAX_DAYS} days`);
  }

  /** The working time, in ms, between two instants (0 when `to` is not after `from`). */
  workingTimeBetween(from: number, to: number): number {
    let total = 0;
    for (const [open, close] of this.spansBetween(from, to)) total += close - open;
    return total;
  }

  /** The working spans that lie within `[from, to)`, clipped to it, in order (joined across midnight UTC). */
  spansBetween(from: number, to: number): Span[] {
    const out: [number, number][] = [];
    for (let day = Math.floor(from / DAY); day * DAY < to; day++) {
      for (const [open, close] of this.spansOfUtcDay(day)) {
        const a = Math.max(open, from);
        const b = Math.min(close, to);
        if (a >= b) continue;
        const last = out[out.length - 1];
        if (last && last[1] === a) last[1] = b;
        else out.push([a, b]);
      }
    }
    return out;
  }

  /** The local wall-clock time of an instant, as a Date whose UTC fields read in the zone. */
  wallClock(ms: number): Date {
    return new Date(ms + this.offset(ms));
  }

  /** The local calendar day of an instant, as days since 1970-01-01. */
  localDay(ms: number): number {
    return Math.floor((ms + this.offset(ms)) / DAY);
  }

  /** The zone's UTC offset at an instant, in ms. */
  private offset(ms: number): number {
    return this.zone.offset(ms) * MINUTE;
  }

  /** The working spans of the instants of one UTC day, sorted and merged. */
  private spansOfUtcDay(day: number): readonly Span[] {
    let spans = this.spansByDay.get(day);
    if (!spans) {
      spans = merge(this.constantOffsetPieces(day * DAY, (day + 1) * DAY).flatMap((p) => this.working(p)));
      this.spansByDay.set(day, spans);
    }
    return spans;
  }

  /** `[from, to)` cut where the zone's offset changes: pieces `[a, b)` with their offset in ms. */
  private constantOffsetPieces(from: number, to: number): { a: number; b: number; offset: number }[] {
    const pieces: { a: number; b: number; offset: number }[] = [];
    for (let a = from; a < to; ) {
      const offset = this.offset(a);
      let b = to;
      for (let previous = a; previous < to; previous += PROBE) {
        const probe = Math.min(previous + PROBE, to);
        if (this.offset(probe) === offset) continue;
        // the change lies in (previous, probe]: bisect to the first instant with the other offset
        let lo = previous;
        let hi = probe;
        while (hi - lo > 1) {
          const mid = Math.floor((lo + hi) / 2);
          if (this.offset(mid) === offset) lo = mid;
          else hi = mid;
        }
        b = hi;
        break;
      }
      pieces.push({ a, b, offset });
      a = b;
    }
    return pieces;
  }

  /** The working instants of a constant-offset piece: each local day's intervals, read through its offset. */
  private working({ a, b, offset }: { a: number; b: number; offset: number }): Span[] {
    const spans: Span[] = [];
    for (let local = Math.floor((a + offset) / DAY); local * DAY - offset < b; local++) {
      const date = new Date(local * DAY).toISOString().slice(0, 10);
      if (this.holidays.has(date)) continue;
      // 1970-01-01 was a Thursday; WEEKDAYS starts on Monday
      const intervals = this.weekly[(((local + 3) % 7) + 7) % 7] as Intervals;
      for (const [open, close] of intervals) {
        const start = Math.max(a, local * DAY + open * MINUTE - offset);
        const end = Math.min(b, local * DAY + close * MINUTE - offset);
        if (start < end) spans.push([start, end]);
      }
    }
    return spans;
  }
}

/** Sorts spans by start and joins those that overlap or touch, so no instant counts twice. */
function merge(spans: Span[]): Span[] {
  spans.sort((x, y) => x[0] - y[0]);
  const out: [number, number][] = [];
  for (const [start, end] of spans) {
    const last = out[out.length - 1];
    if (last && start <= last[1]) last[1] = Math.max(last[1], end);
    else out.push([start, end]);
  }
  return out;
}
