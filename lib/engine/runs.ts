/**
 * Runs of missed updates: consecutive breached windows of one ticket's cadence rule (each window
 * starting where the missed one before it fell due) read as one line for a person ("27 missed
 * windows, Sat 10:00 to Mon 08:00"). Every breach keeps its own identity (RULES.md section 2);
 * this only groups them for reading.
 */
import { ruleById } from './rules';
import type { Breach } from './types';

export interface MissedRun {
  readonly ticketId: string;
  readonly rule: Breach['rule'];
  readonly severity: Breach['severity'];
  /** How many consecutive windows were missed (2 or more). */
  readonly count: number;
  /** The first missed window's clock start and due time, and the last one's due time. */
  readonly startAt: number;
  readonly firstDueAt: number;
  readonly lastDueAt: number;
}

/** One line of a readable breach list: a single breach, or a run of missed windows. */
export type BreachRow =
  | { readonly breach: Breach; readonly run?: undefined }
  | { readonly breach?: undefined; readonly run: MissedRun };

/** The due time a row is listed at. */
export const rowDueAt = (row: BreachRow): number => (row.run ? row.run.firstDueAt : row.breach.dueAt);

/**
 * One ticket's breaches (in due order) as rows: consecutive missed windows of a cadence rule
 * become one run; everything else stays a row of its own.
 */
export function breachRows(breaches: readonly Breach[]): BreachRow[] {
  const rows: BreachRow[] = [];
  let run: Breach[] = [];
  const close = () => {
    if (run.length === 1) rows.push({ breach: run[0] as Breach });
    else if (run.length > 1) {
      const first = run[0] as Breach;
      rows.push({
        run: {
          ticketId: first.ticketId,
          rule: first.rule,
          severity: first.severity,
          count: run.length,
          startAt: first.startAt,
          firstDueAt: first.dueAt,
          lastDueAt: (run[run.length - 1] as Breach).dueAt,
        },
      });
    }
    run = [];
  };
  const cadence = breaches.filter((b) => ruleById.get(b.rule)?.kind === 'cadence');
  for (const b of cadence) {
    const last = run[run.length - 1];
    if (last && (last.rule !== b.rule || b.startAt !== last.dueAt)) close();
    run.push(b);
  }
  close();
  for (const b of breaches) if (ruleById.get(b.rule)?.kind !== 'cadence') rows.push({ breach: b });
  return rows.sort((x, y) => rowDueAt(x) - rowDueAt(y));
}

/** The runs alone (2 or more consecutive missed windows), for the JSON document. */
export const missedRuns = (breaches: readonly Breach[]): MissedRun[] =>
  breachRows(breaches).flatMap((r) => (r.run ? [r.run] : []));
