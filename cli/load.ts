import { EventLog } from '../lib/events/history';
import { parseLine } from '../lib/events/parse';
import { eachLine, type Source } from './lines';
import { count, type Progress } from './progress';

export interface Invalid {
  readonly line: number;
  readonly error: string;
}

export interface Loaded {
  readonly log: EventLog;
  /** Number of invalid lines. */
  readonly rejected: number;
  /** The first invalid lines, with why. */
  readonly invalid: readonly Invalid[];
}

/** Reads JSON Lines of canonical events into an event log; blank lines are skipped. */
export async function loadEvents(source: Source, progress: Progress, keepInvalid = 20): Promise<Loaded> {
  const log = new EventLog();
  const invalid: Invalid[] = [];
  let rejected = 0;
  let lines = 0;
  const started = Date.now();
  await eachLine(
    source,
    (text, line) => {
      lines = line;
      if (text.trim() === '') return;
      const r = parseLine(text);
      if (r.ok) log.add(r.event);
      else if (++rejected <= keepInvalid) invalid.push({ line, error: r.error });
    },
    (bytes) =>
      progress.update(() => {
        const pct = source.size ? ` ${Math.floor((100 * bytes) / source.size)}%` : '';
        const rate = Math.round(lines / Math.max(0.001, (Date.now() - started) / 1000));
        return `reading${pct} · ${count(lines)} lines · ${count(rate)} lines/s · ${count(log.tickets.size)} tickets`;
      }),
  );
  return { log, rejected, invalid };
}
