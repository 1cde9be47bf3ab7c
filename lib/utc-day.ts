/** UTC days, `yyyy-mm-dd`: the day index's partitions and the ledger's day roots are named by them. */

const DAY = 86_400_000;

/** The UTC day of a time. */
export const utcDay = (ms: number): string => new Date(ms).toISOString().slice(0, 10);

/** Every UTC day that [from, to) touches, in order. */
export function utcDays(from: number, to: number): string[] {
  const days: string[] = [];
  for (let day = Math.floor(from / DAY) * DAY; day < to; day += DAY) days.push(utcDay(day));
  return days;
}
